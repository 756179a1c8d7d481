/**
 * The second half of the Java client's doSend, once the record's topic is known: the key
 * and value serialized (in the serialization lane, in send order, when a serializer
 * returns a promise), the record's size checked, its partition chosen and the record
 * appended to the RecordAccumulator. A record that fails on the way is counted and
 * rejected here, failing the open transaction when the cluster is to blame. It runs per
 * record, so it allocates nothing for a record that goes straight into a batch.
 *
 * @module
 */
import type { Cluster } from "../client/metadata.ts";
import type { Clock } from "../clock.ts";
import { ClosedError, ConfigError, KafkaError, SerializationError, TransactionStateError } from "../errors.ts";
import { NO_HEADERS, type RecordHeader } from "../protocol/record_batch.ts";
import { choosePartition } from "./partitioner.ts";
import type { RecordSettler } from "./producer_batch.ts";
import type { RecordOutcome } from "./send_callback.ts";
import type { AsyncSerializer, ResolvedProducerConfig } from "./producer_config.ts";
import type { ProducerMetadata } from "./producer_metadata.ts";
import type { ProducerMetrics } from "./producer_metrics.ts";
import type { ProducerRecord } from "./producer_record.ts";
import type { AppendRequest, RecordAccumulator } from "./record_accumulator.ts";
import { checkRecordSize, normalizeHeaders, serialize } from "./record_checks.ts";
import type { SendProfile } from "./send_profile.ts";
import { LazySignalContext, SerializationLane } from "./serialization_lane.ts";
import type { TransactionManager } from "./transaction_manager.ts";

type Bytes = Uint8Array | null;

/** What the appender works with: the producer's settings and parts. */
export interface RecordAppenderParts<K, V> {
  readonly config: ResolvedProducerConfig;
  readonly serializers: { readonly key: AsyncSerializer<K>; readonly value: AsyncSerializer<V> };
  readonly clock: Clock;
  readonly metadata: ProducerMetadata;
  /** The cluster as the metadata knows it now, for the sticky partitioner. */
  readonly cluster: () => Cluster;
  readonly accumulator: RecordAccumulator;
  /** The producer's transaction manager; undefined without a `transactionalId`. */
  readonly transactions: TransactionManager | undefined;
  /** Where records that never reached a batch are counted (`record-error-*`). */
  readonly metrics: ProducerMetrics;
}

/**
 * Serializes records, chooses their partitions and appends them to the accumulator.
 *
 * @example
 * ```ts ignore
 * const appender = new RecordAppender(producerParts);
 * // The topic has 6 partitions; a settler back: the record waits (in the lane or for memory), so flush must wait for it too.
 * const waiting = appender.serializeAndAppend(record, 6, now, now + maxBlockMs, undefined, settler, undefined);
 * ```
 */
