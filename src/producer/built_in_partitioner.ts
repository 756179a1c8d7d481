/**
 * The partitioner for records with neither a partition nor a key (or with
 * `partitionerIgnoreKeys`), as the Java client's `BuiltInPartitioner`: the uniform sticky
 * partitioner of KIP-480 made adaptive by KIP-794.
 *
 * One {@link BuiltInPartitioner} per topic keeps a "sticky" partition and sends every
 * unkeyed record there until about `batchSize` bytes went to it, then picks the next one:
 * uniformly among the partitions whose leader is known, or, once the accumulator has
 * reported queue sizes ({@link BuiltInPartitioner.updatePartitionLoadStats}), with odds
 * that fall as a partition's queue of unsent batches grows, so slow brokers get less.
 *
 * ## How the accumulator calls it
 *
 * On each `append(topic, partition, ...)`, with `partition` -1 when the producer left the
 * choice to this partitioner, as Java's `RecordAccumulator.append`:
 *
 * ```text
 * loop:
 *   info = partition < 0 ? partitioner.peekCurrentPartitionInfo(cluster) : null
 *   p    = info?.partition() ?? partition
 *   dq   = deque of p
 *   if partitioner.partitionChanged(info, allBatchesFull(dq), cluster): continue loop
 *   if the record fits in dq's last batch:
 *     append it
 *     partitioner.updatePartitionInfo(info, appendedBytes, cluster, allBatchesFull(dq))
 *     return
 *   allocate a buffer                      (may await)
 *   if partitioner.partitionChanged(info, allBatchesFull(dq), cluster): continue loop
 *   append to a new batch in dq
 *   partitioner.updatePartitionInfo(info, appendedBytes, cluster, allBatchesFull(dq))
 *   return
 * ```
 *
 * where `allBatchesFull(dq)` is "dq is empty or its last batch is full (or closed)";
 * like Java, close the last batch when a record does not fit in it, so that the
 * second check sees it full and completes a switch that was put off.
 * Between each `partitionChanged` check and the following `updatePartitionInfo` there
 * must be no `await`: JavaScript has no deque lock, so this is what makes the pair
 * atomic, as holding the lock does in Java. Passing `null` as the info (a record with a
 * partition) makes both calls no-ops, so one code path serves every record.
 *
 * Switching waits while the partition's last batch is still filling (`enableSwitch`
 * false), so a high `lingerMs` does not leave fractional batches behind; it happens at
 * the latest after `2 * batchSize` bytes, and `partitionChanged` completes a deferred
 * switch once the batch is full.
 *
 * ## Load stats (adaptive partitioning)
 *
 * In `ready()`, for each topic, the accumulator reports the queue sizes of all the
 * partitions whose leader is known, empty deques included as size 0 (those are the
 * most wanted; {@link PartitionLoadStatsCollector}), or `null` when
 * adaptive partitioning is off or some partition of the topic has no deque yet (Java
 * waits until `batches.size >= numPartitions`, since a partition missing from the stats
 * would never be chosen). With `partitionerAvailabilityTimeoutMs > 0` a partition whose
 * leader has had ready data but could not take it for longer than that is left out
 * ({@link NodeLatencyTracker}, fed by the sender as Java's `updateNodeLatencyStats`).
 *
 * @module
 */
import type { Cluster, PartitionInfo } from "../client/metadata.ts";
import { ConfigError, KafkaError } from "../errors.ts";

/**
 * The current sticky partition of a topic and the bytes appended to it since it was
 * chosen. A new object is made on every switch, so identity tells whether the choice
 * changed between a peek and an append.
 *
 * @example
 * ```ts
 * import { StickyPartitionInfo } from "./built_in_partitioner.ts";
 * const info = new StickyPartitionInfo(3);
 * console.log(info.partition(), info.producedBytes); // 3 0
 * ```
 */
export class StickyPartitionInfo {
  /** Bytes appended to the partition since it was chosen. */
  producedBytes = 0;
  readonly #partition: number;

  /** @param partition The partition chosen. */
  constructor(partition: number) {
    this.#partition = partition;
  }

