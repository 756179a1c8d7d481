/**
 * A producer that talks to no broker, for the tests of code that uses a producer, as
 * the Java client's `MockProducer`: it records what was sent, completes sends at once
 * or when the test says so, and fails on demand. Its transactions follow the state
 * machine in mock_transaction.ts.
 *
 * @module
 */
import { PRODUCER_METRIC_NAMES, type ProducerMetricsSnapshot } from "./producer_metrics.ts";
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { PartitionInfo } from "../client/metadata.ts";
import { ClosedError, ConfigError, KafkaError, SerializationError, TransactionAbortedError } from "../errors.ts";
import { describeValue, optionsObject, rejectUnknownKeys, timeoutMsOption } from "../validation.ts";
import type { Partitioner } from "./partitioner.ts";
import { MockCluster } from "./mock_cluster.ts";
import type { Producer } from "./producer.ts";
import type { AsyncSerializer } from "./producer_config.ts";
import { resolveSerializers } from "./producer_config.ts";
import type { ProducerRecord, RecordData, RecordMetadata } from "./producer_record.ts";
import { normalizeHeaders, recordProblem, serialize, topicProblem } from "./record_checks.ts";
import type { GroupMetadata, TransactionOffset } from "./transaction_types.ts";
import { MockTransaction } from "./mock_transaction.ts";
import type { RecordSettler } from "./producer_batch.ts";
import { withResolvers } from "./pending_sends.ts";
import { CallbackSettler, rethrowLater, type SendCallback } from "./send_callback.ts";

// The mock settles sends in send order without a lane, so its serializers must answer at once.
const NO_WAIT = { signal: new AbortController().signal };

function synchronousBytes(bytes: Uint8Array | null | Promise<Uint8Array | null>, field: "key" | "value"): Uint8Array | null {
  if (!(bytes instanceof Promise)) return bytes;
  bytes.catch(() => {});
  throw new SerializationError(
    `record.${field}: MockProducer takes only serializers that return bytes at once, and ${field}Serializer returned a promise; ` +
      `await its serialize() before send(), or warm a Schema Registry serializer up with one serialize() first`,
  );
}

// Every option of MockProducerOptions, once (the type makes the list complete); unknown ones are refused against it.
const OPTION_KEYS: Readonly<Record<keyof MockProducerOptions, true>> = {
  autoComplete: true,
  partitions: true,
  keySerializer: true,
  valueSerializer: true,
  partitioner: true,
  transactionalId: true,
};

/**
 * How a {@link MockProducer} behaves.
 *
 * @example Complete sends by hand, on a topic with three partitions
 * ```ts
 * import type { MockProducerOptions } from "./mock_producer.ts";
 * const options: MockProducerOptions = { autoComplete: false, partitions: { orders: 3 } };
 * ```
 */
export interface MockProducerOptions<K = RecordData, V = RecordData> {
  /** Settle each send at once (default true); when false, call `completeNext()`, `errorNext()` or `flush()`. */
  autoComplete?: boolean;
  /** Partition count per topic; a topic not named here has 1. `partitionsFor` answers from it. */
  partitions?: Readonly<Record<string, number>>;
  /** As the producer's `keySerializer` (default: strings as UTF-8, bytes as they are). */
  keySerializer?: AsyncSerializer<K>;
  /** As the producer's `valueSerializer` (default: strings as UTF-8, bytes as they are). */
  valueSerializer?: AsyncSerializer<V>;
  /** As the producer's `partitioner`; without one, keyed records go where the real producer puts them (murmur2). */
  partitioner?: Partitioner;
  /** Makes the mock transactional, with the real producer's state rules: `initTransactions()` first, sends only inside a transaction. */
  transactionalId?: string;
}

/** A send not settled yet (autoComplete off). */
interface PendingSend {
  topic: string;
  partition: number;
  timestamp: number;
  /** Sent inside a transaction: its failure makes the transaction abortable, as in the real producer. */
  transactional: boolean;
  settler: RecordSettler;
}

