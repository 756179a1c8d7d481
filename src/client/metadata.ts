/**
 * What the client knows about the cluster (brokers, controller, topics, partition
 * leaders) and when to refresh it, as the Java client's `Metadata`.
 *
 * @module
 */
import type { MetadataRequest, MetadataResponse } from "../protocol/metadata.ts";

/** A broker, or before the first metadata response a bootstrap address (negative id). */
export interface BrokerNode {
  /** The broker's node id; bootstrap addresses get -1, -2, ... */
  id: number;
  /** The host name or address clients connect to. */
  host: string;
  /** The port clients connect to. */
  port: number;
  /** The broker's rack, or null when it has none. */
  rack: string | null;
}

/** One partition's leadership. */
export interface PartitionInfo {
  /** The topic's name. */
  topic: string;
  /** The partition number. */
  partition: number;
  /** The leader's node id, -1 when there is none. */
  leader: number;
  /** The leader's epoch, -1 when the broker sent none. */
  leaderEpoch: number;
  /** The node ids of all replicas. */
  replicas: number[];
  /** The node ids of the in-sync replicas. */
  isr: number[];
  /** The node ids of replicas that are offline. */
  offlineReplicas: number[];
  /** The partition's error code from the last response (0 when fine). */
  errorCode: number;
}

/** One topic as the brokers described it. */
export interface TopicInfo {
  /** The topic's name. */
  name: string;
  /** The topic id (16 bytes), when the broker sent one. */
  topicId: Uint8Array | null;
  /** Whether the topic is one of Kafka's own (such as `__consumer_offsets`). */
  isInternal: boolean;
  /** The topic's error code from the last response (0 when fine). */
  errorCode: number;
  /** Partitions in partition order. */
  partitions: PartitionInfo[];
}

/**
 * An immutable snapshot of the cluster.
 *
 * @example
 * ```ts
 * import { Cluster } from "./metadata.ts";
 * const cluster = Cluster.bootstrap([{ host: "127.0.0.1", port: 9092 }]);
 * console.log(cluster.nodes[0].id); // -1
 * ```
 */
export class Cluster {
  /** Every known broker (or bootstrap address). */
  readonly nodes: readonly BrokerNode[];
  /** Topics by name. */
  readonly topics: ReadonlyMap<string, TopicInfo>;
  /** The controller's node id, -1 when unknown. */
  readonly controllerId: number;
  /** The cluster id, null when unknown. */
  readonly clusterId: string | null;
  /** Whether this is the bootstrap placeholder, before any metadata arrived. */
  readonly isBootstrap: boolean;
  readonly #nodesById: Map<number, BrokerNode>;

  /** Builds a snapshot; see {@link Cluster.bootstrap} for the first one. */
  constructor(
    nodes: readonly BrokerNode[],
    topics: ReadonlyMap<string, TopicInfo>,
    controllerId: number,
    clusterId: string | null,
    isBootstrap = false,
  ) {
    this.nodes = nodes;
    this.topics = topics;
    this.controllerId = controllerId;
    this.clusterId = clusterId;
    this.isBootstrap = isBootstrap;
    this.#nodesById = new Map(nodes.map((node) => [node.id, node]));
  }

  /** The placeholder cluster made of the bootstrap addresses, with ids -1, -2, ... */
  static bootstrap(addresses: readonly { host: string; port: number }[]): Cluster {
    const nodes = addresses.map((address, index) => ({ id: -(index + 1), host: address.host, port: address.port, rack: null }));
    return new Cluster(nodes, new Map(), -1, null, true);
  }

  /** The broker with this id, if known. */
  node(id: number): BrokerNode | undefined {
    return this.#nodesById.get(id);
  }

  /** The leader of a partition, if it has one that is known. */
  leaderFor(topic: string, partition: number): BrokerNode | undefined {
    const info = this.topics.get(topic)?.partitions[partition];
    return info === undefined || info.leader < 0 ? undefined : this.#nodesById.get(info.leader);
  }
}

/** Settings for {@link Metadata}, named as the client's configuration. */
export interface MetadataConfig {
  /** Refresh at least this often even without a reason. */
  metadataMaxAgeMs: number;
  /** Wait at least this long between a failed or requested refresh and the next. */
  retryBackoffMs: number;
  /** Let the broker create topics it does not know (when its own setting allows it). */
  allowAutoTopicCreation?: boolean;
}

