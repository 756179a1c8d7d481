/**
 * What the chaos driver and a workload process exchange: the plan of one round, and what the
 * workload saw, which the checker judges. Its own module so that the workload (a script
 * that runs when loaded) and the checker depend on it rather than on each other.
 *
 * @module
 */
import type { LogLevel } from "../../mod.ts";

/** What the driver asks of one round. */
export interface WorkloadPlan {
  bootstrapServers: string;
  topic: string;
  /** "at-least-once" (idempotence off) is the control that shows the checker catching duplicates. */
  mode: "idempotent" | "transactions" | "at-least-once";
  /** Broker port -> proxy port; connections to a mapped port go through the proxy. */
  proxyPorts: Record<string, number>;
  requestTimeoutMs: number;
  deliveryTimeoutMs: number;
  /** Records per 10 ms tick. */
  recordsPerTick: number;
  /** Records per transaction (transactions mode). */
  transactionSize: number;
  /** The producer's log lines at this level and above go to stderr (default: none). */
  logLevel?: LogLevel;
}

/** A transaction's records, as the sequence numbers `[first, last]`. */
export type SeqRange = [number, number];

/** What the workload saw, for the checker. */
export interface WorkloadResult {
  sent: number;
  /** `[seq, partition, offset]` of each acknowledged send (not in transactions mode). */
  acked: [number, number, number][];
  /** Rejected sends, by error name. */
  failed: Record<string, number>;
  /** Sends that settled later than `deliveryTimeoutMs` + 1 s after `send()`, or never. */
  unsettled: number;
  unhandledRejections: number;
  /** Transactions mode: committed, aborted, and those whose outcome the client could not learn. */
  committed: SeqRange[];
  aborted: SeqRange[];
  unknown: SeqRange[];
  /** Producers replaced after a fatal error (transactions mode). */
  restarts: number;
}

/** A workload result with nothing in it yet. */
export function emptyWorkloadResult(): WorkloadResult {
  return { sent: 0, acked: [], failed: {}, unsettled: 0, unhandledRejections: 0, committed: [], aborted: [], unknown: [], restarts: 0 };
}
