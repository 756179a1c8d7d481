/**
 * The sends whose serializer returned a promise (the first record of a Schema Registry
 * subject, whose id the registry gives), in send order. While any is waiting, later
 * sends join the lane behind it even when their bytes are ready, so records reach the
 * accumulator in the order `send()` was called and each partition keeps its send order.
 * Batching goes on meanwhile for everything already appended, and when nothing waits
 * the lane costs a send one `busy` check.
 *
 * A send waits here at most until its deadline (the same `maxBlockMs` deadline as its
 * metadata and memory waits): then the serializer's signal aborts, and the send fails
 * with the serializer's own error (which says what it waited for), or a TimeoutError if
 * it does not settle by the next macrotask. A failed send never holds up the ones
 * behind it.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { DEADLINE_PASSED, raceDeadline } from "../clock.ts";
import { TimeoutError } from "../errors.ts";
import type { SerializerContext } from "./producer_config.ts";

type Bytes = Uint8Array | null;

/**
 * The context handed to serializers: one object reused for every call, whose `signal`
 * creates an AbortController only when a serializer reads it (an asynchronous one), so
 * synchronous serialization allocates nothing. Sends with the same deadline (a burst
 * sent in one turn) share one controller: their time runs out together.
 */
export class LazySignalContext implements SerializerContext {
  #controller: AbortController | undefined;
  #deadline = NaN;

  /** Starts a send whose maxBlockMs runs out at `deadline`. */
  prepare(deadline: number): this {
    if (deadline !== this.#deadline) {
      this.#deadline = deadline;
      this.#controller = undefined;
    }
    return this;
  }

  /** The signal of the current send, created on first read. */
  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal;
  }

  /** The controller the current send's serializers may have read. */
  controller(): AbortController | undefined {
    return this.#controller;
  }
}

interface Entry {
  key: Bytes;
  value: Bytes;
  /** Serializer promises not settled yet. */
  pending: number;
  /** The first serializer's rejection, if one rejected. */
  failure: { error: unknown } | undefined;
  /** Called when `pending` reaches 0 (set while the lane waits for this entry). */
  wake: (() => void) | undefined;
  controller: AbortController | undefined;
  deadline: number;
  what: string;
  proceed(key: Bytes, value: Bytes): void;
  fail(error: unknown): void;
}

// A turn of the event loop, not a time: a serializer told to abort rejects within it.
const nextMacrotask = () => new Promise<"late">((resolve) => setTimeout(() => resolve("late"), 0));

/**
 * Orders sends around asynchronous serializers.
 *
 * @example
 * ```ts
 * import { SerializationLane } from "./serialization_lane.ts";
 * import { systemClock } from "../clock.ts";
 * const lane = new SerializationLane(systemClock, 60_000);
 * lane.push(Promise.resolve(new Uint8Array([1])), null, undefined, Date.now() + 1000, "record to orders", (key) => console.log("first", key), console.error);
 * lane.push(null, null, undefined, Date.now() + 1000, "record to orders", () => console.log("second"), console.error);
 * ```
 */
export class SerializationLane {
  readonly #queue: Entry[] = [];
  #head = 0;
  readonly #clock: Clock;
  readonly #maxBlockMs: number;
  #draining = false;

  /** `clock` is the producer's, against which deadlines are set; `maxBlockMs` is named in timeouts. */
  constructor(clock: Clock, maxBlockMs: number) {
    this.#clock = clock;
    this.#maxBlockMs = maxBlockMs;
  }

  /** Whether a send is waiting, so that a later one must queue behind it. */
  get busy(): boolean {
    return this.#head < this.#queue.length;
  }

  /**
   * Queues a send: `proceed` gets its bytes once every earlier send was dealt with and
   * its own serializers finished; `fail` gets the error otherwise. Neither is called
   * before `push` returns.
   */
  push(
    key: Bytes | Promise<Bytes>,
    value: Bytes | Promise<Bytes>,
    controller: AbortController | undefined,
    deadline: number,
    what: string,
    proceed: (key: Bytes, value: Bytes) => void,
    fail: (error: unknown) => void,
  ): void {
    const entry: Entry = {
      key: null,
      value: null,
      pending: 0,
      failure: undefined,
      wake: undefined,
      controller,
      deadline,
      what,
      proceed,
      fail,
    };
    // Each part settles into the entry as soon as it can, so that when the send ahead is done, every entry
    // whose bytes came meanwhile (usually all of them: they waited for the same registry answer) goes in one turn.
    const settle = (part: Bytes | Promise<Bytes>, set: (bytes: Bytes) => void) => {
      if (!(part instanceof Promise)) return set(part);
      entry.pending++;
      part.then(set, (error) => entry.failure ??= { error }).finally(() => {
        if (--entry.pending === 0) entry.wake?.();
      });
    };
    settle(key, (bytes) => entry.key = bytes);
    settle(value, (bytes) => entry.value = bytes);
    this.#queue.push(entry);
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#head < this.#queue.length) {
        const entry = this.#queue[this.#head];
        if (entry.pending > 0) await this.#wait(entry);
        this.#take();
        if (entry.failure !== undefined) entry.fail(entry.failure.error);
        else entry.proceed(entry.key, entry.value);
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Drops the head; the array is compacted now and then instead of shifted each time (a backlog may hold 100,000 sends). */
  #take(): void {
    this.#queue[this.#head++] = undefined as unknown as Entry;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** Until the entry's serializers settled, or its deadline passed (then it fails). */
  async #wait(entry: Entry): Promise<void> {
    const settled = new Promise<void>((resolve) => entry.wake = resolve);
    if (await raceDeadline(this.#clock, settled, entry.deadline - this.#clock.now()) !== DEADLINE_PASSED) return;
    // Out of time: the serializer is told, and its own error (naming what it waited for) wins if it comes at once.
    const timeout = new TimeoutError(`${entry.what}: the serializer did not finish within maxBlockMs (${this.#maxBlockMs} ms)`);
    entry.controller?.abort(timeout);
    const late = await Promise.race([settled, nextMacrotask()]);
    if (late === "late" || entry.pending > 0) entry.failure ??= { error: timeout };
  }
}
