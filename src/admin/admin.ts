/**
 * The Admin client: what producers need around them. Create, delete and list topics, read
 * their partitions and leaders, and add partitions, over one NetworkClient that this object
 * owns (as the Java client's `Admin`, with its `createTopics`, `deleteTopics`,
 * `listTopics`, `describeTopics` and `createPartitions`).
 *
 * @module
 */
import type { ClientConfig } from "../client/client_config.ts";
import type { ConnectedClient } from "../client/network_client_utils.ts";
import { awaitMetadata, createNetworkClient, sendAndReceive } from "../client/network_client_utils.ts";
import type { BrokerNode, Cluster, TopicInfo } from "../client/metadata.ts";
import { clusterFromResponse } from "../client/metadata.ts";
import { ClosedError, ConfigError, TimeoutError } from "../errors.ts";
import type { ApiCodec } from "../protocol/api.ts";
import { ErrorCode, errorForCode, type KafkaProtocolError } from "../protocol/error_codes.ts";
import { CreatePartitionsApi } from "../protocol/create_partitions.ts";
import { CreateTopicsApi } from "../protocol/create_topics.ts";
import { DeleteTopicsApi } from "../protocol/delete_topics.ts";
import { MetadataApi } from "../protocol/metadata.ts";
import { describeValue, optionsObject, timeoutMsOption } from "../validation.ts";
import { checkNewPartitions, checkNewTopics, checkTopicNames, type NewPartitions, type NewTopic } from "./admin_arguments.ts";

export type { NewPartitions, NewTopic } from "./admin_arguments.ts";

const LEADER_WAIT_STEP_MS = 100;
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A topic {@link Admin.createTopics} made, or found already there.
 *
 * @example
 * ```ts
 * import type { CreatedTopic } from "./admin.ts";
 * const made: CreatedTopic = { name: "orders", created: true, numPartitions: 3, replicationFactor: 1 };
 * ```
 */
export interface CreatedTopic {
  /** The topic's name. */
  name: string;
  /** False when the topic existed already (ErrorCode.TOPIC_ALREADY_EXISTS), which is not an error here. */
  created: boolean;
  /** Its partitions, as the broker answered (-1 when it did not say: an existing topic, or a broker before CreateTopics v5). */
  numPartitions: number;
  /** Its replication factor, as the broker answered (-1 when it did not say). */
  replicationFactor: number;
}

/**
 * The cluster as {@link Admin.describeCluster} finds it.
 *
 * @example
 * ```ts
 * import type { AdminClusterDescription } from "./admin.ts";
 * const none: AdminClusterDescription = { clusterId: null, controllerId: -1, brokers: [] };
 * ```
 */
export interface AdminClusterDescription {
  /** The cluster id, or null when the broker sent none. */
  clusterId: string | null;
  /** The node id the brokers name as controller, -1 when none. */
  controllerId: number;
  /** Every broker. */
  brokers: BrokerNode[];
}

/**
 * Manages topics. Each call waits for its answer and holds the client's connection
 * meanwhile; calls made together run one after the other. `close()` (or `await using`)
 * closes the connections.
 *
 * @example Create a topic, add partitions, then delete it
 * ```ts
 * import { Admin } from "./admin.ts";
 * await using admin = new Admin({ bootstrapServers: "127.0.0.1:9092" });
 * await admin.createTopics([{ name: "orders", numPartitions: 3, replicationFactor: 1 }]);
 * await admin.createPartitions([{ topic: "orders", count: 6 }]);
 * console.log((await admin.describeTopics(["orders"]))[0].partitions.length); // 6
 * await admin.deleteTopics(["orders"]);
 * ```
 */
export class Admin implements AsyncDisposable {
  readonly #connected: ConnectedClient;
  // One call at a time: each drives the client's poll loop itself.
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** Validates the connection settings (a mistake throws ConfigError naming the key); connects on the first call. */
  constructor(config: ClientConfig) {
    this.#connected = createNetworkClient(config);
  }

