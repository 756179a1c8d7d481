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
import { TimeoutError } from "../errors.ts";
import { withResolvers } from "./pending_sends.ts";
import type { SerializerContext } from "./producer_config.ts";

type Bytes = Uint8Array | null;

/**
 * The context handed to serializers: one object reused for every call, whose `signal`
 * creates an AbortController only when a serializer reads it (an asynchronous one), so
 * synchronous serialization allocates nothing.
 */
export class LazySignalContext implements SerializerContext {
  #controller: AbortController | undefined;

  /** The signal of the current send, created on first read. */
  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal;
  }

  /** The controller the serializers of the current send read, if any, and a fresh start for the next send. */
  take(): AbortController | undefined {
    const controller = this.#controller;
    this.#controller = undefined;
    return controller;
  }
}

interface Entry {
  key: Bytes | Promise<Bytes>;
  value: Bytes | Promise<Bytes>;
  controller: AbortController | undefined;
  deadline: number;
  what: string;
  proceed(key: Bytes, value: Bytes): void;
  fail(error: unknown): void;
  left(): void;
}

const nextMacrotask = () => new Promise<"late">((resolve) => setTimeout(() => resolve("late"), 0));

/**
 * Orders sends around asynchronous serializers.
 *
 * @example
 * ```ts
 * import { SerializationLane } from "./serialization_lane.ts";
 * const lane = new SerializationLane(() => Date.now(), 60_000);
 * lane.push(Promise.resolve(new Uint8Array([1])), null, undefined, Date.now() + 1000, "record to orders", (key) => console.log("first", key), console.error);
 * lane.push(null, null, undefined, Date.now() + 1000, "record to orders", () => console.log("second"), console.error);
 * ```
 */
export class SerializationLane {
  readonly #queue: Entry[] = [];
  readonly #now: () => number;
  readonly #maxBlockMs: number;
  #draining = false;

  /** `now` reads the producer's clock, against which deadlines are set; `maxBlockMs` is named in timeouts. */
  constructor(now: () => number, maxBlockMs: number) {
    this.#now = now;
    this.#maxBlockMs = maxBlockMs;
  }

  /** Whether a send is waiting, so that a later one must queue behind it. */
  get busy(): boolean {
    return this.#queue.length > 0;
  }

  /**
   * Queues a send: `proceed` gets its bytes once every earlier send was dealt with and
   * its own serializers finished; `fail` gets the error otherwise. Neither is called
   * before `push` returns. The promise returned resolves when the send left the lane.
   */
  push(
    key: Bytes | Promise<Bytes>,
    value: Bytes | Promise<Bytes>,
    controller: AbortController | undefined,
    deadline: number,
    what: string,
    proceed: (key: Bytes, value: Bytes) => void,
    fail: (error: unknown) => void,
  ): Promise<void> {
    // A rejection seen only later must not count as unhandled meanwhile.
    for (const part of [key, value]) if (part instanceof Promise) part.catch(() => {});
    const { promise, resolve } = withResolvers<void>();
    this.#queue.push({ key, value, controller, deadline, what, proceed, fail, left: resolve });
    if (!this.#draining) void this.#drain();
    return promise;
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const entry = this.#queue[0];
        let outcome: { key: Bytes; value: Bytes } | { error: unknown };
        try {
          outcome = await this.#settle(entry);
        } catch (error) {
          outcome = { error };
        }
        this.#queue.shift();
        entry.left();
        if ("error" in outcome) entry.fail(outcome.error);
        else entry.proceed(outcome.key, outcome.value);
      }
    } finally {
      this.#draining = false;
    }
  }

  /** The entry's bytes, waiting at most until its deadline. */
  async #settle(entry: Entry): Promise<{ key: Bytes; value: Bytes }> {
    const both = Promise.all([entry.key, entry.value]);
    if (!(entry.key instanceof Promise) && !(entry.value instanceof Promise)) {
      const [key, value] = await both;
      return { key, value };
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<"deadline">((resolve) => timer = setTimeout(() => resolve("deadline"), Math.max(0, entry.deadline - this.#now())));
    try {
      const first = await Promise.race([both, deadline]);
      if (first !== "deadline") return { key: first[0], value: first[1] };
    } finally {
      clearTimeout(timer);
    }
    // Out of time: the serializer is told, and its own error (naming what it waited for) wins if it comes at once.
    const timeout = new TimeoutError(`${entry.what}: the serializer did not finish within maxBlockMs (${this.#maxBlockMs} ms)`);
    entry.controller?.abort(timeout);
    const late = await Promise.race([both, nextMacrotask()]);
    if (late === "late") throw timeout;
    return { key: late[0], value: late[1] };
  }
}
