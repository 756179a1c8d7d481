/**
 * The RecordAccumulator, as in the Java client: per-partition queues of batches that
 * `send()` appends to and the Sender drains (batch_drain.ts decides when a partition's
 * first batch is ready and hands batches out per leader). It sizes new batches, expires
 * batches past the delivery timeout, puts retried and split batches back in sequence
 * order, and brings memory back pressure.
 *
 * @module
 */
import type { Cluster } from "../client/metadata.ts";
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { KafkaError } from "../errors.ts";
import type { RecordHeader } from "../protocol/record_batch.ts";
import { RECORD_BATCH_OVERHEAD, recordSizeUpperBound } from "../protocol/record_batch.ts";
import { decodeRecordBatches } from "../protocol/record_batch_decoder.ts";
import { BatchCompression } from "./batch_compression.ts";
import { APPENDED, APPENDED_INTO_GIVEN_BUFFER, BlockedAppends } from "./blocked_appends.ts";
import { ExponentialBackoff } from "../client/exponential_backoff.ts";
import { BufferPool } from "./buffer_pool.ts";
import { BuiltInPartitioner } from "./built_in_partitioner.ts";
import { BatchDrain, type DrainPolicy, type ReadyCheckResult } from "./batch_drain.ts";
import type { RecordSettler } from "./producer_batch.ts";
import { ProducerBatch } from "./producer_batch.ts";
import { type CallbackFailureReport, CallbackSettler, type RecordOutcome, rethrowLater } from "./send_callback.ts";
import type { PartitionState } from "./partition_state.ts";
import { PartitionRegistry } from "./partition_state.ts";
import type { ProducerMetrics } from "./producer_metrics.ts";
import type { ResolvedProducerConfig } from "./producer_config.ts";
import type { SendProfile } from "./send_profile.ts";

// The Sender imports these from the accumulator, whose ready() and drain() return and take them.
export type { DrainPolicy, ReadyCheckResult } from "./batch_drain.ts";

/** The accumulator's settings, named as the producer's configuration. */
export type AccumulatorConfig = Pick<
  ResolvedProducerConfig,
  | "batchSize"
  | "lingerMs"
  | "bufferMemory"
  | "maxBlockMs"
  | "deliveryTimeoutMs"
  | "retryBackoffMs"
  | "retryBackoffMaxMs"
  | "partitionerAdaptivePartitioningEnable"
  | "partitionerAvailabilityTimeoutMs"
>;

/** What a {@link RecordAccumulator} works with besides its settings; each has a default. */
export interface AccumulatorParts {
  /** Whose timers end the waits for memory (default: the real clock). */
  clock?: Clock;
  /** The codec batches are compressed with (default: none). */
  compression?: BatchCompression;
  /** Where waits for buffer memory are counted. */
  metrics?: ProducerMetrics;
  /** Source for the sticky partitioner's choices (default: Math.random). */
  random?: () => number;
  /** Called when a batch fills up or a new one is created, so the Sender wakes. */
  onBatchReady?: () => void;
  /** Where the exception of a send's callback goes (default: thrown on a microtask). */
  reportCallbackFailure?: CallbackFailureReport;
}

/** One record to append: the partition is -1 for the built-in sticky partitioner to choose. */
export interface AppendRequest {
  topic: string;
  partition: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: readonly RecordHeader[];
  /**
   * How the send settles. A bare callback that must wait for memory is replaced here by
   * the settler it waits as (see {@link RecordAccumulator.settlerFor}), so the caller
   * learns what to follow.
   */
  settler: RecordOutcome;
  /** Per-send settings (acks, compression, timeout), when the record has its own: it shares batches only with records of the same. */
  profile?: SendProfile;
  /** Throws if the record may no longer be appended when its turn comes after a wait for memory (its transaction ended). */
  admit?: () => void;
}

// The smallest buffer a batch gets while memory is short (see RecordAccumulator.#bufferSizeFor).
const MIN_SIZED_BUFFER = 1024;

