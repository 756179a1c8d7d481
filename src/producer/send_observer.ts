/**
 * The hook through which an observer follows each `send()` from the call to its outcome:
 * the producer's OpenTelemetry tracing and metrics (src/telemetry/) use it. The producer
 * asks the observer once per record, right after the record passed its first checks; an
 * observer with nothing to do answers undefined and the send goes on as without it.
 *
 * @module
 */
import type { RecordSettler } from "./producer_batch.ts";
import type { ProducerRecord, RecordMetadata } from "./producer_record.ts";

/**
 * One send an observer follows. It stands in for the send's own settler: the batch
 * settles it with the node that answered, and it settles `inner` (the send's promise or
 * callback) after taking note.
 *
 * @example Note the node that acknowledged a record
 * ```ts
 * import type { ObservedSend } from "./send_observer.ts";
 * import type { ProducerRecord, RecordMetadata } from "./producer_record.ts";
 * function observed(record: ProducerRecord, inner: PromiseWithResolvers<RecordMetadata>): ObservedSend<unknown, unknown> {
 *   return {
 *     record,
 *     resolve: (metadata, nodeId) => { console.log(`node ${nodeId} wrote offset ${metadata.offset}`); inner.resolve(metadata); },
 *     reject: (error) => inner.reject(error),
 *   };
 * }
 * ```
 */
export interface ObservedSend<K, V> extends RecordSettler {
  /** The record to send: the caller's, or a copy with headers the observer added (trace context). */
  readonly record: ProducerRecord<K, V>;
  /** The broker acknowledged the record; `nodeId` is the node that answered (absent or -1 when unknown). */
  resolve(metadata: RecordMetadata, nodeId?: number): void;
  /** The send failed; `nodeId` is the node the record was last sent to (absent or -1 when it never was). */
  reject(error: Error, nodeId?: number): void;
}

/**
 * Follows sends. {@link SendObserver.observe} runs on every `send()` that passed the
 * record's checks, on the caller's turn (so it sees the caller's async context), and
 * must be cheap when it has nothing to do.
 *
 * @example An observer that follows nothing
 * ```ts
 * import type { SendObserver } from "./send_observer.ts";
 * const nothing: SendObserver = { observe: () => undefined };
 * ```
 */
export interface SendObserver {
  /**
   * Begins following the send of `record`, which `inner` settles. `sentMsAgo`
   * says how long ago `send()` was called, when that was not just now. Returns what to
   * settle the send through instead of `inner`, or undefined to leave the send alone.
   */
  observe<K, V>(record: ProducerRecord<K, V>, inner: RecordSettler, sentMsAgo?: number): ObservedSend<K, V> | undefined;
}
