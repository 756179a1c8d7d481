/**
 * Requests sent to each node and not yet answered, oldest first, as the Java client's
 * `InFlightRequests`. Kafka answers requests on one connection in order, so the oldest
 * is always the one the next response belongs to.
 *
 * @module
 */
import type { ClientRequest } from "./client_request.ts";

/**
 * The per-node queues of in-flight requests.
 *
 * @example
 * ```ts
 * import { InFlightRequests } from "./in_flight_requests.ts";
 * const inFlight = new InFlightRequests(5);
 * console.log(inFlight.canSendMore(1)); // true
 * ```
 */
export class InFlightRequests {
  readonly #byNode = new Map<number, ClientRequest[]>();
  readonly #maxPerConnection: number;
  #total = 0;

  /** @param maxPerConnection The most unanswered requests per connection. */
  constructor(maxPerConnection: number) {
    this.#maxPerConnection = maxPerConnection;
  }

  /** Adds a request that is being sent. */
  add(request: ClientRequest): void {
    let queue = this.#byNode.get(request.destination);
    if (queue === undefined) this.#byNode.set(request.destination, queue = []);
    queue.push(request);
    this.#total++;
  }

  /** The oldest request to a node, which the next response answers. */
  oldest(nodeId: number): ClientRequest | undefined {
    return this.#byNode.get(nodeId)?.[0];
  }

  /** Removes and returns the oldest request to a node. */
  completeOldest(nodeId: number): ClientRequest {
    const request = this.#byNode.get(nodeId)?.shift();
    if (request === undefined) throw new Error(`no request in flight to node ${nodeId}`);
    this.#total--;
    return request;
  }

  /**
   * Marks the oldest request whose bytes were still being written as written, and
   * returns it; one call per completed send, in order.
   */
  markNextSent(nodeId: number): ClientRequest | undefined {
    const queue = this.#byNode.get(nodeId);
    const request = queue?.find((candidate) => !candidate.sendCompleted);
    if (request !== undefined) request.sendCompleted = true;
    return request;
  }

  /** Removes a request that expects no response once it is written. */
  remove(request: ClientRequest): void {
    const queue = this.#byNode.get(request.destination);
    const index = queue?.indexOf(request) ?? -1;
    if (index < 0) return;
    queue!.splice(index, 1);
    this.#total--;
  }

  /**
   * Whether another request may go to the node: the last one is fully written and
   * fewer than the maximum are unanswered.
   */
  canSendMore(nodeId: number): boolean {
    const queue = this.#byNode.get(nodeId);
    return queue === undefined || queue.length === 0 ||
      (queue[queue.length - 1].sendCompleted && queue.length < this.#maxPerConnection);
  }

  /** Unanswered requests to one node, or to all nodes. */
  count(nodeId?: number): number {
    return nodeId === undefined ? this.#total : this.#byNode.get(nodeId)?.length ?? 0;
  }

  /** Removes and returns every request to a node, oldest first. */
  clearAll(nodeId: number): ClientRequest[] {
    const queue = this.#byNode.get(nodeId) ?? [];
    this.#byNode.delete(nodeId);
    this.#total -= queue.length;
    return queue;
  }

  /** Nodes with a request older than its timeout. */
  nodesWithTimedOutRequests(now: number): number[] {
    const nodes: number[] = [];
    for (const [nodeId, queue] of this.#byNode) {
      if (queue.some((request) => now - request.sendTimeMs >= request.requestTimeoutMs)) nodes.push(nodeId);
    }
    return nodes;
  }

  /** The earliest moment any request times out, or Infinity. */
  nextTimeoutMs(): number {
    let earliest = Infinity;
    for (const queue of this.#byNode.values()) {
      for (const request of queue) earliest = Math.min(earliest, request.sendTimeMs + request.requestTimeoutMs);
    }
    return earliest;
  }
}