  /** The partition chosen. */
  partition(): number {
    return this.#partition;
  }
}

/** The cumulative frequency table built from queue sizes; see updatePartitionLoadStats. */
interface PartitionLoadStats {
  cumulativeFrequencyTable: number[];
  partitionIds: number[];
  length: number;
}

/**
 * Whether a partition can take records now: its leader is known and is in the cluster's
 * broker list (Java's `Cluster.availablePartitionsForTopic` has the same rule).
 *
 * @example
 * ```ts
 * import { Cluster } from "../client/metadata.ts";
 * import { isPartitionAvailable } from "./built_in_partitioner.ts";
 * const cluster = new Cluster([{ id: 1, host: "b1", port: 9092, rack: null }], new Map(), -1, null);
 * const p = { topic: "t", partition: 0, leader: -1, leaderEpoch: 0, replicas: [], isr: [], offlineReplicas: [], errorCode: 5 };
 * console.log(isPartitionAvailable(cluster, p)); // false
 * ```
 */
export function isPartitionAvailable(cluster: Cluster, info: PartitionInfo): boolean {
  return info.leader >= 0 && cluster.node(info.leader) !== undefined;
}

const TWO_POW_31 = 0x80000000;

/**
 * The built-in sticky, load-aware partitioner of one topic (Java's `BuiltInPartitioner`).
 *
 * @example The accumulator's calls for one unkeyed append
 * ```ts
 * import { Cluster } from "../client/metadata.ts";
 * import { BuiltInPartitioner } from "./built_in_partitioner.ts";
 * const node = { id: 1, host: "b1", port: 9092, rack: null };
 * const partitions = [0, 1, 2].map((partition) => ({
 *   topic: "events", partition, leader: 1, leaderEpoch: 0, replicas: [1], isr: [1], offlineReplicas: [], errorCode: 0,
 * }));
 * const topics = new Map([["events", { name: "events", topicId: null, isInternal: false, errorCode: 0, partitions }]]);
 * const cluster = new Cluster([node], topics, 1, "c");
 * const partitioner = new BuiltInPartitioner("events", 16384);
 * const info = partitioner.peekCurrentPartitionInfo(cluster);
 * if (!partitioner.partitionChanged(info, true, cluster)) {
 *   // ... append 100 bytes to the deque of partition info.partition(), then:
 *   partitioner.updatePartitionInfo(info, 100, cluster, true);
 * }
 * ```
 */
export class BuiltInPartitioner {
  /** The topic this partitioner serves. */
  readonly topic: string;
  /** How many bytes go to a partition before switching (the producer's `batchSize`, at least 1). */
  readonly stickyBatchSize: number;
  readonly #random: () => number;
  #current: StickyPartitionInfo | null = null;
  #loadStats: PartitionLoadStats | null = null;
  // Available partitions of the last cluster seen; snapshots are immutable, so identity is enough.
  #availableFor: Cluster | null = null;
  #available: PartitionInfo[] = [];

  /**
   * @param topic The topic.
   * @param stickyBatchSize Bytes to produce to a partition before switching: the
   *   producer's `batchSize`. 0 (allowed, it turns batching off) counts as 1, as Java's
   *   producer passes `max(1, batch.size)`.
   * @param random A source of numbers in [0, 1), replaceable in tests; each switch draws
   *   one and scales it to a 31-bit integer, like Java's `toPositive(nextInt())`.
   * @throws {ConfigError} When `stickyBatchSize` is negative or not an integer.
   */
  constructor(topic: string, stickyBatchSize: number, random: () => number = Math.random) {
    if (!Number.isInteger(stickyBatchSize) || stickyBatchSize < 0) {
      throw new ConfigError("batchSize", `the sticky batch size must be an integer >= 0 but got ${stickyBatchSize}`);
    }
    this.topic = topic;
    this.stickyBatchSize = Math.max(1, stickyBatchSize);
    this.#random = random;
  }

