/**
 * What an error code in a transactional request's answer means, after the handlers of Java's
 * TransactionManager (FindCoordinatorHandler, AddPartitionsToTxnHandler, EndTxnHandler, ...).
 *
 * @module
 */
import type { ErrorName } from "../protocol/error_codes.ts";
import { ErrorCode, errorInfo } from "../protocol/error_codes.ts";
import { AddOffsetsToTxnApi } from "../protocol/add_offsets_to_txn.ts";
import { AddPartitionsToTxnApi } from "../protocol/add_partitions_to_txn.ts";
import { EndTxnApi } from "../protocol/end_txn.ts";
import { FindCoordinatorApi } from "../protocol/find_coordinator.ts";
import { InitProducerIdApi } from "../protocol/init_producer_id.ts";
import { TxnOffsetCommitApi } from "../protocol/txn_offset_commit.ts";

/**
 * What the TransactionManager does with a request that failed with an error code:
 * - `retry`: send it again after the backoff;
 * - `retry-new-coordinator`: look its coordinator up again, then send it;
 * - `concurrent-transactions`: the coordinator is still ending the previous transaction, retry;
 * - `fenced`: a newer producer took the transactional id;
 * - `fatal`: the producer must close;
 * - `abortable`: the transaction must abort;
 * - `abortable-bump`: it must abort, and the abort bumps the epoch (the coordinator lost our producer id).
 */
export type AnswerVerdict =
  | "retry"
  | "retry-new-coordinator"
  | "concurrent-transactions"
  | "fenced"
  | "fatal"
  | "abortable"
  | "abortable-bump";

type FinalVerdict = "abortable" | "abortable-bump" | "fatal";

const verdicts = (otherwise: FinalVerdict, named: Partial<Record<ErrorName, FinalVerdict>>) => ({
  otherwise,
  named: new Map(Object.entries(named).map(([name, verdict]) => [ErrorCode[name as ErrorName], verdict])),
});
// An error neither retriable nor fencing: one not named is abortable for AddPartitionsToTxn ("Could not add
// partitions") and fatal for the others ("Unexpected error"), as in Java.
const FINAL_VERDICTS = new Map<unknown, { otherwise: FinalVerdict; named: Map<number, FinalVerdict> }>([
  [InitProducerIdApi, verdicts("fatal", { TRANSACTION_ABORTABLE: "abortable" })],
  [FindCoordinatorApi, verdicts("fatal", { GROUP_AUTHORIZATION_FAILED: "abortable", TRANSACTION_ABORTABLE: "abortable" })],
  [
    AddPartitionsToTxnApi,
    verdicts("abortable", {
      TRANSACTIONAL_ID_AUTHORIZATION_FAILED: "fatal",
      INVALID_TXN_STATE: "fatal",
      UNKNOWN_PRODUCER_ID: "abortable-bump",
      INVALID_PRODUCER_ID_MAPPING: "abortable-bump",
    }),
  ],
  [
    AddOffsetsToTxnApi,
    verdicts("fatal", {
      GROUP_AUTHORIZATION_FAILED: "abortable",
      TRANSACTION_ABORTABLE: "abortable",
      UNKNOWN_PRODUCER_ID: "abortable-bump",
      INVALID_PRODUCER_ID_MAPPING: "abortable-bump",
    }),
  ],
  [
    TxnOffsetCommitApi,
    verdicts("fatal", {
      GROUP_AUTHORIZATION_FAILED: "abortable",
      FENCED_INSTANCE_ID: "abortable",
      UNKNOWN_MEMBER_ID: "abortable",
      ILLEGAL_GENERATION: "abortable",
      TRANSACTION_ABORTABLE: "abortable",
    }),
  ],
  [
    EndTxnApi,
    verdicts("fatal", {
      TRANSACTION_ABORTABLE: "abortable",
      UNKNOWN_PRODUCER_ID: "abortable-bump",
      INVALID_PRODUCER_ID_MAPPING: "abortable-bump",
    }),
  ],
]);

/**
 * The verdict on a transactional request of `api` answered with the non-zero `errorCode`.
 *
 * @example
 * ```ts
 * import { answerVerdict } from "./transactional_answer.ts";
 * import { EndTxnApi } from "../protocol/end_txn.ts";
 * import { ErrorCode } from "../protocol/error_codes.ts";
 * console.log(answerVerdict(EndTxnApi, ErrorCode.NOT_COORDINATOR)); // "retry-new-coordinator"
 * console.log(answerVerdict(EndTxnApi, ErrorCode.UNKNOWN_PRODUCER_ID)); // "abortable-bump"
 * ```
 */
export function answerVerdict(api: unknown, errorCode: number): AnswerVerdict {
  switch (errorCode) {
    case ErrorCode.NOT_COORDINATOR:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      return "retry-new-coordinator";
    case ErrorCode.REQUEST_TIMED_OUT:
      // Java's TxnOffsetCommitHandler looks the group coordinator up again; elsewhere it is an ordinary retriable error.
      return api === TxnOffsetCommitApi ? "retry-new-coordinator" : "retry";
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
      return "retry";
    case ErrorCode.CONCURRENT_TRANSACTIONS:
      return "concurrent-transactions";
    case ErrorCode.PRODUCER_FENCED:
    case ErrorCode.INVALID_PRODUCER_EPOCH:
      return "fenced";
  }
  if (errorInfo(errorCode)?.retriable) return "retry";
  const forApi = FINAL_VERDICTS.get(api);
  return forApi?.named.get(errorCode) ?? forApi?.otherwise ?? "fatal";
}