/**
 * A stand-in for {@link Producer} in your own tests, after the Java client's
 * `MockProducer`: nothing goes over the network. Records are kept in {@link history};
 * keyed records land on the partition the real producer would choose (murmur2), offsets
 * count up from 0 per partition, and errors can be injected (`sendError`,
 * `commitTransactionError`, ..., `fenceProducer()`).
 *
 * Inside a transaction, records wait in {@link uncommittedRecords} and reach the history
 * only when the transaction commits; an aborted transaction's records are dropped, as in
 * Java. The transactional state rules and errors are the real producer's
 * (TransactionStateError, TransactionAbortedError, ProducerFencedError, ClosedError).
 *
 * @example Test code that sends
 * ```ts
 * import { MockProducer } from "./mock_producer.ts";
 * const producer = new MockProducer({ partitions: { orders: 3 } });
 * const metadata = await producer.send({ topic: "orders", key: "order-17", value: "{}" });
 * console.log(metadata.offset, producer.history().map((r) => r.key)); // 0 ["order-17"]
 * ```
 *
 * @example Decide when each send completes
 * ```ts
 * import { MockProducer } from "./mock_producer.ts";
 * const producer = new MockProducer({ autoComplete: false });
 * const first = producer.send({ topic: "orders", value: "a" });
 * const second = producer.send({ topic: "orders", value: "b" });
 * producer.completeNext(); // first resolves
 * producer.errorNext(new Error("broker down")); // second rejects
 * await first;
 * await second.catch((e) => console.log(e.message)); // "broker down"
 * ```
 */
export class MockProducer<K = RecordData, V = RecordData> implements Producer<K, V> {
  readonly #autoComplete: boolean;
  readonly #cluster: MockCluster;
  readonly #serializers: { key: AsyncSerializer<K>; value: AsyncSerializer<V> };
  readonly #transaction: MockTransaction;
  readonly #clock: Clock;

  #sent: ProducerRecord<K, V>[] = [];
  #uncommitted: ProducerRecord<K, V>[] = [];
  #pending: PendingSend[] = [];
  #closing: Promise<void> | undefined;

  /**
   * Every send rejects with this (the record is not recorded) until it is set back to
   * undefined. Inside a transaction, the transaction must then be aborted, as after any failed send.
   */
  sendError: Error | undefined;
  /** `initTransactions()` rejects with this while it is set; the state stays UNINITIALIZED. */
  initTransactionsError: Error | undefined;
  /** `beginTransaction()` throws this while it is set. */
  beginTransactionError: Error | undefined;
  /** `sendOffsetsToTransaction()` rejects with this while it is set. */
  sendOffsetsError: Error | undefined;
  /** `commitTransaction()` rejects with this while it is set; the transaction stays open (a ProducerFencedError fences the mock). */
  commitTransactionError: Error | undefined;
  /** `abortTransaction()` rejects with this while it is set; the transaction stays open (a ProducerFencedError fences the mock). */
  abortTransactionError: Error | undefined;