  /**
   * The current sticky partition, choosing one if there is none yet. The result goes
   * back into {@link partitionChanged} and {@link updatePartitionInfo}.
   *
   * @throws {KafkaError} (retriable) When the cluster knows no partition of the topic.
   */
  peekCurrentPartitionInfo(cluster: Cluster): StickyPartitionInfo {
    if (this.#current === null) this.#current = new StickyPartitionInfo(this.#nextPartition(cluster));
    return this.#current;
  }

  /**
   * Whether `info` is no longer the current sticky partition (another append switched).
   * `null` (a record whose partition was given) never changes.
   */
  isPartitionChanged(info: StickyPartitionInfo | null): boolean {
    return info !== null && this.#current !== info;
  }

  /**
   * Counts bytes appended to the sticky partition and switches to another once
   * `stickyBatchSize` bytes went to it and `enableSwitch` is true, or once twice that
   * went regardless. Pass `enableSwitch = false` while the partition's last batch is not
   * full, so the switch lines up with a batch boundary. A `null` or stale `info` is
   * ignored (the latter means a missed {@link partitionChanged} check; Java asserts).
   *
   * @param info What {@link peekCurrentPartitionInfo} returned, or null.
   * @param appendedBytes Bytes the append added to the partition's batches.
   * @param cluster The cluster snapshot, to choose the next partition from.
   * @param enableSwitch Whether the partition's batches are all full.
   */
  updatePartitionInfo(info: StickyPartitionInfo | null, appendedBytes: number, cluster: Cluster, enableSwitch = true): void {
    if (info === null || info !== this.#current) return;
    info.producedBytes += appendedBytes;
    const produced = info.producedBytes;
    // The 2x cap bounds the wait for a full batch, e.g. when keyed records keep the
    // partition's last batch open.
    if ((produced >= this.stickyBatchSize && enableSwitch) || produced >= this.stickyBatchSize * 2) {
      this.#current = new StickyPartitionInfo(this.#nextPartition(cluster));
    }
  }

  /**
   * The accumulator's re-check before appending (Java's `RecordAccumulator.partitionChanged`):
   * true when `info` went stale, or when a switch deferred while the batch was filling
   * is due now that `allBatchesFull`; the accumulator then peeks again and retries.
   *
   * @param info What {@link peekCurrentPartitionInfo} returned, or null.
   * @param allBatchesFull Whether the partition's deque is empty or its last batch full.
   * @param cluster The cluster snapshot.
   */
  partitionChanged(info: StickyPartitionInfo | null, allBatchesFull: boolean, cluster: Cluster): boolean {
    if (this.isPartitionChanged(info)) return true;
    if (allBatchesFull) {
      this.updatePartitionInfo(info, 0, cluster, true);
      return this.isPartitionChanged(info);
    }
    return false;
  }

  /**
   * Takes the queue sizes (batches waiting) of the topic's partitions whose leader is
   * known, and from the next switch on chooses partition `i` with weight
   * `maxSizePlus1 - queueSizes[i]`, where `maxSizePlus1` is the largest of the first
   * `length` sizes plus one. Uniform choice comes back when `queueSizes` is null, when
   * `length < 1`, when fewer than 2 partitions are reported, or when all sizes are equal
   * and none were left out (`length === queueSizes.length`).
   *
   * `queueSizes` is turned into the cumulative frequency table in place and kept, with
   * `partitionIds`, until the next call, so the caller passes fresh arrays each time.
   *
   * @param queueSizes Queue sizes, or null for uniform choice.
   * @param partitionIds The partition of each queue size.
   * @param length How many leading entries count; the entries after were left out (see
   *   {@link PartitionLoadStatsCollector}), but still count for "fewer than 2".
   * @throws {KafkaError} When the arrays differ in length or `length` exceeds them.
   */
  updatePartitionLoadStats(queueSizes: number[] | null, partitionIds: number[], length: number): void {
    if (queueSizes === null) {
      this.#loadStats = null;
      return;
    }
    if (queueSizes.length !== partitionIds.length || length > queueSizes.length) {
      throw new KafkaError(
        `Bad load stats for topic ${this.topic}: ${queueSizes.length} sizes, ${partitionIds.length} ids, length ${length}`,
      );
    }
    // With one partition there is nothing to balance, unless others were left out for
    // latency, in which case the choice must still be limited to the ones kept.
    if (length < 1 || queueSizes.length < 2) {
      this.#loadStats = null;
      return;
    }
    let maxSizePlus1 = queueSizes[0];
    let allEqual = true;
    for (let i = 1; i < length; i++) {
      if (queueSizes[i] !== maxSizePlus1) allEqual = false;
      if (queueSizes[i] > maxSizePlus1) maxSizePlus1 = queueSizes[i];
    }
    maxSizePlus1++;
    if (allEqual && length === queueSizes.length) {
      this.#loadStats = null;
      return;
    }
    // Invert (shorter queue = higher weight, at least 1) and make a running sum: a
    // uniform draw in [0, last) then falls in partition i's slice with its weight's odds.
    // Sizes 0 3 1 -> weights 4 1 3 -> table 4 5 8: draws 0-3 pick the first, 4 the
    // second, 5-7 the third.
    queueSizes[0] = maxSizePlus1 - queueSizes[0];
    for (let i = 1; i < length; i++) {
      queueSizes[i] = maxSizePlus1 - queueSizes[i] + queueSizes[i - 1];
    }
    this.#loadStats = { cumulativeFrequencyTable: queueSizes, partitionIds, length };
  }

  /**
   * The sum of the weights of the current load stats (the range of the weighted draw),
   * or 0 when the choice is uniform. Drawing this many switches with a sequential random
   * source picks each partition exactly its weight's number of times.
   */
  loadStatsRangeEnd(): number {
    const stats = this.#loadStats;
    return stats === null ? 0 : stats.cumulativeFrequencyTable[stats.length - 1];
  }

  /** Draws the next sticky partition. */
  #nextPartition(cluster: Cluster): number {
    const random = Math.floor(this.#random() * TWO_POW_31);
    const stats = this.#loadStats;
    if (stats === null) {
      const available = this.#availablePartitions(cluster);
      if (available.length > 0) return available[random % available.length].partition;
      // No leader anywhere: pick any partition; its records wait for a leader.
      const all = cluster.topics.get(this.topic)?.partitions ?? [];
      if (all.length === 0) throw new KafkaError(`No partitions are known for topic ${this.topic}`, { retriable: true });
      return all[random % all.length].partition;
    }
    // Stats leave out partitions without a leader, so they need no availability check.
    const table = stats.cumulativeFrequencyTable;
    const weighted = random % table[stats.length - 1];
    // The first entry strictly greater than the draw (the table strictly increases).
    let low = 0;
    let high = stats.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (table[mid] > weighted) high = mid;
      else low = mid + 1;
    }
    return stats.partitionIds[low];
  }

  #availablePartitions(cluster: Cluster): PartitionInfo[] {
    if (this.#availableFor !== cluster) {
      const partitions = cluster.topics.get(this.topic)?.partitions ?? [];
      this.#available = partitions.filter((info) => isPartitionAvailable(cluster, info));
      this.#availableFor = cluster;
    }
    return this.#available;
  }
}