/**
 * The client's view of the cluster and the schedule of its refreshes.
 *
 * @example
 * ```ts
 * import { Metadata } from "./metadata.ts";
 * const metadata = new Metadata([{ host: "127.0.0.1", port: 9092 }], { metadataMaxAgeMs: 300000, retryBackoffMs: 100 });
 * metadata.addTopic("orders");
 * console.log(metadata.timeToNextUpdate(Date.now())); // 0: never fetched
 * ```
 */
export class Metadata {
  #cluster: Cluster;
  #topics: Set<string> | null = new Set();
  #needUpdate = true;
  #lastRefreshMs = -Infinity;
  #lastSuccessfulRefreshMs = -Infinity;
  #updateVersion = 0;
  readonly #config: MetadataConfig;

  /**
   * @param bootstrap The addresses to start from.
   * @param config Refresh settings.
   */
  constructor(bootstrap: readonly { host: string; port: number }[], config: MetadataConfig) {
    this.#cluster = Cluster.bootstrap(bootstrap);
    this.#config = config;
  }

  /** The current snapshot. */
  get cluster(): Cluster {
    return this.#cluster;
  }

  /** Counts successful updates, so a waiter can tell when a newer one arrived. */
  get updateVersion(): number {
    return this.#updateVersion;
  }

  /** Asks every topic's metadata from now on, instead of only the topics added. */
  fetchAllTopics(): void {
    if (this.#topics !== null) {
      this.#topics = null;
      this.#needUpdate = true;
    }
  }

  /** Starts following a topic; refreshes soon if it is new. */
  addTopic(topic: string): void {
    if (this.#topics === null || this.#topics.has(topic)) return;
    this.#topics.add(topic);
    this.#needUpdate = true;
  }

  /** Stops following a topic (it is left out of the next request). */
  removeTopic(topic: string): void {
    this.#topics?.delete(topic);
  }

  /** Asks for a refresh as soon as the backoff allows; returns the current update version. */
  requestUpdate(): number {
    this.#needUpdate = true;
    return this.#updateVersion;
  }

  /** Whether a refresh has been asked for. */
  updateRequested(): boolean {
    return this.#needUpdate;
  }

  /** Milliseconds until a refresh is due (0 = now). */
  timeToNextUpdate(now: number): number {
    const backoffLeft = Math.max(this.#lastRefreshMs + this.#config.retryBackoffMs - now, 0);
    const expiresIn = this.#needUpdate ? 0 : Math.max(this.#lastSuccessfulRefreshMs + this.#config.metadataMaxAgeMs - now, 0);
    return Math.max(expiresIn, backoffLeft);
  }

  /** The body of the next metadata request. */
  newRequest(): MetadataRequest {
    return {
      topics: this.#topics === null ? null : [...this.#topics].map((name) => ({ name })),
      allowAutoTopicCreation: this.#config.allowAutoTopicCreation ?? false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    };
  }

  /** Takes in a metadata response. */
  update(response: MetadataResponse, now: number): void {
    this.#cluster = clusterFromResponse(response);
    this.#needUpdate = false;
    this.#lastRefreshMs = now;
    this.#lastSuccessfulRefreshMs = now;
    this.#updateVersion++;
  }

  /** Records a refresh that failed; the next waits out the backoff. */
  failedUpdate(now: number): void {
    this.#lastRefreshMs = now;
  }
}

/**
 * The cluster a metadata response describes: its brokers, controller, and each topic it
 * names with its partitions in partition order.
 *
 * @example
 * ```ts
 * import { clusterFromResponse } from "./metadata.ts";
 * const cluster = clusterFromResponse({ throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: -1, topics: [], clusterAuthorizedOperations: 0, errorCode: 0 });
 * console.log(cluster.topics.size); // 0
 * ```
 */
export function clusterFromResponse(response: MetadataResponse): Cluster {
  const topics = new Map<string, TopicInfo>();
  for (const topic of response.topics) {
    if (topic.name === null) continue;
    const partitions = topic.partitions
      .map((p): PartitionInfo => ({
        topic: topic.name!,
        partition: p.partitionIndex,
        leader: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicaNodes,
        isr: p.isrNodes,
        offlineReplicas: p.offlineReplicas,
        errorCode: p.errorCode,
      }))
      .sort((a, b) => a.partition - b.partition);
    topics.set(topic.name, {
      name: topic.name,
      topicId: topic.topicId ?? null,
      isInternal: topic.isInternal,
      errorCode: topic.errorCode,
      partitions,
    });
  }
  const nodes = response.brokers.map((b) => ({ id: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
  return new Cluster(nodes, topics, response.controllerId, response.clusterId);
}
