/**
 * One partition of the model cluster: its log and its producer state, following the
 * broker's rules (ProducerStateManager, ProducerStateEntry and ProducerAppendInfo in
 * apache/kafka's storage module): the 5-batch duplicate window, the epoch check
 * (INVALID_PRODUCER_EPOCH for an older epoch), the sequence check (a new epoch starts at
 * sequence 0; a producer the partition does not know may start anywhere), transactional
 * state, transaction markers, the aborted-transaction index and the last stable offset.
 *
 * @module
 */
import type { DecodedRecordBatch } from "../../src/protocol/record_batch_decoder.ts";

/** Error codes the log answers with. */
export const ERR = {
  NONE: 0,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  NOT_COORDINATOR: 16,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  CONCURRENT_TRANSACTIONS: 51,
  UNKNOWN_PRODUCER_ID: 59,
  INVALID_RECORD: 87,
  PRODUCER_FENCED: 90,
  TRANSACTION_ABORTABLE: 120,
} as const;

// ProducerStateEntry.NUM_BATCHES_TO_RETAIN.
const BATCHES_TO_RETAIN = 5;

/** A data record in the log; `recordId` is the simulator's id of the send() it came from (-1 if unreadable). */
export interface DataEntry {
  kind: "data";
  offset: number;
  recordId: number;
  producerId: bigint;
  epoch: number;
  sequence: number;
  transactional: boolean;
}

/** A transaction marker (control batch) in the log. */
export interface MarkerEntry {
  kind: "marker";
  offset: number;
  producerId: bigint;
  epoch: number;
  commit: boolean;
}

/** One log position. */
export type LogEntry = DataEntry | MarkerEntry;

interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
}

/** What the broker remembers of one producer on one partition. */
interface ProducerStateEntry {
  epoch: number;
  /** When the producer last wrote here (virtual ms). */
  lastWriteMs: number;
  batches: BatchMetadata[];
  currentTxnFirstOffset: number | undefined;
}

/** The result of appending one batch. */
export interface AppendResult {
  errorCode: number;
  baseOffset: number;
  /** True when the batch was a retry found in the duplicate window (nothing written). */
  duplicate?: boolean;
  message?: string;
}

/** How a transaction ended on this partition, seen from its marker. */
export type Fate = "committed" | "aborted" | "open" | "none";

/**
 * The log and producer state of one partition.
 *
 * @example
 * ```ts
 * import { PartitionLog } from "./partition_log.ts";
 * const log = new PartitionLog("t", 0);
 * console.log(log.logEndOffset); // 0
 * ```
 */
