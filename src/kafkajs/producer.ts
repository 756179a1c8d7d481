/**
 * `kafka.producer()`: KafkaJS's producer over this client's native producers. Sends are
 * appended to the native accumulator and batched per partition with sends made at the same
 * time (`lingerMs` 0 by default, so a send goes out at once); per-send `acks`, `timeout` and
 * `compression` travel with its records (see `send_profile.ts`).
 *
 * Native producers, each made on first use: one for plain sends; one for transactions, when
 * there is a `transactionalId` (KafkaJS too keeps transactional and plain sends apart); and,
 * when idempotence was left at its default (on), one without idempotence for sends with
 * `acks` 0 or 1, which an idempotent producer cannot make.
 *
 * @module
 */
import { KafkaProducer } from "../producer/kafka_producer.ts";
import type { ProducerConfig as NativeProducerConfig } from "../producer/producer_config.ts";
import { resolveProducerConfig } from "../producer/producer_config.ts";
import { producerInternals } from "../producer/producer_internals.ts";
import { describeValue } from "../validation.ts";
import { SendProfiles } from "./compression.ts";
import { nativeProducerConfig } from "./config.ts";
import { KafkaJSError, KafkaJSNonRetriableError } from "./errors.ts";
import { kafkajsErrors, toKafkaJSError } from "./error_mapping.ts";
import { clientEvents, Instrumentation, type InstrumentationEvent, type ProducerEvents } from "./instrumentation.ts";
import type { ClientContext } from "./client_context.ts";
import { type Logger, toNativeLogger } from "./logger.ts";
import { Partitioners } from "./partitioners.ts";
import { mergeTopicMessages, type PartitionFunction, sendMessages } from "./send_messages.ts";
import { KafkaJSTransaction, type Transaction } from "./transaction.ts";
import {
  type PartitionMetadata,
  type ProducerBatch,
  type ProducerConfig,
  type ProducerRecord,
  type RecordMetadata,
  toPartitionMetadata,
} from "./types.ts";

/**
 * What `kafka.producer()` returns: KafkaJS's Producer.
 *
 * @example
 * ```ts
 * import { Kafka } from "./kafka.ts";
 * const producer = new Kafka({ clientId: "app", brokers: ["127.0.0.1:9092"] }).producer();
 * await producer.connect();
 * await producer.send({ topic: "orders", messages: [{ key: "order-17", value: "{}" }] });
 * await producer.disconnect();
 * ```
 */
export interface Producer {
  /** Checks that the cluster answers (and the credentials work); sends before it fail. */
  connect(): Promise<void>;
  /** Sends what is buffered, then closes every connection. */
  disconnect(): Promise<void>;
  /** Whether plain sends are idempotent. */
  isIdempotent(): boolean;
  /** The event names for {@link Producer.on}. */
  readonly events: ProducerEvents;
  /** Listens to an instrumentation event; returns a function that removes the listener. */
  // deno-lint-ignore no-explicit-any
  on(eventName: string, listener: (event: InstrumentationEvent<any>) => void): () => void;
  /** Sends messages to one topic. */
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  /** Sends messages to several topics. */
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>;
  /** Begins a transaction (needs `transactionalId`). */
  transaction(): Promise<Transaction>;
  /** The producer's logger. */
  logger(): Logger;
}

type Status = "disconnected" | "connected" | "disconnecting";
type Role = "plain" | "unacknowledged" | "transactional";

/** The KafkaJS producer. */
export class KafkaJSProducer implements Producer {
  readonly events: ProducerEvents = clientEvents("producer");
  readonly #context: ClientContext;
  readonly #config: ProducerConfig;
  readonly #logger: Logger;
  readonly #instrumentation: Instrumentation<"producer">;
  readonly #partitioner: PartitionFunction;
  readonly #profiles = new SendProfiles();
  readonly #idempotent: boolean;
  readonly #natives = new Map<Role, KafkaProducer<unknown, unknown>>();
  // Each topic's partitions, kept for metadataMaxAge as KafkaJS keeps its metadata.
  readonly #partitions = new Map<string, { list: PartitionMetadata[]; until: number }>();
  #brokers: readonly string[] = [];
  #status: Status = "disconnected";
  #transaction: KafkaJSTransaction | undefined;
  #transactionsInitialized = false;

