/**
 * The arguments of the Admin client's calls, and their checks: a mistake is a ConfigError
 * naming the call, the entry and the key, before anything goes to the cluster.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { describeValue, rejectUnknownKeys } from "../validation.ts";

/**
 * A topic to create.
 *
 * @example
 * ```ts
 * import type { NewTopic } from "./admin_arguments.ts";
 * const topic: NewTopic = { name: "orders", numPartitions: 6, replicationFactor: 3, configs: { "cleanup.policy": "compact" } };
 * ```
 */
export interface NewTopic {
  /** The topic's name. */
  name: string;
  /** Its partitions (default: the broker's `num.partitions`). */
  numPartitions?: number;
  /** Copies of each partition (default: the broker's `default.replication.factor`). */
  replicationFactor?: number;
  /** The broker ids of each partition's replicas, partition 0 first, instead of the two counts. */
  replicaAssignment?: readonly (readonly number[])[];
  /** Topic settings by their Kafka names (`retention.ms`, `cleanup.policy`, ...). */
  configs?: Readonly<Record<string, string>>;
}

/**
 * Partitions to add to a topic.
 *
 * @example
 * ```ts
 * import type { NewPartitions } from "./admin_arguments.ts";
 * const grow: NewPartitions = { topic: "orders", count: 12 };
 * ```
 */
export interface NewPartitions {
  /** The topic. */
  topic: string;
  /** How many partitions it has afterwards (more than now). */
  count: number;
  /** The broker ids of each new partition's replicas (default: the broker places them). */
  assignments?: readonly (readonly number[])[];
}

const NEW_TOPIC_KEYS: Readonly<Record<keyof NewTopic, true>> = {
  name: true,
  numPartitions: true,
  replicationFactor: true,
  replicaAssignment: true,
  configs: true,
};
const NEW_PARTITIONS_KEYS: Readonly<Record<keyof NewPartitions, true>> = { topic: true, count: true, assignments: true };

function entries(list: unknown, call: string): Record<string, unknown>[] {
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError("topics", `${call} takes a non-empty array, not ${describeValue(list)}`);
  }
  return list.map((entry, i) => {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      throw new ConfigError(`topics[${i}]`, `${call} takes objects, not ${describeValue(entry)}`);
    }
    return entry as Record<string, unknown>;
  });
}

function checkName(name: unknown, key: string, call: string, seen: Set<string>): string {
  if (typeof name !== "string" || name.length === 0) throw new ConfigError(key, `${call} needs a topic name, not ${describeValue(name)}`);
  if (seen.has(name)) throw new ConfigError(key, `${call} names the topic "${name}" twice`);
  seen.add(name);
  return name;
}

/**
 * The entries of a create call, each an object with only `keys` whose topic name (under
 * `nameKey`) is not given twice, then checked further by `check` (given the entry's path).
 */
function checkEntries<T>(
  list: unknown,
  call: string,
  keys: Readonly<Record<keyof T & string, true>>,
  nameKey: keyof T & string,
  check: (entry: Record<string, unknown>, at: string) => void,
): readonly T[] {
  const seen = new Set<string>();
  return entries(list, call).map((entry, i) => {
    const at = `topics[${i}]`;
    rejectUnknownKeys(entry, Object.keys(keys), `${at}.`);
    checkName(entry[nameKey], `${at}.${nameKey}`, call, seen);
    check(entry, at);
    return entry as unknown as T;
  });
}

function checkCount(value: unknown, key: string, max: number): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(key, `must be an integer from 1 to ${max}, not ${describeValue(value)}`);
  }
}

function checkAssignments(value: unknown, key: string): void {
  if (value === undefined) return;
  const ok = Array.isArray(value) &&
    value.every((replicas) => Array.isArray(replicas) && replicas.length > 0 && replicas.every((id) => Number.isInteger(id) && id >= 0));
  if (!ok) throw new ConfigError(key, `must be an array of non-empty arrays of broker ids, not ${describeValue(value)}`);
}

/**
 * Checks the topics of `createTopics()`.
 *
 * @example
 * ```ts
 * import { checkNewTopics } from "./admin_arguments.ts";
 * console.log(checkNewTopics([{ name: "orders", numPartitions: 3 }]).length); // 1
 * ```
 */
export function checkNewTopics(topics: unknown): readonly NewTopic[] {
  return checkEntries<NewTopic>(topics, "createTopics()", NEW_TOPIC_KEYS, "name", (topic, at) => {
    checkCount(topic.numPartitions, `${at}.numPartitions`, 2 ** 31 - 1);
    checkCount(topic.replicationFactor, `${at}.replicationFactor`, 32767);
    checkAssignments(topic.replicaAssignment, `${at}.replicaAssignment`);
    if (topic.replicaAssignment !== undefined && (topic.numPartitions !== undefined || topic.replicationFactor !== undefined)) {
      throw new ConfigError(`${at}.replicaAssignment`, "replaces numPartitions and replicationFactor: give one or the other");
    }
    const configs = topic.configs;
    if (configs !== undefined) {
      const ok = configs !== null && typeof configs === "object" && !Array.isArray(configs) &&
        Object.values(configs).every((value) => typeof value === "string");
      if (!ok) throw new ConfigError(`${at}.configs`, `must be an object of string values, not ${describeValue(configs)}`);
    }
  });
}

/**
 * Checks the topics of `createPartitions()`.
 *
 * @example
 * ```ts
 * import { checkNewPartitions } from "./admin_arguments.ts";
 * console.log(checkNewPartitions([{ topic: "orders", count: 6 }])[0].count); // 6
 * ```
 */
export function checkNewPartitions(topics: unknown): readonly NewPartitions[] {
  return checkEntries<NewPartitions>(topics, "createPartitions()", NEW_PARTITIONS_KEYS, "topic", (topic, at) => {
    if (topic.count === undefined) throw new ConfigError(`${at}.count`, "is required: the number of partitions afterwards");
    checkCount(topic.count, `${at}.count`, 2 ** 31 - 1);
    checkAssignments(topic.assignments, `${at}.assignments`);
  });
}

/**
 * Checks a list of topic names (`deleteTopics()`, `describeTopics()`).
 *
 * @example
 * ```ts
 * import { checkTopicNames } from "./admin_arguments.ts";
 * console.log(checkTopicNames(["a", "b"], "deleteTopics(names)")); // ["a", "b"]
 * ```
 */
export function checkTopicNames(names: unknown, call: string): readonly string[] {
  if (!Array.isArray(names)) throw new ConfigError("names", `${call} takes an array of topic names, not ${describeValue(names)}`);
  const seen = new Set<string>();
  return names.map((name, i) => checkName(name, `names[${i}]`, call, seen));
}