export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  /** Every entry, at index = offset. */
  readonly entries: LogEntry[] = [];
  readonly #producers = new Map<bigint, ProducerStateEntry>();
  /** The aborted-transaction index: [first, last] offset ranges of aborted transactions per producer. */
  readonly aborted: { producerId: bigint; firstOffset: number; lastOffset: number }[] = [];
  readonly #ongoing = new Map<bigint, number>();

  /**
   * @param topic The topic.
   * @param partition The partition index.
   */
  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  /** The next offset to be written. */
  get logEndOffset(): number {
    return this.entries.length;
  }

  /** The last stable offset: the first offset of the oldest open transaction, else the log end. */
  get lastStableOffset(): number {
    let lso = this.logEndOffset;
    for (const first of this.#ongoing.values()) lso = Math.min(lso, first);
    return lso;
  }

  /** Whether the producer has an open transaction here. */
  hasOngoingTransaction(producerId: bigint): boolean {
    return this.#ongoing.has(producerId);
  }

  /** The first offset still in the log: records below it were removed by retention. */
  logStartOffset = 0;

  /**
   * Retention removes every record so far, and with them the state of the producers
   * without an open transaction here, as a broker forgets a producer whose records are
   * all gone. (Forgetting a producer whose records stay would be no broker's behaviour.)
   */
  deleteAllRecords(): void {
    this.logStartOffset = this.entries.length;
    for (const [producerId, entry] of this.#producers) {
      if (entry.currentTxnFirstOffset === undefined) this.#producers.delete(producerId);
    }
  }

  /** Forgets producers that have not written here since `before` (producer.id.expiration.ms). */
  expireIdleProducers(before: number): bigint[] {
    const expired: bigint[] = [];
    for (const [producerId, entry] of this.#producers) {
      if (entry.lastWriteMs < before && entry.currentTxnFirstOffset === undefined) {
        this.#producers.delete(producerId);
        expired.push(producerId);
      }
    }
    return expired;
  }

  /** Producer ids with state here. */
  producerIds(): bigint[] {
    return [...this.#producers.keys()];
  }

  /**
   * Validates and appends one batch from a client (UnifiedLog.analyzeAndValidateProducerState
   * with ProducerAppendInfo.appendDataBatch). `transactionV2` turns on the KIP-890 rule that a
   * transactional producer without state here must start at sequence 0.
   */
  appendBatch(
    batch: DecodedRecordBatch,
    recordIds: number[],
    rules: { transactionV2: boolean; legacy: boolean; now: number },
  ): AppendResult {
    const transactionV2 = rules.transactionV2;
    const producerId = batch.producerId;
    const count = batch.records.length;
    if (producerId < 0n) return { errorCode: ERR.NONE, baseOffset: this.#write(batch, recordIds) };
    const firstSeq = batch.baseSequence;
    const lastSeq = firstSeq + count - 1;
    const entry = this.#producers.get(producerId);
    // The duplicate window: the same epoch and exactly the same sequence range as one of the last 5 batches.
    if (entry !== undefined && entry.epoch === batch.producerEpoch) {
      const duplicate = entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
      if (duplicate !== undefined) return { errorCode: ERR.NONE, baseOffset: duplicate.firstOffset, duplicate: true };
    }
    const currentEpoch = entry?.epoch ?? -1;
    if (batch.producerEpoch < currentEpoch) {
      return {
        errorCode: ERR.INVALID_PRODUCER_EPOCH,
        baseOffset: -1,
        message: `epoch ${batch.producerEpoch} is below the last seen epoch ${currentEpoch}`,
      };
    }
    if (transactionV2 && batch.isTransactional && entry === undefined && firstSeq !== 0) {
      return {
        errorCode: ERR.OUT_OF_ORDER_SEQUENCE_NUMBER,
        baseOffset: -1,
        message: `expected sequence 0 from a new producer, got ${firstSeq}`,
      };
    }
    if (rules.legacy && entry === undefined && firstSeq !== 0) {
      return { errorCode: ERR.UNKNOWN_PRODUCER_ID, baseOffset: -1, message: `unknown producer at sequence ${firstSeq}` };
    }
    if (batch.producerEpoch !== currentEpoch) {
      if (firstSeq !== 0 && currentEpoch !== -1) {
        return {
          errorCode: ERR.OUT_OF_ORDER_SEQUENCE_NUMBER,
          baseOffset: -1,
          message: `new epoch ${batch.producerEpoch} must start at sequence 0, got ${firstSeq}`,
        };
      }
    } else {
      const currentLastSeq = entry!.batches.length > 0 ? entry!.batches[entry!.batches.length - 1].lastSeq : -1;
      if (firstSeq !== currentLastSeq + 1) {
        return {
          errorCode: ERR.OUT_OF_ORDER_SEQUENCE_NUMBER,
          baseOffset: -1,
          message: `sequence ${firstSeq} after ${currentLastSeq} (epoch ${currentEpoch})`,
        };
      }
    }
    if (entry?.currentTxnFirstOffset !== undefined && !batch.isTransactional) {
      return { errorCode: ERR.INVALID_TXN_STATE, baseOffset: -1, message: "non-transactional write during a transaction" };
    }
    const baseOffset = this.#write(batch, recordIds);
    const state = entry ?? { epoch: batch.producerEpoch, lastWriteMs: rules.now, batches: [], currentTxnFirstOffset: undefined };
    state.lastWriteMs = rules.now;
    if (state.epoch !== batch.producerEpoch) {
      state.epoch = batch.producerEpoch;
      state.batches = [];
    }
    state.batches.push({ firstSeq, lastSeq, firstOffset: baseOffset });
    if (state.batches.length > BATCHES_TO_RETAIN) state.batches.shift();
    if (batch.isTransactional && state.currentTxnFirstOffset === undefined) {
      state.currentTxnFirstOffset = baseOffset;
      this.#ongoing.set(producerId, baseOffset);
    }
    this.#producers.set(producerId, state);
    return { errorCode: ERR.NONE, baseOffset };
  }

  #write(batch: DecodedRecordBatch, recordIds: number[]): number {
    const baseOffset = this.entries.length;
    for (let i = 0; i < batch.records.length; i++) {
      this.entries.push({
        kind: "data",
        offset: baseOffset + i,
        recordId: recordIds[i],
        producerId: batch.producerId,
        epoch: batch.producerEpoch,
        sequence: batch.baseSequence + i,
        transactional: batch.isTransactional,
      });
    }
    return baseOffset;
  }

  /**
   * Writes a transaction marker (ProducerAppendInfo.appendEndTxnMarker): closes the
   * producer's open transaction here, indexing it when aborted. Returns an error code:
   * a marker of an older epoch is refused (TV2: not newer than the current one).
   */
  writeMarker(producerId: bigint, epoch: number, commit: boolean, transactionV2: boolean): number {
    const entry = this.#producers.get(producerId);
    const current = entry?.epoch ?? -1;
    const stale = transactionV2 ? epoch <= current : epoch < current;
    if (stale && !(transactionV2 && epoch === current && entry?.currentTxnFirstOffset === undefined)) return ERR.INVALID_PRODUCER_EPOCH;
    const offset = this.entries.length;
    this.entries.push({ kind: "marker", offset, producerId, epoch, commit });
    const first = this.#ongoing.get(producerId);
    if (first !== undefined) {
      if (!commit) this.aborted.push({ producerId, firstOffset: first, lastOffset: offset });
      this.#ongoing.delete(producerId);
    }
    const state = entry ?? { epoch, lastWriteMs: -Infinity, batches: [], currentTxnFirstOffset: undefined };
    state.currentTxnFirstOffset = undefined;
    if (epoch > state.epoch) {
      state.epoch = epoch;
      state.batches = [];
    }
    this.#producers.set(producerId, state);
    return ERR.NONE;
  }

  /**
   * What a read_committed consumer reads from the start: records below the last stable
   * offset, minus control batches and records of aborted transactions (by the aborted
   * index, as a fetch response reports them).
   */
  readCommitted(): DataEntry[] {
    const lso = this.lastStableOffset;
    const out: DataEntry[] = [];
    for (let offset = this.logStartOffset; offset < lso; offset++) {
      const entry = this.entries[offset];
      if (entry.kind !== "data") continue;
      if (
        entry.transactional &&
        this.aborted.some((a) => a.producerId === entry.producerId && a.firstOffset <= offset && offset <= a.lastOffset)
      ) {
        continue;
      }
      out.push(entry);
    }
    return out;
  }

  /** For each data entry, how its transaction ended here (by the next marker of its producer); "none" if not transactional. */
  fates(): Fate[] {
    const fates: Fate[] = new Array(this.entries.length).fill("none");
    const open = new Map<bigint, number[]>();
    for (const entry of this.entries) {
      if (entry.kind === "data") {
        if (!entry.transactional) continue;
        fates[entry.offset] = "open";
        let list = open.get(entry.producerId);
        if (list === undefined) open.set(entry.producerId, list = []);
        list.push(entry.offset);
      } else {
        for (const offset of open.get(entry.producerId) ?? []) fates[offset] = entry.commit ? "committed" : "aborted";
        open.delete(entry.producerId);
      }
    }
    return fates;
  }
}