/**
 * Builds the arguments of {@link BuiltInPartitioner.updatePartitionLoadStats} during the
 * accumulator's `ready()` pass over one topic's deques, as Java's `partitionReady`.
 *
 * @example
 * ```ts
 * import { BuiltInPartitioner, PartitionLoadStatsCollector } from "./built_in_partitioner.ts";
 * const partitioner = new BuiltInPartitioner("events", 16384);
 * const stats = new PartitionLoadStatsCollector(3); // the topic has 3 deques
 * stats.add(0, 2, false); // partition 0: leader known, 2 batches queued
 * stats.add(1, 5, true); // partition 1: its leader has not drained for too long
 * stats.add(2, 0, false);
 * partitioner.updatePartitionLoadStats(stats.queueSizes, stats.partitionIds, stats.length);
 * ```
 */
export class PartitionLoadStatsCollector {
  /** Queue sizes of the partitions kept, in the first {@link length} entries. */
  readonly queueSizes: number[];
  /** The partition of each entry of {@link queueSizes}. */
  readonly partitionIds: number[];
  /** How many entries are filled. */
  length = 0;

  /**
   * @param capacity The number of deques the topic has (Java sizes the arrays by
   *   `batches.size`), whether or not each partition ends up added.
   */
  constructor(capacity: number) {
    this.queueSizes = new Array<number>(capacity).fill(0);
    this.partitionIds = new Array<number>(capacity).fill(0);
  }

