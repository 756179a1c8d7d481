/**
 * `producer.transaction()`: KafkaJS's Transaction over a transactional native producer,
 * whose transaction has begun. Once committed or aborted it refuses every call, as
 * KafkaJS's does.
 *
 * @module
 */
import type { KafkaProducer } from "../producer/kafka_producer.ts";
import type { TransactionOffset } from "../producer/transaction_types.ts";
import { describeValue } from "../validation.ts";
import { KafkaJSNonRetriableError } from "./errors.ts";
import { kafkajsErrors } from "./error_mapping.ts";
import type { Offsets, ProducerBatch, ProducerRecord, RecordMetadata } from "./types.ts";

/**
 * What `producer.transaction()` resolves with: KafkaJS's Transaction.
 *
 * @example
 * ```ts
 * import { Kafka } from "./kafka.ts";
 * const producer = new Kafka({ brokers: ["127.0.0.1:9092"] }).producer({ transactionalId: "billing-1" });
 * await producer.connect();
 * const transaction = await producer.transaction();
 * await transaction.send({ topic: "invoices", messages: [{ key: "order-17", value: "{}" }] });
 * await transaction.commit();
 * ```
 */
export interface Transaction {
  /** Sends messages to one topic within the transaction. */
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  /** Sends messages to several topics within the transaction. */
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>;
  /** Commits a consumer group's offsets with the transaction. */
  sendOffsets(offsets: Offsets & { consumerGroupId: string }): Promise<void>;
  /** Makes the transaction's messages visible to read_committed consumers, all together. */
  commit(): Promise<void>;
  /** Discards the transaction's messages. */
  abort(): Promise<void>;
  /** Whether the transaction can still be used (neither committed nor aborted). */
  isActive(): boolean;
}

/** One transaction of a KafkaJS producer. */
export class KafkaJSTransaction implements Transaction {
  readonly #native: KafkaProducer<unknown, unknown>;
  readonly #send: (options: ProducerRecord | ProducerBatch, single: boolean) => Promise<RecordMetadata[]>;
  #ended = false;

  /**
   * @param native The transactional producer, its transaction begun.
   * @param send How the producer sends within its transaction (`single`: a `send()`, else a `sendBatch()`).
   */
  constructor(
    native: KafkaProducer<unknown, unknown>,
    send: (options: ProducerRecord | ProducerBatch, single: boolean) => Promise<RecordMetadata[]>,
  ) {
    this.#native = native;
    this.#send = send;
  }

  isActive(): boolean {
    return !this.#ended;
  }

  #guard(): void {
    if (this.#ended) throw new KafkaJSNonRetriableError("Cannot continue to use transaction once ended");
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    this.#guard();
    return await this.#send(record, true);
  }

  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    this.#guard();
    return await this.#send(batch, false);
  }

  async sendOffsets(offsets: Offsets & { consumerGroupId: string }): Promise<void> {
    this.#guard();
    const { consumerGroupId, topics } = offsets ?? {};
    if (typeof consumerGroupId !== "string" || consumerGroupId.length === 0 || !Array.isArray(topics)) {
      throw new KafkaJSNonRetriableError(
        `sendOffsets() takes { consumerGroupId, topics: [{ topic, partitions: [{ partition, offset }] }] }`,
      );
    }
    const list: TransactionOffset[] = [];
    for (const { topic, partitions } of topics) {
      for (const { partition, offset } of partitions ?? []) {
        const value = Number(offset);
        if (!Number.isSafeInteger(value)) {
          throw new KafkaJSNonRetriableError(`sendOffsets(): offset ${describeValue(offset)} of ${topic}-${partition} is not a number`);
        }
        list.push({ topic, partition, offset: value });
      }
    }
    await kafkajsErrors(() => this.#native.sendOffsetsToTransaction(list, consumerGroupId));
  }

  async commit(): Promise<void> {
    this.#guard();
    await kafkajsErrors(() => this.#native.commitTransaction());
    this.#ended = true;
  }

  async abort(): Promise<void> {
    this.#guard();
    await kafkajsErrors(() => this.#native.abortTransaction());
    this.#ended = true;
  }
}
