/**
 * One KafkaJS send: its messages checked as KafkaJS checks them, each given its partition
 * by the KafkaJS partitioner, handed to a native producer with the send's profile, and
 * the acknowledgements folded into KafkaJS's `RecordMetadata[]`: one entry per partition
 * written, whose `baseOffset` is the offset of this send's first message there (KafkaJS
 * sends one request per `send()`, so its base offset is exactly that).
 *
 * A send allocates little beyond what the native send does: its records are appended
 * synchronously once the topics' partitions are known, and the acknowledgements are
 * counted by two handlers shared by all of a send's records.
 *
 * @module
 */
import type { KafkaProducer } from "../producer/kafka_producer.ts";
import { producerInternals } from "../producer/producer_internals.ts";
import type { SendCallback } from "../producer/send_callback.ts";
import type { ProducerRecord as NativeRecord } from "../producer/producer_record.ts";
import type { DetailedRecordMetadata, SendProfile } from "../producer/send_profile.ts";
import { describeValue } from "../validation.ts";
import { KafkaJSNonRetriableError } from "./errors.ts";
import { toKafkaJSError } from "./error_mapping.ts";
import { isBuiltInPartitioner } from "./partitioners.ts";
import type { IHeaders, Message, PartitionerArgs, PartitionMetadata, RecordMetadata, TopicMessages } from "./types.ts";

/** A producer's partitioner, as `createPartitioner()` made it. */
export type PartitionFunction = (args: PartitionerArgs) => number;

/**
 * Checks `sendBatch()`'s topic messages as KafkaJS does (a topic, a messages array, a value
 * in every message) and merges the entries of one topic.
 *
 * @example
 * ```ts
 * import { mergeTopicMessages } from "./send_messages.ts";
 * const merged = mergeTopicMessages([{ topic: "a", messages: [{ value: "1" }] }, { topic: "a", messages: [{ value: "2" }] }]);
 * console.log(merged[0].messages.length); // 2
 * ```
 */
export function mergeTopicMessages(topicMessages: unknown): readonly TopicMessages[] {
  if (!Array.isArray(topicMessages)) {
    throw new KafkaJSNonRetriableError(`topicMessages must be an array, not ${describeValue(topicMessages)}`);
  }
  for (const entry of topicMessages as Partial<TopicMessages>[]) {
    const topic = entry?.topic;
    if (typeof topic !== "string" || topic.length === 0) throw new KafkaJSNonRetriableError(`Invalid topic ${describeValue(topic)}`);
    const messages = entry.messages;
    if (!Array.isArray(messages)) throw new KafkaJSNonRetriableError(`Invalid messages array [${messages}] for topic "${topic}"`);
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i];
      if (message === null || typeof message !== "object" || message.value === undefined) {
        throw new KafkaJSNonRetriableError(`Invalid message without value for topic "${topic}": ${JSON.stringify(message) ?? message}`);
      }
    }
  }
  if (topicMessages.length < 2) return topicMessages as TopicMessages[];
  const merged = new Map<string, Message[]>();
  for (const { topic, messages } of topicMessages as TopicMessages[]) merged.set(topic, (merged.get(topic) ?? []).concat(messages));
  return [...merged].map(([topic, messages]) => ({ topic, messages }));
}

function headersOf(headers: IHeaders, topic: string): [string, string | Uint8Array][] {
  if (typeof headers !== "object") throw new KafkaJSNonRetriableError(`Invalid headers for topic "${topic}": ${describeValue(headers)}`);
  const pairs: [string, string | Uint8Array][] = [];
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) { for (const one of value) pairs.push([name, one]); }
    else pairs.push([name, value]);
  }
  return pairs;
}

function timestampOf(timestamp: string | number, topic: string): number {
  const ms = typeof timestamp === "number" ? timestamp : Number(timestamp);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new KafkaJSNonRetriableError(`Invalid timestamp ${describeValue(timestamp)} for topic "${topic}": milliseconds since the epoch`);
  }
  return ms;
}

/** Collects a send's acknowledgements: the first failure (in time), else every record's metadata. */
class Acknowledgements {
  readonly written: DetailedRecordMetadata[] = [];
  #left: number;
  #failure: Error | null = null;
  #failed = false;
  readonly #resolve: (written: DetailedRecordMetadata[]) => void;
  readonly #reject: (error: unknown) => void;

