/**
 * The Node.js transport: `node:net` and `node:tls`. Node buffers every write, so a
 * write is always taken whole; when `write()` reports a full buffer we take no more
 * until `drain`, which keeps the Selector's queue, not Node's, holding the backlog.
 *
 * @module
 */
import * as net from "node:net";
import type * as nodeTls from "node:tls";
import type { Transport, TransportAddress, TransportEvents, TransportSocket } from "./transport.ts";
import { CloseOnce, isTlsErrorCode, tlsFailure } from "./transport.ts";

// node:tls brings node:crypto and some twenty internal modules: a few ms of every cold start, so it
// loads with the first TLS connection only.
let tlsModule: Promise<typeof nodeTls> | undefined;

class NodeSocket implements TransportSocket {
  #socket: net.Socket | undefined;
  readonly #closing: CloseOnce;
  #blocked = false;
  #error: Error | undefined;

  constructor(address: TransportAddress, events: TransportEvents) {
    this.#closing = new CloseOnce(events, () => this.#socket?.destroy());
    if (!address.tls) {
      this.#wire(net.connect({ host: address.host, port: address.port }), address, events);
      return;
    }
    (tlsModule ??= import("node:tls")).then((tls) => {
      if (!this.#closing.closed) this.#wire(tlsConnect(tls, address), address, events);
    }, (error: Error) => this.#closing.fail(error));
  }

  #wire(socket: net.Socket, address: TransportAddress, events: TransportEvents): void {
    this.#socket = socket;
    const secure = Boolean(address.tls);
    socket.setNoDelay(true);
    socket.on(secure ? "secureConnect" : "connect", () => {
      if (!this.#closing.closed) events.onOpen();
    });
    socket.on("data", (chunk: Uint8Array) => {
      if (!this.#closing.closed) events.onData(chunk);
    });
    socket.on("drain", () => {
      this.#blocked = false;
      if (!this.#closing.closed) events.onDrain();
    });
    socket.on("error", (error: Error & { code?: string }) => {
      // A certificate the peer refused or we could not verify: say so, not just "closed".
      this.#error ??= secure && isTlsErrorCode(error.code) ? tlsFailure(address, error) : error;
    });
    socket.on("close", () => this.#closing.fail(this.#error ?? new Error("connection closed by the broker")));
  }

  write(data: Uint8Array): number {
    const socket = this.#socket;
    if (socket === undefined || this.#blocked || this.#closing.closed) return 0;
    if (!socket.write(data)) this.#blocked = true;
    return data.length;
  }

  close(): void {
    this.#closing.close();
  }
}

function tlsConnect(tls: typeof nodeTls, address: TransportAddress): net.Socket {
  const options = address.tls!;
  return tls.connect({
    host: address.host,
    port: address.port,
    // Node trusts only `ca` when given; keep the default roots too, as Deno does.
    ca: options.ca === undefined ? undefined : [...tls.rootCertificates, ...[options.ca].flat()],
    cert: options.cert,
    key: options.key,
    servername: options.servername ?? (net.isIP(address.host) ? undefined : address.host),
    rejectUnauthorized: options.rejectUnauthorized ?? true,
  });
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
