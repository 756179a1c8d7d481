/**
 * One KafkaJS send: its messages checked as KafkaJS checks them, each given its partition
 * by the KafkaJS partitioner, handed to a native producer with the send's profile, and
 * the acknowledgements folded into KafkaJS's `RecordMetadata[]`: one entry per partition
 * written, whose `baseOffset` is the offset of this send's first message there (KafkaJS
 * sends one request per `send()`, so its base offset is exactly that).
 *
 * @module
 */
import type { KafkaProducer } from "../producer/kafka_producer.ts";
import { producerInternals } from "../producer/producer_internals.ts";
import type { ProducerRecord as NativeRecord } from "../producer/producer_record.ts";
import type { DetailedRecordMetadata, SendProfile } from "../producer/send_profile.ts";
import { describeValue } from "../validation.ts";
import { KafkaJSNonRetriableError } from "./errors.ts";
import { toKafkaJSError } from "./error_mapping.ts";
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
export function mergeTopicMessages(topicMessages: unknown): TopicMessages[] {
  if (!Array.isArray(topicMessages)) {
    throw new KafkaJSNonRetriableError(`topicMessages must be an array, not ${describeValue(topicMessages)}`);
  }
  const merged = new Map<string, Message[]>();
  for (const entry of topicMessages as Partial<TopicMessages>[]) {
    const topic = entry?.topic;
    if (typeof topic !== "string" || topic.length === 0) throw new KafkaJSNonRetriableError(`Invalid topic ${describeValue(topic)}`);
    const messages = entry.messages;
    if (!Array.isArray(messages)) throw new KafkaJSNonRetriableError(`Invalid messages array [${messages}] for topic "${topic}"`);
    for (const message of messages) {
      if (message === null || typeof message !== "object" || message.value === undefined) {
        throw new KafkaJSNonRetriableError(`Invalid message without value for topic "${topic}": ${JSON.stringify(message) ?? message}`);
      }
    }
    const known = merged.get(topic);
    if (known === undefined) merged.set(topic, messages);
    else merged.set(topic, known.concat(messages));
  }
  return [...merged].map(([topic, messages]) => ({ topic, messages }));
}

function headersOf(headers: IHeaders | undefined, topic: string): [string, string | Uint8Array][] | undefined {
  if (headers === undefined || headers === null) return undefined;
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

function timestampOf(timestamp: Message["timestamp"], topic: string): number | undefined {
  if (timestamp === undefined || timestamp === null) return undefined;
  const ms = typeof timestamp === "number" ? timestamp : Number(timestamp);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new KafkaJSNonRetriableError(`Invalid timestamp ${describeValue(timestamp)} for topic "${topic}": milliseconds since the epoch`);
  }
  return ms;
}

/** Every record of the send: the first error (in message order) once all settled, else the metadata in order. */
function settleAll(sends: Promise<DetailedRecordMetadata>[]): Promise<DetailedRecordMetadata[]> {
  return new Promise((resolve, reject) => {
    const results = new Array<DetailedRecordMetadata>(sends.length);
    let left = sends.length;
    let failedAt = Infinity;
    let failure: unknown;
    const done = () => failedAt === Infinity ? resolve(results) : reject(failure);
    if (left === 0) return done();
    for (let i = 0; i < sends.length; i++) {
      sends[i].then((metadata) => {
        results[i] = metadata;
        if (--left === 0) done();
      }, (error) => {
        if (i < failedAt) [failedAt, failure] = [i, error];
        if (--left === 0) done();
      });
    }
  });
}

/** Folds each record's metadata into one RecordMetadata per partition, topics in send order, partitions ascending. */
function recordMetadata(written: DetailedRecordMetadata[]): RecordMetadata[] {
  const byPartition = new Map<string, Map<number, DetailedRecordMetadata>>();
  for (const metadata of written) {
    let partitions = byPartition.get(metadata.topic);
    if (partitions === undefined) byPartition.set(metadata.topic, partitions = new Map());
    const first = partitions.get(metadata.partition);
    if (first === undefined || metadata.offset < first.offset) partitions.set(metadata.partition, metadata);
  }
  const result: RecordMetadata[] = [];
  for (const [topicName, partitions] of byPartition) {
    for (const [partition, first] of [...partitions].sort((a, b) => a[0] - b[0])) {
      result.push({
        topicName,
        partition,
        errorCode: 0,
        baseOffset: String(first.offset),
        logAppendTime: String(first.logAppendTime),
        logStartOffset: String(first.logStartOffset),
      });
    }
  }
  return result;
}

/** What {@link sendMessages} needs of the producer it sends for. */
export interface SendTarget {
  /** The native producer to write with. */
  native: KafkaProducer<unknown, unknown>;
  /** The send's acks, timeout and codec. */
  profile: SendProfile;
  /** The partitioner. */
  partitioner: PartitionFunction;
  /** A topic's partitions, waiting for its metadata (errors already KafkaJS's). */
  partitionsOf(topic: string): PartitionMetadata[] | Promise<PartitionMetadata[]>;
}

/**
 * Sends the messages and resolves with KafkaJS's RecordMetadata (`[]` with acks 0), or
 * rejects with KafkaJS's error for the first message that failed, once every message has
 * settled.
 *
 * @example See `producer.ts`, which calls it for `send()`, `sendBatch()` and transactions.
 * ```ts
 * import type { sendMessages } from "./send_messages.ts";
 * ```
 */
export async function sendMessages(target: SendTarget, topicMessages: TopicMessages[]): Promise<RecordMetadata[]> {
  const sends: Promise<DetailedRecordMetadata>[] = [];
  try {
    for (const { topic, messages } of topicMessages) {
      const partitionMetadata = await target.partitionsOf(topic);
      for (const message of messages) {
        const partition = target.partitioner({ topic, partitionMetadata, message });
        if (!Number.isInteger(partition) || partition < 0) {
          throw new KafkaJSNonRetriableError(`the partitioner chose partition ${describeValue(partition)} for a message to "${topic}"`);
        }
        const record: NativeRecord<unknown, unknown> = { topic, key: message.key ?? null, value: message.value, partition };
        const headers = headersOf(message.headers, topic);
        if (headers !== undefined) record.headers = headers;
        const timestamp = timestampOf(message.timestamp, topic);
        if (timestamp !== undefined) record.timestamp = timestamp;
        sends.push(producerInternals.send(target.native, record, target.profile));
      }
    }
  } catch (error) {
    // Records already handed over still go; the caller learns of the first problem.
    for (const send of sends) send.catch(() => {});
    throw toKafkaJSError(error);
  }
  let written: DetailedRecordMetadata[];
  try {
    written = await settleAll(sends);
  } catch (error) {
    throw toKafkaJSError(error);
  }
  return target.profile.acks === 0 ? [] : recordMetadata(written);
}
