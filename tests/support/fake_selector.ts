/**
 * A selector the test drives by hand, in the spirit of the Java client's MockSelector:
 * it records what the NetworkClient connects and sends, and delivers whatever the test
 * queues at the next poll. `poll` never waits.
 */
import type { Disconnection, NetworkReceive, Selectable } from "../../src/net/selector.ts";
import type { TransportAddress } from "../../src/net/transport.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { concatBytes } from "../../src/bytes.ts";

export interface SentRequest {
  nodeId: number;
  apiKey: number;
  version: number;
  correlationId: number;
  frame: Uint8Array;
}

export class FakeSelector implements Selectable {
  connected: number[] = [];
  disconnected: Disconnection[] = [];
  completedSends: number[] = [];
  completedReceives: NetworkReceive[] = [];
  readonly connects: { nodeId: number; address: TransportAddress }[] = [];
  readonly sent: SentRequest[] = [];
  readonly closed: number[] = [];
  wakeups = 0;
  /** When false, sends stay unwritten (no completedSends) until `completeSends()`. */
  autoCompleteSends = true;
  #open = new Set<number>();
  #pendingSends: number[] = [];
  #next = { connected: [] as number[], disconnected: [] as Disconnection[], completedReceives: [] as NetworkReceive[] };

  connect(nodeId: number, address: TransportAddress): void {
    this.connects.push({ nodeId, address });
  }

  send(nodeId: number, chunks: Uint8Array | readonly Uint8Array[]): void {
    if (!this.#open.has(nodeId)) throw new Error(`node ${nodeId} is not connected`);
    const frame = chunks instanceof Uint8Array ? chunks : concatBytes(chunks);
    const r = new Reader(frame, 4);
    const apiKey = r.int16();
    const version = r.int16();
    const correlationId = r.int32();
    this.sent.push({ nodeId, apiKey, version, correlationId, frame });
    this.#pendingSends.push(nodeId);
  }

  close(nodeId: number): void {
    this.closed.push(nodeId);
    this.#open.delete(nodeId);
  }

  wakeup(): void {
    this.wakeups++;
  }

  poll(_timeoutMs: number): Promise<void> {
    this.connected = this.#next.connected;
    this.disconnected = this.#next.disconnected;
    this.completedReceives = this.#next.completedReceives;
    this.#next = { connected: [], disconnected: [], completedReceives: [] };
    if (this.autoCompleteSends) this.completeSends();
    else this.completedSends = [];
    return Promise.resolve();
  }

  /** Reports every send so far as written at the next poll. */
  completeSends(): void {
    this.completedSends = this.#pendingSends;
    this.#pendingSends = [];
  }

  /** The node's socket opens at the next poll. */
  openConnection(nodeId: number): void {
    this.#open.add(nodeId);
    this.#next.connected.push(nodeId);
  }

  /** The node's socket fails at the next poll. */
  failConnection(nodeId: number, error = new Error("connection reset")): void {
    this.#open.delete(nodeId);
    this.#next.disconnected.push({ nodeId, error });
  }

  /** A response frame (without size prefix) arrives at the next poll. */
  receive(nodeId: number, payload: Uint8Array): void {
    this.#next.completedReceives.push({ nodeId, payload });
  }

  /** The last request sent with this api key. */
  lastSent(apiKey: number): SentRequest {
    const found = this.sent.filter((s) => s.apiKey === apiKey).at(-1);
    if (found === undefined) throw new Error(`nothing sent with api key ${apiKey}`);
    return found;
  }
}
