/**
 * The vocabulary of transactions: states and their legal transitions, what a caller
 * passes to sendOffsetsToTransaction, the request shape the Sender sends for the
 * TransactionManager.
 *
 * @module
 */
import { KafkaError, ProducerFencedError, UnsupportedVersionError } from "../errors.ts";
import { describeValue } from "../validation.ts";
import type { ApiCodec } from "../protocol/api.ts";
import { ErrorCode, KafkaProtocolError } from "../protocol/error_codes.ts";

// Produce errors after which an idempotent or transactional producer cannot go on (Java's maybeTransitionToErrorState).
const FATAL_PRODUCE_CODES = new Set([
  ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  ErrorCode.PRODUCER_FENCED,
  ErrorCode.UNSUPPORTED_VERSION,
]);

/**
 * Whether a failed batch's error stops an idempotent or transactional producer for good, as
 * Java's `TransactionManager.maybeTransitionToErrorState` decides: not authorized for the
 * cluster or the transactional id, fenced, or a version the broker cannot take. Any other
 * error fails the batch only (and, in a transaction, makes it abortable).
 *
 * @example
 * ```ts
 * import { isFatalProducerError } from "./transaction_types.ts";
 * import { errorForCode } from "../protocol/error_codes.ts";
 * console.log(isFatalProducerError(errorForCode(31))); // true: CLUSTER_AUTHORIZATION_FAILED
 * ```
 */
export function isFatalProducerError(error: Error): boolean {
  if (error instanceof ProducerFencedError || error instanceof UnsupportedVersionError) return true;
  return error instanceof KafkaProtocolError && FATAL_PRODUCE_CODES.has(error.code);
}

/** Where a transaction is in its life (Java's `TransactionManager.State`). */
export type TransactionState =
  | "UNINITIALIZED"
  | "INITIALIZING"
  | "READY"
  | "IN_TRANSACTION"
  | "COMMITTING_TRANSACTION"
  | "ABORTING_TRANSACTION"
  | "ABORTABLE_ERROR"
  | "FATAL_ERROR";

/** For each state, the states it may be entered from. */
export const LEGAL_SOURCES: Record<TransactionState, readonly TransactionState[]> = {
  // After an abort that ends with no producer id (InitProducerId failed abortably), as Java's Sender resets it.
  UNINITIALIZED: ["ABORTING_TRANSACTION"],
  INITIALIZING: ["UNINITIALIZED", "INITIALIZING", "ABORTING_TRANSACTION"],
  READY: ["INITIALIZING", "COMMITTING_TRANSACTION", "ABORTING_TRANSACTION"],
  IN_TRANSACTION: ["READY"],
  COMMITTING_TRANSACTION: ["IN_TRANSACTION"],
  ABORTING_TRANSACTION: ["IN_TRANSACTION", "ABORTABLE_ERROR"],
  ABORTABLE_ERROR: ["IN_TRANSACTION", "COMMITTING_TRANSACTION", "ABORTABLE_ERROR", "INITIALIZING"],
  FATAL_ERROR: [
    "UNINITIALIZED",
    "INITIALIZING",
    "READY",
    "IN_TRANSACTION",
    "COMMITTING_TRANSACTION",
    "ABORTING_TRANSACTION",
    "ABORTABLE_ERROR",
    "FATAL_ERROR",
  ],
};

/** The consumer position to commit with a transaction. */
export interface TransactionOffset {
  /** The consumed topic. */
  topic: string;
  /** The consumed partition. */
  partition: number;
  /** The offset of the next record to consume. */
  offset: number;
  /** Free text stored with the offset (the consumer's `OffsetAndMetadata.metadata`). */
  metadata?: string | null;
  /** The leader epoch of the last consumed record, when known. */
  leaderEpoch?: number;
}

/** The consumer group the offsets belong to (Java's `ConsumerGroupMetadata`). */
export interface GroupMetadata {
  /** The consumer group's id. */
  groupId: string;
  /** The group generation the consumer is in; with `memberId` it lets the coordinator fence zombie consumers. */
  generationId?: number;
  /** The consumer's member id in the group. */
  memberId?: string;
  /** The consumer's static membership id, if it has one. */
  groupInstanceId?: string | null;
}

const CALL = "sendOffsetsToTransaction";
const isInteger = (value: unknown, min: number) => Number.isSafeInteger(value) && (value as number) >= min;

