/**
 * `kafka.admin()`: KafkaJS's Admin over the native {@link NativeAdmin}, for what producers
 * need around them: topics (create, delete, list, describe, add partitions) and the
 * cluster's brokers. The consumer-group, offset, config and ACL calls of KafkaJS's Admin
 * are there (so code typed against KafkaJS's `Admin` compiles) and reject with
 * KafkaJSNotImplemented, saying so.
 *
 * @module
 */
import { Admin as NativeAdmin } from "../admin/admin.ts";
import type { TopicInfo } from "../client/metadata.ts";
import { KafkaProtocolError } from "../protocol/error_codes.ts";
import { describeValue } from "../validation.ts";
import type { ClientContext } from "./client_context.ts";
import { nativeClientConfig, rejectUnknown, resolveRetry } from "./config.ts";
import { KafkaJSNonRetriableError, KafkaJSProtocolError } from "./errors.ts";
import { KafkaJSAggregateError, KafkaJSCreateTopicError, KafkaJSNotImplemented } from "./errors_named.ts";
import { protocolError, toKafkaJSError } from "./error_mapping.ts";
import { type AdminEvents, clientEvents, Instrumentation, type InstrumentationEvent } from "./instrumentation.ts";
import type { Logger } from "./logger.ts";
import { withRetries } from "./retry.ts";
import { type PartitionMetadata, type RetryOptions, toPartitionMetadata } from "./types.ts";

/** `kafka.admin(config)`. */
export interface AdminConfig {
  /** Retries of `deleteTopics` while a topic is unknown (default: the Kafka's `retry`). */
  retry?: RetryOptions;
}

/** A topic to create. */
export interface ITopicConfig {
  /** The topic's name. */
  topic: string;
  /** Its partitions (default: the broker's `num.partitions`). */
  numPartitions?: number;
  /** Copies of each partition (default: the broker's `default.replication.factor`). */
  replicationFactor?: number;
  /** Each partition's replicas, instead of the two counts. */
  replicaAssignment?: { partition: number; replicas: number[] }[];
  /** Topic settings (`retention.ms`, ...). */
  configEntries?: { name: string; value: string }[];
}

/** Partitions to add to a topic. */
export interface ITopicPartitionConfig {
  /** The topic. */
  topic: string;
  /** Its partitions afterwards. */
  count: number;
  /** The replicas of each new partition. */
  assignments?: number[][];
}

/** A topic and its partitions. */
export interface ITopicMetadata {
  /** The topic's name. */
  name: string;
  /** Its partitions. */
  partitions: PartitionMetadata[];
}

/** The cluster, as `describeCluster()` finds it. */
export interface ClusterDescription {
  /** Every broker. */
  brokers: { nodeId: number; host: string; port: number }[];
  /** The controller's id, or null. */
  controller: number | null;
  /** The cluster id. */
  clusterId: string;
}

const UNSUPPORTED_CALLS: readonly UnsupportedAdminCallName[] = [
  "fetchOffsets",
  "fetchTopicOffsets",
  "fetchTopicOffsetsByTimestamp",
  "setOffsets",
  "resetOffsets",
  "describeConfigs",
  "alterConfigs",
  "listGroups",
  "deleteGroups",
  "describeGroups",
  "describeAcls",
  "deleteAcls",
  "createAcls",
  "deleteTopicRecords",
  "alterPartitionReassignments",
  "listPartitionReassignments",
];

/** An admin call this package does not make: it rejects with KafkaJSNotImplemented. */
export type UnsupportedAdminCall = (...args: unknown[]) => Promise<never>;

/** The names of KafkaJS's admin calls that are not here (consumer groups, offsets, configs, ACLs, reassignments). */
export type UnsupportedAdminCallName =
  | "fetchOffsets"
  | "fetchTopicOffsets"
  | "fetchTopicOffsetsByTimestamp"
  | "setOffsets"
  | "resetOffsets"
  | "describeConfigs"
  | "alterConfigs"
  | "listGroups"
  | "deleteGroups"
  | "describeGroups"
  | "describeAcls"
  | "deleteAcls"
  | "createAcls"
  | "deleteTopicRecords"
  | "alterPartitionReassignments"
  | "listPartitionReassignments";

/**
 * What `kafka.admin()` returns: KafkaJS's Admin, topics and cluster only.
 *
 * @example
 * ```ts
 * import { Kafka } from "./kafka.ts";
 * const admin = new Kafka({ brokers: ["127.0.0.1:9092"] }).admin();
 * await admin.connect();
 * await admin.createTopics({ topics: [{ topic: "orders", numPartitions: 3 }] });
 * await admin.disconnect();
 * ```
 */
