/**
 * The callback form of `send()`, as the Java client's `send(record, callback)`: the
 * record's outcome goes to a function instead of a promise. A promise per record, its
 * resolving functions and the caller's reaction to it were about half of what a send
 * allocated; a callback send costs one small settler object.
 *
 * @module
 */
import type { RecordMetadata } from "./producer_record.ts";

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
    try {
      callback(error, metadata);
    } catch (thrown) {
      this.#report(thrown);
    }
    this.onSettled?.();
  }
}