/**
 * Checks the arguments of sendOffsetsToTransaction (KafkaError naming the field and
 * what was given) and returns the group as {@link GroupMetadata}.
 *
 * @example
 * ```ts
 * import { checkOffsetsArguments } from "./transaction_types.ts";
 * console.log(checkOffsetsArguments([{ topic: "orders", partition: 0, offset: 42 }], "billing")); // { groupId: "billing" }
 * ```
 */
export function checkOffsetsArguments(offsets: unknown, group: unknown): GroupMetadata {
  const fail = (what: string, must: string, given: unknown): never => {
    throw new KafkaError(`${CALL}: ${what} must be ${must}, not ${describeValue(given)}`);
  };
  if (!Array.isArray(offsets)) fail("offsets", "an array of { topic, partition, offset }", offsets);
  (offsets as unknown[]).forEach((entry, i) => {
    if (entry === null || typeof entry !== "object") return fail(`offsets[${i}]`, "an object { topic, partition, offset }", entry);
    const { topic, partition, offset, metadata, leaderEpoch } = entry as Record<string, unknown>;
    if (typeof topic !== "string" || topic.length === 0) fail(`offsets[${i}].topic`, "a non-empty string", topic);
    if (!isInteger(partition, 0)) fail(`offsets[${i}].partition`, "a non-negative integer", partition);
    if (!isInteger(offset, 0)) fail(`offsets[${i}].offset`, "a non-negative integer", offset);
    if (metadata !== undefined && metadata !== null && typeof metadata !== "string") {
      fail(`offsets[${i}].metadata`, "a string, null or undefined", metadata);
    }
    if (leaderEpoch !== undefined && !isInteger(leaderEpoch, -1)) {
      fail(`offsets[${i}].leaderEpoch`, "an integer >= -1 or undefined", leaderEpoch);
    }
  });
  if (typeof group === "string") {
    if (group.length === 0) fail("group", "a non-empty group id or { groupId }", group);
    return { groupId: group };
  }
  if (group === null || typeof group !== "object") return fail("group", "a non-empty group id or { groupId }", group);
  const { groupId, generationId, memberId, groupInstanceId } = group as Record<string, unknown>;
  if (typeof groupId !== "string" || groupId.length === 0) fail("group.groupId", "a non-empty string", groupId);
  if (generationId !== undefined && !isInteger(generationId, -1)) fail("group.generationId", "an integer >= -1 or undefined", generationId);
  if (memberId !== undefined && typeof memberId !== "string") fail("group.memberId", "a string or undefined", memberId);
  if (groupInstanceId !== undefined && groupInstanceId !== null && typeof groupInstanceId !== "string") {
    fail("group.groupInstanceId", "a string, null or undefined", groupInstanceId);
  }
  return group as GroupMetadata;
}

/** The coordinator a transactional request goes to: of a transactional id, or of a group. */
export interface CoordinatorTarget {
  /** `CoordinatorKeyType.TRANSACTION` or `CoordinatorKeyType.GROUP`. */
  readonly keyType: number;
  /** The transactional id or group id. */
  readonly key: string;
}

/**
 * A request the Sender sends for the transaction manager, typed by its API's request and
 * response; a queue of mixed requests holds them as `TransactionalRequest` (unknown, unknown).
 */
export interface TransactionalRequest<Req = unknown, Res = unknown> {
  readonly api: ApiCodec<Req, Res>;
  /** "any" broker (the coordinator lookup), or the coordinator of a transactional id or group. */
  readonly target: "any" | CoordinatorTarget;
  readonly maxVersion?: number;
  /** Builds the body now, so it carries the current producer id and epoch. */
  body(): Req;
  /** Takes the outcome: the body, or the transport's error. */
  handle(body: Res | undefined, error: KafkaError | undefined, now: number): void;
  /**
   * Sent, and its answer lost: the coordinator may have applied it. Set on a request that
   * starts the transaction there (AddPartitionsToTxn, AddOffsetsToTxn), which is then sent
   * again even when the transaction must abort, so the abort knows whether it needs EndTxn.
   */
  inDoubt?: boolean;
}

/** A result a transactional call waits for. */
export interface Pending {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

/** A fresh pending result (its rejection is handled, so an unwatched one never goes unhandled). */
export function pending(): Pending {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
