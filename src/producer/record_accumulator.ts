/**
 * The RecordAccumulator, as in the Java client: per-partition queues of batches that
 * `send()` appends to and the Sender drains. It decides when a partition's first batch
 * is ready (full, lingered, flushed, or memory is short), hands out batches per leader
 * fairly, expires batches past the delivery timeout, and brings memory back pressure.
 *
 * @module
 */
import type { Cluster } from "../client/metadata.ts";
import type { KafkaError } from "../errors.ts";
import { ClosedError, TimeoutError } from "../errors.ts";
import type { RecordHeader } from "../protocol/record_batch.ts";
import { RECORD_BATCH_OVERHEAD, recordSizeUpperBound } from "../protocol/record_batch.ts";
import { decodeRecordBatches } from "../protocol/record_batch_decoder.ts";
import type { CompressionCodec } from "../compression/mod.ts";
import { ExponentialBackoff } from "../client/exponential_backoff.ts";
import { BufferPool } from "./buffer_pool.ts";
import { BuiltInPartitioner, NodeLatencyTracker, PartitionLoadStatsCollector } from "./built_in_partitioner.ts";
import type { RecordSettler } from "./producer_batch.ts";
import { ProducerBatch } from "./producer_batch.ts";
import type { ProducerMetrics } from "./producer_metrics.ts";

/** The accumulator's settings, named as the producer's configuration. */
export interface AccumulatorConfig {
  batchSize: number;
  lingerMs: number;
  bufferMemory: number;
  maxBlockMs: number;
  deliveryTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  partitionerAdaptivePartitioningEnable: boolean;
  partitionerAvailabilityTimeoutMs: number;
}

/** What {@link RecordAccumulator.ready} found. */
export interface ReadyCheckResult {
  /** Leaders with at least one sendable batch. */
  readyNodes: Set<number>;
  /** How long until some batch may become sendable (Infinity when there is none). */
  nextReadyCheckDelayMs: number;
  /** Topics with batches whose partition has no known leader. */
  unknownLeaderTopics: Set<string>;
}

/** Which first batches may be drained now, and what to do with each one drained. */
export interface DrainPolicy {
  /** Whether the partition's first batch may go now (not muted, in sequence order, ...). */
  canDrain(batch: ProducerBatch, now: number): boolean;
  /** Called for each batch taken, after it was closed (its bytes exist). */
  prepare(batch: ProducerBatch): void;
}

const DRAIN_ANYTHING: DrainPolicy = { canDrain: () => true, prepare: () => {} };

/** One record to append: the partition is -1 for the built-in sticky partitioner to choose. */
export interface AppendRequest {
  topic: string;
  partition: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: readonly RecordHeader[];
  settler: RecordSettler;
}

/** Whether `a` was stamped under an older epoch, or earlier in the same epoch, than `b`. */
function isStampedBefore(a: ProducerBatch, b: ProducerBatch): boolean {
  if (b.baseSequence < 0) return true;
  if (a.producerId !== b.producerId) return false;
  return a.producerEpoch < b.producerEpoch || (a.producerEpoch === b.producerEpoch && a.baseSequence < b.baseSequence);
}

// Results of #appendNow besides "this many bytes of buffer are needed".
const APPENDED = 0;
const APPENDED_INTO_GIVEN_BUFFER = -1;

interface TopicBatches {
  readonly partitions: Map<number, ProducerBatch[]>;
  readonly partitioner: BuiltInPartitioner;
}

/**
 * Collects records into batches per partition.
 *
 * @example
 * ```ts
 * import { RecordAccumulator } from "./record_accumulator.ts";
 * const accumulator = new RecordAccumulator({
 *   batchSize: 16384, lingerMs: 5, bufferMemory: 33554432, maxBlockMs: 60000, deliveryTimeoutMs: 120000,
 *   retryBackoffMs: 100, retryBackoffMaxMs: 1000, partitionerAdaptivePartitioningEnable: true,
 *   partitionerAvailabilityTimeoutMs: 0,
 * });
 * ```
 */
