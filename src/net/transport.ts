/**
 * The seam between the runtime-agnostic core and each runtime's sockets. One small
 * adapter per runtime implements {@link Transport}; the {@link Selector} is its only user.
 *
 * @module
 */

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
  /** The connection is gone; `error` says why when it was not a requested close. */
  onClose(error?: Error): void;
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
