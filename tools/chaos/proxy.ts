/**
 * A TCP proxy that misbehaves on request, put between the producer under test and one
 * broker. Bytes flow through one {@link Lane} per direction; the proxy's current
 * {@link NetworkFault} decides how a lane hands them on. Bytes held back (black hole,
 * latency, bandwidth) are delivered in order once the fault is lifted, as TCP delivers a
 * healed partition's retransmits: requests the client already gave up on still reach the
 * broker, which is how duplicates would be made.
 *
 * @module
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

/** How the proxy treats bytes right now. */
export type NetworkFault =
  | { kind: "pass" }
  /** Connections stay open, no byte moves either way. */
  | { kind: "blackhole" }
  /** Every chunk is held this long in each direction. */
  | { kind: "latency"; ms: number }
  /** Bytes are written one at a time, each its own TCP segment. */
  | { kind: "slice" }
  /** Each direction moves at most this many bytes per second. */
  | { kind: "bandwidth"; bytesPerSecond: number }
  /** New connections are accepted and reset at once (existing ones are reset by {@link FaultyProxy.resetAll}). */
  | { kind: "refuse" };

const TICK_MS = 10;

/** One direction of one proxied connection. */
class Lane {
  readonly #queue: { bytes: Uint8Array; arrived: number }[] = [];
  readonly #out: Socket;
  readonly #proxy: FaultyProxy;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ending = false;
  #budget = 0;
  #budgetAt = 0;

  constructor(out: Socket, proxy: FaultyProxy) {
    this.#out = out;
    this.#proxy = proxy;
  }

  push(bytes: Uint8Array): void {
    this.#queue.push({ bytes, arrived: Date.now() });
    this.pump();
  }

  /** The sender closed: end the far side once what it sent has been delivered. */
  end(): void {
    this.#ending = true;
    this.pump();
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
  }

  /** Hands on what the current fault lets through; called on new bytes and on every fault change. */
  pump(): void {
    if (this.#timer !== undefined || this.#out.destroyed) return;
    const fault = this.#proxy.fault;
    while (this.#queue.length > 0) {
      const head = this.#queue[0];
      switch (fault.kind) {
        case "blackhole":
          return;
        case "latency": {
          const wait = head.arrived + fault.ms - Date.now();
          if (wait > 0) return this.#later(wait);
          break;
        }
        case "slice":
          this.#out.write(head.bytes.subarray(0, 1));
          if (head.bytes.length === 1) this.#queue.shift();
          else head.bytes = head.bytes.subarray(1);
          return this.#later(0);
        case "bandwidth": {
          const now = Date.now();
          // A bucket of a tenth of a second's bytes: bursts stay short.
          this.#budget = Math.min(fault.bytesPerSecond / 10, this.#budget + (now - this.#budgetAt) * fault.bytesPerSecond / 1000);
          this.#budgetAt = now;
          const allowed = Math.floor(this.#budget);
          if (allowed === 0) return this.#later(TICK_MS);
          const take = Math.min(allowed, head.bytes.length);
          this.#out.write(head.bytes.subarray(0, take));
          this.#budget -= take;
          if (take === head.bytes.length) this.#queue.shift();
          else head.bytes = head.bytes.subarray(take);
          continue;
        }
      }
      this.#out.write(head.bytes);
      this.#queue.shift();
    }
    if (this.#ending) this.#out.end();
  }

  #later(ms: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.pump();
    }, ms);
  }
}

/**
 * Listens on a free loopback port and forwards each connection to `target`.
 *
 * @example
 * ```ts
 * import { FaultyProxy } from "./proxy.ts";
 * const proxy = new FaultyProxy({ host: "127.0.0.1", port: 9092 });
 * const port = await proxy.listen();
 * proxy.setFault({ kind: "latency", ms: 200 });
 * proxy.setFault({ kind: "pass" });
 * await proxy.close();
 * ```
 */
export class FaultyProxy {
  readonly target: { host: string; port: number };
  #fault: NetworkFault = { kind: "pass" };
  readonly #server: Server;
  readonly #lanes = new Set<Lane>();
  readonly #sockets = new Set<Socket>();
  /** Connections accepted so far (a reconnect count for the report). */
  accepted = 0;

  constructor(target: { host: string; port: number }) {
    this.target = target;
    this.#server = createServer((client) => this.#accept(client));
  }

  get fault(): NetworkFault {
    return this.#fault;
  }

  /** Starts listening; resolves with the port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(0, "127.0.0.1", () => resolve((this.#server.address() as { port: number }).port));
    });
  }

  /** Switches every connection, open and future, to `fault`. */
  setFault(fault: NetworkFault): void {
    this.#fault = fault;
    for (const lane of this.#lanes) lane.pump();
  }

  /** Drops every open connection at once, both sides, as a reset does. */
  resetAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Stops listening and drops every connection. */
  close(): Promise<void> {
    this.resetAll();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.accepted++;
    if (this.#fault.kind === "refuse") {
      client.destroy();
      return;
    }
    const broker = createConnection(this.target);
    client.setNoDelay(true);
    broker.setNoDelay(true);
    const up = new Lane(broker, this);
    const down = new Lane(client, this);
    const pairs: [Socket, Lane, Lane][] = [[client, up, down], [broker, down, up]];
    for (const [socket, outgoing, incoming] of pairs) {
      this.#sockets.add(socket);
      socket.on("data", (chunk: Uint8Array) => outgoing.push(chunk));
      socket.on("end", () => outgoing.end());
      socket.on("error", () => {});
      socket.on("close", () => {
        this.#sockets.delete(socket);
        incoming.cancel();
        this.#lanes.delete(incoming);
        // A side that died without a clean end takes its partner with it.
        if (socket.readableEnded === false) {
          outgoing.cancel();
          this.#lanes.delete(outgoing);
          for (const [other] of pairs) if (other !== socket) other.destroy();
        }
      });
    }
    this.#lanes.add(up).add(down);
  }
}