/** Whether `a` was stamped under an older epoch, or earlier in the same epoch, than `b`. */
function isStampedBefore(a: ProducerBatch, b: ProducerBatch): boolean {
  if (b.baseSequence < 0) return true;
  if (a.producerId !== b.producerId) return false;
  return a.producerEpoch < b.producerEpoch || (a.producerEpoch === b.producerEpoch && a.baseSequence < b.baseSequence);
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
  // The codec batches are compressed with when they close, and read back with to split.
  readonly #compression: BatchCompression;
  readonly #pool: BufferPool;
  readonly #retryBackoff: ExponentialBackoff;
  /** Every partition's state, its queue of batches among it. */
  readonly partitions: PartitionRegistry = new PartitionRegistry();
  // The sticky partitioner of each topic that had records without a partition.
  readonly #partitioners = new Map<string, BuiltInPartitioner>();
  /** Batches not yet settled, for flush and close. */
  readonly #incomplete = new Set<ProducerBatch>();
  // Appends waiting for memory, or behind one that does.
  readonly #blocked: BlockedAppends;
  // Which batches go when, and taking them: the Sender's side, per poll.
  readonly #drain: BatchDrain;
  readonly #onBatchReady: () => void;
  readonly #random: () => number;
  readonly #report: CallbackFailureReport;

  /**
   * @param config Batching settings.
   * @param parts The clock whose timers end the waits for memory (default: the real one), the
   *   compression (default: none), the metrics, and a source for the sticky partitioner's
   *   choices (default: Math.random), replaceable in tests.
   */
  constructor(config: AccumulatorConfig, parts: AccumulatorParts = {}) {
    const { random = Math.random, clock = systemClock } = parts;
    this.#config = config;
    this.#compression = parts.compression ?? new BatchCompression("none");
    this.#onBatchReady = parts.onBatchReady ?? (() => {});
    this.#report = parts.reportCallbackFailure ?? rethrowLater;
    this.#pool = new BufferPool(config.bufferMemory, config.batchSize, clock);
    this.#blocked = new BlockedAppends({
      pool: this.#pool,
      clock,
      maxBlockMs: config.maxBlockMs,
      metrics: parts.metrics,
      appendNow: (record, cluster, now, buffer) => this.#appendNow(record, cluster, now, buffer),
    });
    this.#retryBackoff = new ExponentialBackoff(config.retryBackoffMs, config.retryBackoffMaxMs);
    this.#random = random;
    this.#drain = new BatchDrain(config, {
      partitions: this.partitions,
      partitioners: this.#partitioners,
      pool: this.#pool,
      compression: this.#compression,
    });
  }

  /** See {@link BatchDrain.updateNodeLatencyStats}. */
  updateNodeLatencyStats(nodeId: number, now: number, canDrain: boolean): void {
    this.#drain.updateNodeLatencyStats(nodeId, now, canDrain);
  }

  /** The buffer pool, for its gauges. */
  get pool(): BufferPool {
    return this.#pool;
  }

  /** How many appends wait for buffer memory (`waiting-threads`), in the pool or behind one that is. */
  get blockedAppends(): number {
    return this.#blocked.count;
  }

  /**
   * Appends a record to its partition's last batch, or to a new one. Returns undefined
   * when the record is in a batch (its partition then in `record.partition`), or a promise
   * that resolves with the partition once it is (when memory was short, or earlier appends
   * still wait for memory), and rejects with TimeoutError at `deadline` (default:
   * `maxBlockMs` from `nowMs`) if it is not. The record's own outcome comes through its
   * settler. `record` is not kept: the caller may reuse it.
   */
  append(
    record: AppendRequest,
    cluster: () => Cluster,
    now: () => number,
    nowMs: number = now(),
    deadline: number = nowMs + this.#config.maxBlockMs,
  ): Promise<number> | undefined {
    const sticky = record.partition < 0;
    // Behind appends that wait, a record waits its turn (needing nothing yet: 0).
    let needed = 0;
    if (this.#blocked.isEmpty) {
      needed = this.#appendNow(record, cluster(), nowMs, undefined);
      if (needed === APPENDED) return undefined;
    }
    record.settler = this.settlerFor(record.settler);
    return this.#blocked.add(record, cluster, now, nowMs, deadline, sticky, needed);
  }

  /**
   * The settler a send waits as: a bare callback (see send_callback.ts's RecordOutcome)
   * becomes a {@link CallbackSettler}, which flush and close can follow; a settler stays.
   */
  settlerFor(outcome: RecordOutcome): RecordSettler {
    return typeof outcome === "function" ? new CallbackSettler(outcome, this.#report) : outcome;
  }

  /**
   * Appends without waiting (blocked_appends.ts's AppendNow): into the partition's last batch, else into a new batch
   * over `buffer` (when given) or over a buffer the pool can give at once. Returns
   * APPENDED, APPENDED_INTO_GIVEN_BUFFER, or the buffer size still needed.
   */
  #appendNow(record: AppendRequest, cluster: Cluster, now: number, buffer: Uint8Array | undefined): number {
    const partitioner = record.partition < 0 ? this.#partitioner(record.topic) : undefined;
    let sticky = partitioner?.peekCurrentPartitionInfo(cluster);
    let state = this.partitions.get(record.topic, sticky === undefined ? record.partition : sticky.partition());
    let deque = state.queue;
    // A switch the sticky partitioner deferred until the batch filled may be due now.
    while (sticky !== undefined && partitioner!.partitionChanged(sticky, this.#allFull(deque), cluster)) {
      sticky = partitioner!.peekCurrentPartitionInfo(cluster);
      state = this.partitions.get(record.topic, sticky.partition());
      deque = state.queue;
    }

    // The caller learns the partition the sticky partitioner chose (a transaction must add it).
    record.partition = state.partition;
    const last = deque.length > 0 ? deque[deque.length - 1] : undefined;
    const sizeBefore = last?.sizeInBytes ?? 0;
    if (
      last !== undefined && last.profile === record.profile &&
      last.tryAppend(record.timestamp, record.key, record.value, record.headers, record.settler)
    ) {
      if (sticky !== undefined) partitioner!.updatePartitionInfo(sticky, last.sizeInBytes - sizeBefore, cluster, this.#allFull(deque));
      if (last.isFull()) this.#onBatchReady();
      return APPENDED;
    }

    const needed = Math.max(
      this.#bufferSizeFor(state),
      RECORD_BATCH_OVERHEAD + recordSizeUpperBound(record.key, record.value, record.headers),
    );
    const given = buffer !== undefined && buffer.length >= needed;
    const fresh = given ? buffer : this.#pool.tryAllocate(needed);
    if (fresh === undefined) return needed;
    const batch = new ProducerBatch(state, fresh, needed, now, record.profile, this.#report);
    batch.tryAppend(record.timestamp, record.key, record.value, record.headers, record.settler);
    deque.push(batch);
    this.#incomplete.add(batch);
    if (sticky !== undefined) partitioner!.updatePartitionInfo(sticky, batch.sizeInBytes, cluster, this.#allFull(deque));
    this.#onBatchReady();
    return given ? APPENDED_INTO_GIVEN_BUFFER : APPENDED;
  }

  /**
   * The buffer a new batch of this partition gets: `batchSize` (as in Java), unless less than
   * half of `bufferMemory` is free: then twice what the partition's last batch held, at
   * least 1 KiB. With many partitions each taking a few records per linger (a thousand
   * keyed partitions and a 64 KiB batchSize), full-size buffers would spend the memory on
   * empty space, and then every freed buffer would carry one record: sized to the need,
   * the memory holds records again, and a partition whose batches fill grows back to
   * `batchSize` by doubling.
   */
  #bufferSizeFor(state: PartitionState): number {
    // A batchSize above bufferMemory would make every allocation impossible; the budget wins.
    const full = Math.min(this.#config.batchSize, this.#config.bufferMemory);
    if (state.lastBatchBytes < 0 || this.#pool.availableMemory * 2 >= this.#config.bufferMemory) return full;
    return Math.min(full, Math.max(MIN_SIZED_BUFFER, 2 * state.lastBatchBytes));
  }

  /** Java's `allBatchesFull`: the sticky partition may switch only at a batch boundary. */
  #allFull(deque: ProducerBatch[]): boolean {
    return deque.length === 0 || deque[deque.length - 1].isFull();
  }

  #partitioner(topic: string): BuiltInPartitioner {
    let partitioner = this.#partitioners.get(topic);
    if (partitioner === undefined) {
      partitioner = new BuiltInPartitioner(topic, this.#config.batchSize, this.#random);
      this.#partitioners.set(topic, partitioner);
    }
    return partitioner;
  }

  /** Which leaders have a sendable batch (see {@link BatchDrain.ready}). */
  ready(cluster: Cluster, now: number): ReadyCheckResult {
    return this.#drain.ready(cluster, now);
  }

  /** Takes the sendable batches of `nodes`, closed, up to `maxRequestSize` per node (see {@link BatchDrain.drain}). */
  drain(
    cluster: Cluster,
    nodes: Iterable<number>,
    maxRequestSize: number,
    now: number,
    policy?: DrainPolicy,
  ): Map<number, ProducerBatch[]> {
    return this.#drain.drain(cluster, nodes, maxRequestSize, now, policy);
  }

  /** Removes and returns queued batches older than the delivery timeout. */
  expiredBatches(now: number): ProducerBatch[] {
    const expired: ProducerBatch[] = [];
    for (const partitions of this.partitions.topics.values()) {
      for (const { queue } of partitions.values()) {
        while (queue.length > 0 && queue[0].hasReachedDeliveryTimeout(this.#config.deliveryTimeoutMs, now)) {
          expired.push(queue.shift()!);
        }
      }
    }
    return expired;
  }

  /** When the oldest queued batch reaches the delivery timeout (Infinity when none is queued). */
  nextExpiryMs(): number {
    let oldest = Infinity;
    for (const partitions of this.partitions.topics.values()) {
      for (const { queue } of partitions.values()) if (queue.length > 0) oldest = Math.min(oldest, queue[0].createdMs);
    }
    return oldest + this.#config.deliveryTimeoutMs;
  }

  /** Puts a batch that will be retried back at the head of its partition's queue. */
  reenqueue(batch: ProducerBatch, now: number): void {
    batch.lastAttemptMs = now;
    batch.retryBackoffMs = this.#retryBackoff.backoff(Math.max(0, batch.attempts - 1));
    this.#insertInSequenceOrder(batch.state.queue, [batch]);
  }

  /** Ahead of new batches, behind retried ones stamped earlier: sequences must go out in order. */
  #insertInSequenceOrder(deque: ProducerBatch[], batches: ProducerBatch[]): void {
    let at = 0;
    while (at < deque.length && deque[at].baseSequence >= 0 && isStampedBefore(deque[at], batches[0])) at++;
    deque.splice(at, 0, ...batches);
  }

  /**
   * Splits a batch the broker found too large into pieces of at most half its size (and at
   * most `batchSize`), so every split makes progress down to one record per piece, and puts
   * them back in order where the batch was; each record keeps its `send()` promise.
   * `assignSequences` gives the pieces the batch's sequences (idempotence) before they are
   * queued.
   */
  splitAndReenqueue(
    batch: ProducerBatch,
    now: number,
    assignSequences?: (original: ProducerBatch, pieces: readonly ProducerBatch[]) => void,
  ): number {
    // A batch of a send profile was compressed with that profile's codec.
    const own = this.#compression.decompress;
    const codec = batch.profile?.compression;
    const decoded = decodeRecordBatches(
      batch.bytes!,
      codec ? (id, data) => id === codec.id ? codec.decompress(data) : own(id, data) : own,
    );
    const settlers = batch.takeSettlersForSplit();
    const target = Math.min(this.#config.batchSize, Math.floor(batch.uncompressedSizeInBytes / 2));
    const parts: ProducerBatch[] = [];
    let index = 0;
    for (const decodedBatch of decoded) {
      for (const record of decodedBatch.records) {
        const settler = settlers[index++];
        let last = parts[parts.length - 1];
        // A piece a single record filled past the target keeps that record alone.
        if (
          last === undefined || last.sizeInBytes >= target ||
          !last.tryAppend(record.timestamp, record.key, record.value, record.headers, settler)
        ) {
          const size = Math.max(target, RECORD_BATCH_OVERHEAD + recordSizeUpperBound(record.key, record.value, record.headers));
          last = new ProducerBatch(batch.state, new Uint8Array(size), size, batch.createdMs, batch.profile, this.#report);
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
    for (const part of parts) part.closeForAppends();
    assignSequences?.(batch, parts);
    this.#insertInSequenceOrder(batch.state.queue, parts);
    // Only now: the decoded records were views of this batch's buffer.
    this.deallocate(batch);
    return parts.length;
  }

  /** Forgets a settled batch and returns its buffer to the pool. */
  deallocate(batch: ProducerBatch): void {
    this.#incomplete.delete(batch);
    if (batch.pooled) this.#pool.deallocate(batch.buffer, batch.reusableBuffer);
  }

  /** Whether any batch waits in a queue. */
  hasUndrained(): boolean {
    for (const partitions of this.partitions.topics.values()) {
      for (const { queue } of partitions.values()) if (queue.length > 0) return true;
    }
    return false;
  }

  /** Whether any batch is not settled yet. */
  hasIncomplete(): boolean {
    return this.#incomplete.size > 0;
  }

  /** Makes every batch sendable now, until the matching {@link endFlush}. */
  beginFlush(): void {
    this.#drain.beginFlush();
  }

  /** Ends a flush started with {@link beginFlush}. */
  endFlush(): void {
    this.#drain.endFlush();
  }

  /** The unsettled batches created at or before `time` (a snapshot, for flush to wait on). */
  incompleteBatches(time = Infinity): ProducerBatch[] {
    return [...this.#incomplete].filter((batch) => batch.createdMs <= time);
  }

  /** From now on every batch is sendable at once, and waiting appends fail. */
  close(error: Error): void {
    this.#drain.close();
    this.#blocked.close();
    this.#pool.close(error);
  }

  /**
   * Fails the queued batches that were never sent, as when a transaction aborts. A batch
   * queued for a retry, or holding sequences (a piece of a split), stays: the broker may
   * have written it, and its sequences must not be left as a gap (as Java's
   * `abortUndrainedBatches`). Returns how many batches failed.
   */
  abortUndrainedBatches(error: KafkaError | Error): number {
    let aborted = 0;
    for (const partitions of this.partitions.topics.values()) {
      for (const { queue } of partitions.values()) {
        let kept = 0;
        for (const batch of queue) {
          if (batch.attempts > 0 || batch.baseSequence >= 0) {
            queue[kept++] = batch;
            continue;
          }
          batch.fail(error, "aborted");
          this.deallocate(batch);
          aborted++;
        }
        queue.length = kept;
      }
    }
    return aborted;
  }

  /** Fails every batch not settled yet, queued or in flight, as on a forced close. */
  abortIncompleteBatches(error: KafkaError | Error): void {
    for (const partitions of this.partitions.topics.values()) {
      for (const { queue } of partitions.values()) queue.length = 0;
    }
    for (const batch of [...this.#incomplete]) {
      batch.fail(error, "aborted");
      // A batch sent and not answered may still be in a request queued for the socket, by reference.
      if (batch.attempts > 0) batch.reusableBuffer = false;
      this.deallocate(batch);
    }
  }
}
