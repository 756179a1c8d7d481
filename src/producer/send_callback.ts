/**
 * The callback form of `send()`, as the Java client's `send(record, callback)`: the
 * record's outcome goes to a function instead of a promise. A promise per record, its
 * resolving functions and the caller's reaction to it were about half of what a send
 * allocated. A callback send that goes straight into a batch allocates nothing for its
 * outcome: the batch holds the callback itself; one that waits, or that an interceptor or
 * the tracing wraps, costs one small settler object.
 *
 * @module
 */
import type { RecordMetadata } from "./producer_record.ts";
import type { RecordSettler } from "./producer_batch.ts";

/**
 * Hears how one `send(record, callback)` ended: `(null, metadata)` once the broker
 * acknowledged the record, `(error, null)` when it failed. As in Java, the callbacks of
 * one partition's records run in the order the records were sent; they run on the
 * producer's I/O turn, so a slow callback delays every send: hand heavy work on.
 *
 * @example
 * ```ts
 * import type { SendCallback } from "./send_callback.ts";
 * const onDelivery: SendCallback = (error, metadata) => {
 *   if (metadata === null) console.error("not delivered:", error?.message);
 *   else console.log(`written to ${metadata.topic}-${metadata.partition} at ${metadata.offset}`);
 * };
 * ```
 */
export type SendCallback<M extends RecordMetadata = RecordMetadata> = (error: Error | null, metadata: M | null) => void;

/** What a callback that threw is told to (the producer's logger); a callback never breaks the producer. */
export type CallbackFailureReport = (thrown: unknown) => void;

/**
 * How a record's send settles: a settler object, or the bare callback of a callback send
 * that nothing wraps (no interceptor, no tracing), which rides in its batch as it is, so
 * such a send allocates no settler of its own. A send that must wait (for metadata, a
 * serializer or memory) gets a {@link CallbackSettler} first, for flush and close to follow.
 */
export type RecordOutcome = RecordSettler | SendCallback;

/**
 * Calls a send's callback, handing what it throws to `report`.
 *
 * @example
 * ```ts
 * import { callSafely } from "./send_callback.ts";
 * callSafely(() => { throw new Error("oops"); }, null, null, (thrown) => console.log(`reported: ${thrown}`));
 * ```
 */
export function callSafely<M extends RecordMetadata>(
  callback: SendCallback<M>,
  error: Error | null,
  metadata: M | null,
  report: CallbackFailureReport,
): void {
  try {
    callback(error, metadata);
  } catch (thrown) {
    report(thrown);
  }
}

/**
 * Settles one record's send, whichever form it has: a bare callback is called (what it
 * throws goes to `report`), a settler is told, with the node the batch went to.
 *
 * @example
 * ```ts
 * import { settleOutcome } from "./send_callback.ts";
 * settleOutcome((error, metadata) => console.log(metadata?.offset), null, { topic: "t", partition: 0, offset: 7, timestamp: 0 }, console.error, 1); // 7
 * ```
 */
export function settleOutcome(
  outcome: RecordOutcome,
  error: Error | null,
  metadata: RecordMetadata | null,
  report: CallbackFailureReport,
  nodeId: number,
): void {
  if (typeof outcome === "function") callSafely(outcome, error, metadata, report);
  else if (error === null) outcome.resolve(metadata!, nodeId);
  else outcome.reject(error, nodeId);
}

/**
 * Where a callback's exception goes when no logger should swallow it: the mock producer's
 * (a failed assertion in a test's callback must fail the test) and a batch or accumulator
 * made alone, in tests.
 *
 * @example
 * ```ts
 * import { CallbackSettler, rethrowLater } from "./send_callback.ts";
 * // A callback that throws here makes an uncaught error on the next microtask, as a test runner wants.
 * const settler = new CallbackSettler((error) => console.log(error?.message), rethrowLater);
 * settler.reject(new Error("not delivered")); // prints not delivered
 * ```
 */
export const rethrowLater: CallbackFailureReport = (thrown) => {
  queueMicrotask(() => {
    throw thrown;
  });
};

/**
 * Settles one callback send: calls its callback once, catching what it throws, then
 * tells `onSettled` (set while flush or close waits for the send).
 *
 * @example
 * ```ts
 * import { CallbackSettler } from "./send_callback.ts";
 * const settler = new CallbackSettler((error, metadata) => console.log(error ?? metadata?.offset), console.error);
 * settler.resolve({ topic: "orders", partition: 0, offset: 42, timestamp: Date.now() }); // prints 42
 * ```
 */
export class CallbackSettler<M extends RecordMetadata = RecordMetadata> {
  /** Called once the callback has run; at most one waiter (the group of pending sends it belongs to). */
  onSettled: (() => void) | undefined = undefined;
  #callback: SendCallback<M> | undefined;
  readonly #report: CallbackFailureReport;

  /**
   * @param callback The application's callback.
   * @param report Where a callback's exception goes.
   */
  constructor(callback: SendCallback<M>, report: CallbackFailureReport) {
    this.#callback = callback;
    this.#report = report;
  }

  /** Whether the callback was called. */
  get settled(): boolean {
    return this.#callback === undefined;
  }

  /** The broker acknowledged the record. A second settlement is ignored, as a promise's is. */
  resolve(metadata: M): void {
    this.#settle(null, metadata);
  }

  /** The send failed. A second settlement is ignored, as a promise's is. */
  reject(error: Error): void {
    this.#settle(error, null);
  }

  #settle(error: Error | null, metadata: M | null): void {
    const callback = this.#callback;
    if (callback === undefined) return;
    this.#callback = undefined;
    callSafely(callback, error, metadata, this.#report);
    this.onSettled?.();
  }
}
