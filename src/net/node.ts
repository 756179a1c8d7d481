/**
 * The Node.js transport: `node:net` and `node:tls`. Node buffers every write, so a
 * write is always taken whole; when `write()` reports a full buffer we take no more
 * until `drain`, which keeps the Selector's queue, not Node's, holding the backlog.
 *
 * @module
 */
import * as net from "node:net";
import * as tls from "node:tls";
import type { Transport, TransportAddress, TransportEvents, TransportSocket } from "./transport.ts";
import { CloseOnce, isTlsErrorCode, tlsFailure } from "./transport.ts";

class NodeSocket implements TransportSocket {
  readonly #socket: net.Socket;
  readonly #closing: CloseOnce;
  #blocked = false;
  #error: Error | undefined;

  constructor(address: TransportAddress, events: TransportEvents) {
    this.#closing = new CloseOnce(events, () => this.#socket.destroy());
    const options = address.tls;
    this.#socket = options
      ? tls.connect({
        host: address.host,
        port: address.port,
        // Node trusts only `ca` when given; keep the default roots too, as Deno does.
        ca: options.ca === undefined ? undefined : [...tls.rootCertificates, ...[options.ca].flat()],
        cert: options.cert,
        key: options.key,
        servername: options.servername ?? (net.isIP(address.host) ? undefined : address.host),
        rejectUnauthorized: options.rejectUnauthorized ?? true,
      })
      : net.connect({ host: address.host, port: address.port });
    this.#socket.setNoDelay(true);
    this.#socket.on(options ? "secureConnect" : "connect", () => {
      if (!this.#closing.closed) events.onOpen();
    });
    this.#socket.on("data", (chunk: Uint8Array) => {
      if (!this.#closing.closed) events.onData(chunk);
    });
    this.#socket.on("drain", () => {
      this.#blocked = false;
      if (!this.#closing.closed) events.onDrain();
    });
    this.#socket.on("error", (error: Error & { code?: string }) => {
      // A certificate the peer refused or we could not verify: say so, not just "closed".
      this.#error ??= options && isTlsErrorCode(error.code) ? tlsFailure(address, error) : error;
    });
    this.#socket.on("close", () => this.#closing.fail(this.#error ?? new Error("connection closed by the broker")));
  }

  write(data: Uint8Array): number {
    if (this.#blocked || this.#closing.closed) return 0;
    if (!this.#socket.write(data)) this.#blocked = true;
    return data.length;
  }

  close(): void {
    this.#closing.close();
  }
}

/**
 * The transport for Node.js (and any runtime with `node:net`).
 *
 * @example
 * ```ts
 * import { nodeTransport } from "./node.ts";
 * import { Selector } from "./selector.ts";
 * const selector = new Selector(nodeTransport);
 * ```
 */
export const nodeTransport: Transport = {
  name: "node",
  connect: (address, events) => new NodeSocket(address, events),
};