  /**
   * Creates topics and, unless `waitForLeaders` is false, waits until each partition has a
   * leader (so a producer can write at once). A topic that exists already comes back with
   * `created: false`; any other refusal rejects with the broker's KafkaProtocolError naming
   * the topic. `validateOnly` asks the broker to check only.
   */
  createTopics(
    topics: readonly NewTopic[],
    options?: { validateOnly?: boolean; waitForLeaders?: boolean; timeoutMs?: number },
  ): Promise<CreatedTopic[]> {
    return this.#run("createTopics()", options, ["validateOnly", "waitForLeaders", "timeoutMs"], async (deadline, opts, timeoutMs) => {
      const body = {
        topics: checkNewTopics(topics).map((t) => ({
          name: t.name,
          numPartitions: t.numPartitions ?? -1,
          replicationFactor: t.replicationFactor ?? -1,
          assignments: t.replicaAssignment?.map((replicas, partitionIndex) => ({ partitionIndex, brokerIds: [...replicas] })),
          configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
        timeoutMs,
        validateOnly: opts.validateOnly === true,
      };
      const response = await this.#toController(CreateTopicsApi, body, deadline, (r) => r.topics.map((t) => t.errorCode));
      const failed = response.topics.filter((t) => t.errorCode !== 0 && t.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS);
      throwFirst(failed.map((t) => ({ code: t.errorCode, topic: t.name, message: t.errorMessage })));
      const created = response.topics.filter((t) => t.errorCode === 0).map((t) => t.name);
      if (opts.waitForLeaders !== false && !body.validateOnly && created.length > 0) await this.#waitForLeaders(created, deadline);
      return response.topics.map((t) => ({
        name: t.name,
        created: t.errorCode === 0,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
      }));
    });
  }

  /** Deletes topics; rejects with the broker's KafkaProtocolError for the first it refused (UNKNOWN_TOPIC_OR_PARTITION, ...). */
  deleteTopics(names: readonly string[], options?: { timeoutMs?: number }): Promise<void> {
    return this.#run("deleteTopics()", options, ["timeoutMs"], async (deadline, _opts, timeoutMs) => {
      const topicNames = [...checkTopicNames(names, "deleteTopics(names)")];
      const response = await this.#toController(
        DeleteTopicsApi,
        { topicNames, timeoutMs },
        deadline,
        (r) => r.responses.map((t) => t.errorCode),
      );
      throwFirst(response.responses.map((t) => ({ code: t.errorCode, topic: t.name ?? "?", message: t.errorMessage })));
    });
  }

  /**
   * Grows topics to `count` partitions each (`assignments`: the replicas of each new
   * partition, else the broker places them) and, unless `waitForLeaders` is false, waits
   * until the metadata shows them with leaders; rejects with the broker's KafkaProtocolError
   * for the first topic it refused (INVALID_PARTITIONS when the count is not larger, ...).
   */
  createPartitions(
    topics: readonly NewPartitions[],
    options?: { validateOnly?: boolean; waitForLeaders?: boolean; timeoutMs?: number },
  ): Promise<void> {
    return this.#run("createPartitions()", options, ["validateOnly", "waitForLeaders", "timeoutMs"], async (deadline, opts, timeoutMs) => {
      const body = {
        topics: checkNewPartitions(topics).map((t) => ({
          name: t.topic,
          count: t.count,
          assignments: t.assignments?.map((replicas) => [...replicas]) ?? null,
        })),
        timeoutMs,
        validateOnly: opts.validateOnly === true,
      };
      const response = await this.#toController(CreatePartitionsApi, body, deadline, (r) => r.results.map((t) => t.errorCode));
      throwFirst(response.results.map((t) => ({ code: t.errorCode, topic: t.name, message: t.errorMessage })));
      if (opts.waitForLeaders !== false && !body.validateOnly) {
        await this.#waitForLeaders(body.topics.map((t) => t.name), deadline, new Map(body.topics.map((t) => [t.name, t.count])));
      }
    });
  }

  /** The names of the cluster's topics, sorted; Kafka's own (`__consumer_offsets`, ...) only with `includeInternal`. */
  listTopics(options?: { includeInternal?: boolean; timeoutMs?: number }): Promise<string[]> {
    return this.#run("listTopics()", options, ["includeInternal", "timeoutMs"], async (deadline, opts) => {
      const cluster = await this.#metadata(null, deadline);
      return [...cluster.topics.values()].filter((t) => opts.includeInternal === true || !t.isInternal).map((t) => t.name).sort();
    });
  }

  /**
   * The partitions (leader, replicas, in-sync replicas) of the named topics, in the order
   * named, or of every topic when `names` is omitted. A topic the cluster does not have
   * rejects with UNKNOWN_TOPIC_OR_PARTITION naming it.
   */
  describeTopics(names?: readonly string[], options?: { timeoutMs?: number }): Promise<TopicInfo[]> {
    return this.#run("describeTopics()", options, ["timeoutMs"], async (deadline) => {
      const wanted = names === undefined ? null : checkTopicNames(names, "describeTopics(names)");
      const cluster = await this.#metadata(wanted, deadline);
      const topics = wanted === null ? [...cluster.topics.values()].sort((a, b) => a.name.localeCompare(b.name)) : wanted.map((name) => {
        const topic = cluster.topics.get(name);
        if (topic === undefined) throw errorForCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name);
        return topic;
      });
      throwFirst(topics.map((t) => ({ code: t.errorCode, topic: t.name, message: null })));
      return topics;
    });
  }

  /** The cluster id, the controller and the brokers. */
  describeCluster(options?: { timeoutMs?: number }): Promise<AdminClusterDescription> {
    return this.#run("describeCluster()", options, ["timeoutMs"], async (deadline) => {
      const cluster = await this.#metadata([], deadline);
      return { clusterId: cluster.clusterId, controllerId: cluster.controllerId, brokers: [...cluster.nodes] };
    });
  }

  /** Closes the connections; calls under way fail with ClosedError, later ones at once. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#connected.client.close();
    }
    return Promise.resolve();
  }

  /** Closes (see {@link close}) when used with `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Checks the options, then runs `work` when the calls before it are done, within its timeout. */
  #run<T>(
    call: string,
    options: unknown,
    known: string[],
    work: (deadline: number, options: Record<string, unknown>, timeoutMs: number) => Promise<T>,
  ): Promise<T> {
    let opts: Record<string, unknown>;
    let timeoutMs: number;
    try {
      opts = optionsObject(options, known, call);
      timeoutMs = timeoutMsOption(opts.timeoutMs, call, DEFAULT_TIMEOUT_MS);
      for (const flag of ["validateOnly", "waitForLeaders", "includeInternal"]) {
        if (opts[flag] !== undefined && typeof opts[flag] !== "boolean") {
          throw new ConfigError(flag, `${call} takes true or false, not ${describeValue(opts[flag])}`);
        }
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const result = this.#queue.then(() => {
      if (this.#closed) throw new ClosedError(`${call}: the admin client is closed`);
      return work(this.#connected.clock.now() + timeoutMs, opts, Math.min(timeoutMs, 2 ** 31 - 1));
    });
    this.#queue = result.catch(() => {});
    return result;
  }

  /** The cluster as a metadata request for `topics` (null: all) answers it. */
  async #metadata(topics: readonly string[] | null, deadline: number): Promise<Cluster> {
    const cluster = await this.#cluster(deadline);
    const node = this.#connected.client.leastLoadedNode(this.#connected.clock.now()) ?? cluster.nodes[0];
    const response = await sendAndReceive(this.#connected, {
      destination: node.id,
      api: MetadataApi,
      body: { topics: topics === null ? null : topics.map((name) => ({ name })), allowAutoTopicCreation: false },
    }, this.#left(deadline));
    return clusterFromResponse(response);
  }

  /** The cluster's brokers, from the client's metadata (fetched on the first call). */
  async #cluster(deadline: number): Promise<Cluster> {
    const known = this.#connected.metadata.cluster;
    return known.isBootstrap ? await awaitMetadata(this.#connected, this.#left(deadline)) : known;
  }

  /** Sends to the controller, looking it up again while a broker answers ErrorCode.NOT_CONTROLLER. */
  async #toController<Req, Res>(api: ApiCodec<Req, Res>, body: Req, deadline: number, codes: (response: Res) => number[]): Promise<Res> {
    for (;;) {
      const cluster = await this.#cluster(deadline);
      const controller = cluster.node(cluster.controllerId) ?? cluster.nodes[0];
      const response = await sendAndReceive(this.#connected, { destination: controller.id, api, body }, this.#left(deadline));
      if (!codes(response).includes(ErrorCode.NOT_CONTROLLER)) return response;
      await awaitMetadata(this.#connected, this.#left(deadline));
    }
  }

  /** Polls the topics' metadata until every partition (at least `counts` of them, when given) has a leader. */
  async #waitForLeaders(topics: string[], deadline: number, counts?: ReadonlyMap<string, number>): Promise<void> {
    for (;;) {
      const cluster = await this.#metadata(topics, deadline);
      const waiting = topics.filter((name) => {
        const topic = cluster.topics.get(name);
        return topic === undefined || topic.errorCode !== 0 || topic.partitions.length < (counts?.get(name) ?? 1) ||
          topic.partitions.some((p) => p.leader < 0);
      });
      if (waiting.length === 0) return;
      if (this.#connected.clock.now() + LEADER_WAIT_STEP_MS >= deadline) {
        throw new TimeoutError(`made ${waiting.join(", ")}, but not every partition had a leader within the timeout`);
      }
      await new Promise((resolve) => setTimeout(resolve, LEADER_WAIT_STEP_MS));
    }
  }

  #left(deadline: number): number {
    const left = deadline - this.#connected.clock.now();
    if (left <= 0) throw new TimeoutError("the admin call did not finish within its timeoutMs");
    return left;
  }
}

/** Throws the broker's error for the first entry with a non-zero code. */
function throwFirst(results: readonly { code: number; topic: string; message: string | null }[]): void {
  const failed = results.find((r) => r.code !== 0);
  if (failed === undefined) return;
  const error: KafkaProtocolError = errorForCode(failed.code, failed.topic, failed.message);
  throw error;
}
