/**
 * The checks `send()` makes on a record before it goes anywhere, shared by KafkaProducer
 * and MockProducer so both reject the same records with the same SerializationError.
 * Each names the field and what was given (`record.headers["retries"] must be a string,
 * Uint8Array or null, not number (3)`). A valid record costs a few `typeof` checks and
 * allocates nothing.
 *
 * @module
 */
import { KafkaError, RecordTooLargeError, SerializationError } from "../errors.ts";
import type { RecordHeader } from "../protocol/record_batch.ts";
import { NO_HEADERS, RECORD_BATCH_OVERHEAD, recordSizeUpperBound } from "../protocol/record_batch.ts";
import { describeValue } from "../validation.ts";
import type { AsyncSerializer, SerializerContext } from "./producer_config.ts";
import { defaultKeySerializer, defaultValueSerializer } from "./producer_config.ts";

const encoder = new TextEncoder();
// Kafka's rule for topic names (Topic.validate in the Java client).
const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

function isRecordObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * What is wrong with the record's shape (not an object; topic, partition, timestamp, or
 * the headers container), or undefined. The topic's characters are left to
 * {@link topicProblem}, and keys, values and header entries to serialization.
 *
 * @example
 * ```ts
 * import { recordProblem } from "./record_checks.ts";
 * console.log(recordProblem({ topic: "orders", partition: -1 })?.message);
 * // record.partition must be a non-negative integer, null or undefined, not number (-1)
 * ```
 */
export function recordProblem(record: unknown): SerializationError | undefined {
  if (!isRecordObject(record)) return new SerializationError(`send() needs a record object with a topic, not ${describeValue(record)}`);
  const { topic, partition, timestamp, headers } = record;
  if (typeof topic !== "string" || topic.length === 0) {
    return new SerializationError(`record.topic must be a non-empty string, not ${describeValue(topic)}`);
  }
  if (partition !== undefined && partition !== null && !(Number.isSafeInteger(partition) && (partition as number) >= 0)) {
    return new SerializationError(`record.partition must be a non-negative integer, null or undefined, not ${describeValue(partition)}`);
  }
  if (timestamp !== undefined && timestamp !== null && !(Number.isSafeInteger(timestamp) && (timestamp as number) >= 0)) {
    return new SerializationError(
      `record.timestamp must be a non-negative integer (ms since the epoch), null or undefined, not ${describeValue(timestamp)}`,
    );
  }
  if (headers !== undefined && headers !== null && !Array.isArray(headers) && !isPlainObject(headers)) {
    return new SerializationError(`record.headers must be an object or an array of [name, value] pairs, not ${describeValue(headers)}`);
  }
  return undefined;
}

