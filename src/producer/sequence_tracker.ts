/**
 * Sequence numbers for the idempotent producer, as the Java client's `TransactionManager`
 * and `TxnPartitionMap` keep them: the producer id and
 * epoch, a sequence number per partition stamped on each batch at drain time, the
 * batches in flight per partition in sequence order, and the epoch bump (KIP-360) that
 * restarts sequences when the broker and the producer no longer agree on them.
 *
 * @module
 */
import { setProducerState } from "../protocol/record_batch.ts";
import type { ProducerBatch } from "./producer_batch.ts";

/** A producer id with its epoch; -1n / -1 until the broker gave one. */
export interface ProducerIdAndEpoch {
  producerId: bigint;
  epoch: number;
}

const NO_PRODUCER_ID: ProducerIdAndEpoch = { producerId: -1n, epoch: -1 };
const MAX_EPOCH = 32_767;
const MAX_SEQUENCE = 2_147_483_647;

/** Per-partition sequence state. */
interface PartitionState {
  /** The sequence the next new batch gets. */
  nextSequence: number;
  /** The last sequence the broker acknowledged under the current epoch, -1 for none. */
  lastAckedSequence: number;
  /** Batches holding sequences of the current epoch and not settled, lowest sequence first. */
  inFlight: ProducerBatch[];
  /** Batches stamped under an older producer id or epoch and not settled. */
  stale: Set<ProducerBatch>;
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
  readonly #partitions = new Map<string, PartitionState>();
  #epochBumpRequired = false;

  /** The current producer id and epoch. */
  get producerIdAndEpoch(): ProducerIdAndEpoch {
    return this.#producerIdAndEpoch;
  }

  /** Whether the broker has given a producer id. */
  hasProducerId(): boolean {
    return this.#producerIdAndEpoch.producerId >= 0n;
  }

  /** Takes the id and epoch from an InitProducerId response; every sequence starts again at 0. */
  setProducerIdAndEpoch(value: ProducerIdAndEpoch): void {
    this.#producerIdAndEpoch = value;
    this.#epochBumpRequired = false;
    this.#restartSequences();
  }

  /** Whether an epoch bump was asked for and is due. */
  get epochBumpRequired(): boolean {
    return this.#epochBumpRequired;
  }

  /** Asks for a new epoch before more batches are stamped, because sequences went out of step. */
  requestEpochBump(): void {
    this.#epochBumpRequired = true;
  }

  /**
   * Bumps the epoch locally (an idempotent producer may), restarting every partition's
   * sequences; when the epoch is exhausted, forgets the id so a new one is fetched.
   */
  bumpEpoch(): void {
    const { producerId, epoch } = this.#producerIdAndEpoch;
    this.#producerIdAndEpoch = epoch >= MAX_EPOCH ? NO_PRODUCER_ID : { producerId, epoch: epoch + 1 };
    this.#epochBumpRequired = false;
    this.#restartSequences();
  }

