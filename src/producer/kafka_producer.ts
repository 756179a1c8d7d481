/**
 * The KafkaProducer, as in the Java client: `send()` checks a record and waits for its
 * topic's metadata, then serializes it, picks its partition and appends it to the
 * RecordAccumulator (record_appender.ts); the Sender's loop takes it from there. Every
 * `send()` settles within `deliveryTimeoutMs` (plus `maxBlockMs` while it waits for
 * metadata or memory).
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { raceDeadline, systemClock } from "../clock.ts";
import type { PartitionInfo } from "../client/metadata.ts";
import { NetworkClient } from "../client/network_client.ts";
import { ClosedError, ConfigError, KafkaError } from "../errors.ts";
import { Selector } from "../net/selector.ts";
import { runtimeTransport } from "../net/runtime_transport.ts";
import { initCrc32c } from "../protocol/crc32c.ts";
import type { RecordSettler } from "./producer_batch.ts";
import { BatchCompression } from "./batch_compression.ts";
import type { AsyncSerializer, ProducerConfig, ResolvedProducerConfig } from "./producer_config.ts";
import { resolveProducerConfig, resolveSerializers } from "./producer_config.ts";
import { ProducerMetadata } from "./producer_metadata.ts";
import type { Producer } from "./producer.ts";
import type { ProducerRecord, RecordMetadata } from "./producer_record.ts";
import { earlyProblem, recordProblem, topicProblem } from "./record_checks.ts";
import { RecordAccumulator } from "./record_accumulator.ts";
import { RecordAppender } from "./record_appender.ts";
import { Sender } from "./sender.ts";
import { PendingSends, type TrackedSend, withResolvers } from "./pending_sends.ts";
import { CallbackSettler, type RecordOutcome, type SendCallback } from "./send_callback.ts";
import { ProducerInterceptors, resolveInterceptors } from "./producer_interceptor.ts";
import { LazySendObserver } from "./lazy_send_observer.ts";
import type { ProducerMetricsSnapshot } from "./producer_metrics.ts";
import { ProducerMetrics } from "./producer_metrics.ts";
import { SequenceTracker } from "./sequence_tracker.ts";
import type { GroupMetadata, TransactionOffset } from "./transaction_types.ts";
import { TransactionManager } from "./transaction_manager.ts";
import { TransactionalCalls } from "./transactional_calls.ts";
import { describeValue, optionsObject, timeoutMsOption } from "../validation.ts";
import { producerInternals } from "./producer_internals.ts";
import type { DetailedRecordMetadata, SendProfile } from "./send_profile.ts";

const CLOSE_OPTIONS = ["timeoutMs"];

/**
 * Sends records to Kafka with batching, compression, retries and back pressure.
 *
 * @example Send, then close
 * ```ts
 * import { KafkaProducer } from "./kafka_producer.ts";
 * await using producer = new KafkaProducer({ bootstrapServers: "127.0.0.1:9092", clientId: "app" });
 * const metadata = await producer.send({ topic: "orders", key: "order-17", value: "{\"total\":3}" });
 * console.log(metadata.partition, metadata.offset);
 * ```
 */
export class KafkaProducer<K = string | Uint8Array | null, V = string | Uint8Array | null> implements Producer<K, V> {
  readonly #config: ResolvedProducerConfig;
  readonly #serializers: { key: AsyncSerializer<K>; value: AsyncSerializer<V> };
  readonly #clock: Clock;
  readonly #metadata: ProducerMetadata;
  readonly #accumulator: RecordAccumulator;
  readonly #sender: Sender;
  readonly #client: NetworkClient;
  readonly #transactions: TransactionManager | undefined;
  readonly #metrics: ProducerMetrics;
  readonly #interceptors: ProducerInterceptors<K, V> | undefined;
  // OpenTelemetry (src/telemetry/), loaded once a provider is registered.
  readonly #tracing: LazySendObserver;
  readonly #started: Promise<void>;
  // send() calls whose record was not in a batch at once (it waited for metadata or memory), so flush and close
  // can wait for them to be delivered or failed.
  readonly #pending = new PendingSends();
  // Serializes a record whose topic is known, chooses its partition and appends it; rejects one that fails on the way.
  readonly #appender: RecordAppender<K, V>;
  #closing: { forced: boolean; done: Promise<void> } | undefined;
  readonly #transactional: TransactionalCalls;
  // Why the producer could not start (a codec that failed to load): every send fails with it.
  #startFailure: KafkaError | undefined;

