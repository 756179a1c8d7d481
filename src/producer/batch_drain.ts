/**
 * The Sender's side of the RecordAccumulator, as Java's `ready` and `drain`: which leaders
 * have a sendable first batch (full, lingered, flushed, closing, or memory is short), and
 * taking those batches per leader fairly, closed, up to a request's size. Apart from the
 * append path, which runs per record, these run once per Sender poll.
 *
 * @module
 */
import type { Cluster } from "../client/metadata.ts";
import type { BatchCompression } from "./batch_compression.ts";
import type { BufferPool } from "./buffer_pool.ts";
import type { BuiltInPartitioner } from "./built_in_partitioner.ts";
import { NodeLatencyTracker, PartitionLoadStatsCollector } from "./built_in_partitioner.ts";
import type { PartitionRegistry, PartitionState } from "./partition_state.ts";
import type { ProducerBatch } from "./producer_batch.ts";
import type { ResolvedProducerConfig } from "./producer_config.ts";
import { sameRequest } from "./send_profile.ts";

/** The settings that decide when a batch may go, named as the producer's configuration. */
export type BatchDrainConfig = Pick<
  ResolvedProducerConfig,
  "lingerMs" | "deliveryTimeoutMs" | "partitionerAdaptivePartitioningEnable" | "partitionerAvailabilityTimeoutMs"
>;

/** What the drain reads of the accumulator: its queues, its sticky partitioners, its memory and codec. */
export interface BatchDrainParts {
  /** Every partition's queue of batches. */
  readonly partitions: PartitionRegistry;
  /** The sticky partitioner of each topic that has one, told each partition's load. */
  readonly partitioners: ReadonlyMap<string, BuiltInPartitioner>;
  /** While appends wait for its memory, every batch goes at once. */
  readonly pool: BufferPool;
  /** The codec batches are closed with (a send profile's own, otherwise). */
  readonly compression: BatchCompression;
}

/** What {@link BatchDrain.ready} found. */
export interface ReadyCheckResult {
  /** Leaders with at least one sendable batch. */
  readyNodes: Set<number>;
  /** How long until some batch may become sendable (Infinity when there is none). */
  nextReadyCheckDelayMs: number;
  /** Topics with batches whose partition has no known leader. */
  unknownLeaderTopics: Set<string>;
  /** When the oldest queued batch reaches the delivery timeout (Infinity when none waits). */
  nextBatchExpiryMs: number;
}

/**
 * Which first batches may be drained now, and what to do with each one drained.
 *
 * @example
 * ```ts
 * import type { DrainPolicy } from "./batch_drain.ts";
 * // As the Sender's with one request in flight per connection: a partition waits for its batch's answer.
 * const inOrder: DrainPolicy = {
 *   canDrain: () => true,
 *   prepare(batch) {
 *     batch.state.muted = true;
 *   },
 * };
 * ```
 */
export interface DrainPolicy {
  /** Whether the partition's first batch may go now (not muted, in sequence order, ...). */
  canDrain(batch: ProducerBatch, now: number): boolean;
  /** Called for each batch taken, after it was closed (its bytes exist). */
  prepare(batch: ProducerBatch): void;
  /** Whether `prepare` stamps every new batch's producer state (and with it the CRC), so closing leaves the CRC out. */
  readonly stampsProducerState?: boolean;
}

const DRAIN_ANYTHING: DrainPolicy = { canDrain: () => true, prepare: () => {} };

/**
 * Decides which leaders have a sendable batch and takes batches from their partitions.
 *
 * @example
 * ```ts
 * import { BatchDrain } from "./batch_drain.ts";
 * import { BatchCompression } from "./batch_compression.ts";
 * import { BufferPool } from "./buffer_pool.ts";
 * import { PartitionRegistry } from "./partition_state.ts";
 * import { Cluster } from "../client/metadata.ts";
 * const drain = new BatchDrain(
 *   { lingerMs: 5, deliveryTimeoutMs: 120000, partitionerAdaptivePartitioningEnable: true, partitionerAvailabilityTimeoutMs: 0 },
 *   { partitions: new PartitionRegistry(), partitioners: new Map(), pool: new BufferPool(33554432, 16384), compression: new BatchCompression("none") },
 * );
 * const { readyNodes } = drain.ready(Cluster.bootstrap([{ host: "127.0.0.1", port: 9092 }]), Date.now());
 * console.log(readyNodes.size); // 0: nothing is queued
 * ```
 */
export class BatchDrain {
  readonly #config: BatchDrainConfig;
  readonly #partitions: PartitionRegistry;
  readonly #partitioners: ReadonlyMap<string, BuiltInPartitioner>;
  readonly #pool: BufferPool;
  readonly #compression: BatchCompression;
  // Round-robin start per node, so every partition of a leader gets its turn.
  readonly #drainIndex = new Map<number, number>();
  // How long each leader's data has waited, for partitionerAvailabilityTimeoutMs.
  readonly #latency: NodeLatencyTracker;
  #flushesInProgress = 0;
  #closed = false;

  /**
   * @param config When batches may go.
   * @param parts The accumulator's queues, partitioners, buffer pool and codec.
   */
  constructor(config: BatchDrainConfig, parts: BatchDrainParts) {
    this.#config = config;
    this.#partitions = parts.partitions;
    this.#partitioners = parts.partitioners;
    this.#pool = parts.pool;
    this.#compression = parts.compression;
    this.#latency = new NodeLatencyTracker(config.partitionerAvailabilityTimeoutMs);
  }

  /**
   * Notes that a leader had sendable data (`canDrain` false: it was not ready; true: it
   * was drained), so partitions of leaders that stall past
   * `partitionerAvailabilityTimeoutMs` are avoided by the sticky partitioner.
   */
  updateNodeLatencyStats(nodeId: number, now: number, canDrain: boolean): void {
    this.#latency.updateNodeLatencyStats(nodeId, now, canDrain);
  }