  constructor(count: number, resolve: (written: DetailedRecordMetadata[]) => void, reject: (error: unknown) => void) {
    this.#left = count;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  readonly settle: SendCallback<DetailedRecordMetadata> = (error, metadata) => {
    if (metadata !== null) this.written.push(metadata);
    else if (!this.#failed) {
      this.#failed = true;
      this.#failure = error;
    }
    if (--this.#left === 0) this.#done();
  };

  /** Rejects at once with `error` (the messages not handed over yet never will be); later outcomes change nothing. */
  abandon(error: unknown): void {
    this.#reject(toKafkaJSError(error));
  }

  #done(): void {
    if (this.#failed) this.#reject(toKafkaJSError(this.#failure));
    else this.#resolve(this.written);
  }
}

/** Folds each record's metadata into one RecordMetadata per partition, topics in send order, partitions ascending. */
function recordMetadata(written: readonly DetailedRecordMetadata[]): RecordMetadata[] {
  // A send of one message (the common send()) needs no grouping.
  if (written.length === 1) return [toRecordMetadata(written[0])];
  const byPartition = new Map<string, Map<number, DetailedRecordMetadata>>();
  for (const metadata of written) {
    let partitions = byPartition.get(metadata.topic);
    if (partitions === undefined) byPartition.set(metadata.topic, partitions = new Map());
    const first = partitions.get(metadata.partition);
    if (first === undefined || metadata.offset < first.offset) partitions.set(metadata.partition, metadata);
  }
  const result: RecordMetadata[] = [];
  for (const partitions of byPartition.values()) {
    for (const first of [...partitions.values()].sort((a, b) => a.partition - b.partition)) result.push(toRecordMetadata(first));
  }
  return result;
}

function toRecordMetadata(first: DetailedRecordMetadata): RecordMetadata {
  return {
    topicName: first.topic,
    partition: first.partition,
    errorCode: 0,
    baseOffset: String(first.offset),
    logAppendTime: String(first.logAppendTime),
    logStartOffset: String(first.logStartOffset),
  };
}

const none = (): RecordMetadata[] => [];

/** What {@link sendMessages} needs of the producer it sends for. */
export interface SendingProducer {
  /** The partitioner. */
  readonly partitioner: PartitionFunction;
  /** A topic's partitions, when known and fresh. */
  knownPartitions(topic: string): PartitionMetadata[] | undefined;
  /** Waits for a topic's partitions (errors already KafkaJS's). */
  loadPartitions(native: KafkaProducer<unknown, unknown>, topic: string): Promise<PartitionMetadata[]>;
}

/**
 * Sends the messages and resolves with KafkaJS's RecordMetadata (`[]` with acks 0), or
 * rejects with KafkaJS's error for a message that failed, once every message has settled.
 *
 * @example See `producer.ts`, which calls it for `send()`, `sendBatch()` and transactions.
 * ```ts
 * import type { sendMessages } from "./send_messages.ts";
 * ```
 */
export function sendMessages(
  producer: SendingProducer,
  native: KafkaProducer<unknown, unknown>,
  profile: SendProfile,
  topicMessages: readonly TopicMessages[],
): Promise<RecordMetadata[]> {
  for (const { topic } of topicMessages) {
    if (producer.knownPartitions(topic) === undefined) {
      return producer.loadPartitions(native, topic).then(() => sendMessages(producer, native, profile, topicMessages));
    }
  }
  let count = 0;
  for (const { messages } of topicMessages) count += messages.length;
  if (count === 0) return Promise.resolve([]);
  // One callback for every message, so a batch of 1000 makes no promise per message.
  let acknowledgements!: Acknowledgements;
  const written = new Promise<DetailedRecordMetadata[]>((resolve, reject) => {
    acknowledgements = new Acknowledgements(count, resolve, reject);
  });
  try {
    const partitioner = producer.partitioner;
    // The built-in partitioners keep nothing of their argument, so one object serves every message.
    const shared = isBuiltInPartitioner(partitioner)
      ? { topic: "", partitionMetadata: [] as PartitionMetadata[], message: {} as Message }
      : undefined;
    for (const { topic, messages } of topicMessages) {
      const partitionMetadata = producer.knownPartitions(topic)!;
      for (let i = 0; i < messages.length; i++) {
        const message = messages[i];
        let args: PartitionerArgs;
        if (shared === undefined) args = { topic, partitionMetadata, message };
        else {
          shared.topic = topic;
          shared.partitionMetadata = partitionMetadata;
          shared.message = message;
          args = shared;
        }
        const partition = partitioner(args);
        if (!Number.isInteger(partition) || partition < 0) {
          throw new KafkaJSNonRetriableError(`the partitioner chose partition ${describeValue(partition)} for a message to "${topic}"`);
        }
        const record: NativeRecord<unknown, unknown> = { topic, key: message.key ?? null, value: message.value, partition };
        if (message.headers !== undefined && message.headers !== null) record.headers = headersOf(message.headers, topic);
        if (message.timestamp !== undefined && message.timestamp !== null) record.timestamp = timestampOf(message.timestamp, topic);
        producerInternals.send(native, record, profile, acknowledgements.settle);
      }
    }
  } catch (error) {
    // Messages already handed over still go; the caller learns of the problem now.
    acknowledgements.abandon(error);
  }
  return written.then(profile.acks === 0 ? none : recordMetadata);
}