export type Admin =
  & {
    /** Checks that the cluster answers. */
    connect(): Promise<void>;
    /** Closes the connection. */
    disconnect(): Promise<void>;
    /** Every topic's name, Kafka's own included. */
    listTopics(): Promise<string[]>;
    /** Creates topics; false when one existed already. */
    createTopics(options: { validateOnly?: boolean; waitForLeaders?: boolean; timeout?: number; topics: ITopicConfig[] }): Promise<boolean>;
    /** Deletes topics. */
    deleteTopics(options: { topics: string[]; timeout?: number }): Promise<void>;
    /** Adds partitions. */
    createPartitions(options: { validateOnly?: boolean; timeout?: number; topicPartitions: ITopicPartitionConfig[] }): Promise<boolean>;
    /** The named topics' partitions (all topics without names). */
    fetchTopicMetadata(options?: { topics: string[] }): Promise<{ topics: ITopicMetadata[] }>;
    /** The brokers, the controller and the cluster id. */
    describeCluster(): Promise<ClusterDescription>;
    /** The event names for {@link Admin.on}. */
    readonly events: AdminEvents;
    /** Listens to an instrumentation event (connect, disconnect). */
    // deno-lint-ignore no-explicit-any
    on(eventName: string, listener: (event: InstrumentationEvent<any>) => void): () => void;
    /** The admin client's logger. */
    logger(): Logger;
  }
  & { [call in UnsupportedAdminCallName]: UnsupportedAdminCall };

/** The KafkaJS admin client. */
class KafkaJSAdmin {
  readonly events: AdminEvents = clientEvents("admin");
  readonly #context: ClientContext;
  readonly #retry: ReturnType<typeof resolveRetry>;
  readonly #logger: Logger;
  readonly #instrumentation: Instrumentation<"admin">;
  #native: NativeAdmin | undefined;

  constructor(context: ClientContext, config: AdminConfig) {
    this.#context = context;
    this.#retry = resolveRetry(config.retry ?? context.config.retry, "kafka.admin(config)");
    this.#logger = context.logger.namespace("Admin");
    this.#instrumentation = new Instrumentation(this.events, this.#logger);
  }

