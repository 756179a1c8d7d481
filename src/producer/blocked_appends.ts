/**
 * Appends that wait for buffer memory, in send order, with their deadlines: Java's send()
 * blocks its caller in `BufferPool.allocate`, here the caller gets a promise instead.
 *
 * @module
 */
import type { Cluster } from "../client/metadata.ts";
import type { Clock } from "../clock.ts";
import { clearClockTimer, setClockTimer } from "../clock.ts";
import { ClosedError, TimeoutError } from "../errors.ts";
import type { BufferPool } from "./buffer_pool.ts";
import { Fifo } from "./fifo.ts";
import { withResolvers } from "./pending_sends.ts";
import type { ProducerMetrics } from "./producer_metrics.ts";
import type { AppendRequest } from "./record_accumulator.ts";

/** What {@link AppendNow} returns when the record is in a batch. */
export const APPENDED = 0;
/** What {@link AppendNow} returns when the record is in a new batch over the buffer it was given. */
export const APPENDED_INTO_GIVEN_BUFFER = -1;

/**
 * Appends a record without waiting, into a new batch over `buffer` when it needs one and
 * one is given: {@link APPENDED}, {@link APPENDED_INTO_GIVEN_BUFFER}, or the buffer size
 * still needed.
 */
export type AppendNow = (record: AppendRequest, cluster: Cluster, now: number, buffer: Uint8Array | undefined) => number;

/** What blocked appends need from the accumulator. */
export interface BlockedAppendsParts {
  /** The memory they wait for. */
  readonly pool: BufferPool;
  /** Whose timers end the waits of appends with an early deadline. */
  readonly clock: Clock;
  /** Named in the error of an append that waited too long. */
  readonly maxBlockMs: number;
  /** Where waits and exhaustion are counted. */
  readonly metrics: ProducerMetrics | undefined;
  /** The accumulator's append, tried again when an append's turn comes. */
  readonly appendNow: AppendNow;
}

/** An append that waits for buffer memory, or behind one that does (so records keep their send order). */
interface BlockedAppend {
  readonly record: AppendRequest;
  readonly cluster: () => Cluster;
  readonly now: () => number;
  /** When the send's `maxBlockMs` runs out. */
  readonly deadline: number;
  /** When it began to wait, for `bufferpool-wait-time`. */
  readonly since: number;
  /** Whether the sticky partitioner picks the partition: it picks again once memory came, as Java's re-check. */
  readonly sticky: boolean;
  /** Told the partition the record went to. */
  readonly resolve: (partition: number) => void;
  readonly reject: (error: Error) => void;
  done: boolean;
}

/**
 * The queue of appends that wait for memory, or behind one that does.
 *
 * @example
 * ```ts
 * import { APPENDED, BlockedAppends } from "./blocked_appends.ts";
 * import { BufferPool } from "./buffer_pool.ts";
 * import { systemClock } from "../clock.ts";
 * const waiting = new BlockedAppends({
 *   pool: new BufferPool(1024, 1024, systemClock), clock: systemClock, maxBlockMs: 100, metrics: undefined,
 *   appendNow: () => APPENDED,
 * });
 * console.log(waiting.isEmpty); // true
 * ```
 */
export class BlockedAppends {
  readonly #parts: BlockedAppendsParts;
  // Appends that wait for memory, in send order. Only the first asks the pool (with what
  // is left until its deadline); the others wait their turn, so with deadlines in send
  // order each one's turn comes by its deadline and needs no timer of its own.
  readonly #blocked = new Fifo<BlockedAppend>();
  #blockedCount = 0;
  // Whether the first blocked append waits in the pool.
  #allocating = false;
  #latestDeadline = -Infinity;
  // Blocked appends whose deadline is before that of one ahead (a send that first waited
  // for metadata): sorted by deadline, under one timer.
  readonly #early: BlockedAppend[] = [];
  #earlyTimer: unknown;
  #earlyTimerAt = Infinity;
  #closed = false;

  /** @param parts The pool, clock, metrics and the accumulator's append. */
  constructor(parts: BlockedAppendsParts) {
    this.#parts = parts;
  }

  /** How many appends wait (`waiting-threads`), in the pool or behind one that is. */
  get count(): number {
    return this.#blockedCount;
  }

  /** Whether no append is queued, so a new one may go first. */
  get isEmpty(): boolean {
    return this.#blocked.length === 0;
  }

  /** The producer closed: waiting appends fail when their turn comes. */
  close(): void {
    this.#closed = true;
  }

