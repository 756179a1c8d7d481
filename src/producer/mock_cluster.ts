/**
 * The invented one-broker cluster behind a {@link MockProducer}: how many partitions each
 * topic has, which partition a record lands on (as the real producer chooses), and the
 * next offset of each partition.
 *
 * @module
 */
import { ConfigError, KafkaError } from "../errors.ts";
import type { PartitionInfo, TopicInfo } from "../client/metadata.ts";
import { Cluster } from "../client/metadata.ts";
import type { Partitioner } from "./partitioner.ts";
import { partitionForKey } from "./partitioner.ts";
import { describeValue } from "../validation.ts";

const MOCK_NODE = { id: 0, host: "mock", port: 9092, rack: null };

/**
 * Partitions and offsets of a mock's topics.
 *
 * @example
 * ```ts
 * import { MockCluster } from "./mock_cluster.ts";
 * const cluster = new MockCluster({ orders: 3 }, undefined);
 * const partition = cluster.partition("orders", undefined, new TextEncoder().encode("order-17"), null);
 * console.log(partition < 3, cluster.nextOffset("orders", partition)); // true 0
 * ```
 */
export class MockCluster {
  readonly #partitionCounts = new Map<string, number>();
  readonly #partitioner: Partitioner | undefined;
  readonly #nextOffsets = new Map<string, number>();
  readonly #roundRobin = new Map<string, number>();
  readonly #topics = new Map<string, TopicInfo>();
  #cluster: Cluster | undefined;

  /**
   * @param partitions Partition count per topic (a topic not named has 1); a bad count is a ConfigError naming `partitions`.
   * @param partitioner The custom partitioner, if any.
   */
  constructor(partitions: Readonly<Record<string, number>> | undefined, partitioner: Partitioner | undefined) {
    if (partitions !== undefined && (partitions === null || typeof partitions !== "object" || Array.isArray(partitions))) {
      throw new ConfigError("partitions", `must be an object of partition counts per topic, not ${describeValue(partitions)}`);
    }
    for (const [topic, count] of Object.entries(partitions ?? {})) {
      if (!Number.isInteger(count) || count < 1) {
        throw new ConfigError("partitions", `topic ${topic} needs a positive integer partition count, not ${describeValue(count)}`);
      }
      this.#partitionCounts.set(topic, count);
    }
    if (partitioner !== undefined && typeof partitioner !== "function") {
      throw new ConfigError("partitioner", `must be a function, not ${describeValue(partitioner)}`);
    }
    this.#partitioner = partitioner;
  }

  /** As the real producer: the record's own partition, then the custom partitioner, then murmur2 of the key. */
  partition(topic: string, requested: number | undefined, key: Uint8Array | null, value: Uint8Array | null): number {
    const count = this.#partitionCount(topic);
    if (requested !== undefined) {
      if (!Number.isInteger(requested) || requested < 0 || requested >= count) {
        throw new KafkaError(`partition ${requested} is not among the ${count} partitions of ${topic}`);
      }
      return requested;
    }
    if (this.#partitioner !== undefined) {
      const chosen = this.#partitioner(topic, key, value, this.#clusterWith(topic));
      if (!Number.isInteger(chosen) || chosen < 0 || chosen >= count) {
        throw new KafkaError(`the partitioner chose partition ${chosen} for ${topic}, which has ${count}`);
      }
      return chosen;
    }
    if (key !== null) return partitionForKey(key, count);
    // The real producer's sticky choice depends on batching; a mock spreads keyless records round-robin instead.
    const next = this.#roundRobin.get(topic) ?? 0;
    this.#roundRobin.set(topic, (next + 1) % count);
    return next;
  }

  /** Takes the partition's next offset (only for a record that is written, so a failed send leaves no gap). */
  nextOffset(topic: string, partition: number): number {
    const key = `${topic}\u0000${partition}`;
    const offset = this.#nextOffsets.get(key) ?? 0;
    this.#nextOffsets.set(key, offset + 1);
    return offset;
  }

  /** The topic's partitions, all led by the one mock broker. */
  partitionInfos(topic: string): PartitionInfo[] {
    return Array.from({ length: this.#partitionCount(topic) }, (_, partition) => ({
      topic,
      partition,
      leader: MOCK_NODE.id,
      leaderEpoch: 0,
      replicas: [MOCK_NODE.id],
      isr: [MOCK_NODE.id],
      offlineReplicas: [],
      errorCode: 0,
    }));
  }

  #partitionCount(topic: string): number {
    return this.#partitionCounts.get(topic) ?? 1;
  }

  /** The cluster handed to a custom partitioner: one broker, every topic seen so far. */
  #clusterWith(topic: string): Cluster {
    if (!this.#topics.has(topic)) {
      this.#topics.set(topic, { name: topic, topicId: null, isInternal: false, errorCode: 0, partitions: this.partitionInfos(topic) });
      this.#cluster = undefined;
    }
    return this.#cluster ??= new Cluster([MOCK_NODE], new Map(this.#topics), MOCK_NODE.id, "mock-cluster");
  }
}
