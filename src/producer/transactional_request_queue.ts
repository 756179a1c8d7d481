/**
 * The queue of transactional requests the Sender sends one at a time, with their
 * backoff and the coordinators they go to (Java keeps these in its TransactionManager's
 * pendingRequests and coordinator fields).
 *
 * @module
 */
import type { BrokerNode } from "../client/metadata.ts";
import type { CoordinatorTarget, TransactionalRequest } from "./transaction_types.ts";

/**
 * Transactional requests in their order, the one in flight, and each coordinator as
 * FindCoordinator gave it.
 *
 * @example
 * ```ts
 * import { TransactionalRequestQueue } from "./transactional_request_queue.ts";
 * const queue = new TransactionalRequestQueue();
 * console.log(queue.isDue(0), queue.head); // true undefined
 * ```
 */
export class TransactionalRequestQueue {
  readonly #queue: TransactionalRequest[] = [];
  #inFlight: TransactionalRequest | undefined;
  #notBeforeMs = 0;
  // Until when a request put back for a node not ready yet lets the Sender's poll sleep: a network event may end it sooner.
  #idleUntilMs = 0;
  // Each coordinator as FindCoordinator gave it, address included: the metadata may not list it yet.
  readonly #coordinators = new Map<string, BrokerNode>();

  /** The request waiting for its answer. */
  get inFlight(): TransactionalRequest | undefined {
    return this.#inFlight;
  }

  /** The request to send next. */
  get head(): TransactionalRequest | undefined {
    return this.#queue[0];
  }

  /** Whether no request waits to be sent. */
  get isEmpty(): boolean {
    return this.#queue.length === 0;
  }

  /** Whether a request may be sent now: none is in flight and no backoff runs. */
  isDue(now: number): boolean {
    return this.#inFlight === undefined && now >= this.#notBeforeMs;
  }

  /** How long until a queued request may go, ignoring whether one does. */
  waitMs(now: number): number {
    return Math.max(0, this.#notBeforeMs - now, this.#idleUntilMs - now);
  }

  /** Queues a request behind the others. */
  add(request: TransactionalRequest): void {
    this.#queue.push(request);
  }

  /** Queues a request ahead of the others. */
  addFirst(request: TransactionalRequest): void {
    this.#queue.unshift(request);
  }

  /** Takes the head off the queue without sending it. */
  dropHead(): void {
    this.#queue.shift();
  }

  /** Drops every queued request but those `keep` accepts. */
  retain(keep: (request: TransactionalRequest) => boolean): void {
    const kept = this.#queue.filter(keep);
    this.#queue.length = 0;
    this.#queue.push(...kept);
  }

  /**
   * Marks the head in flight and returns it; when its coordinator is not known yet, the
   * lookup `findCoordinator` builds goes instead and the head stays queued.
   */
  sendNext(findCoordinator: (target: CoordinatorTarget) => TransactionalRequest): TransactionalRequest | undefined {
    const next = this.#queue[0];
    if (next === undefined) return undefined;
    this.#idleUntilMs = 0;
    if (next.target !== "any" && !this.#coordinators.has(coordinatorKey(next.target))) {
      return this.#inFlight = findCoordinator(next.target);
    }
    this.#queue.shift();
    return this.#inFlight = next;
  }

  /** The in-flight request was answered (or failed). */
  answered(): void {
    this.#inFlight = undefined;
  }

  /** Puts an answered request back at the head, to be sent again after `backoffMs`. */
  retry(request: TransactionalRequest, now: number, backoffMs: number, forgetCoordinator: boolean): void {
    if (forgetCoordinator && request.target !== "any") this.#coordinators.delete(coordinatorKey(request.target));
    // A coordinator lookup is made afresh each time: the request that needed it is still queued.
    if (request.target !== "any") this.#queue.unshift(request);
    this.#notBeforeMs = now + backoffMs;
  }

  /**
   * Takes back a request the Sender could not send yet. Its broker still connecting, it is
   * due again as soon as the Sender wakes, `waitMs` at the latest; with `forgetCoordinator`,
   * its coordinator is looked up again, after `waitMs`.
   */
  putBack(request: TransactionalRequest, now: number, waitMs: number, forgetCoordinator: boolean): void {
    this.#inFlight = undefined;
    if (request.target !== "any") this.#queue.unshift(request);
    if (forgetCoordinator && request.target !== "any") {
      this.#coordinators.delete(coordinatorKey(request.target));
      this.#notBeforeMs = now + waitMs;
    } else {
      this.#idleUntilMs = now + waitMs;
    }
  }

  /** Notes the coordinator FindCoordinator found for `target`. */
  setCoordinator(target: CoordinatorTarget, node: BrokerNode): void {
    this.#coordinators.set(coordinatorKey(target), node);
  }

  /** The coordinator a request goes to, with the address FindCoordinator gave. */
  coordinator(target: CoordinatorTarget): BrokerNode | undefined {
    return this.#coordinators.get(coordinatorKey(target));
  }
}

function coordinatorKey(target: CoordinatorTarget): string {
  return `${target.keyType}:${target.key}`;
}
