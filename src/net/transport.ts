/**
 * The seam between the runtime-agnostic core and each runtime's sockets. One small
 * adapter per runtime implements {@link Transport}; the {@link Selector} is its only user.
 *
 * @module
 */
import { SslAuthenticationError } from "../errors.ts";

/** Where to connect, and whether to speak TLS. */
export interface TransportAddress {
  /** Host name or IP address. */
  host: string;
  /** TCP port. */
  port: number;
  /** TLS settings; absent means plaintext TCP. */
  tls?: TlsOptions;
}

/** TLS settings understood by every adapter (PEM strings). */
export interface TlsOptions {
  /** Extra CA certificates to trust, in PEM. */
  ca?: string | string[];
  /** Client certificate chain for mutual TLS, in PEM. */
  cert?: string;
  /** Client private key for mutual TLS, in PEM. */
  key?: string;
  /** Server name for SNI and hostname verification; defaults to the host. */
  servername?: string;
  /** Verify the broker's certificate and host name (default true). */
  rejectUnauthorized?: boolean;
}

/**
 * The error an adapter reports when TLS fails (certificate verification, a refused
 * client certificate, a peer that does not speak TLS), naming the address.
 *
 * @example
 * ```ts
 * import { tlsFailure } from "./transport.ts";
 * const err = tlsFailure({ host: "127.0.0.1", port: 9093 }, new Error("invalid peer certificate: UnknownIssuer"));
 * console.log(err.message); // TLS handshake with 127.0.0.1:9093 failed: invalid peer certificate: UnknownIssuer
 * ```
 */
export function tlsFailure(address: { host: string; port: number }, error: unknown): SslAuthenticationError {
  const code = (error as { code?: unknown })?.code;
  const detail = error instanceof Error ? error.message : String(error);
  const withCode = typeof code === "string" && !detail.includes(code) ? `${code}: ${detail}` : detail;
  return new SslAuthenticationError(`TLS handshake with ${address.host}:${address.port} failed: ${withCode}`, error);
}

/**
 * Whether a Node- or Bun-style error code names a TLS failure (an OpenSSL verification
 * code such as SELF_SIGNED_CERT_IN_CHAIN, ERR_TLS_* / ERR_SSL_*, or EPROTO) rather
 * than a socket error such as ECONNRESET. Only asked about errors on TLS sockets.
 *
 * @example
 * ```ts
 * import { isTlsErrorCode } from "./transport.ts";
 * console.log(isTlsErrorCode("ERR_TLS_CERT_ALTNAME_INVALID"), isTlsErrorCode("ECONNRESET")); // true false
 * ```
 */
export function isTlsErrorCode(code: unknown): boolean {
  if (typeof code !== "string") return false;
  // EPROTO: a TLS alert from the peer, as Bun reports a refused client certificate.
  return code === "EPROTO" || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_") || !/^E[A-Z]/.test(code);
}

/**
 * What a socket reports. An adapter calls these from its runtime's callbacks; `onClose`
 * comes exactly once, last, with an error unless the close was asked for.
 */
export interface TransportEvents {
  /** The connection (and TLS handshake, if any) is established. */
  onOpen(): void;
  /** Bytes arrived. The array is only valid during the call: copy what you keep. */
  onData(chunk: Uint8Array): void;
  /** The socket can take more bytes after a short {@link TransportSocket.write}. */
  onDrain(): void;
  /**
   * The connection is gone; `error` says why when it was not a requested close. Its
   * `code` is Node-style whatever the runtime (ECONNREFUSED, ENOTFOUND, ...), so the
   * core can tell a refused connection from an unknown host without naming a runtime.
   */
  onClose(error?: Error): void;
}

/**
 * The close-once rule every adapter keeps: its runtime socket is released once, and
 * `onClose` comes exactly once, last; a microtask after {@link TransportSocket.close}
 * (so it never runs inside the caller's close) without an error, or at once with the
 * error that ended the connection.
 *
 * @example
 * ```ts
 * import { CloseOnce } from "./transport.ts";
 * const closing = new CloseOnce({ onOpen() {}, onData() {}, onDrain() {}, onClose: (e) => console.log("closed", e) }, () => {});
 * closing.fail(new Error("reset"));
 * closing.close(); // nothing: it is closed already
 * console.log(closing.closed); // true
 * ```
 */
export class CloseOnce {
  readonly #events: TransportEvents;
  readonly #release: () => void;
  #closed = false;

  /**
   * @param events Whose `onClose` to call.
   * @param release Frees the runtime's socket; called once, before `onClose`.
   */
  constructor(events: TransportEvents, release: () => void) {
    this.#events = events;
    this.#release = release;
  }

  /** Whether the connection is closed (asked for, or failed). */
  get closed(): boolean {
    return this.#closed;
  }

  /** A close asked for: releases the socket; `onClose` follows without an error. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#release();
    queueMicrotask(() => this.#events.onClose());
  }

  /** The connection failed or the broker closed it: releases the socket and reports `error`. */
  fail(error: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#release();
    this.#events.onClose(error);
  }
}

/** One open (or opening) connection as the Selector sees it. */
export interface TransportSocket {
  /**
   * Offers bytes to the socket and returns how many it took (0 to `data.length`). The
   * rest must be offered again after {@link TransportEvents.onDrain}. The caller must
   * not change the bytes it handed over: some runtimes write them later.
   */
  write(data: Uint8Array): number;
  /** Closes the connection; `onClose` follows without an error. */
  close(): void;
}

/**
 * Opens sockets on one runtime.
 *
 * @example A transport that refuses everything (for tests)
 * ```ts
 * import type { Transport } from "./transport.ts";
 * const refusing: Transport = {
 *   name: "refusing",
 *   connect(_address, events) {
 *     queueMicrotask(() => events.onClose(new Error("refused")));
 *     return { write: () => 0, close() {} };
 *   },
 * };
 * ```
 */
export interface Transport {
  /** A short name for logs, such as "deno" or "node". */
  readonly name: string;
  /**
   * Starts connecting. Returns at once; the outcome arrives as `onOpen` or `onClose`.
   * Nothing is written before `onOpen`.
   */
  connect(address: TransportAddress, events: TransportEvents): TransportSocket;
}

/**
 * A transport whose implementation is imported on the first `connect`, so a program
 * loads only the adapter it uses. Sockets asked for before the import finishes
 * connect once it has.
 *
 * @example
 * ```ts
 * import { lazyTransport } from "./transport.ts";
 * const node = lazyTransport("node", async () => (await import("./node.ts")).nodeTransport);
 * ```
 */
export function lazyTransport(name: string, load: () => Promise<Transport>): Transport {
  let loaded: Transport | undefined;
  let loading: Promise<Transport> | undefined;
  return {
    name,
    connect(address, events): TransportSocket {
      if (loaded) return loaded.connect(address, events);
      let inner: TransportSocket | undefined;
      let closed = false;
      (loading ??= load()).then(
        (transport) => {
          loaded = transport;
          if (!closed) inner = transport.connect(address, events);
        },
        (error) => {
          if (!closed) events.onClose(error instanceof Error ? error : new Error(String(error)));
        },
      );
      return {
        write: (data) => inner?.write(data) ?? 0,
        close() {
          if (closed) return;
          closed = true;
          if (inner) inner.close();
          else queueMicrotask(() => events.onClose());
        },
      };
    },
  };
}