  async connect(): Promise<void> {
    const brokers = await this.#context.resolveBrokers();
    await this.#native?.close();
    const native = new NativeAdmin(nativeClientConfig(this.#context.config, brokers));
    try {
      await this.#context.checkCluster(brokers, native);
    } catch (error) {
      await native.close();
      throw error;
    }
    this.#native = native;
    this.#instrumentation.emit(this.events.CONNECT, null);
  }

  async disconnect(): Promise<void> {
    const native = this.#native;
    this.#native = undefined;
    await native?.close();
    this.#instrumentation.emit(this.events.DISCONNECT, null);
  }

  // deno-lint-ignore no-explicit-any
  on(eventName: string, listener: (event: InstrumentationEvent<any>) => void): () => void {
    return this.#instrumentation.on(eventName, listener);
  }

  logger(): Logger {
    return this.#logger;
  }

  /** The native admin client, or the error for a call before connect(). */
  #connected(): NativeAdmin {
    if (this.#native === undefined) throw new KafkaJSNonRetriableError("The admin client is not connected: call connect() first");
    return this.#native;
  }

  /** Runs a native call; a broker's code comes as KafkaJSProtocolError (as KafkaJS's admin bails with it), the rest mapped. */
  async #call<T>(work: (native: NativeAdmin) => Promise<T>): Promise<T> {
    const native = this.#connected();
    try {
      return await work(native);
    } catch (error) {
      throw error instanceof KafkaProtocolError ? protocolError(error) : toKafkaJSError(error);
    }
  }

  listTopics(): Promise<string[]> {
    return this.#call((native) => native.listTopics({ includeInternal: true }));
  }

  async createTopics(options: { validateOnly?: boolean; waitForLeaders?: boolean; timeout?: number; topics: ITopicConfig[] }) {
    const { topics, validateOnly, waitForLeaders, timeout } = this.#options(options, "createTopics", [
      "topics",
      "validateOnly",
      "waitForLeaders",
      "timeout",
    ]);
    if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${describeValue(topics)}`);
    const created = await this.#call((native) =>
      native.createTopics(
        (topics as ITopicConfig[]).map((t) => ({
          name: t?.topic,
          numPartitions: t.replicaAssignment ? undefined : t.numPartitions,
          replicationFactor: t.replicaAssignment ? undefined : t.replicationFactor,
          replicaAssignment: t.replicaAssignment?.slice().sort((a, b) => a.partition - b.partition).map((a) => a.replicas),
          configs: t.configEntries && Object.fromEntries(t.configEntries.map((entry) => [entry.name, entry.value])),
        })),
        {
          validateOnly: validateOnly as boolean | undefined,
          waitForLeaders: waitForLeaders as boolean | undefined,
          timeoutMs: (timeout as number | undefined) ?? 30_000,
        },
      )
    ).catch((error) => {
      if (!(error instanceof KafkaJSProtocolError)) throw error;
      const cause = error.cause as KafkaProtocolError;
      const topic = cause.context ?? "";
      throw new KafkaJSAggregateError("Topic creation errors", [new KafkaJSCreateTopicError(error.message, error, topic, cause)]);
    });
    return created.every((topic) => topic.created);
  }

  async deleteTopics(options: { topics: string[]; timeout?: number }): Promise<void> {
    const { topics, timeout } = this.#options(options, "deleteTopics", ["topics", "timeout"]);
    if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${describeValue(topics)}`);
    // As KafkaJS: a topic the cluster does not know (yet) is asked for again, until the retries run out.
    await withRetries(
      this.#retry,
      () => this.#call((native) => native.deleteTopics(topics as string[], { timeoutMs: (timeout as number | undefined) ?? 30_000 })),
      (error) => error instanceof KafkaJSProtocolError && error.type === "UNKNOWN_TOPIC_OR_PARTITION",
    );
  }

  async createPartitions(options: { validateOnly?: boolean; timeout?: number; topicPartitions: ITopicPartitionConfig[] }) {
    const { topicPartitions, validateOnly, timeout } = this.#options(options, "createPartitions", [
      "topicPartitions",
      "validateOnly",
      "timeout",
    ]);
    if (!Array.isArray(topicPartitions) || topicPartitions.length === 0) {
      throw new KafkaJSNonRetriableError(`Invalid topic partitions array ${describeValue(topicPartitions)}`);
    }
    await this.#call((native) =>
      native.createPartitions(topicPartitions as ITopicPartitionConfig[], {
        validateOnly: validateOnly as boolean | undefined,
        // KafkaJS does not wait; a producer that sends to a new partition at once is better served by waiting.
        waitForLeaders: true,
        timeoutMs: (timeout as number | undefined) ?? 30_000,
      })
    );
    return true;
  }

  async fetchTopicMetadata(options?: { topics: string[] }): Promise<{ topics: ITopicMetadata[] }> {
    const { topics } = this.#options(options ?? {}, "fetchTopicMetadata", ["topics"]);
    const names = topics === undefined || (Array.isArray(topics) && topics.length === 0) ? undefined : topics as string[];
    const described = await this.#call((native) => native.describeTopics(names));
    return { topics: described.map((topic: TopicInfo) => ({ name: topic.name, partitions: topic.partitions.map(toPartitionMetadata) })) };
  }

  async describeCluster(): Promise<ClusterDescription> {
    const cluster = await this.#call((native) => native.describeCluster());
    return {
      brokers: cluster.brokers.map((b) => ({ nodeId: b.id, host: b.host, port: b.port })),
      controller: cluster.controllerId < 0 ? null : cluster.controllerId,
      clusterId: cluster.clusterId ?? "",
    };
  }

  #options(options: unknown, call: string, known: string[]): Record<string, unknown> {
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      throw new KafkaJSNonRetriableError(`admin.${call}() takes an options object, not ${describeValue(options)}`);
    }
    rejectUnknown(options, known, `admin.${call}()`);
    return options as Record<string, unknown>;
  }
}

for (const call of UNSUPPORTED_CALLS) {
  Object.defineProperty(KafkaJSAdmin.prototype, call, {
    value: () =>
      Promise.reject(
        new KafkaJSNotImplemented(
          `admin.${call}() is not supported: @edge-kafka/producer/kafkajs manages topics for producers; for consumer groups, offsets, ` +
            "configs and ACLs use a full admin client (KafkaJS's own admin on Node, or Kafka's kafka-*.sh tools)",
        ),
      ),
  });
}

/**
 * Makes a KafkaJS admin client for a `Kafka`.
 *
 * @example
 * ```ts
 * import { createAdmin } from "./admin.ts";
 * import { ClientContext } from "./client_context.ts";
 * import { consoleLogCreator, createLogger, logLevel } from "./logger.ts";
 * const admin = createAdmin(new ClientContext({ brokers: ["127.0.0.1:9092"] }, createLogger(logLevel.INFO, consoleLogCreator)), {});
 * ```
 */
export function createAdmin(context: ClientContext, config: AdminConfig): Admin {
  return new KafkaJSAdmin(context, config) as unknown as Admin;
}
