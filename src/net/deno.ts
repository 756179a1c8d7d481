/**
 * The Deno transport: `Deno.connect` / `Deno.connectTls`, read into one reused buffer,
 * and one write in flight at a time because Deno's `write` may write only part.
 *
 * Two TLS options are beyond `Deno.connectTls`: turning certificate verification off
 * (Deno allows that only process-wide, by a flag) and a server name other than the
 * host connected to. For those, this adapter hands the connection to the `node:tls`
 * adapter, which Deno implements with per-connection options.
 *
 * @module
 */
import type { Transport, TransportAddress, TransportEvents, TransportSocket } from "./transport.ts";
import { CloseOnce, lazyTransport, tlsFailure } from "./transport.ts";

// Large reads keep the per-chunk cost of Deno's op layer low.
const READ_BUFFER_BYTES = 256 * 1024;

class DenoSocket implements TransportSocket {
  #conn: Deno.Conn | null = null;
  #writing = false;
  readonly #events: TransportEvents;
  readonly #closing: CloseOnce;

  constructor(address: TransportAddress, events: TransportEvents) {
    this.#events = events;
    this.#closing = new CloseOnce(events, () => this.#closeConn());
    this.#open(address);
  }

  async #open(address: TransportAddress): Promise<void> {
    let conn: Deno.TcpConn | Deno.TlsConn;
    try {
      conn = address.tls ? await connectTls(address) : await Deno.connect({ hostname: address.host, port: address.port });
    } catch (error) {
      this.#closing.fail(this.#describe(address, error));
      return;
    }
    try {
      if (this.#closing.closed) {
        conn.close();
        return;
      }
      this.#conn = conn;
      if ("setNoDelay" in conn) conn.setNoDelay(true);
      this.#events.onOpen();
      await this.#readLoop(conn);
    } catch (error) {
      this.#closing.fail(this.#describe(address, error));
    }
  }

  /**
   * Deno reports TLS failures (a bad certificate, a fatal alert) as InvalidData. Other
   * errors get the Node-style `code` the core matches on, where Deno gives none.
   */
  #describe(address: TransportAddress, error: unknown): Error {
    if (address.tls && error instanceof Deno.errors.InvalidData) return tlsFailure(address, error);
    if (!(error instanceof Error)) return new Error(String(error));
    if ((error as { code?: unknown }).code === undefined) {
      const code = error instanceof Deno.errors.ConnectionRefused
        ? "ECONNREFUSED"
        : /failed to lookup address/i.test(error.message)
        ? "ENOTFOUND"
        : undefined;
      if (code !== undefined) Object.assign(error, { code });
    }
    return error;
  }

  async #readLoop(conn: Deno.Conn): Promise<void> {
    // Reused: onData's contract is that the receiver copies what it keeps.
    const buffer = new Uint8Array(READ_BUFFER_BYTES);
    while (!this.#closing.closed) {
      const n = await conn.read(buffer);
      if (n === null) {
        this.#closing.fail(new Error("connection closed by the broker"));
        return;
      }
      if (n > 0) this.#events.onData(buffer.subarray(0, n));
    }
  }

  write(data: Uint8Array): number {
    if (this.#writing || this.#closing.closed || this.#conn === null) return 0;
    this.#writing = true;
    this.#writeAll(this.#conn, data);
    return data.length;
  }

  async #writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
    try {
      let offset = 0;
      while (offset < data.length) offset += await conn.write(data.subarray(offset));
    } catch (error) {
      this.#closing.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.#writing = false;
    if (!this.#closing.closed) this.#events.onDrain();
  }

  close(): void {
    this.#closing.close();
  }

  #closeConn(): void {
    try {
      this.#conn?.close();
    } catch {
      // Already closed by the runtime; nothing left to release.
    }
  }
}

async function connectTls(address: TransportAddress): Promise<Deno.TlsConn> {
  const tls = address.tls!;
  const caCerts = tls.ca === undefined ? undefined : Array.isArray(tls.ca) ? tls.ca : [tls.ca];
  const options: Deno.ConnectTlsOptions & { cert?: string; key?: string } = {
    hostname: address.host,
    port: address.port,
    caCerts,
  };
  if (tls.cert !== undefined && tls.key !== undefined) {
    options.cert = tls.cert;
    options.key = tls.key;
  }
  const conn = await Deno.connectTls(options);
  // A bad certificate would otherwise only surface on the first read or write.
  await conn.handshake();
  return conn;
}

/** Whether the TLS options need more than `Deno.connectTls` offers (see the module doc). */
function needsNodeTls(address: TransportAddress): boolean {
  const tls = address.tls;
  return tls !== undefined && (tls.rejectUnauthorized === false || (tls.servername !== undefined && tls.servername !== address.host));
}

// Loaded only when some connection needs it.
const nodeTlsTransport = lazyTransport("node", async () => (await import("./node.ts")).nodeTransport);

/**
 * The transport for Deno.
 *
 * @example
 * ```ts
 * import { denoTransport } from "./deno.ts";
 * import { Selector } from "./selector.ts";
 * const selector = new Selector(denoTransport);
 * ```
 */
export const denoTransport: Transport = {
  name: "deno",
  connect: (address, events) => needsNodeTls(address) ? nodeTlsTransport.connect(address, events) : new DenoSocket(address, events),
};
