/**
 * The producer's public surface as an interface, as the Java client's `Producer`, so
 * application code can take either a `KafkaProducer` or a `MockProducer` in its
 * tests.
 *
 * @module
 */
import type { ProducerMetricsSnapshot } from "./producer_metrics.ts";
import type { PartitionInfo } from "../client/metadata.ts";
import type { ProducerRecord, RecordData, RecordMetadata } from "./producer_record.ts";
import type { GroupMetadata, TransactionOffset } from "./transaction_types.ts";
import type { SendCallback } from "./send_callback.ts";

/**
 * What a producer does: send records, flush, close, and run transactions. Implemented by
 * `KafkaProducer` and by `MockProducer` (for your own tests).
 *
 * @example Write code against the interface, test it with the mock
 * ```ts
 * import type { Producer } from "./producer.ts";
 * import { MockProducer } from "./mock_producer.ts";
 *
 * async function publishOrder(producer: Producer, id: string, total: number): Promise<number> {
 *   const metadata = await producer.send({ topic: "orders", key: id, value: JSON.stringify({ total }) });
 *   return metadata.offset;
 * }
 *
 * const mock = new MockProducer();
 * await publishOrder(mock, "order-17", 3);
 * console.log(mock.history().length); // 1
 * ```
 */
export interface Producer<K = RecordData, V = RecordData> extends AsyncDisposable {
  /**
   * Sends one record. Resolves with where it was written once the broker acknowledged
   * it (per `acks`), or rejects with a typed error.
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata>;

  /**
   * Sends one record and calls `callback` with its outcome instead of returning a promise,
   * as the Java client's `send(record, callback)`: `(null, metadata)` once acknowledged,
   * `(error, null)` when it failed. A record refused before it is buffered (invalid, after
   * close) calls back before `send` returns, as in Java. The cheapest way to send many
   * records: no promise per record.
   */
  send(record: ProducerRecord<K, V>, callback: SendCallback): void;

  /** Makes every buffered record sendable at once and resolves when all records sent before the call are settled. */
  flush(): Promise<void>;

  /**
   * Sends what is buffered and closes. Waits up to `timeoutMs` (default: as long as it
   * takes); records still unsent then fail. Calling it again returns the same promise.
   */
  close(options?: { timeoutMs?: number }): Promise<void>;

  /** The partitions of a topic. */
  partitionsFor(topic: string): Promise<PartitionInfo[]>;

  /** The producer's metrics under the Java client's names (record-send-rate, request-latency-avg, ...). */
  metrics(): ProducerMetricsSnapshot;

  /** Registers this transactional producer with its coordinator, fencing older producers with the same `transactionalId`. */
  initTransactions(): Promise<void>;

  /** Starts a transaction: the records sent until commit or abort are written atomically. */
  beginTransaction(): void;

  /** Commits consumer offsets with the transaction (consume-transform-produce). */
  sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: GroupMetadata | string): Promise<void>;

  /** Sends every buffered record of the transaction, then commits it. */
  commitTransaction(): Promise<void>;

  /** Aborts the transaction: its records are never visible to read_committed readers. */
  abortTransaction(): Promise<void>;

  /** Closes, when used with `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}