  #restartSequences(): void {
    for (const state of this.#partitions.values()) {
      for (const batch of state.inFlight) state.stale.add(batch);
      state.inFlight = [];
      state.nextSequence = 0;
      state.lastAckedSequence = -1;
    }
  }

  #state(batch: ProducerBatch): PartitionState {
    const key = batch.topicPartition;
    let state = this.#partitions.get(key);
    if (state === undefined) {
      state = { nextSequence: 0, lastAckedSequence: -1, inFlight: [], stale: new Set() };
      this.#partitions.set(key, state);
    }
    return state;
  }

  /**
   * Whether the queue's first batch may be sent now:
   * - a batch with a current sequence only when it is the lowest still in flight, so
   *   retries go out in sequence order;
   * - a new batch only when no stale batch of an older epoch is still in flight there
   *   (sequence 0 of the new epoch must not overtake them) and no gap is unresolved, and
   *   only once the partition has an acknowledged sequence if another batch is in flight.
   */
  canDrain(batch: ProducerBatch, awaitingResponse: (batch: ProducerBatch) => boolean): boolean {
    if (!this.hasProducerId() || this.#epochBumpRequired) return false;
    const state = this.#state(batch);
    if (this.#isCurrent(batch)) return state.inFlight[0] === batch;
    for (const stale of state.stale) if (stale !== batch && awaitingResponse(stale)) return false;
    // A broker takes any first sequence from a producer it does not know on a partition. If a
    // second batch went out before the first was acknowledged and the first then failed and
    // was retried, the second would be written first: until a sequence is acknowledged here,
    // one batch at a time.
    return state.lastAckedSequence >= 0 || state.inFlight.length === 0;
  }

  /**
   * Stamps a batch about to be sent with the producer id, epoch and its partition's next
   * sequence (a retried batch keeps the sequence it has under the current epoch).
   */
  stamp(batch: ProducerBatch, isTransactional: boolean): void {
    if (this.#isCurrent(batch)) return;
    const state = this.#state(batch);
    state.stale.delete(batch);
    const { producerId, epoch } = this.#producerIdAndEpoch;
    batch.producerId = producerId;
    batch.producerEpoch = epoch;
    batch.baseSequence = state.nextSequence;
    setProducerState(batch.bytes!, producerId, epoch, state.nextSequence, isTransactional);
    state.nextSequence = (state.nextSequence + batch.recordCount) % (MAX_SEQUENCE + 1);
    state.inFlight.push(batch);
  }

  #isCurrent(batch: ProducerBatch): boolean {
    return batch.baseSequence >= 0 && batch.producerId === this.#producerIdAndEpoch.producerId &&
      batch.producerEpoch === this.#producerIdAndEpoch.epoch;
  }

  /** The broker wrote the batch: its sequences are acknowledged. */
  handleCompleted(batch: ProducerBatch): void {
    const state = this.#state(batch);
    if (!this.#isCurrent(batch)) {
      state.stale.delete(batch);
      return;
    }
    this.#remove(state, batch);
    const last = batch.baseSequence + batch.recordCount - 1;
    if (last > state.lastAckedSequence) state.lastAckedSequence = last;
    this.#checkForGap(state);
  }

  /**
   * The batch failed for good (an error that is not retried, or expiry). Its sequences
   * may or may not be on the broker; once the partition has nothing in flight, a gap
   * between the acknowledged and the next sequence calls for an epoch bump.
   */
  handleFailed(batch: ProducerBatch): void {
    const state = this.#state(batch);
    state.stale.delete(batch);
    if (!this.#isCurrent(batch)) return;
    this.#remove(state, batch);
    this.#checkForGap(state);
  }

  /**
   * Whether a produce error is worth retrying as far as sequences go, asking for an epoch
   * bump where the broker lost track (after Java's `canRetry` for the idempotent producer):
   * UNKNOWN_PRODUCER_ID always; OUT_OF_ORDER_SEQUENCE_NUMBER when the batch is the lowest
   * sequence not yet acknowledged, so waiting cannot close the gap. Returns undefined for
   * other errors.
   */
  retryForSequenceError(batch: ProducerBatch, errorCode: number): boolean | undefined {
    const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
    const UNKNOWN_PRODUCER_ID = 59;
    if (errorCode === UNKNOWN_PRODUCER_ID) {
      if (this.#isCurrent(batch)) this.requestEpochBump();
      return true;
    }
    if (errorCode === OUT_OF_ORDER_SEQUENCE_NUMBER) {
      // Bump when nothing before this batch can still fill the gap: it is the lowest
      // sequence not acknowledged. That covers a real gap (it is the next expected one) and
      // a broker that moved past it (a broker takes any first sequence from a producer new
      // to the partition, so a later batch can overtake a first batch that failed).
      const state = this.#state(batch);
      if (this.#isCurrent(batch) && state.inFlight[0] === batch) this.requestEpochBump();
      return true;
    }
    return undefined;
  }

  /** Batches in flight (stamped, not settled) for the batch's partition, current and stale. */
  inFlightCount(batch: ProducerBatch): number {
    const state = this.#state(batch);
    return state.inFlight.length + state.stale.size;
  }

  /** The partition's sequence state in words, for error messages about a stuck batch. */
  describe(batch: ProducerBatch): string {
    const state = this.#state(batch);
    const { producerId, epoch } = this.#producerIdAndEpoch;
    return `producer ${producerId} epoch ${epoch}, batch sequence ${batch.baseSequence}, next ${state.nextSequence}, ` +
      `acked ${state.lastAckedSequence}, in flight [${state.inFlight.map((b) => b.baseSequence).join(",")}], ` +
      `stale ${state.stale.size}${this.#epochBumpRequired ? ", epoch bump due" : ""}`;
  }

  #remove(state: PartitionState, batch: ProducerBatch): void {
    const index = state.inFlight.indexOf(batch);
    if (index >= 0) state.inFlight.splice(index, 1);
  }

  #checkForGap(state: PartitionState): void {
    if (state.inFlight.length === 0 && state.lastAckedSequence + 1 !== state.nextSequence && state.nextSequence !== 0) {
      this.requestEpochBump();
    }
  }
}
