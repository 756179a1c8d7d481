/**
 * One batch of records for one partition, as the Java client's `ProducerBatch`: the
 * records encoded into a pooled buffer, the promise settlers of their `send()` calls,
 * and the batch's life (attempts, backoff, completion).
 *
 * @module
 */
import type { KafkaError } from "../errors.ts";
import type { RecordHeader } from "../protocol/record_batch.ts";
import { RECORD_BATCH_OVERHEAD, RecordBatchBuilder } from "../protocol/record_batch.ts";
import type { CompressionCodec } from "../compression/mod.ts";
import type { RecordMetadata } from "./producer_record.ts";
import type { PartitionState } from "./partition_state.ts";
import type { DetailedRecordMetadata, SendProfile } from "./send_profile.ts";
import { type CallbackFailureReport, type RecordOutcome, rethrowLater, settleOutcome } from "./send_callback.ts";

/**
 * Resolves or rejects one `send()`; the batch names the node it was last sent to (-1 before
 * its first send), for an observer of the send (see send_observer.ts).
 */
export interface RecordSettler {
  resolve(metadata: RecordMetadata, nodeId?: number): void;
  reject(error: Error, nodeId?: number): void;
}

// A partition whose batches held more records than this grows past it as an array does.
const MAX_PRESIZED_RECORDS = 4096;

/** How a batch ended. */
export type FinalState = "succeeded" | "failed" | "aborted";

/**
 * Records for one partition that travel in one produce request.
 *
 * @example
 * ```ts
 * import { ProducerBatch } from "./producer_batch.ts";
 * import { PartitionState } from "./partition_state.ts";
 * const batch = new ProducerBatch(new PartitionState("orders", 0), new Uint8Array(16384), 16384, Date.now());
 * ```
 */
export class ProducerBatch {
  /** The state of the batch's partition (its queue, sequences, transaction membership). */
  readonly state: PartitionState;
  readonly topic: string;
  readonly partition: number;
  readonly createdMs: number;
  /** The per-send settings of its records (acks, compression, timeout); undefined: the producer's own. */
  readonly profile: SendProfile | undefined;
  /** The pooled buffer the records are encoded into; returned to the pool when done. */
  readonly buffer: Uint8Array;
  /** How many times the batch was sent. */
  attempts = 0;
  /** When the batch was last sent or re-enqueued. */
  lastAttemptMs: number;
  /** Set when a retry is scheduled; the batch waits this long after `lastAttemptMs`. */
  retryBackoffMs = 0;
  /** The producer id, epoch and first sequence stamped on the batch (idempotence); -1 when none. */
  producerId = -1n;
  producerEpoch = -1;
  baseSequence = -1;
  /**
   * The stamp above is not in `bytes` yet: a piece of a split, or a batch an epoch bump
   * renumbered. An answer to an attempt made before says nothing about the new numbers
   * (Java's `sequenceHasBeenReset`).
   */
  stampPending = false;
  /** How many batches its partition had stamped before this one (a split's pieces share the original's). */
  stampOrdinal = -1;
  /** Whether `buffer` came from the pool (split batches use their own). */
  pooled = true;
  /**
   * False once the batch failed while its produce request may still be queued for the
   * socket (it expired in flight): the request writes `bytes` by reference, so the buffer
   * must not go to another batch; only its memory returns to the pool.
   */
  reusableBuffer = true;
  /** The batch's bytes once closed; they do not change across retries. */
  bytes: Uint8Array | undefined;
  finalState: FinalState | undefined;
  /** The largest record appended, in encoded bytes (for the `record-size-*` metrics). */
  maxRecordSize = 0;
  /** The node the batch was last sent to; -1 before the first send. */
  lastNodeId = -1;
  /** What the last failed attempt met (retried since), quoted if the batch expires. */
  lastError: KafkaError | undefined;
  /** Resolves when the batch is settled (succeeded, failed, or split into others). */
  readonly settled: Promise<void>;
  #markSettled!: () => void;
  // Set when a record did not fit: the batch counts as full from then on, as in Java.
  #appendsClosed = false;
  readonly #writeLimit: number;
  readonly #builder: RecordBatchBuilder;
  // Sized for as many records as the partition's last batch held: grown by push, an array
  // allocates and drops some eight ever larger copies of itself on the way to 600 records.
  readonly #settlers: RecordOutcome[];
  #recordCount = 0;
  readonly #report: CallbackFailureReport;
  // The records' timestamps as runs: [first record, timestamp, first record, timestamp, ...]. Records
  // sent in the same millisecond share one, so a batch holds a few runs rather than a number per record.
  readonly #timestampRuns: number[] = [];
  // The batch's size before compression, once closed.
  #uncompressedSize = 0;

