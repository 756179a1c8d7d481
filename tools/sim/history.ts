/**
 * What the workload did and what the producer answered: every send() and every other
 * call with its virtual start and end, the transactions as the application saw them,
 * and each producer instance's buffer memory after close. The invariants read it.
 *
 * @module
 */

/** One send() call. */
export interface SendEntry {
  id: number;
  instance: number;
  topic: string;
  /** The partition asked for, when explicit. */
  partition?: number;
  key: string | null;
  callMs: number;
  boundMs: number;
  settledMs?: number;
  /** Where the broker acknowledged it. */
  result?: { partition: number; offset: number };
  error?: string;
  /** The client transaction the send belongs to, for a transactional producer. */
  txn?: number;
  /** Sent after the faults healed, to check that the producer recovered. */
  probe: boolean;
}

/** A producer call other than send(). */
export interface CallEntry {
  kind: string;
  instance: number;
  callMs: number;
  boundMs: number;
  settledMs?: number;
  ok?: boolean;
  error?: string;
  txn?: number;
  probe: boolean;
}

/** A transaction as the application saw it. */
export interface TxnEntry {
  index: number;
  instance: number;
  sends: number[];
  /** committed: commitTransaction() resolved; aborted: abortTransaction() resolved; unknown: neither. */
  outcome: "open" | "committed" | "aborted" | "unknown";
  /** Offsets passed to a sendOffsetsToTransaction() that resolved. */
  offsets: { group: string; topic: string; partition: number; offset: number }[];
  probe: boolean;
}

/** One producer instance. */
export interface InstanceEntry {
  index: number;
  bufferMemory: number;
  /** buffer-available-bytes after close, if close() returned. */
  bufferAvailableAfterClose?: number;
}

/**
 * The record of one run.
 *
 * @example
 * ```ts
 * import { History } from "./history.ts";
 * const history = new History();
 * console.log(history.sends.length); // 0
 * ```
 */
export class History {
  readonly sends: SendEntry[] = [];
  readonly calls: CallEntry[] = [];
  readonly txns: TxnEntry[] = [];
  readonly instances: InstanceEntry[] = [];
  /** Problems the workload saw directly (a call that never settled, a producer that would not recover). */
  readonly notes: { invariant: string; detail: string }[] = [];
}