  /** Checks the combination of settings as the native producer will (a mistake throws KafkaJSNonRetriableError). */
  constructor(context: ClientContext, config: ProducerConfig) {
    this.#context = context;
    this.#config = config;
    this.#logger = context.logger.namespace("Producer");
    this.#instrumentation = new Instrumentation(this.events, this.#logger);
    const create = config.createPartitioner ?? Partitioners.DefaultPartitioner;
    this.#partitioner = create();
    if (typeof this.#partitioner !== "function") {
      throw new KafkaJSNonRetriableError(`createPartitioner must return a function, not ${describeValue(this.#partitioner)}`);
    }
    try {
      const settings = this.#nativeConfig("plain", ["127.0.0.1:9092"]);
      this.#idempotent = resolveProducerConfig(settings).enableIdempotence;
      if (config.transactionalId !== undefined) resolveProducerConfig(this.#nativeConfig("transactional", ["127.0.0.1:9092"]));
    } catch (error) {
      throw toKafkaJSError(error);
    }
  }

  #nativeConfig(role: Role, brokers: readonly string[]): NativeProducerConfig {
    const config = role === "unacknowledged" ? { ...this.#config, idempotent: false } : this.#config;
    return {
      ...nativeProducerConfig(config, { kafka: this.#context.config, brokers }, role === "transactional"),
      logger: toNativeLogger(this.#logger),
    };
  }

  async connect(): Promise<void> {
    const brokers = await this.#context.resolveBrokers();
    await this.#context.checkCluster(brokers);
    this.#brokers = brokers;
    this.#status = "connected";
    this.#instrumentation.emit(this.events.CONNECT, null);
  }

  async disconnect(): Promise<void> {
    this.#status = "disconnecting";
    const natives = [...this.#natives.values()];
    this.#natives.clear();
    this.#partitions.clear();
    this.#transaction = undefined;
    this.#transactionsInitialized = false;
    try {
      await Promise.all(natives.map((native) => native.close()));
    } finally {
      this.#status = "disconnected";
      this.#instrumentation.emit(this.events.DISCONNECT, null);
    }
  }

  isIdempotent(): boolean {
    return this.#idempotent;
  }

  // deno-lint-ignore no-explicit-any
  on(eventName: string, listener: (event: InstrumentationEvent<any>) => void): () => void {
    return this.#instrumentation.on(eventName, listener);
  }

  logger(): Logger {
    return this.#logger;
  }

  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return this.sendWith(record, false, true);
  }

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return this.sendWith(batch, false, false);
  }

  /**
   * A send (`single`: `send(record)`, else `sendBatch(batch)`) of the producer or, when
   * `transactional`, of its open transaction. Never throws: every failure rejects.
   */
  sendWith(options: ProducerRecord | ProducerBatch, transactional: boolean, single: boolean): Promise<RecordMetadata[]> {
    try {
      if (options === null || typeof options !== "object") {
        const shape = single ? "send() takes { topic, messages }" : "sendBatch() takes { topicMessages }";
        throw new KafkaJSNonRetriableError(`${shape}, not ${describeValue(options)}`);
      }
      const acks = options.acks ?? -1;
      if (acks !== -1 && acks !== 0 && acks !== 1) {
        throw new KafkaJSNonRetriableError(`acks must be -1, 0 or 1, not ${describeValue(acks)}`);
      }
      const timeout = options.timeout ?? 30_000;
      if (typeof timeout !== "number" || !(timeout >= 0)) {
        throw new KafkaJSNonRetriableError(`timeout must be a number of ms, not ${describeValue(timeout)}`);
      }
      if (acks !== -1 && (transactional || this.#config.idempotent === true)) {
        throw new KafkaJSNonRetriableError("Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees");
      }
      // A ProducerRecord has the shape of one TopicMessages entry: { topic, messages }.
      const topicMessages = mergeTopicMessages(single ? [options] : (options as ProducerBatch).topicMessages ?? []);
      this.#checkConnected();
      const native = this.#native(transactional ? "transactional" : acks !== -1 && this.#idempotent ? "unacknowledged" : "plain");
      const profile = this.#profiles.get(acks, Math.min(Math.round(timeout), 2 ** 31 - 1), options.compression ?? 0);
      if (profile instanceof Promise) return profile.then((loaded) => sendMessages(this, native, loaded, topicMessages));
      return sendMessages(this, native, profile, topicMessages);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #checkConnected(): void {
    if (this.#status === "disconnecting") {
      throw new KafkaJSNonRetriableError("The producer is disconnecting; therefore, it can't safely accept messages anymore");
    }
    if (this.#status === "disconnected") throw new KafkaJSError("The producer is disconnected");
  }

  #native(role: Role): KafkaProducer<unknown, unknown> {
    let native = this.#natives.get(role);
    if (native === undefined) {
      native = new KafkaProducer<unknown, unknown>(this.#nativeConfig(role, this.#brokers));
      const observer = this.#instrumentation.networkObserver(this.#context.config.clientId ?? "kafkajs");
      producerInternals.observeNetwork(native, observer);
      this.#natives.set(role, native);
    }
    return native;
  }

  /** The partitioner, for sendMessages. */
  get partitioner(): PartitionFunction {
    return this.#partitioner;
  }

  /** A topic's partitions when fetched less than metadataMaxAge ago, for sendMessages. */
  knownPartitions(topic: string): PartitionMetadata[] | undefined {
    const cached = this.#partitions.get(topic);
    return cached !== undefined && cached.until > Date.now() ? cached.list : undefined;
  }

  /** Waits for a topic's partitions (KafkaJS's errors when the topic is unknown or the cluster out of reach), for sendMessages. */
  loadPartitions(native: KafkaProducer<unknown, unknown>, topic: string): Promise<PartitionMetadata[]> {
    const now = Date.now();
    return kafkajsErrors(async () => {
      const list = (await native.partitionsFor(topic)).map(toPartitionMetadata);
      this.#partitions.set(topic, { list, until: now + (this.#config.metadataMaxAge ?? 300_000) });
      return list;
    });
  }

  async transaction(): Promise<Transaction> {
    if (this.#config.transactionalId === undefined) {
      throw new KafkaJSNonRetriableError("Must provide transactional id for transactional producer");
    }
    if (this.#transaction?.isActive()) {
      throw new KafkaJSNonRetriableError(
        "There is already an ongoing transaction for this producer. Please end the transaction before beginning another.",
      );
    }
    this.#checkConnected();
    const native = this.#native("transactional");
    await kafkajsErrors(async () => {
      if (!this.#transactionsInitialized) await native.initTransactions();
      this.#transactionsInitialized = true;
      native.beginTransaction();
    });
    return this.#transaction = new KafkaJSTransaction(native, (options, single) => this.sendWith(options, true, single));
  }
}
