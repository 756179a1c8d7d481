/**
 * What a caller hands to `send()`, and what it gets back.
 *
 * @module
 */

/** A key, value or header value: text (sent as UTF-8), bytes, or null. */
export type RecordData = string | Uint8Array | null;

/**
 * Record headers: an object (one value per name) or `[name, value]` pairs, which keep
 * their order and may repeat a name.
 */
export type RecordHeaders =
  | Readonly<Record<string, string | Uint8Array | null>>
  | ReadonlyArray<readonly [string, string | Uint8Array | null]>;

/**
 * One record to send.
 *
 * @example
 * ```ts
 * import type { ProducerRecord } from "./producer_record.ts";
 * const record: ProducerRecord = { topic: "orders", key: "order-17", value: JSON.stringify({ total: 3 }), headers: { source: "web" } };
 * ```
 */
export interface ProducerRecord<K = RecordData, V = RecordData> {
  /** The topic to write to. */
  topic: string;
  /** The value; null makes a tombstone. */
  value?: V;
  /** The key; records with one key go to one partition. */
  key?: K;
  /** Headers sent with the record. */
  headers?: RecordHeaders;
  /** A partition chosen by the caller, bypassing the partitioner. */
  partition?: number;
  /** The record's timestamp in ms since the epoch (default: now). */
  timestamp?: number;
}

/**
 * Where a record was written.
 *
 * @example
 * ```ts
 * import type { RecordMetadata } from "./producer_record.ts";
 * function describe(md: RecordMetadata): string {
 *   return `${md.topic}-${md.partition}@${md.offset}`;
 * }
 * ```
 */
export interface RecordMetadata {
  /** The topic the record was written to. */
  topic: string;
  /** The partition the record was written to. */
  partition: number;
  /**
   * The record's offset in the partition; -1 when acks=0 (the broker does not say).
   * A number: exact up to 2^53, far beyond any real partition's offsets.
   */
  offset: number;
  /** The record's timestamp: the broker's log-append time when the topic uses it, else the create time. */
  timestamp: number;
}
