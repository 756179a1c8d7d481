/**
 * Subject name strategies, as Confluent's serializers name them: which subject of the
 * registry a topic's keys or values are registered under.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { describeValue } from "../validation.ts";

/** Names the subject for a topic's keys or values; `recordName` is the schema's full name (Avro, Protobuf) or title (JSON Schema). */
export type SubjectNameStrategy = (topic: string, isKey: boolean, recordName: string | undefined) => string;

/**
 * `<topic>-key` / `<topic>-value` (Confluent's default): one schema history per topic.
 *
 * @example
 * ```ts
 * import { topicNameStrategy } from "./subject_name.ts";
 * console.log(topicNameStrategy("orders", false, "shop.Order")); // "orders-value"
 * ```
 */
export function topicNameStrategy(topic: string, isKey: boolean, _recordName?: string): string {
  return `${topic}-${isKey ? "key" : "value"}`;
}

/**
 * The record's full name (`shop.Order`): one schema history per type, across topics.
 *
 * @example
 * ```ts
 * import { recordNameStrategy } from "./subject_name.ts";
 * console.log(recordNameStrategy("orders", false, "shop.Order")); // "shop.Order"
 * ```
 */
export function recordNameStrategy(topic: string, _isKey: boolean, recordName: string | undefined): string {
  return requireName(recordName, "RecordName", topic);
}

/**
 * `<topic>-<record full name>`: several types per topic, each with its own history.
 *
 * @example
 * ```ts
 * import { topicRecordNameStrategy } from "./subject_name.ts";
 * console.log(topicRecordNameStrategy("orders", false, "shop.Order")); // "orders-shop.Order"
 * ```
 */
export function topicRecordNameStrategy(topic: string, _isKey: boolean, recordName: string | undefined): string {
  return `${topic}-${requireName(recordName, "TopicRecordName", topic)}`;
}

function requireName(recordName: string | undefined, strategy: string, topic: string): string {
  if (recordName === undefined || recordName === "") {
    throw new ConfigError(
      "subjectNameStrategy",
      `${strategy} needs a named schema (an Avro record, a Protobuf message, a JSON Schema with a title) for topic ${topic}`,
    );
  }
  return recordName;
}

const BY_NAME: Record<string, SubjectNameStrategy> = {
  TopicName: topicNameStrategy,
  RecordName: recordNameStrategy,
  TopicRecordName: topicRecordNameStrategy,
};

/** The names a strategy can be given by. */
export type SubjectNameStrategyName = "TopicName" | "RecordName" | "TopicRecordName";

/**
 * A strategy given by name (`"TopicName"`, `"RecordName"`, `"TopicRecordName"`) or as a
 * function; the default is TopicName.
 *
 * @example
 * ```ts
 * import { resolveSubjectNameStrategy } from "./subject_name.ts";
 * console.log(resolveSubjectNameStrategy("TopicRecordName")("orders", false, "shop.Order")); // "orders-shop.Order"
 * ```
 */
export function resolveSubjectNameStrategy(strategy: SubjectNameStrategy | SubjectNameStrategyName | undefined): SubjectNameStrategy {
  if (strategy === undefined) return topicNameStrategy;
  if (typeof strategy === "function") return strategy;
  const found = typeof strategy === "string" ? BY_NAME[strategy] : undefined;
  if (found === undefined) {
    throw new ConfigError(
      "subjectNameStrategy",
      `must be "TopicName", "RecordName", "TopicRecordName" or a function, not ${describeValue(strategy)}`,
    );
  }
  return found;
}