  /** Makes every batch sendable now, until the matching {@link endFlush}. */
  beginFlush(): void {
    this.#flushesInProgress++;
  }

  /** Ends a flush started with {@link beginFlush}. */
  endFlush(): void {
    this.#flushesInProgress--;
  }

  /** From now on every batch is sendable at once. */
  close(): void {
    this.#closed = true;
  }

  /**
   * Which leaders have a sendable batch: the first batch of a partition is sendable when
   * it is full (or not alone), has lingered `lingerMs`, finished its retry backoff, or
   * when a flush, a close or a memory shortage asks for everything to go now.
   */
  ready(cluster: Cluster, now: number): ReadyCheckResult {
    const readyNodes = new Set<number>();
    const unknownLeaderTopics = new Set<string>();
    let nextReadyCheckDelayMs = Infinity;
    let oldestQueuedMs = Infinity;
    const exhausted = this.#pool.queued > 0;
    const urgent = exhausted || this.#closed || this.#flushesInProgress > 0;
    for (const [topicName, partitions] of this.#partitions.topics) {
      const partitioner = this.#partitioners.get(topicName);
      // Adaptive partitioning starts once every partition has a queue; until then it is uniform (as in Java).
      const adaptive = partitioner !== undefined && this.#config.partitionerAdaptivePartitioningEnable &&
        partitions.size >= (cluster.topics.get(topicName)?.partitions.length ?? Infinity);
      const stats = adaptive ? new PartitionLoadStatsCollector(partitions.size) : undefined;
      for (const state of partitions.values()) {
        const deque = state.queue;
        const leader = state.leader(cluster);
        if (deque.length === 0) {
          if (leader !== undefined) stats?.add(state.partition, 0, this.#latency.isUnavailable(leader.id));
          continue;
        }
        if (deque[0].createdMs < oldestQueuedMs) oldestQueuedMs = deque[0].createdMs;
        if (leader === undefined) {
          unknownLeaderTopics.add(topicName);
          continue;
        }
        stats?.add(state.partition, deque.length, this.#latency.isUnavailable(leader.id));
        // A muted partition waits for an answer, which wakes the Sender. The others count even on a node that is ready
        // already: the drain may refuse that node's sendable batch, and then the poll must wake for their linger.
        if (state.muted) continue;
        const batch = deque[0];
        const backingOff = batch.isBackingOff(now);
        const waited = now - batch.lastAttemptMs;
        const timeToWait = backingOff ? batch.retryBackoffMs : this.#config.lingerMs;
        const full = deque.length > 1 || batch.isFull();
        const sendable = full || waited >= timeToWait || urgent;
        if (sendable && !backingOff) readyNodes.add(leader.id);
        else nextReadyCheckDelayMs = Math.min(nextReadyCheckDelayMs, Math.max(timeToWait - waited, 0));
      }
      if (stats !== undefined) partitioner!.updatePartitionLoadStats(stats.queueSizes, stats.partitionIds, stats.length);
      else partitioner?.updatePartitionLoadStats(null, [], 0);
    }
    const nextBatchExpiryMs = oldestQueuedMs + this.#config.deliveryTimeoutMs;
    return { readyNodes, nextReadyCheckDelayMs, unknownLeaderTopics, nextBatchExpiryMs };
  }

  /**
   * Takes at most one batch per partition led by each node, starting where the last
   * drain of that node stopped, until `maxRequestSize` bytes. Batches are closed
   * (encoded and compressed) as they are taken.
   */
  drain(
    cluster: Cluster,
    nodes: Iterable<number>,
    maxRequestSize: number,
    now: number,
    policy: DrainPolicy = DRAIN_ANYTHING,
  ): Map<number, ProducerBatch[]> {
    const drained = new Map<number, ProducerBatch[]>();
    for (const nodeId of nodes) {
      const partitions = this.#partitionsLedBy(cluster, nodeId);
      if (partitions.length === 0) continue;
      const batches: ProducerBatch[] = [];
      let size = 0;
      const start = (this.#drainIndex.get(nodeId) ?? 0) % partitions.length;
      for (let i = 0; i < partitions.length; i++) {
        const index = (start + i) % partitions.length;
        const state = partitions[index];
        const deque = state.queue;
        const first = deque[0];
        if (first === undefined || state.muted || first.isBackingOff(now)) continue;
        // One request carries one acks and timeout: a batch of other settings waits for the next drain.
        if ((batches.length > 0 && !sameRequest(batches[0].profile, first.profile)) || !policy.canDrain(first, now)) continue;
        const bytes = first.close(
          first.profile === undefined ? this.#compression.codec : first.profile.compression,
          policy.stampsProducerState,
        );
        if (batches.length > 0 && size + bytes.length > maxRequestSize) {
          this.#drainIndex.set(nodeId, index);
          break;
        }
        deque.shift();
        policy.prepare(first);
        batches.push(first);
        state.lastBatchBytes = first.uncompressedSizeInBytes;
        state.lastBatchRecords = first.recordCount;
        size += bytes.length;
        this.#drainIndex.set(nodeId, index + 1);
      }
      if (batches.length > 0) drained.set(nodeId, batches);
    }
    return drained;
  }

  #partitionsLedBy(cluster: Cluster, nodeId: number): PartitionState[] {
    const led: PartitionState[] = [];
    for (const partitions of this.#partitions.topics.values()) {
      for (const state of partitions.values()) {
        if (state.queue.length > 0 && state.leader(cluster)?.id === nodeId) led.push(state);
      }
    }
    return led;
  }
}
