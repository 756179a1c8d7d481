/**
 * Judges one chaos round: what the workload was told (acknowledgements, committed and
 * aborted transactions) against what an independent reader found in the topic.
 *
 * @module
 */
import type { SeqRange, WorkloadPlan, WorkloadResult } from "./round.ts";

/** A stored record as the checker needs it: where it is and which send it came from. */
export interface StoredRecord {
  partition: number;
  offset: number;
  seq: number;
}

/** The columns of one round (and, summed, of a run). */
export interface RoundVerdict {
  /** Acknowledged sends (idempotent) or records of committed transactions. */
  acked: number;
  /** Acknowledged, or committed, and not in the topic. */
  lost: number;
  /** Extra copies: a record stored n times counts n - 1. */
  duplicated: number;
  /** Records stored after a record sent later, within a partition. */
  reordered: number;
  /** Acknowledged at a partition or offset other than where it is stored. */
  misplaced: number;
  /** Records of aborted transactions that a read_committed reader saw. */
  abortedVisible: number;
  unsettled: number;
  unhandledRejections: number;
  /** Sends rejected (not a fault of the checker's columns: the user was told). */
  failed: number;
  /** Transactions whose outcome the client could not learn (excluded from lost/aborted). */
  unknownTransactions: number;
}

/** A verdict with every column zero. */
export function emptyVerdict(): RoundVerdict {
  return {
    acked: 0,
    lost: 0,
    duplicated: 0,
    reordered: 0,
    misplaced: 0,
    abortedVisible: 0,
    unsettled: 0,
    unhandledRejections: 0,
    failed: 0,
    unknownTransactions: 0,
  };
}

/** Adds `round`'s columns into `total`. */
export function addVerdict(total: RoundVerdict, round: RoundVerdict): RoundVerdict {
  for (const key of Object.keys(total) as (keyof RoundVerdict)[]) total[key] += round[key];
  return total;
}

/** Whether a round broke a guarantee (rejected sends and unknown transactions do not). */
export function isClean(verdict: RoundVerdict): boolean {
  return verdict.lost + verdict.duplicated + verdict.reordered + verdict.misplaced + verdict.abortedVisible + verdict.unsettled +
      verdict.unhandledRejections === 0;
}

function* seqsOf(ranges: SeqRange[]): Generator<number> {
  for (const [first, last] of ranges) for (let seq = first; seq <= last; seq++) yield seq;
}

/**
 * Compares the workload's view with the stored records (read_uncommitted for the
 * other modes, read_committed for transactions).
 *
 * @example
 * ```ts
 * import { checkRound } from "./checker.ts";
 * const result = { sent: 2, acked: [[0, 0, 0], [1, 0, 1]], failed: {}, unsettled: 0, unhandledRejections: 0, committed: [], aborted: [], unknown: [], restarts: 0 };
 * const verdict = checkRound("idempotent", result, [{ partition: 0, offset: 0, seq: 0 }, { partition: 0, offset: 1, seq: 1 }]);
 * console.log(verdict.lost, verdict.duplicated); // 0 0
 * ```
 */
export function checkRound(mode: WorkloadPlan["mode"], result: WorkloadResult, stored: StoredRecord[]): RoundVerdict {
  const verdict = emptyVerdict();
  verdict.unsettled = result.unsettled;
  verdict.unhandledRejections = result.unhandledRejections;
  verdict.failed = Object.values(result.failed).reduce((a, b) => a + b, 0);
  verdict.unknownTransactions = result.unknown.length;

  const copies = new Map<number, StoredRecord[]>();
  const lastSeqByPartition = new Map<number, number>();
  for (const record of [...stored].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    const list = copies.get(record.seq);
    if (list) list.push(record);
    else copies.set(record.seq, [record]);
    const last = lastSeqByPartition.get(record.partition);
    if (last !== undefined && record.seq < last) verdict.reordered++;
    lastSeqByPartition.set(record.partition, Math.max(last ?? -1, record.seq));
  }
  for (const list of copies.values()) verdict.duplicated += list.length - 1;

  if (mode !== "transactions") {
    for (const [seq, partition, offset] of result.acked) {
      verdict.acked++;
      const found = copies.get(seq);
      if (found === undefined) verdict.lost++;
      else if (!found.some((r) => r.partition === partition && r.offset === offset)) verdict.misplaced++;
    }
  } else {
    for (const seq of seqsOf(result.committed)) {
      verdict.acked++;
      if (!copies.has(seq)) verdict.lost++;
    }
    for (const seq of seqsOf(result.aborted)) if (copies.has(seq)) verdict.abortedVisible++;
  }
  return verdict;
}