export class RecordAccumulator {
  readonly #config: AccumulatorConfig;
  /** The codec batches are compressed with when they close; set once it has loaded. */
  compression: CompressionCodec | null = null;
  /** Where waits for buffer memory are counted, when the producer keeps metrics. */
  metrics: ProducerMetrics | undefined;
  readonly #pool: BufferPool;
  readonly #retryBackoff: ExponentialBackoff;
  readonly #topics = new Map<string, TopicBatches>();
  /** Batches not yet settled, for flush and close. */
  readonly #incomplete = new Set<ProducerBatch>();
  // Appends that wait for memory; later appends queue behind them to keep send order.
  #blockedTail: Promise<void> | undefined;
  #flushesInProgress = 0;
  #closed = false;
  // Round-robin start per node, so every partition of a leader gets its turn.
  readonly #drainIndex = new Map<number, number>();
  #onBatchReady: () => void = () => {};
  readonly #random: () => number;
  // How long each leader's data has waited, for partitionerAvailabilityTimeoutMs.
  readonly #latency: NodeLatencyTracker;

  /**
   * @param config Batching settings.
   * @param random Source for the sticky partitioner's choices, replaceable in tests.
   */
  constructor(config: AccumulatorConfig, random: () => number = Math.random) {
    this.#config = config;
    this.#pool = new BufferPool(config.bufferMemory, config.batchSize);
    this.#retryBackoff = new ExponentialBackoff(config.retryBackoffMs, config.retryBackoffMaxMs);
    this.#random = random;
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

  /** Called when a batch fills up or a new one is created, so the Sender wakes. */
  set onBatchReady(callback: () => void) {
    this.#onBatchReady = callback;
  }

  /** The buffer pool, for its gauges. */
  get pool(): BufferPool {
    return this.#pool;
  }

  /**
   * Appends a record to its partition's last batch, or to a new one. Returns undefined
   * when the record is in a batch, or a promise that resolves once it is (when memory
   * was short, or earlier appends still wait for memory). The record's own outcome
   * comes through its settler.
   */
  append(record: AppendRequest, cluster: () => Cluster, now: () => number, nowMs: number = now()): Promise<void> | undefined {
    if (this.#blockedTail === undefined) {
      const needed = this.#appendNow(record, cluster(), nowMs, undefined);
      if (needed === APPENDED) return undefined;
      return this.#trackBlocked(this.#appendWithAllocation(record, needed, cluster, now));
    }
    return this.#trackBlocked(this.#blockedTail.then(() => {
      const needed = this.#appendNow(record, cluster(), now(), undefined);
      return needed === APPENDED ? undefined : this.#appendWithAllocation(record, needed, cluster, now);
    }));
  }

  #trackBlocked(waiting: Promise<void>): Promise<void> {
    const tail = waiting.catch(() => {});
    this.#blockedTail = tail;
    tail.then(() => {
      if (this.#blockedTail === tail) this.#blockedTail = undefined;
    });
    return waiting;
  }

  async #appendWithAllocation(record: AppendRequest, size: number, cluster: () => Cluster, now: () => number): Promise<void> {
    const waitStartedMs = now();
    let buffer: Uint8Array;
    try {
      buffer = await this.#pool.allocate(size, this.#config.maxBlockMs);
    } catch (error) {
      if (error instanceof TimeoutError && !this.#closed) this.metrics?.recordBufferExhausted(now());
      throw error;
    } finally {
      const doneMs = now();
      this.metrics?.recordBufferPoolWait(doneMs - waitStartedMs, doneMs);
    }
    if (this.#closed) {
      this.#pool.deallocate(buffer);
      throw new ClosedError("the producer was closed while the record waited for buffer memory");
    }
    // Another append may have made room meanwhile; then the buffer goes back.
    if (this.#appendNow(record, cluster(), now(), buffer) !== APPENDED_INTO_GIVEN_BUFFER) this.#pool.deallocate(buffer);
  }

  /**
   * Appends without waiting: into the partition's last batch, else into a new batch
   * over `buffer` (when given) or over a buffer the pool can give at once. Returns
   * APPENDED, APPENDED_INTO_GIVEN_BUFFER, or the buffer size still needed.
   */
  #appendNow(record: AppendRequest, cluster: Cluster, now: number, buffer: Uint8Array | undefined): number {
    const topic = this.#topic(record.topic);
    let sticky = record.partition < 0 ? topic.partitioner.peekCurrentPartitionInfo(cluster) : undefined;
    let partition = sticky === undefined ? record.partition : sticky.partition();
    let deque = this.#deque(record.topic, partition);
    // A switch the sticky partitioner deferred until the batch filled may be due now.
    while (sticky !== undefined && topic.partitioner.partitionChanged(sticky, this.#allFull(deque), cluster)) {
      sticky = topic.partitioner.peekCurrentPartitionInfo(cluster);
      partition = sticky.partition();
      deque = this.#deque(record.topic, partition);
    }

    // The caller learns the partition the sticky partitioner chose (a transaction must add it).
    record.partition = partition;
    const last = deque.length > 0 ? deque[deque.length - 1] : undefined;
    const sizeBefore = last?.sizeInBytes ?? 0;
    if (last !== undefined && last.tryAppend(record.timestamp, record.key, record.value, record.headers, record.settler)) {
      if (sticky !== undefined) topic.partitioner.updatePartitionInfo(sticky, last.sizeInBytes - sizeBefore, cluster, this.#allFull(deque));
      if (last.isFull()) this.#onBatchReady();
      return APPENDED;
    }

    // A batchSize above bufferMemory would make every allocation impossible; the budget wins.
    const batchSize = Math.min(this.#config.batchSize, this.#config.bufferMemory);
    const needed = Math.max(batchSize, RECORD_BATCH_OVERHEAD + recordSizeUpperBound(record.key, record.value, record.headers));
    const given = buffer !== undefined && buffer.length >= needed;
    const fresh = given ? buffer : this.#pool.tryAllocate(needed);
    if (fresh === undefined) return needed;
    const batch = new ProducerBatch(record.topic, partition, fresh, needed, now);
    batch.tryAppend(record.timestamp, record.key, record.value, record.headers, record.settler);
    deque.push(batch);
    this.#incomplete.add(batch);
    if (sticky !== undefined) topic.partitioner.updatePartitionInfo(sticky, batch.sizeInBytes, cluster, this.#allFull(deque));
    this.#onBatchReady();
    return given ? APPENDED_INTO_GIVEN_BUFFER : APPENDED;
  }

  /** Java's `allBatchesFull`: the sticky partition may switch only at a batch boundary. */
  #allFull(deque: ProducerBatch[]): boolean {
    return deque.length === 0 || deque[deque.length - 1].isFull();
  }

  #topic(name: string): TopicBatches {
    let topic = this.#topics.get(name);
    if (topic === undefined) {
      topic = { partitions: new Map(), partitioner: new BuiltInPartitioner(name, this.#config.batchSize, this.#random) };
      this.#topics.set(name, topic);
    }
    return topic;
  }

  /**
   * Which leaders have a sendable batch: the first batch of a partition is sendable when
   * it is full (or not alone), has lingered `lingerMs`, finished its retry backoff, or
   * when a flush, a close or a memory shortage asks for everything to go now.
   */
  ready(cluster: Cluster, now: number, isMuted: (topic: string, partition: number) => boolean = () => false): ReadyCheckResult {
    const readyNodes = new Set<number>();
    const unknownLeaderTopics = new Set<string>();
    let nextReadyCheckDelayMs = Infinity;
    const exhausted = this.#pool.queued > 0;
    const urgent = exhausted || this.#closed || this.#flushesInProgress > 0;
    for (const [topicName, topic] of this.#topics) {
      // Adaptive partitioning starts once every partition has a queue; until then it is uniform (as in Java).
      const adaptive = this.#config.partitionerAdaptivePartitioningEnable &&
        topic.partitions.size >= (cluster.topics.get(topicName)?.partitions.length ?? Infinity);
      const stats = adaptive ? new PartitionLoadStatsCollector(topic.partitions.size) : undefined;
      for (const [partition, deque] of topic.partitions) {
        const leader = cluster.leaderFor(topicName, partition);
        if (deque.length === 0) {
          if (leader !== undefined) stats?.add(partition, 0, this.#latency.isUnavailable(leader.id));
          continue;
        }
        if (leader === undefined) {
          unknownLeaderTopics.add(topicName);
          continue;
        }
        stats?.add(partition, deque.length, this.#latency.isUnavailable(leader.id));
        if (readyNodes.has(leader.id) || isMuted(topicName, partition)) continue;
        const batch = deque[0];
        const backingOff = batch.isBackingOff(now);
        const waited = now - batch.lastAttemptMs;
        const timeToWait = backingOff ? batch.retryBackoffMs : this.#config.lingerMs;
        const full = deque.length > 1 || batch.isFull();
        const sendable = full || waited >= timeToWait || urgent;
        if (sendable && !backingOff) readyNodes.add(leader.id);
        else nextReadyCheckDelayMs = Math.min(nextReadyCheckDelayMs, Math.max(timeToWait - waited, 0));
      }
      if (stats !== undefined) topic.partitioner.updatePartitionLoadStats(stats.queueSizes, stats.partitionIds, stats.length);
      else topic.partitioner.updatePartitionLoadStats(null, [], 0);
    }
    return { readyNodes, nextReadyCheckDelayMs, unknownLeaderTopics };
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
        const deque = partitions[index];
        const first = deque[0];
        if (first === undefined || first.isBackingOff(now) || !policy.canDrain(first, now)) continue;
        const bytes = first.close(this.compression);
        if (batches.length > 0 && size + bytes.length > maxRequestSize) {
          this.#drainIndex.set(nodeId, index);
          break;
        }
        deque.shift();
        policy.prepare(first);
        batches.push(first);
        size += bytes.length;
        this.#drainIndex.set(nodeId, index + 1);
      }
      if (batches.length > 0) drained.set(nodeId, batches);
    }
    return drained;
  }

  #partitionsLedBy(cluster: Cluster, nodeId: number): ProducerBatch[][] {
    const led: ProducerBatch[][] = [];
    for (const [topicName, topic] of this.#topics) {
      for (const [partition, deque] of topic.partitions) {
        if (deque.length > 0 && cluster.leaderFor(topicName, partition)?.id === nodeId) led.push(deque);
      }
    }
    return led;
  }

  /** Removes and returns queued batches older than the delivery timeout. */
  expiredBatches(now: number): ProducerBatch[] {
    const expired: ProducerBatch[] = [];
    for (const topic of this.#topics.values()) {
      for (const deque of topic.partitions.values()) {
        while (deque.length > 0 && deque[0].hasReachedDeliveryTimeout(this.#config.deliveryTimeoutMs, now)) {
          expired.push(deque.shift()!);
        }
      }
    }
    return expired;
  }

  /** Puts a batch that will be retried back at the head of its partition's queue. */
  reenqueue(batch: ProducerBatch, now: number): void {
    batch.lastAttemptMs = now;
    batch.retryBackoffMs = this.#retryBackoff.backoff(Math.max(0, batch.attempts - 1));
    // Ahead of new batches, behind retried ones stamped earlier: sequences must go out in order.
    const deque = this.#deque(batch.topic, batch.partition);
    let at = 0;
    while (at < deque.length && deque[at].baseSequence >= 0 && isStampedBefore(deque[at], batch)) at++;
    deque.splice(at, 0, batch);
  }

  /**
   * Splits a batch the broker found too large into batches of `batchSize` and puts them
   * at the head of the queue, in order; each record keeps its `send()` promise.
   */
  splitAndReenqueue(batch: ProducerBatch, decompress: (codecId: number, data: Uint8Array) => Uint8Array, now: number): number {
    const decoded = decodeRecordBatches(batch.bytes!, decompress);
    const { settlers } = batch.takeSettlersForSplit();
    const parts: ProducerBatch[] = [];
    let index = 0;
    for (const decodedBatch of decoded) {
      for (const record of decodedBatch.records) {
        const settler = settlers[index++];
        let last = parts[parts.length - 1];
        if (last === undefined || !last.tryAppend(record.timestamp, record.key, record.value, record.headers, settler)) {
          const size = Math.max(
            this.#config.batchSize,
            RECORD_BATCH_OVERHEAD + recordSizeUpperBound(record.key, record.value, record.headers),
          );
          last = new ProducerBatch(batch.topic, batch.partition, new Uint8Array(size), size, batch.createdMs);
          // Splitting frees more than it takes, so its buffers come from outside the pool.
          last.pooled = false;
          last.attempts = batch.attempts;
          last.lastAttemptMs = now;
          parts.push(last);
          this.#incomplete.add(last);
          last.tryAppend(record.timestamp, record.key, record.value, record.headers, settler);
        }
      }
    }
    this.#deque(batch.topic, batch.partition).unshift(...parts);
    // Only now: the decoded records were views of this batch's buffer.
    this.deallocate(batch);
    return parts.length;
  }

  #deque(topic: string, partition: number): ProducerBatch[] {
    const partitions = this.#topic(topic).partitions;
    let deque = partitions.get(partition);
    if (deque === undefined) partitions.set(partition, deque = []);
    return deque;
  }

  /** Forgets a settled batch and returns its buffer to the pool. */
  deallocate(batch: ProducerBatch): void {
    this.#incomplete.delete(batch);
    if (batch.pooled) this.#pool.deallocate(batch.buffer);
  }

  /** Whether any batch waits in a queue. */
  hasUndrained(): boolean {
    for (const topic of this.#topics.values()) {
      for (const deque of topic.partitions.values()) if (deque.length > 0) return true;
    }
    return false;
  }

  /** Whether any batch is not settled yet. */
  hasIncomplete(): boolean {
    return this.#incomplete.size > 0;
  }

  /** Makes every batch sendable now, until the matching {@link endFlush}. */
  beginFlush(): void {
    this.#flushesInProgress++;
  }

  /** Ends a flush started with {@link beginFlush}. */
  endFlush(): void {
    this.#flushesInProgress--;
  }

  /** The unsettled batches created at or before `time` (a snapshot, for flush to wait on). */
  incompleteBatches(time = Infinity): ProducerBatch[] {
    return [...this.#incomplete].filter((batch) => batch.createdMs <= time);
  }

  /** From now on every batch is sendable at once, and waiting appends fail. */
  close(error: Error): void {
    this.#closed = true;
    this.#pool.close(error);
  }

  /** Fails the batches still queued (not those in flight), as when a transaction aborts. */
  abortUndrainedBatches(error: KafkaError | Error): void {
    for (const topic of this.#topics.values()) {
      for (const deque of topic.partitions.values()) {
        for (const batch of deque.splice(0)) {
          batch.fail(error, "aborted");
          this.deallocate(batch);
        }
      }
    }
  }

  /** Fails every batch not settled yet, queued or in flight, as on a forced close. */
  abortIncompleteBatches(error: KafkaError | Error): void {
    for (const topic of this.#topics.values()) {
      for (const deque of topic.partitions.values()) deque.length = 0;
    }
    for (const batch of [...this.#incomplete]) {
      batch.fail(error, "aborted");
      this.deallocate(batch);
    }
  }
}