  /**
   * Checks the options (a mistake throws ConfigError naming the key).
   *
   * @param options See {@link MockProducerOptions}.
   * @param clock Where record timestamps come from when a record has none.
   */
  constructor(options: MockProducerOptions<K, V> = {}, clock: Clock = systemClock) {
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      throw new ConfigError("options", `MockProducer takes an options object, not ${describeValue(options)}`);
    }
    rejectUnknownKeys(options, Object.keys(OPTION_KEYS), "", "MockProducer option");
    if (typeof clock?.now !== "function") throw new ConfigError("clock", `must be an object with now(), not ${describeValue(clock)}`);
    const autoComplete = options.autoComplete ?? true;
    if (typeof autoComplete !== "boolean") {
      throw new ConfigError("autoComplete", `must be true or false, not ${describeValue(autoComplete)}`);
    }
    this.#autoComplete = autoComplete;
    this.#cluster = new MockCluster(options.partitions, options.partitioner);
    this.#serializers = resolveSerializers<K, V>(options);
    if (options.transactionalId !== undefined && (typeof options.transactionalId !== "string" || options.transactionalId === "")) {
      throw new ConfigError("transactionalId", `must be a non-empty string, not ${describeValue(options.transactionalId)}`);
    }
    this.#transaction = new MockTransaction(options.transactionalId, {
      closed: () => this.#closing !== undefined,
      commit: () => {
        this.#completeAll();
        this.#sent.push(...this.#uncommitted);
        this.#uncommitted = [];
      },
      abort: () => {
        for (const pending of this.#pending.splice(0)) {
          pending.settler.reject(new TransactionAbortedError("the transaction was aborted before the record was sent"));
        }
        this.#uncommitted = [];
      },
      fenced: (error) => {
        for (const pending of this.#pending.splice(0)) pending.settler.reject(error);
      },
    });
    this.#clock = clock;
  }

  /**
   * Records the record and resolves with its metadata: at once with `autoComplete`, else
   * when the test calls `completeNext()`, `errorNext()` or `flush()`. Rejects as the real
   * producer would: after close (ClosedError), once fenced (ProducerFencedError), outside
   * a transaction of a transactional mock (TransactionStateError), after a failed send
   * in the transaction (TransactionAbortedError), or with {@link sendError}.
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata>;
  /**
   * The callback form: calls `callback` when the send completes, as the real producer does;
   * a callback that throws fails the test (its exception is thrown on a later turn).
   */
  send(record: ProducerRecord<K, V>, callback: SendCallback): void;
  send(record: ProducerRecord<K, V>, callback?: SendCallback): Promise<RecordMetadata> | void {
    if (callback !== undefined) return this.#send(record, new CallbackSettler(callback, rethrowLater));
    const settler = withResolvers<RecordMetadata>();
    this.#send(record, settler);
    return settler.promise;
  }

  #send(record: ProducerRecord<K, V>, settler: RecordSettler): void {
    if (this.#closing !== undefined) return settler.reject(new ClosedError("Cannot send after the producer is closed."));
    const fenced = this.#transaction.fencedBy;
    if (fenced !== undefined) return settler.reject(fenced);
    const problem = recordProblem(record) ?? topicProblem(record.topic, "record.topic");
    if (problem !== undefined) return settler.reject(problem);
    let partition: number;
    const timestamp = record.timestamp ?? this.#clock.now();
    try {
      this.#transaction.ensureSendAllowed();
      const key = synchronousBytes(serialize(this.#serializers.key, record.key as K, record.topic, "key", NO_WAIT), "key");
      const value = synchronousBytes(serialize(this.#serializers.value, record.value as V, record.topic, "value", NO_WAIT), "value");
      normalizeHeaders(record.headers); // for its checks only: the history keeps the record as given
      partition = this.#cluster.partition(record.topic, record.partition ?? undefined, key, value);
    } catch (error) {
      return settler.reject(error as Error);
    }
    const transactional = this.#transaction.isOpen;
    if (this.sendError !== undefined) {
      if (transactional) this.#transaction.recordFailed(this.sendError);
      return settler.reject(this.sendError);
    }
    (transactional ? this.#uncommitted : this.#sent).push(record);
    const pending = { topic: record.topic, partition, timestamp, transactional, settler };
    if (this.#autoComplete) this.#complete(pending);
    else this.#pending.push(pending);
  }

  #complete(pending: PendingSend): void {
    // Offsets are taken on success only, so a failed send leaves no gap, as on a broker.
    const offset = this.#cluster.nextOffset(pending.topic, pending.partition);
    pending.settler.resolve({ topic: pending.topic, partition: pending.partition, offset, timestamp: pending.timestamp });
  }

  #fail(pending: PendingSend, error: Error): void {
    if (pending.transactional) this.#transaction.recordFailed(error);
    pending.settler.reject(error);
  }

  /**
   * Settles the oldest pending send successfully (with `autoComplete: false`).
   *
   * @returns Whether there was a pending send.
   */
  completeNext(): boolean {
    const pending = this.#pending.shift();
    if (pending === undefined) return false;
    this.#complete(pending);
    return true;
  }

  /**
   * Fails the oldest pending send with `error` (with `autoComplete: false`). The record
   * stays in the history, as in Java; inside a transaction, the transaction must then be
   * aborted, as in the real producer.
   *
   * @returns Whether there was a pending send.
   */
  errorNext(error: Error): boolean {
    if (!(error instanceof Error)) throw new KafkaError(`errorNext(error) needs an Error, not ${describeValue(error)}`);
    const pending = this.#pending.shift();
    if (pending === undefined) return false;
    this.#fail(pending, error);
    return true;
  }

  /** Completes every pending send successfully, as Java's MockProducer does. */
  flush(): Promise<void> {
    this.#completeAll();
    return Promise.resolve();
  }

  #completeAll(): void {
    for (const pending of this.#pending.splice(0)) this.#complete(pending);
  }

  /** What {@link metrics} reports; every other metric reads 0, as nothing goes over a network. */
  mockMetrics: Partial<ProducerMetricsSnapshot> = {};

  /** Every producer metric name: 0, or what {@link mockMetrics} sets (Java's `MockProducer.setMockMetrics`). */
  metrics(): ProducerMetricsSnapshot {
    const snapshot = Object.fromEntries(PRODUCER_METRIC_NAMES.map((name) => [name, 0])) as ProducerMetricsSnapshot;
    return Object.assign(snapshot, this.mockMetrics);
  }

  /** The partitions of `topic`: as many as the `partitions` option says (default 1), all led by broker 0. */
  partitionsFor(topic: string): Promise<PartitionInfo[]> {
    if (this.#closing !== undefined) return Promise.reject(new ClosedError("the producer is closed"));
    const illegal = topicProblem(topic, "partitionsFor(topic)");
    if (illegal !== undefined) return Promise.reject(illegal);
    return Promise.resolve(this.#cluster.partitionInfos(topic));
  }

  /**
   * Makes the mock ready for transactions (it needs `transactionalId`). Rejects with
   * {@link initTransactionsError} while it is set.
   */
  initTransactions(): Promise<void> {
    return this.#transaction.init(this.initTransactionsError);
  }

  /** Opens a transaction; throws {@link beginTransactionError} while it is set. */
  beginTransaction(): void {
    this.#transaction.begin(this.beginTransactionError);
  }

  /**
   * Adds consumer offsets to the open transaction; they show in
   * {@link consumerGroupOffsetsHistory} once it commits. Rejects with
   * {@link sendOffsetsError} while it is set.
   */
  sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: GroupMetadata | string): Promise<void> {
    return this.#transaction.sendOffsets(offsets, group, this.sendOffsetsError);
  }

  /**
   * Completes the transaction's pending sends, moves its records into the history and
   * its offsets into {@link consumerGroupOffsetsHistory}. Rejects with
   * TransactionAbortedError when one of its sends failed (abort instead), and with
   * {@link commitTransactionError} while it is set.
   */
  commitTransaction(): Promise<void> {
    return this.#transaction.commit(this.commitTransactionError);
  }

  /**
   * Ends the transaction without a trace: its records and offsets are dropped, and sends
   * still pending reject with TransactionAbortedError, as the real producer's unsent
   * records do. Rejects with {@link abortTransactionError} while it is set.
   */
  abortTransaction(): Promise<void> {
    return this.#transaction.abort(this.abortTransactionError);
  }

  /**
   * Acts as if a newer producer with the same `transactionalId` took over: pending sends
   * and every later send or transactional call fail with ProducerFencedError; only
   * `close()` still works. Needs `initTransactions()` first, as in Java.
   */
  fenceProducer(): void {
    this.#transaction.fence();
  }

  /**
   * Closes: pending sends complete (or, with `timeoutMs: 0`, fail with ClosedError), then
   * sends and transactional calls fail with ClosedError. Idempotent.
   */
  close(options?: { timeoutMs?: number }): Promise<void> {
    let timeoutMs: number;
    try {
      timeoutMs = timeoutMsOption(optionsObject(options, ["timeoutMs"], "close()").timeoutMs, "close()", Infinity);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closing === undefined) {
      const forced = timeoutMs <= 0;
      if (!forced) this.#completeAll();
      for (const pending of this.#pending.splice(0)) {
        pending.settler.reject(new ClosedError("the producer was closed before the record was sent"));
      }
      this.#closing = Promise.resolve();
    }
    return this.#closing;
  }

  /** Closes (see {@link close}) when used with `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * The records sent, in order: outside transactions as sent (including ones failed by
   * `errorNext`, as in Java), inside one only once it committed. Cleared by {@link clear}.
   */
  history(): ProducerRecord<K, V>[] {
    return [...this.#sent];
  }

  /** The records of the open transaction, not committed yet. */
  uncommittedRecords(): ProducerRecord<K, V>[] {
    return [...this.#uncommitted];
  }

  /** The offsets of each committed transaction that sent some, as `{ groupId: offsets }`, oldest first. */
  consumerGroupOffsetsHistory(): Record<string, TransactionOffset[]>[] {
    return this.#transaction.offsetsHistory();
  }

  /**
   * Forgets the history, the open transaction's records and offsets, and the offsets
   * history. Pending sends stay pending (Java drops them, which would leave their
   * promises unsettled forever).
   */
  clear(): void {
    this.#sent = [];
    this.#uncommitted = [];
    this.#transaction.clearOffsets();
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Whether `initTransactions()` succeeded. */
  get transactionInitialized(): boolean {
    return this.#transaction.initialized;
  }

  /** Whether a transaction is open (begun, neither committed nor aborted). */
  get transactionInFlight(): boolean {
    return this.#transaction.inFlight;
  }

  /** Whether the last transaction ended with a commit. */
  get transactionCommitted(): boolean {
    return this.#transaction.committed;
  }

  /** Whether the last transaction ended with an abort. */
  get transactionAborted(): boolean {
    return this.#transaction.aborted;
  }

  /** Whether offsets were sent in the current (or last) transaction. */
  get sentOffsets(): boolean {
    return this.#transaction.sentOffsets;
  }

  /** How many transactions committed. */
  get commitCount(): number {
    return this.#transaction.commitCount;
  }
}