  /**
   * Queues a copy of an append (the caller may reuse `record`); `needed` > 0: it is first in
   * line and needs that much memory. Resolves with the record's partition once it is in a
   * batch, rejects with TimeoutError at `deadline` if it is not.
   */
  add(
    record: AppendRequest,
    cluster: () => Cluster,
    now: () => number,
    since: number,
    deadline: number,
    sticky: boolean,
    needed: number,
  ): Promise<number> {
    const { promise, resolve, reject } = withResolvers<number>();
    const entry: BlockedAppend = { record: { ...record }, cluster, now, deadline, since, sticky, resolve, reject, done: false };
    this.#blocked.push(entry);
    this.#blockedCount++;
    if (deadline < this.#latestDeadline) this.#addEarly(entry, since);
    else this.#latestDeadline = deadline;
    if (needed > 0) this.#allocate(entry, needed, since);
    return promise;
  }

  /** Serves the blocked appends in order until the first one must wait for memory. */
  #serveBlocked(): void {
    while (!this.#allocating && this.#blocked.length > 0) {
      const entry = this.#blocked.first!;
      if (entry.done) {
        this.#blocked.shift();
        continue;
      }
      const now = entry.now();
      let needed: number;
      try {
        needed = this.#appendNow(entry, now, undefined);
      } catch (error) {
        this.#settleBlocked(entry, error as Error, now);
        continue;
      }
      if (needed === APPENDED) this.#settleBlocked(entry, undefined, now);
      else this.#allocate(entry, needed, now);
    }
    if (this.#blocked.length === 0) {
      this.#latestDeadline = -Infinity;
      this.#early.length = 0;
      this.#armEarly(0);
    }
  }

  /** Tries a blocked append again now that its turn came (into `buffer` when it needs a new batch). */
  #appendNow(entry: BlockedAppend, now: number, buffer: Uint8Array | undefined): number {
    // Waiting appends fail once the producer closes, even where memory or room came: a batch made now could
    // miss the close's last abort and never settle.
    if (this.#closed) throw new ClosedError("the producer was closed while the record waited for buffer memory");
    entry.record.admit?.();
    if (entry.sticky) entry.record.partition = -1;
    return this.#parts.appendNow(entry.record, entry.cluster(), now, buffer);
  }

  /** The first blocked append asks the pool for memory, for what is left until its deadline. */
  #allocate(entry: BlockedAppend, size: number, now: number): void {
    this.#allocating = true;
    this.#parts.pool.allocate(size, entry.deadline - now).then(this.#allocated, this.#allocationFailed);
  }

  readonly #allocated = (buffer: Uint8Array): void => {
    this.#allocating = false;
    const entry = this.#blocked.first!;
    const now = entry.now();
    let result: number;
    try {
      result = this.#appendNow(entry, now, buffer);
    } catch (error) {
      // No batch took the buffer: it goes back, whatever failed.
      this.#parts.pool.deallocate(buffer);
      this.#settleBlocked(entry, error as Error, now);
      this.#serveBlocked();
      return;
    }
    // Another append may have made room meanwhile; then the buffer goes back.
    if (result !== APPENDED_INTO_GIVEN_BUFFER) this.#parts.pool.deallocate(buffer);
    if (result <= APPENDED) this.#settleBlocked(entry, undefined, now);
    this.#serveBlocked();
  };

  readonly #allocationFailed = (error: Error): void => {
    this.#allocating = false;
    const entry = this.#blocked.first!;
    const now = entry.now();
    if (error instanceof TimeoutError && !this.#closed) this.#parts.metrics?.recordBufferExhausted(now);
    this.#settleBlocked(entry, error, now);
    this.#serveBlocked();
  };

  #settleBlocked(entry: BlockedAppend, error: Error | undefined, now: number): void {
    entry.done = true;
    this.#blockedCount--;
    this.#parts.metrics?.recordBufferPoolWait(now - entry.since, now);
    if (error === undefined) entry.resolve(entry.record.partition);
    else entry.reject(error);
    if (this.#early[0] === entry) this.#armEarly(now);
  }

  #addEarly(entry: BlockedAppend, now: number): void {
    const early = this.#early;
    let at = early.length;
    while (at > 0 && early[at - 1].deadline > entry.deadline) at--;
    early.splice(at, 0, entry);
    if (at === 0) this.#armEarly(now);
  }

  /** Drops settled appends from the front of #early and sets the timer for the first one left. */
  #armEarly(now: number): void {
    const early = this.#early;
    while (early.length > 0 && early[0].done) early.shift();
    const at = early.length > 0 ? early[0].deadline : Infinity;
    if (at === this.#earlyTimerAt) return;
    if (this.#earlyTimer !== undefined) clearClockTimer(this.#parts.clock, this.#earlyTimer);
    this.#earlyTimerAt = at;
    this.#earlyTimer = at === Infinity ? undefined : setClockTimer(this.#parts.clock, this.#expireEarly, Math.max(0, at - now));
  }

  readonly #expireEarly = (): void => {
    this.#earlyTimer = undefined;
    this.#earlyTimerAt = Infinity;
    const early = this.#early;
    const now = early[0].now();
    while (early.length > 0 && (early[0].done || early[0].deadline <= now)) {
      const entry = early.shift()!;
      // One waiting in the pool has the pool's timer for the same deadline.
      if (entry.done || (this.#allocating && entry === this.#blocked.first)) continue;
      if (!this.#closed) this.#parts.metrics?.recordBufferExhausted(now);
      this.#settleBlocked(
        entry,
        new TimeoutError(`Failed to get buffer memory within maxBlockMs (${this.#parts.maxBlockMs} ms): earlier sends still wait for it`),
        now,
      );
    }
    this.#armEarly(now);
  };
}
