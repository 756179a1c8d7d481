/**
 * The Cloudflare Workers transport: `connect()` from `cloudflare:sockets`, as workerd
 * (Cloudflare's runtime, also under `wrangler dev`) provides it. A socket is a pair of
 * web streams: bytes are read with one reader loop and written through one writer.
 *
 * A writer takes every chunk and queues it, so `write()` takes whole chunks too, but
 * stops taking them while more than {@link WRITE_HIGH_WATER_BYTES} are queued and not
 * yet written, and reports `onDrain` once the queue has emptied. That keeps the
 * Selector's queue, not the stream's, holding any backlog.
 *
 * Limits of the platform, not of this adapter:
 * - A socket belongs to the request (or `waitUntil`) that opened it: create the producer
 *   inside the handler and close it before that request's work ends.
 * - TLS is `secureTransport: "on"` with the platform's trust store. A per-connection CA
 *   (`ssl.ca`), a client certificate (`ssl.cert`/`ssl.key`) and turning verification off
 *   (`ssl.rejectUnauthorized: false`) cannot be expressed; asking for them fails the
 *   connection at once with an {@link SslAuthenticationError} whose cause is a
 *   {@link ConfigError} naming the key. (Self-hosted workerd trusts extra CAs through the
 *   `tlsOptions.trustedCertificates` of the network service that is `globalOutbound`.)
 * - `ssl.servername` other than the host is honoured by connecting with
 *   `secureTransport: "starttls"` and upgrading at once with `startTls({ expectedServerHostname })`.
 *   workerd (1.20261117) applies that name but logs the option as unsupported; if a
 *   runtime refuses it, the connection fails with a ConfigError naming `ssl.servername`.
 * - With `secureTransport: "on"`, workerd rejects `opened` for an untrusted certificate
 *   with the same "proxy request failed, cannot connect to the specified address" as for
 *   a refused connection (the reason goes only to workerd's log), so such a failure is
 *   retried like a network error; its message says it may be TLS. After `startTls()`
 *   a failed handshake surfaces as "internal error; reference = ..."; on a TLS socket
 *   such an error before the broker sent anything is reported as a TLS failure.
 *
 * @module
 */
import { ConfigError, SslAuthenticationError } from "../errors.ts";
import type { Transport, TransportAddress, TransportEvents, TransportSocket } from "./transport.ts";
import { CloseOnce, tlsFailure } from "./transport.ts";

/** Queued, unwritten bytes above which `write()` takes nothing until the queue drains. */
export const WRITE_HIGH_WATER_BYTES = 1024 * 1024;

/** The part of `cloudflare:sockets`' `Socket` this adapter uses. */
export interface CloudflareSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<unknown>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
  startTls(options?: { expectedServerHostname?: string }): CloudflareSocket;
}

/** `connect()` of `cloudflare:sockets`. */
export type CloudflareConnect = (
  address: { hostname: string; port: number },
  options?: { secureTransport?: "off" | "on" | "starttls"; allowHalfOpen?: boolean },
) => CloudflareSocket;

/** The TLS option a Worker's socket cannot honour, or undefined when all can be. */
function unsupportedTls(address: TransportAddress): ConfigError | undefined {
  const tls = address.tls;
  if (tls === undefined) return undefined;
  if (tls.ca !== undefined && [tls.ca].flat().length > 0) {
    return new ConfigError(
      "ssl.ca",
      "Cloudflare Workers sockets trust only the platform's CAs; a self-hosted workerd can add yours as trustedCertificates of its network service",
    );
  }
  if (tls.cert !== undefined || tls.key !== undefined) {
    return new ConfigError("ssl.cert", "Cloudflare Workers sockets cannot present a client certificate (mutual TLS)");
  }
  if (tls.rejectUnauthorized === false) {
    return new ConfigError("ssl.rejectUnauthorized", "Cloudflare Workers sockets always verify the broker's certificate");
  }
  return undefined;
}

// TLS failures as runtimes word them; workerd's own is an opaque internal error (see the module doc).
const TLS_MESSAGE = /\b(tls|ssl|certificate|handshake)\b/i;
const OPAQUE_MESSAGE = /^internal error\b/;
const CANNOT_CONNECT = /^proxy request failed/;

class WorkerSocket implements TransportSocket {
  readonly #address: TransportAddress;
  readonly #events: TransportEvents;
  #socket: CloudflareSocket | null = null;
  #writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  #unwritten = 0;
  #blocked = false;
  #received = false;
  readonly #closing: CloseOnce;

