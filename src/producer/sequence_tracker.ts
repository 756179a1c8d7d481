/**
 * Sequence numbers for the idempotent producer, as the Java client's `TransactionManager`
 * keeps them: the producer id and epoch, a sequence number per partition stamped on each
 * batch at drain time, and the epoch bump (KIP-360) that restarts the sequences of the
 * partitions where the broker and the producer no longer agree on them. Each partition's
 * numbers live in its {@link PartitionState}, which every batch points to.
 *
 * @module
 */
import { ErrorCode } from "../protocol/error_codes.ts";
import { setProducerState } from "../protocol/record_batch.ts";
import type { ProducerBatch } from "./producer_batch.ts";
import type { PartitionState } from "./partition_state.ts";

/** A producer id with its epoch; -1n / -1 until the broker gave one. */
export interface ProducerIdAndEpoch {
  producerId: bigint;
  epoch: number;
}

const NO_PRODUCER_ID: ProducerIdAndEpoch = { producerId: -1n, epoch: -1 };
const MAX_EPOCH = 32_767;
const MAX_SEQUENCE = 2_147_483_647;
/**
 * How many of a producer's latest batches a broker remembers per partition, to answer a retry
 * of one of them with DUPLICATE_SEQUENCE_NUMBER (ProducerStateEntry.NUM_BATCHES_TO_RETAIN).
 */
const BROKER_DUPLICATE_WINDOW = 5;

/** The sequence `count` records after `sequence`, wrapping as the broker does. */
function sequenceAfter(sequence: number, count: number): number {
  return (sequence + count) % (MAX_SEQUENCE + 1);
}

/**
 * Whether `sequence` comes after `than` (-1 for none) in the broker's wrapping order: a batch
 * acknowledged past 2^31 - 1 ends at a small sequence that is still the newer one.
 */
function isAfter(sequence: number, than: number): boolean {
  if (than < 0) return true;
  const distance = (sequence - than + MAX_SEQUENCE + 1) % (MAX_SEQUENCE + 1);
  return distance > 0 && distance < (MAX_SEQUENCE + 1) / 2;
}

/**
 * Keeps an idempotent producer's sequence numbers consistent with the broker's.
 *
 * @example
 * ```ts
 * import { SequenceTracker } from "./sequence_tracker.ts";
 * const manager = new SequenceTracker();
 * manager.setProducerIdAndEpoch({ producerId: 4000n, epoch: 0 });
 * console.log(manager.hasProducerId()); // true
 * ```
 */
export class SequenceTracker {
  #producerIdAndEpoch: ProducerIdAndEpoch = NO_PRODUCER_ID;
  #epochBumpRequired = false;
  // Partitions whose sequences the next epoch bump restarts (Java's partitionsToRewriteSequences).
  readonly #toRewrite: PartitionState[] = [];

  /** The current producer id and epoch. */
  get producerIdAndEpoch(): ProducerIdAndEpoch {
    return this.#producerIdAndEpoch;
  }

  /** Whether the broker has given a producer id. */
  hasProducerId(): boolean {
    return this.#producerIdAndEpoch.producerId >= 0n;
  }

  /**
   * Takes the id and epoch from an InitProducerId or EndTxn response. Partitions asked to
   * restart do so now; every other one starts at 0 with its next new batch, once its
   * batches of the older epoch are settled.
   */
  setProducerIdAndEpoch(value: ProducerIdAndEpoch): void {
    this.#producerIdAndEpoch = value;
    this.#epochBumpRequired = false;
    this.#rewriteRequested();
  }

  /** Whether an epoch bump was asked for and is due. */
  get epochBumpRequired(): boolean {
    return this.#epochBumpRequired;
  }

  /**
   * Asks for a new epoch before more new batches are stamped, because sequences went out
   * of step; on `partition` (when given) the bump restarts the sequences, those of its
   * batches in flight included.
   */
  requestEpochBump(partition?: PartitionState): void {
    this.#epochBumpRequired = true;
    if (partition !== undefined && !partition.rewriteOnBump) {
      partition.rewriteOnBump = true;
      this.#toRewrite.push(partition);
    }
  }