  /**
   * Adds one partition whose leader is known; skip partitions without a leader.
   *
   * @param partition The partition.
   * @param queueSize Batches in its deque.
   * @param leaderUnavailable Whether its leader has exceeded `partitionerAvailabilityTimeoutMs`
   *   ({@link NodeLatencyTracker.isUnavailable}). As in Java, this only leaves out a
   *   partition whose deque is not empty (an empty deque skips the latency check).
   */
  add(partition: number, queueSize: number, leaderUnavailable: boolean): void {
    if (this.length >= this.queueSizes.length) {
      throw new KafkaError(`More partitions added than the ${this.queueSizes.length} expected`);
    }
    this.partitionIds[this.length] = partition;
    this.queueSizes[this.length] = queueSize;
    if (queueSize > 0 && leaderUnavailable) return;
    this.length++;
  }
}

/**
 * When each broker last had batches ready to send and last could take them, to leave
 * out of the adaptive choice the partitions of a broker that has not taken data for
 * more than `partitionerAvailabilityTimeoutMs` (Java's `RecordAccumulator.nodeStats`).
 *
 * @example What the sender does with each node `ready()` returned
 * ```ts
 * import { NodeLatencyTracker } from "./built_in_partitioner.ts";
 * const latency = new NodeLatencyTracker(1000);
 * latency.updateNodeLatencyStats(1, 0, true); // node 1 was ready and drained at t=0
 * latency.updateNodeLatencyStats(1, 1500, false); // at t=1500 it has data but cannot take it
 * console.log(latency.isUnavailable(1)); // true
 * ```
 */
export class NodeLatencyTracker {
  /** The configured `partitionerAvailabilityTimeoutMs`; 0 turns tracking off. */
  readonly partitionAvailabilityTimeoutMs: number;
  readonly #stats = new Map<number, { readyTimeMs: number; drainTimeMs: number }>();

  /** @param partitionAvailabilityTimeoutMs The producer's `partitionerAvailabilityTimeoutMs`. */
  constructor(partitionAvailabilityTimeoutMs: number) {
    this.partitionAvailabilityTimeoutMs = partitionAvailabilityTimeoutMs;
  }

  /**
   * Records that `nodeId` had batches ready at `nowMs`, and whether its connection could
   * take them (`canDrain`), which resets its latency. Does nothing when tracking is off.
   */
  updateNodeLatencyStats(nodeId: number, nowMs: number, canDrain: boolean): void {
    if (this.partitionAvailabilityTimeoutMs <= 0) return;
    let stats = this.#stats.get(nodeId);
    if (stats === undefined) {
      stats = { readyTimeMs: nowMs, drainTimeMs: nowMs };
      this.#stats.set(nodeId, stats);
    }
    if (canDrain) stats.drainTimeMs = nowMs;
    stats.readyTimeMs = nowMs;
  }

  /** The last ready and drain times of a node, if any were recorded. */
  stats(nodeId: number): { readonly readyTimeMs: number; readonly drainTimeMs: number } | undefined {
    return this.#stats.get(nodeId);
  }

  /**
   * Whether the node had data waiting longer than the timeout without draining it. The
   * gap is measured between the two recorded times, not to now, as in Java.
   */
  isUnavailable(nodeId: number): boolean {
    if (this.partitionAvailabilityTimeoutMs <= 0) return false;
    const stats = this.#stats.get(nodeId);
    return stats !== undefined && stats.readyTimeMs - stats.drainTimeMs > this.partitionAvailabilityTimeoutMs;
  }
}