  constructor(connect: CloudflareConnect, address: TransportAddress, events: TransportEvents) {
    this.#address = address;
    this.#events = events;
    this.#closing = new CloseOnce(events, () => this.#release());
    const refused = unsupportedTls(address);
    if (refused !== undefined) {
      queueMicrotask(() => this.#closing.fail(tlsFailure(address, refused)));
      return;
    }
    try {
      this.#socket = open(connect, address);
    } catch (error) {
      // connect() throws synchronously for a malformed or forbidden address, startTls() for an option it refuses.
      queueMicrotask(() => this.#closing.fail(error instanceof SslAuthenticationError ? error : this.#describe(error)));
      return;
    }
    this.#run(this.#socket);
  }

  async #run(socket: CloudflareSocket): Promise<void> {
    try {
      await socket.opened;
      if (this.#closing.closed) return;
      this.#writer = socket.writable.getWriter();
      this.#events.onOpen();
      const reader = socket.readable.getReader();
      while (!this.#closing.closed) {
        const { done, value } = await reader.read();
        if (done) {
          this.#closing.fail(new Error("connection closed by the broker"));
          return;
        }
        if (value.length === 0 || this.#closing.closed) continue;
        this.#received = true;
        this.#events.onData(value);
      }
    } catch (error) {
      this.#closing.fail(this.#describe(error));
    }
  }

  write(data: Uint8Array): number {
    const writer = this.#writer;
    if (writer === null || this.#blocked || this.#closing.closed) return 0;
    this.#unwritten += data.length;
    if (this.#unwritten >= WRITE_HIGH_WATER_BYTES) this.#blocked = true;
    writer.write(data).then(
      () => {
        this.#unwritten -= data.length;
        if (this.#blocked && this.#unwritten === 0 && !this.#closing.closed) {
          this.#blocked = false;
          this.#events.onDrain();
        }
      },
      (error) => this.#closing.fail(this.#describe(error)),
    );
    return data.length;
  }

  close(): void {
    this.#closing.close();
  }

  #describe(error: unknown): Error | SslAuthenticationError {
    const cause = error instanceof Error ? error : new Error(String(error));
    const tls = this.#address.tls !== undefined &&
      (TLS_MESSAGE.test(cause.message) || (!this.#received && OPAQUE_MESSAGE.test(cause.message)));
    if (tls) return tlsFailure(this.#address, cause);
    if (this.#address.tls !== undefined && CANNOT_CONNECT.test(cause.message)) {
      return new Error(`${cause.message} (workerd says the same when the broker's TLS certificate is not trusted; its log tells which)`, {
        cause,
      });
    }
    return cause;
  }

  #release(): void {
    // Rejections after a close are expected (pending writes, the read loop); nobody waits for them.
    this.#socket?.close().catch(() => {});
  }
}

function open(connect: CloudflareConnect, address: TransportAddress): CloudflareSocket {
  const target = { hostname: address.host, port: address.port };
  const servername = address.tls?.servername;
  if (address.tls === undefined) return connect(target, { secureTransport: "off" });
  if (servername === undefined || servername === address.host) return connect(target, { secureTransport: "on" });
  // "on" always verifies against the host connected to; only startTls takes another name.
  const socket = connect(target, { secureTransport: "starttls" });
  try {
    return socket.startTls({ expectedServerHostname: servername });
  } catch (error) {
    socket.close().catch(() => {});
    const refused = new ConfigError("ssl.servername", `this runtime cannot verify another name than the host: ${error}`);
    throw tlsFailure(address, refused);
  }
}

/**
 * A transport over a given `connect()`; {@link loadCloudflareTransport} passes the one
 * from `cloudflare:sockets`. Taking it as a parameter lets tests drive the adapter
 * with a stand-in.
 *
 * @example
 * ```ts
 * import { cloudflareTransport } from "./cloudflare.ts";
 * import { Selector } from "./selector.ts";
 * const { connect } = await import("cloudflare:sockets");
 * const selector = new Selector(cloudflareTransport(connect));
 * ```
 */
export function cloudflareTransport(connect: CloudflareConnect): Transport {
  return {
    name: "workerd",
    connect: (address, events) => new WorkerSocket(connect, address, events),
  };
}

/**
 * Imports `cloudflare:sockets` and returns the transport over its `connect()`. Only
 * workerd has that module, so this is called only when that runtime was picked.
 *
 * @example
 * ```ts
 * import { loadCloudflareTransport } from "./cloudflare.ts";
 * import { Selector } from "./selector.ts";
 * const selector = new Selector(await loadCloudflareTransport());
 * ```
 */
export async function loadCloudflareTransport(): Promise<Transport> {
  const sockets = await import("cloudflare:sockets") as { connect: CloudflareConnect };
  return cloudflareTransport(sockets.connect);
}