export class RecordAppender<K, V> {
  readonly #config: ResolvedProducerConfig;
  readonly #serializers: { readonly key: AsyncSerializer<K>; readonly value: AsyncSerializer<V> };
  // Sends whose serializer returned a promise, in send order; the context their signal comes from.
  readonly #lane: SerializationLane;
  readonly #serializerContext = new LazySignalContext();
  readonly #clock: Clock;
  readonly #metadata: ProducerMetadata;
  readonly #accumulator: RecordAccumulator;
  readonly #transactions: TransactionManager | undefined;
  readonly #metrics: ProducerMetrics;
  // Handed to the accumulator on every append; made once, not per record.
  readonly #cluster: () => Cluster;
  readonly #now = () => this.#clock.now();
  readonly #appendRequest: AppendRequest = {
    topic: "",
    partition: -1,
    timestamp: 0,
    key: null,
    value: null,
    headers: NO_HEADERS,
    settler: NO_SETTLER,
    profile: undefined,
    admit: undefined,
  };

  /** @param parts The producer's settings, serializers, clock, metadata, accumulator, transactions and metrics. */
  constructor(parts: RecordAppenderParts<K, V>) {
    this.#config = parts.config;
    this.#serializers = parts.serializers;
    this.#clock = parts.clock;
    this.#lane = new SerializationLane(parts.clock, parts.config.maxBlockMs);
    this.#metadata = parts.metadata;
    this.#cluster = parts.cluster;
    this.#accumulator = parts.accumulator;
    this.#transactions = parts.transactions;
    this.#metrics = parts.metrics;
  }

  /**
   * Serializes the record, then appends it; `settler` settles the send. A serializer that
   * returns a promise (a Schema Registry's first answer for a subject) puts the send in the
   * lane, behind every send still serializing, so records reach their batches in send
   * order. Returns the settler of a record that is not in a batch yet (it waits in the lane
   * or for memory), for flush and close to wait for: `settler`, or the one a bare callback
   * waits as (RecordAccumulator.settlerFor); undefined once the record is in a batch or failed.
   */
  serializeAndAppend(
    record: ProducerRecord<K, V>,
    partitionCount: number,
    now: number,
    deadline: number,
    transaction: number | undefined,
    settler: RecordOutcome,
    profile: SendProfile | undefined,
  ): RecordSettler | undefined {
    let key: Bytes | Promise<Bytes>;
    let value: Bytes | Promise<Bytes>;
    const context = this.#serializerContext.prepare(deadline);
    try {
      this.#transactions?.ensureAppendAllowed(transaction);
      key = serialize(this.#serializers.key, record.key as K, record.topic, "key", context);
      value = serialize(this.#serializers.value, record.value as V, record.topic, "value", context);
    } catch (error) {
      this.failUnsent(error, settler, transaction);
      return undefined;
    }
    const controller = context.controller();
    if (!this.#lane.busy && !(key instanceof Promise) && !(value instanceof Promise)) {
      return this.#append(record, key, value, partitionCount, now, deadline, transaction, settler, profile);
    }
    const waiting = this.#accumulator.settlerFor(settler);
    this.#lane.push(key, value, controller, deadline, `serializing a record for topic ${record.topic}`, (keyBytes, valueBytes) => {
      const count = this.#metadata.usableTopic(record.topic)?.partitions.length ?? partitionCount;
      this.#append(record, keyBytes, valueBytes, count, this.#clock.now(), deadline, transaction, waiting, profile);
    }, (error) => this.failUnsent(error, waiting, transaction));
    return waiting;
  }

  /**
   * Checks the serialized record, chooses its partition and appends it to the accumulator;
   * `settler` settles the send. Returns the settler of a record that waits for buffer
   * memory (see serializeAndAppend), undefined when it is in a batch or failed.
   */
  #append(
    record: ProducerRecord<K, V>,
    key: Bytes,
    value: Bytes,
    partitionCount: number,
    now: number,
    deadline: number,
    transaction: number | undefined,
    settler: RecordOutcome,
    profile: SendProfile | undefined,
  ): RecordSettler | undefined {
    const transactions = this.#transactions;
    let headers: readonly RecordHeader[];
    let partition: number;
    const timestamp = record.timestamp ?? now;
    try {
      transactions?.ensureAppendAllowed(transaction);
      headers = normalizeHeaders(record.headers);
      checkRecordSize(key, value, headers, this.#config);
      partition = choosePartition(record, key, value, partitionCount, this.#config, this.#metadata.cluster);
    } catch (error) {
      this.failUnsent(error, settler, transaction);
      return undefined;
    }
    // One request object serves every send: the accumulator keeps none (it copies one that must wait for memory).
    const request = this.#appendRequest;
    request.topic = record.topic;
    request.partition = partition;
    request.timestamp = timestamp;
    request.key = key;
    request.value = value;
    request.headers = headers;
    request.settler = settler;
    request.profile = profile;
    // A wait for memory may outlast the transaction too.
    if (transactions !== undefined) request.admit = () => transactions.ensureAppendAllowed(transaction);
    let appended: Promise<number> | undefined;
    try {
      appended = this.#accumulator.append(request, this.#cluster, this.#now, now, deadline);
    } catch (error) {
      // send() reports every failure through its promise, never by throwing.
      this.failUnsent(error, settler, transaction);
      return undefined;
    }
    // The partition is known once the record is in a batch (the sticky partitioner chooses there).
    if (appended === undefined) {
      this.#transactions?.addPartition(record.topic, request.partition);
      return undefined;
    }
    // The settler the record waits as, which the accumulator put in the request (a bare callback got one).
    const waiting = this.#accumulator.settlerFor(request.settler);
    appended.then(
      (chosen) => this.#transactions?.addPartition(record.topic, chosen),
      (error) => this.failUnsent(error, waiting, transaction),
    );
    return waiting;
  }

  /**
   * Rejects a send whose record never reached a batch, counting it in `record-error-*` as
   * Java's `errors` sensor does. With the `transaction` the send belonged to, a failure of
   * the cluster's fails that transaction too (see #failTransactionalSend).
   */
  failUnsent(error: unknown, settler: RecordOutcome, transaction?: number): void {
    this.#failTransactionalSend(error, transaction);
    this.#metrics.recordErrors(1, this.#clock.now());
    // A bare callback is called through a settler: rare enough to allocate for.
    this.#accumulator.settlerFor(settler).reject(error as Error);
  }

  /**
   * A send of the open transaction failed before its record reached a batch: for want of
   * metadata or memory in time, as too large, or on the cluster's error (authentication,
   * authorization): as Java's doSend does with such an ApiException (maybeTransitionToErrorState),
   * the transaction can no longer commit without it. A record the application got wrong (it
   * does not serialize) is refused without that, as in Java; so is a send of a transaction
   * already ended, which leaves the open one alone.
   */
  #failTransactionalSend(error: unknown, transaction: number | undefined): void {
    const transactions = this.#transactions;
    if (transactions === undefined || transaction === undefined || transactions.openTransaction !== transaction) return;
    if (!(error instanceof KafkaError) || isApplicationError(error)) return;
    transactions.handleBatchFailure(error);
  }
}

// What #appendRequest holds before the first send.
const NO_SETTLER: RecordSettler = { resolve: () => {}, reject: () => {} };

/** An error in what the application asked for, not one the cluster or the producer met. */
function isApplicationError(error: KafkaError): boolean {
  return error instanceof SerializationError || error instanceof ConfigError || error instanceof TransactionStateError ||
    error instanceof ClosedError;
}