  /**
   * Validates the configuration (a mistake throws ConfigError naming the key) and
   * starts the Sender's loop.
   */
  constructor(config: ProducerConfig<K, V>, clock: Clock = systemClock) {
    this.#config = resolveProducerConfig(config as ProducerConfig);
    if (typeof clock?.now !== "function") throw new ConfigError("clock", `must be an object with now(), not ${describeValue(clock)}`);
    this.#serializers = resolveSerializers(config);
    const interceptors = resolveInterceptors<K, V>(config);
    this.#interceptors = interceptors.length === 0 ? undefined : new ProducerInterceptors(interceptors, this.#config.logger);
    this.#clock = clock;
    const settings = this.#config;
    // As the Java client's "ProducerConfig values", with secrets shown as [hidden].
    settings.logger.debug(`producer config: ${JSON.stringify(settings)}`);
    const transport = typeof settings.transport === "object" ? settings.transport : runtimeTransport(settings.transport);
    // The gauges read the parts built below, when asked.
    const metrics = this.#metrics = new ProducerMetrics(
      { sampleWindowMs: settings.metricsSampleWindowMs, numSamples: settings.metricsNumSamples },
      clock,
      {
        bufferTotalBytes: () => this.#accumulator.pool.totalMemory,
        bufferAvailableBytes: () => this.#accumulator.pool.availableMemory,
        waitingThreads: () => this.#accumulator.blockedAppends,
        requestsInFlight: () => this.#client.inFlightRequestCount(),
        connectionCount: () => this.#client.connectionCount(),
      },
    );
    const metadata = this.#metadata = new ProducerMetadata(
      settings.bootstrapServers,
      settings,
      settings.metadataMaxIdleMs,
      clock,
    );
    const client = this.#client = new NetworkClient(
      new Selector(transport, { maxReceiveSize: settings.maxResponseSize }),
      metadata,
      settings,
      clock,
      { sensors: metrics },
    );
    // A send that times out waiting for metadata says what the connections met.
    metadata.diagnostics = client;
    const compression = new BatchCompression(settings.compressionType, settings.compressionLevel);
    const accumulator = this.#accumulator = new RecordAccumulator(settings, {
      clock,
      compression,
      metrics,
      onBatchReady: () => this.#sender.wakeup(),
      reportCallbackFailure: this.#reportCallbackFailure,
    });
    const sequences = settings.enableIdempotence ? new SequenceTracker() : undefined;
    const transactions = this.#transactions = settings.transactionalId === undefined ? undefined : new TransactionManager(
      settings.transactionalId,
      settings.transactionTimeoutMs,
      settings.retryBackoffMs,
      sequences!,
      accumulator.partitions,
    );
    const sender = this.#sender = new Sender({
      client,
      metadata,
      accumulator,
      config: { ...settings, guaranteeMessageOrder: settings.maxInFlightRequestsPerConnection === 1 },
      clock,
      sequences,
      transactions,
      metrics,
    });
    this.#transactional = new TransactionalCalls({
      transactions,
      clock,
      maxBlockMs: settings.maxBlockMs,
      closed: () => this.#closing !== undefined,
      wakeup: () => sender.wakeup(),
      flush: () => this.flush(),
      // KIP-890's protocol v2 when the cluster finalized it and the broker speaks EndTxn v5.
      transactionVersion: () => client.finalizedFeatureLevel("transaction.version"),
    });
    // The cluster as the metadata knows it now, for the sticky partitioner and the tracing.
    const cluster = () => metadata.cluster;
    const serializers = this.#serializers;
    this.#appender = new RecordAppender({ config: settings, serializers, clock, metadata, cluster, accumulator, transactions, metrics });
    const { clientId, logger } = settings;
    this.#tracing = new LazySendObserver(settings.tracing, { clientId, cluster, logger }, (loading) => {
      metadata.holdUntil(loading);
    });
    // The codec (and its WebAssembly) loads first; the Sender starts once it is in. The WebAssembly
    // CRC loads meanwhile, and until it is in (or where it cannot load) the JavaScript one serves.
    initCrc32c().catch(() => {});
    this.#started = compression.load().then(() => void sender.run());
    this.#started.catch((error) => {
      const failure = this.#startFailure = new KafkaError(`the producer could not start: ${error}`, { cause: error });
      this.#accumulator.abortIncompleteBatches(failure);
      // Nothing will fetch metadata: sends waiting for it fail now, with the reason.
      this.#metadata.failWaiters(failure);
      // Run the loop in its closed state, so it releases the network client and `close()` returns.
      this.#sender.forceClose();
      this.#sender.run();
    });
  }

  /**
   * Sends one record. Resolves with where it was written once the broker acknowledged
   * it (per `acks`), or rejects with a typed error; it never takes longer than
   * `maxBlockMs` (metadata, memory) plus `deliveryTimeoutMs`. A record that is not valid
   * rejects at once with a SerializationError naming the field; it never throws.
   *
   * With a `callback`, returns nothing and calls it instead, as the Java client's
   * `send(record, callback)`: `(null, metadata)` or `(error, null)`, within the same
   * bounds. A record refused before it is buffered calls back before `send` returns, as in
   * Java. Interceptors hear each outcome before the caller. A callback that throws is logged
   * and changes nothing.
   *
   * @example Many records, no promise per record
   * ```ts ignore
   * import { KafkaProducer } from "./kafka_producer.ts";
   * const producer = new KafkaProducer({ bootstrapServers: "127.0.0.1:9092" });
   * let failed = 0;
   * for (let i = 0; i < 100_000; i++) {
   *   producer.send({ topic: "clicks", value: `click ${i}` }, (error) => {
   *     if (error !== null) failed++;
   *   });
   * }
   * await producer.flush(); // every callback has run
   * console.log(`${failed} failed`);
   * ```
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata>;
  send(record: ProducerRecord<K, V>, callback: SendCallback): void;
  send(record: ProducerRecord<K, V>, callback?: SendCallback): Promise<RecordMetadata> | void {
    if (callback !== undefined) {
      // With no interceptor to wrap it, the callback rides in its batch as it is (see send_callback.ts's RecordOutcome).
      if (this.#interceptors === undefined) return this.#doSend(record, callback);
      return this.#sendThrough(record, new CallbackSettler(callback, this.#reportCallbackFailure));
    }
    const own = withResolvers<RecordMetadata>();
    this.#sendThrough(record, own);
    return own.promise;
  }

  // Through the interceptors, when there are any: they may change the record and hear its outcome first.
  #sendThrough(record: ProducerRecord<K, V>, own: TrackedSend): void {
    const interceptors = this.#interceptors;
    if (interceptors === undefined) return this.#doSend(record, own);
    const intercepted = interceptors.onSend(record);
    this.#doSend(intercepted, own, undefined, interceptors.intercept(own, intercepted));
  }

  readonly #reportCallbackFailure = (thrown: unknown): void => {
    this.#config.logger.error("a send() callback threw; the producer goes on", { error: String(thrown) });
  };

  static {
    producerInternals.send = <K, V>(
      producer: KafkaProducer<K, V>,
      record: ProducerRecord<K, V>,
      profile: SendProfile,
      callback: SendCallback<DetailedRecordMetadata>,
    ) => {
      const settler = new CallbackSettler(callback, producer.#reportCallbackFailure);
      if (profile.acks !== -1 && producer.#config.enableIdempotence) {
        return settler.reject(new ConfigError("acks", `an idempotent producer sends with acks -1 only, not ${profile.acks}`));
      }
      producer.#doSend(record, settler, profile);
    };
    producerInternals.observeNetwork = (producer, observer) => producer.#client.observer = observer;
  }

  // Java's doSend: the send itself, on the record the interceptors returned, settled through `outer` (the
  // interceptors' settler, else `own`, the caller's promise or callback, which flush and close wait for); with a
  // profile, of a send with its own settings. A bare callback as `own` gets a settler once an observer wraps it or it waits.
  #doSend(
    record: ProducerRecord<K, V>,
    own: TrackedSend | SendCallback,
    profile?: SendProfile,
    outer: RecordOutcome = own,
  ): void {
    if (this.#closing !== undefined) return this.#appender.failUnsent(new ClosedError("Cannot send after the producer is closed."), outer);
    const fatal = this.#sender.fatalError ?? this.#startFailure;
    if (fatal !== undefined) return this.#appender.failUnsent(fatal, outer);
    const problem = recordProblem(record);
    if (problem !== undefined) return this.#appender.failUnsent(problem, outer);
    const now = this.#clock.now();
    // One deadline for all the waits of this send: metadata, then memory (Java gives the memory wait what is left).
    const deadline = now + this.#config.maxBlockMs;
    // The record belongs to the transaction open now, even if it reaches a batch only after a wait.
    const transaction = this.#transactions?.openTransaction;
    try {
      if (this.#transactions !== undefined) {
        this.#transactional.requireNoTimedOutCall("send");
        this.#transactions.ensureSendAllowed();
      }
    } catch (error) {
      return this.#appender.failUnsent(error, outer);
    }
    const tracing = this.#tracing;
    if (tracing.awaitingProvider) tracing.lookForProvider();
    const info = this.#metadata.usableTopic(record.topic);
    // An explicit partition beyond the known ones may be new: the metadata is asked again, as in Java.
    const partitions = record.partition === undefined || record.partition === null ? 1 : record.partition + 1;
    const known = info !== undefined && info.partitions.length >= partitions;
    // A bare callback rides in its batch only if it goes straight there and no observer wraps it; else it gets a settler here.
    if (typeof own === "function" && (!known || tracing.observing)) {
      outer = own = new CallbackSettler(own, this.#reportCallbackFailure);
    }
    let settler = outer;
    // OpenTelemetry: the record's span, its trace context in a copy of the record; the send settles through it.
    const observed = typeof outer === "function" ? undefined : tracing.observe(record, outer);
    if (observed !== undefined) [record, settler] = [observed.record, observed];
    if (known) {
      this.#metadata.touch(record.topic, now);
      const waiting = this.#appender.serializeAndAppend(record, info.partitions.length, now, deadline, transaction, settler, profile);
      // A record not in a batch yet (it waits for memory): flush and close wait for it too, a bare callback as the
      // settler it waits as.
      if (waiting !== undefined) this.#pending.add(typeof own === "function" ? waiting as CallbackSettler : own);
      return;
    }
    // Checked only here: a topic the metadata knows has a legal name.
    const illegal = (info === undefined ? topicProblem(record.topic, "record.topic") : undefined) ??
      earlyProblem(record, this.#serializers);
    if (illegal !== undefined) return this.#appender.failUnsent(illegal, settler);
    // A bare callback got its settler above: the wait holds settler objects only.
    const waitingOuter = outer as RecordSettler;
    const tracked = own as TrackedSend;
    const topicKnown = this.#metadata.waitForTopic(record.topic, this.#config.maxBlockMs, now, partitions);
    // The Sender may be idle in a long poll: the metadata request must go now.
    this.#sender.wakeup();
    // Sent before the observer loaded: observed once the wait ends (the metadata held the topic back until it did).
    const unobserved = tracing.loading;
    topicKnown.then((topic) => {
      if (unobserved) [record, settler] = this.#observeLate(record, waitingOuter, now);
      if (this.#closing !== undefined && this.#closing.forced) {
        return this.#appender.failUnsent(new ClosedError("the producer was closed while the record waited for metadata"), settler);
      }
      this.#appender.serializeAndAppend(record, topic.partitions.length, this.#clock.now(), deadline, transaction, settler, profile);
    }, (error) => {
      if (unobserved) [record, settler] = this.#observeLate(record, waitingOuter, now);
      this.#appender.failUnsent(error, settler, transaction);
    });
    this.#pending.add(tracked);
  }

  /**
   * A send made at `sendMs`, before @opentelemetry/api had loaded, observed now that it has: still in the
   * caller's async context, which promise reactions carry, so its span gets the caller's parent.
   */
  #observeLate(record: ProducerRecord<K, V>, settler: RecordSettler, sendMs: number): [ProducerRecord<K, V>, RecordSettler] {
    const late = this.#tracing.observe(record, settler, this.#clock.now() - sendMs);
    return late === undefined ? [record, settler] : [late.record, late];
  }

  /**
   * Makes every buffered record sendable at once (without waiting out `lingerMs`) and
   * resolves when all records sent before the call are settled.
   */
  async flush(): Promise<void> {
    const startedAt = this.#clock.now();
    this.#accumulator.beginFlush();
    this.#sender.wakeup();
    try {
      // The records of earlier sends that were not in a batch yet, until each is delivered or failed. The batches
      // below are those that existed now: a batch that later sends open meanwhile is not this flush's business.
      await this.#pending.drained();
      // Batches split after a too-large rejection keep their creation time, so they are waited for too.
      for (
        let pending = this.#accumulator.incompleteBatches(startedAt);
        pending.length > 0;
        pending = this.#accumulator.incompleteBatches(startedAt)
      ) {
        await Promise.all(pending.map((batch) => batch.settled));
      }
    } finally {
      this.#accumulator.endFlush();
    }
  }

  /**
   * Registers this transactional producer with its coordinator, fencing any older
   * producer with the same `transactionalId`, and finishes or aborts what it left open.
   * Bounded by `maxBlockMs`; calling again after a timeout resumes.
   */
  initTransactions(): Promise<void> {
    return this.#transactional.initTransactions();
  }

  /** Starts a transaction: the records sent until commit or abort are written atomically. */
  beginTransaction(): void {
    this.#transactional.beginTransaction();
  }

  /**
   * Commits consumer offsets with the transaction, so consuming and producing happen
   * exactly once together (consume-transform-produce).
   */
  sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: GroupMetadata | string): Promise<void> {
    return this.#transactional.sendOffsetsToTransaction(offsets, group);
  }

  /**
   * Sends every buffered record of the transaction, then commits it. If a record failed,
   * this rejects with TransactionAbortedError: call abortTransaction() and go on.
   */
  commitTransaction(): Promise<void> {
    return this.#transactional.commitTransaction();
  }

  /** Aborts the transaction: unsent records fail, sent ones are never visible to read_committed readers. */
  abortTransaction(): Promise<void> {
    return this.#transactional.abortTransaction();
  }

  /** The partitions of a topic, waiting up to `maxBlockMs` for its metadata. */
  async partitionsFor(topic: string): Promise<PartitionInfo[]> {
    if (this.#closing !== undefined) throw new ClosedError("the producer is closed");
    const illegal = topicProblem(topic, "partitionsFor(topic)");
    if (illegal !== undefined) throw illegal;
    const known = this.#metadata.waitForTopic(topic, this.#config.maxBlockMs, this.#clock.now());
    this.#sender.wakeup();
    const info = await known;
    return info.partitions.map((p) => ({ ...p }));
  }

  /**
   * Sends what is buffered and closes. Waits up to `timeoutMs` (default: as long as it
   * takes, bounded by the delivery timeout); records still unsent then fail.
   */
  close(options?: { timeoutMs?: number }): Promise<void> {
    let timeoutMs: number;
    try {
      timeoutMs = timeoutMsOption(optionsObject(options, CLOSE_OPTIONS, "close()").timeoutMs, "close()", Infinity);
    } catch (error) {
      // A typo in the options must not close the producer some other way than asked.
      return Promise.reject(error);
    }
    if (this.#closing === undefined) {
      this.#closing = { forced: timeoutMs <= 0, done: this.#close(timeoutMs) };
    }
    return this.#closing.done;
  }

  async #close(timeoutMs: number): Promise<void> {
    const deadline = this.#clock.now() + timeoutMs;
    const within = (work: Promise<unknown>) => raceDeadline(this.#clock, work, deadline - this.#clock.now());
    // Records sent before close() still go out, as long as the deadline allows.
    await within(this.#pending.drained());
    this.#metadata.failWaiters(new ClosedError("the producer was closed while the record waited for metadata"));
    await this.#started.catch(() => {});
    // The Sender finishes a commit or abort under way, and aborts a transaction left open.
    this.#sender.initiateClose();
    await within(this.#sender.stopped);
    this.#sender.forceClose();
    await this.#sender.stopped;
    this.#transactions?.close(new ClosedError("the producer was closed"));
    // Every send has settled by now; the interceptors hear the last acknowledgements first.
    await this.#interceptors?.close();
  }

  /**
   * The producer's metrics now, by the Java client's names (`record-send-total`,
   * `request-latency-avg`, `buffer-available-bytes`, ...; see `PRODUCER_METRIC_NAMES`):
   * a fresh plain object each call. Rates are per second and, like averages and maxima,
   * cover the last `metricsNumSamples` windows of `metricsSampleWindowMs`; an average or
   * maximum with no event in that time is NaN, as in Java. Totals count from the start.
   */
  metrics(): ProducerMetricsSnapshot {
    return this.#metrics.snapshot(this.#clock.now());
  }

  /** Closes (see {@link close}) when used with `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