  /**
   * @param state The partition's state.
   * @param buffer A buffer from the pool, at least `writeLimit` bytes long.
   * @param writeLimit The bytes the batch may fill (`batchSize`, or more for one large record).
   * @param now The creation time.
   * @param profile The per-send settings of its records, if they have their own.
   * @param report Where the exception of a record's bare callback goes (the producer's logger).
   */
  constructor(
    state: PartitionState,
    buffer: Uint8Array,
    writeLimit: number,
    now: number,
    profile?: SendProfile,
    report: CallbackFailureReport = rethrowLater,
  ) {
    this.state = state;
    this.profile = profile;
    this.topic = state.topic;
    this.partition = state.partition;
    this.buffer = buffer;
    this.createdMs = now;
    this.lastAttemptMs = now;
    this.#builder = new RecordBatchBuilder(buffer, writeLimit);
    this.#writeLimit = writeLimit;
    this.#report = report;
    this.#settlers = state.lastBatchRecords > 0 ? new Array(Math.min(state.lastBatchRecords, MAX_PRESIZED_RECORDS)) : [];
    this.settled = new Promise((resolve) => this.#markSettled = resolve);
  }

  /** "topic-partition", for messages. */
  get topicPartition(): string {
    return this.state.name;
  }

  /** Records in the batch. */
  get recordCount(): number {
    return this.#recordCount;
  }

  /** Bytes the batch holds (its final size once closed). */
  get sizeInBytes(): number {
    return this.bytes?.length ?? this.#builder.sizeInBytes;
  }

  /** The records' size before compression (the same as {@link sizeInBytes} until the batch is closed). */
  get uncompressedSizeInBytes(): number {
    return this.bytes === undefined ? this.#builder.sizeInBytes : this.#uncompressedSize;
  }

  /**
   * Whether the batch reached its write limit, or a record did not fit (Java's
   * `isFull`: a batch a few bytes short of the limit counts as full once an append fails).
   */
  isFull(): boolean {
    return this.bytes !== undefined || this.#appendsClosed || this.#builder.sizeInBytes >= this.#writeLimit;
  }

  /** Adds a record if it fits; returns false (and changes nothing) when it does not. */
  tryAppend(
    timestamp: number,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[],
    settler: RecordOutcome,
  ): boolean {
    if (this.bytes !== undefined || this.#appendsClosed) return false;
    const sizeBefore = this.#builder.sizeInBytes;
    if (this.#builder.tryAppend(timestamp, key, value, headers) < 0) {
      this.#appendsClosed = true;
      return false;
    }
    const recordSize = this.#builder.sizeInBytes - sizeBefore;
    if (recordSize > this.maxRecordSize) this.maxRecordSize = recordSize;
    const runs = this.#timestampRuns;
    if (runs.length === 0 || runs[runs.length - 1] !== timestamp) runs.push(this.#recordCount, timestamp);
    this.#settlers[this.#recordCount++] = settler;
    return true;
  }

  /** Takes no more records (a piece of a split: its records, and its sequences, are fixed). */
  closeForAppends(): void {
    this.#appendsClosed = true;
  }

  /**
   * Closes the batch for appends and encodes (and compresses) it. Idempotent. With
   * `stampedLater`, the CRC is left for the producer state's stamp (setProducerState),
   * which must follow before the batch is sent.
   */
  close(compression: CompressionCodec | null, stampedLater = false): Uint8Array {
    if (this.bytes === undefined) {
      this.#uncompressedSize = this.#builder.sizeInBytes;
      this.bytes = this.#builder.build({ compression, crc: !stampedLater });
    }
    return this.bytes;
  }

  /**
   * The records' compressed size over their uncompressed size, the batch header left
   * out (Java's `compressionRatio`); 1 until the batch is closed, and without compression.
   */
  get compressionRatio(): number {
    if (this.bytes === undefined || this.#uncompressedSize <= RECORD_BATCH_OVERHEAD) return 1;
    return (this.bytes.length - RECORD_BATCH_OVERHEAD) / (this.#uncompressedSize - RECORD_BATCH_OVERHEAD);
  }

  /** Whether the batch has existed longer than the delivery timeout. */
  hasReachedDeliveryTimeout(deliveryTimeoutMs: number, now: number): boolean {
    return now - this.createdMs >= deliveryTimeoutMs;
  }

  /** Whether the batch is waiting out a retry backoff. */
  isBackingOff(now: number): boolean {
    return this.attempts > 0 && now - this.lastAttemptMs < this.retryBackoffMs;
  }

  /**
   * Settles every record: offsets from `baseOffset` (-1 for acks=0), timestamps from
   * the broker's log-append time when it sent one (not -1), else each record's own; a
   * batch with a profile also gives the log-append time and log start offset as such.
   * Returns false when the batch was already settled (a late response after expiry).
   */
  complete(baseOffset: number, logAppendTimeMs: number, logStartOffset = -1): boolean {
    if (this.finalState !== undefined) return false;
    this.finalState = "succeeded";
    this.#markSettled();
    const detailed = this.profile !== undefined;
    const settlers = this.#settlers;
    const runs = this.#timestampRuns;
    let run = 0;
    let nextRunStart = runs.length > 2 ? runs[2] : Infinity;
    for (let i = 0; i < this.#recordCount; i++) {
      if (i === nextRunStart) {
        run += 2;
        nextRunStart = run + 2 < runs.length ? runs[run + 2] : Infinity;
      }
      const offset = baseOffset < 0 ? -1 : baseOffset + i;
      const timestamp = logAppendTimeMs >= 0 ? logAppendTimeMs : runs[run + 1];
      const metadata: RecordMetadata | DetailedRecordMetadata = detailed
        ? { topic: this.topic, partition: this.partition, offset, timestamp, logAppendTime: logAppendTimeMs, logStartOffset }
        : { topic: this.topic, partition: this.partition, offset, timestamp };
      settleOutcome(settlers[i], null, metadata, this.#report, this.lastNodeId);
    }
    this.#releaseSettlers();
    return true;
  }

  /**
   * Fails every record with the error, or with `recordErrors(index)` for each record when
   * given (the broker named the invalid records). Returns false when the batch was already settled.
   */
  fail(error: KafkaError | Error, state: FinalState = "failed", recordErrors?: (index: number) => Error): boolean {
    if (this.finalState !== undefined) return false;
    this.finalState = state;
    this.#markSettled();
    for (let i = 0; i < this.#recordCount; i++) {
      settleOutcome(this.#settlers[i], recordErrors?.(i) ?? error, null, this.#report, this.lastNodeId);
    }
    this.#releaseSettlers();
    return true;
  }

  /**
   * The records' settlers (or bare callbacks), for moving them into smaller batches when the broker
   * rejected this one as too large; the batch is then done without settling anyone.
   */
  takeSettlersForSplit(): RecordOutcome[] {
    this.finalState = "aborted";
    this.#markSettled();
    const settlers = this.#settlers.slice(0, this.#recordCount);
    this.#recordCount = 0;
    this.#releaseSettlers();
    return settlers;
  }

  /**
   * Drops the settled records' callbacks at once. A batch that lived through two young-generation
   * collections sits in the old generation, where the young collector counts every pointer it
   * holds as live: kept, they would carry each callback (and what it holds) into the old
   * generation too, long after the batch itself is garbage.
   */
  #releaseSettlers(): void {
    this.#settlers.length = 0;
  }
}