// A Map or class instance would pass `typeof`, and Object.entries would drop its contents without a word.
function isPlainObject(value: unknown): boolean {
  if (!isRecordObject(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * What is wrong with a topic name by Kafka's rules (1 to 249 of `a-zA-Z0-9._-`, not `.`
 * or `..`), or undefined; `what` names the argument in the message.
 *
 * @example
 * ```ts
 * import { topicProblem } from "./record_checks.ts";
 * console.log(topicProblem("my orders", "record.topic")?.message);
 * ```
 */
export function topicProblem(topic: unknown, what: string): KafkaError | undefined {
  if (typeof topic === "string" && LEGAL_TOPIC.test(topic) && topic !== "." && topic !== "..") return undefined;
  const Class = what.startsWith("record.") ? SerializationError : KafkaError;
  return new Class(
    typeof topic === "string" && topic.length > 0
      ? `${what} must be a legal topic name (1 to 249 of a-z, A-Z, 0-9, ".", "_", "-"; not "." or ".."), not ${describeValue(topic)}`
      : `${what} must be a non-empty string, not ${describeValue(topic)}`,
  );
}

/**
 * Runs a serializer and checks what it returned (at once, or when its promise settles);
 * a serializer's own non-Kafka error becomes a SerializationError with it as the cause.
 *
 * @example
 * ```ts
 * import { serialize } from "./record_checks.ts";
 * const context = { signal: new AbortController().signal };
 * console.log(serialize((v: string) => new TextEncoder().encode(v), "x", "orders", "value", context)); // Uint8Array(1) [120]
 * ```
 */
export function serialize<T>(
  serializer: AsyncSerializer<T>,
  data: T,
  topic: string,
  field: "key" | "value",
  context: SerializerContext,
): Uint8Array | null | Promise<Uint8Array | null> {
  let bytes: unknown;
  try {
    bytes = serializer(data, topic, context);
  } catch (error) {
    throw serializerError(error, field, topic);
  }
  if (bytes instanceof Promise) {
    return bytes.then((settled) => checkBytes(settled, field), (error) => {
      throw serializerError(error, field, topic);
    });
  }
  return checkBytes(bytes, field);
}

function serializerError(error: unknown, field: "key" | "value", topic: string): unknown {
  if (error instanceof KafkaError) return error;
  return new SerializationError(`record.${field}: ${field}Serializer threw for topic ${topic}: ${error}`, error);
}

function checkBytes(bytes: unknown, field: "key" | "value"): Uint8Array | null {
  if (bytes === null || bytes instanceof Uint8Array) return bytes;
  throw new SerializationError(`record.${field}: ${field}Serializer must return a Uint8Array or null, not ${describeValue(bytes)}`);
}

/**
 * Headers as the record batch writes them (UTF-8 names, byte values), checking each
 * entry: an undefined value is sent as null, anything else not a string, Uint8Array or
 * null is a SerializationError naming the header.
 *
 * @example
 * ```ts
 * import { normalizeHeaders } from "./record_checks.ts";
 * console.log(normalizeHeaders({ source: "web" })[0].key); // "source"
 * ```
 */
export function normalizeHeaders(headers: unknown): readonly RecordHeader[] {
  if (headers === undefined || headers === null) return NO_HEADERS;
  if (!Array.isArray(headers)) {
    return Object.entries(headers as Record<string, unknown>).map(([key, value]) => ({ key, value: headerValue(value, key, -1) }));
  }
  return headers.map((pair: unknown, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new SerializationError(`record.headers[${i}] must be a [name, value] pair, not ${describeValue(pair)}`);
    }
    const [key, value] = pair;
    if (typeof key !== "string") throw new SerializationError(`record.headers[${i}][0] must be a string, not ${describeValue(key)}`);
    return { key, value: headerValue(value, key, i) };
  });
}

// The header's place (a name in an object, an index in pairs) is spelled out only for the message.
function headerValue(value: unknown, name: string, index: number): Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  const where = index < 0 ? `record.headers[${JSON.stringify(name)}]` : `record.headers[${index}][1]`;
  throw new SerializationError(`${where} must be a string, Uint8Array or null, not ${describeValue(value)}`);
}

/**
 * Throws RecordTooLargeError when the serialized record, alone in a batch, would pass
 * `maxRequestSize` or the whole `bufferMemory`.
 *
 * @example
 * ```ts
 * import { checkRecordSize } from "./record_checks.ts";
 * checkRecordSize(null, new Uint8Array(10), [], { maxRequestSize: 1048576, bufferMemory: 33554432 });
 * ```
 */
export function checkRecordSize(
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: readonly RecordHeader[],
  limits: { maxRequestSize: number; bufferMemory: number },
): void {
  const size = RECORD_BATCH_OVERHEAD + recordSizeUpperBound(key, value, headers);
  if (size > limits.maxRequestSize) {
    throw new RecordTooLargeError(
      `The message is ${size} bytes when serialized which is larger than ${limits.maxRequestSize}, the value of maxRequestSize.`,
    );
  }
  if (size > limits.bufferMemory) {
    throw new RecordTooLargeError(
      `The message is ${size} bytes when serialized which is larger than the total memory buffer (bufferMemory ${limits.bufferMemory}).`,
    );
  }
}

/**
 * What the checks after the metadata wait would find in the headers, and in the key and
 * value when the default serializers take them: a bad record is told so at once, not
 * after a wait that may end in a TimeoutError. A custom serializer runs only once, later.
 *
 * @example
 * ```ts
 * import { earlyProblem } from "./record_checks.ts";
 * import { resolveSerializers } from "./producer_config.ts";
 * console.log(String(earlyProblem({ topic: "t", value: 42 }, resolveSerializers({}))));
 * ```
 */
export function earlyProblem(
  record: { topic: string; key?: unknown; value?: unknown; headers?: unknown },
  serializers: { key: unknown; value: unknown },
): unknown {
  try {
    normalizeHeaders(record.headers);
    if (serializers.key === defaultKeySerializer) defaultKeySerializer(record.key, record.topic);
    if (serializers.value === defaultValueSerializer) defaultValueSerializer(record.value, record.topic);
    return undefined;
  } catch (error) {
    return error;
  }
}