  /**
   * Bumps the epoch locally (an idempotent producer may), restarting the sequences of the
   * partitions that asked for it; when the epoch is exhausted, forgets the id so a new one
   * is fetched (those partitions restart under it).
   */
  bumpEpoch(): void {
    const { producerId, epoch } = this.#producerIdAndEpoch;
    this.#epochBumpRequired = false;
    if (epoch >= MAX_EPOCH) {
      this.#producerIdAndEpoch = NO_PRODUCER_ID;
      return;
    }
    this.#producerIdAndEpoch = { producerId, epoch: epoch + 1 };
    this.#rewriteRequested();
  }

  #rewriteRequested(): void {
    const { producerId, epoch } = this.#producerIdAndEpoch;
    for (const partition of this.#toRewrite) this.#startOver(partition, producerId, epoch);
    this.#toRewrite.length = 0;
  }

  /**
   * Java's `startSequencesAtBeginning`: the partition counts from 0 under the given id and
   * epoch, and its batches in flight are renumbered from 0 in their order (their bytes are
   * stamped again when they are next sent).
   */
  #startOver(partition: PartitionState, producerId: bigint, epoch: number): void {
    let sequence = 0;
    for (const batch of partition.inFlight) {
      batch.producerId = producerId;
      batch.producerEpoch = epoch;
      batch.baseSequence = sequence;
      batch.stampPending = true;
      sequence = sequenceAfter(sequence, batch.recordCount);
    }
    partition.producerId = producerId;
    partition.producerEpoch = epoch;
    partition.nextSequence = sequence;
    partition.lastAckedSequence = -1;
    partition.rewriteOnBump = false;
  }

  /**
   * Whether the queue's first batch may be sent now (Java's `shouldStopDrainBatchesForPartition`):
   * - a batch that holds a sequence (a retry, or a piece of a split) only when it is the
   *   lowest in flight on its partition, so retries go out in sequence order; it keeps its
   *   sequence and epoch, since the broker may have written it already;
   * - a new batch only when no epoch bump is due, no batch of an older epoch is in flight
   *   there (sequence 0 of the new epoch must not overtake them), the oldest batch not
   *   settled there is among the last four stamped, and, while the partition has no
   *   acknowledged sequence, nothing else is in flight there.
   */
  canDrain(batch: ProducerBatch): boolean {
    if (!this.hasProducerId()) return false;
    const partition = batch.state;
    if (batch.baseSequence >= 0) return partition.inFlight[0] === batch;
    if (this.#epochBumpRequired) return false;
    const { producerId, epoch } = this.#producerIdAndEpoch;
    if (partition.hasStaleInFlight(producerId, epoch)) return false;
    // A batch whose answer was lost must come back while the broker still remembers it: with
    // five newer batches written (settled or not), it would be out of the window, refused as
    // out of order, and nothing would tell a written batch from a lost one.
    const oldest = partition.inFlight[0];
    if (oldest !== undefined && partition.stampedBatches - oldest.stampOrdinal >= BROKER_DUPLICATE_WINDOW) return false;
    // A broker takes any first sequence from a producer it does not know on a partition. If a
    // second batch went out before the first was acknowledged and the first then failed and
    // was retried, the second would be written first: until a sequence is acknowledged here,
    // one batch at a time.
    return partition.lastAckedSequence >= 0 || partition.inFlight.length === 0;
  }

  /**
   * Stamps a batch about to be sent with the producer id, epoch and its partition's next
   * sequence. A batch that holds a sequence keeps it (only its bytes are brought up to
   * date); a partition of an older epoch starts over at 0 with its first new batch.
   */
  stamp(batch: ProducerBatch, isTransactional: boolean): void {
    if (batch.baseSequence >= 0) {
      if (batch.stampPending) setProducerState(batch.bytes!, batch.producerId, batch.producerEpoch, batch.baseSequence, isTransactional);
      batch.stampPending = false;
      return;
    }
    const partition = batch.state;
    const { producerId, epoch } = this.#producerIdAndEpoch;
    if (partition.producerId !== producerId || partition.producerEpoch !== epoch) this.#startOver(partition, producerId, epoch);
    batch.producerId = producerId;
    batch.producerEpoch = epoch;
    batch.baseSequence = partition.nextSequence;
    batch.stampOrdinal = partition.stampedBatches++;
    setProducerState(batch.bytes!, producerId, epoch, partition.nextSequence, isTransactional);
    partition.nextSequence = sequenceAfter(partition.nextSequence, batch.recordCount);
    partition.inFlight.push(batch);
  }

  /**
   * Gives the pieces of a batch split after MESSAGE_TOO_LARGE the original's sequences, in
   * order, in its place among the partition's batches in flight (Java's `ProducerBatch.split`):
   * no gap opens, and the batches behind keep theirs.
   */
  handleSplit(original: ProducerBatch, pieces: readonly ProducerBatch[]): void {
    const inFlight = original.state.inFlight;
    const at = inFlight.indexOf(original);
    if (at < 0) return;
    let sequence = original.baseSequence;
    for (const piece of pieces) {
      piece.producerId = original.producerId;
      piece.producerEpoch = original.producerEpoch;
      piece.baseSequence = sequence;
      piece.stampOrdinal = original.stampOrdinal;
      piece.stampPending = true;
      sequence = sequenceAfter(sequence, piece.recordCount);
    }
    inFlight.splice(at, 1, ...pieces);
  }

  /** The broker wrote the batch: its sequences are acknowledged. */
  handleCompleted(batch: ProducerBatch): void {
    const partition = batch.state;
    if (!this.#remove(partition, batch)) return;
    const last = sequenceAfter(batch.baseSequence, batch.recordCount - 1);
    if (isAfter(last, partition.lastAckedSequence)) partition.lastAckedSequence = last;
    this.#checkForGap(partition);
  }

  /**
   * The batch failed for good (an error that is not retried, or expiry). Its sequences
   * may or may not be on the broker; once the partition has nothing in flight, a gap
   * between the acknowledged and the next sequence calls for an epoch bump.
   */
  handleFailed(batch: ProducerBatch): void {
    if (this.#remove(batch.state, batch)) this.#checkForGap(batch.state);
  }

  /**
   * Whether a produce error is worth retrying as far as sequences go, asking for an epoch
   * bump of the partition where the broker lost track (after Java's `canRetry`). Returns
   * undefined for other errors.
   * - UNKNOWN_PRODUCER_ID: the idempotent producer retries under a bumped epoch; a
   *   transaction cannot (its batches fail and the abort bumps the epoch), unless the batch
   *   was already renumbered by a bump.
   * - OUT_OF_ORDER_SEQUENCE_NUMBER: a batch behind the lowest one in flight waits for that
   *   one to be written. The lowest one itself means nothing before it can still fill the
   *   gap (a real gap, or a broker that took a later batch as a producer's first): the
   *   idempotent producer retries it under a bumped epoch, a transaction fails it.
   */
  retryForSequenceError(batch: ProducerBatch, errorCode: number, isTransactional = false): boolean | undefined {
    const partition = batch.state;
    const tracked = partition.inFlight.includes(batch);
    if (errorCode === ErrorCode.UNKNOWN_PRODUCER_ID) {
      if (!tracked || batch.stampPending) return true;
      this.requestEpochBump(partition);
      return !isTransactional;
    }
    if (errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) {
      if (!tracked || batch.stampPending || partition.inFlight[0] !== batch) return true;
      this.requestEpochBump(partition);
      return !isTransactional;
    }
    return undefined;
  }

  /** The partition's sequence state in words, for error messages about a stuck batch. */
  describe(batch: ProducerBatch): string {
    const partition = batch.state;
    const { producerId, epoch } = this.#producerIdAndEpoch;
    const stale = partition.hasStaleInFlight(producerId, epoch) ? `, in flight under epoch ${partition.producerEpoch}` : "";
    return `producer ${producerId} epoch ${epoch}, batch sequence ${batch.baseSequence}, next ${partition.nextSequence}, ` +
      `acked ${partition.lastAckedSequence}, in flight [${partition.inFlight.map((b) => b.baseSequence).join(",")}]` +
      `${stale}${this.#epochBumpRequired ? ", epoch bump due" : ""}`;
  }

  #remove(partition: PartitionState, batch: ProducerBatch): boolean {
    const index = partition.inFlight.indexOf(batch);
    if (index < 0) return false;
    partition.inFlight.splice(index, 1);
    return true;
  }

  /** A partition of the current epoch whose batches are all settled, with a sequence never acknowledged, has a gap. */
  #checkForGap(partition: PartitionState): void {
    const { producerId, epoch } = this.#producerIdAndEpoch;
    if (partition.producerId !== producerId || partition.producerEpoch !== epoch) return;
    if (
      partition.inFlight.length === 0 && sequenceAfter(partition.lastAckedSequence, 1) !== partition.nextSequence &&
      partition.nextSequence !== 0
    ) {
      this.requestEpochBump(partition);
    }
  }
}
