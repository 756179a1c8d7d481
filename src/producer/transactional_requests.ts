/**
 * The transactional producer's requests (FindCoordinator, InitProducerId, AddPartitionsToTxn,
 * AddOffsetsToTxn, TxnOffsetCommit, EndTxn), as Java's TransactionManager keeps them in its
 * pending requests and handlers: which one goes next, each body built when it goes (so it
 * carries the producer id and epoch of that moment), and each answer read the same way: sent
 * again when the coordinator moved, is busy or the connection failed; otherwise applied, or
 * handed to the TransactionManager as an abortable or fatal error. The manager owns the state
 * machine and the calls waiting on it; it reads the requests only through this class.
 *
 * @module
 */
import type { BrokerNode } from "../client/metadata.ts";
import { type KafkaError, UnsupportedVersionError } from "../errors.ts";
import { errorForCode } from "../protocol/error_codes.ts";
import { AddOffsetsToTxnApi, type AddOffsetsToTxnRequest, type AddOffsetsToTxnResponse } from "../protocol/add_offsets_to_txn.ts";
import {
  AddPartitionsToTxnApi,
  type AddPartitionsToTxnRequest,
  type AddPartitionsToTxnResponse,
} from "../protocol/add_partitions_to_txn.ts";
import { END_TXN_LAST_VERSION_BEFORE_TRANSACTION_V2, EndTxnApi, type EndTxnRequest, type EndTxnResponse } from "../protocol/end_txn.ts";
import {
  CoordinatorKeyType,
  FindCoordinatorApi,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
} from "../protocol/find_coordinator.ts";
import { InitProducerIdApi, type InitProducerIdRequest, type InitProducerIdResponse } from "../protocol/init_producer_id.ts";
import {
  TXN_OFFSET_COMMIT_LAST_VERSION_BEFORE_TRANSACTION_V2,
  TxnOffsetCommitApi,
  type TxnOffsetCommitRequest,
  type TxnOffsetCommitResponse,
} from "../protocol/txn_offset_commit.ts";
import type { SequenceTracker } from "./sequence_tracker.ts";
import { applyProducerId, initProducerIdBody } from "./producer_id.ts";
import type { PartitionState } from "./partition_state.ts";
import type {
  CoordinatorTarget,
  GroupMetadata,
  Pending,
  TransactionalRequest,
  TransactionOffset,
  TransactionState,
} from "./transaction_types.ts";
import { TransactionalRequestQueue } from "./transactional_request_queue.ts";
import { answerVerdict } from "./transactional_answer.ts";

/** What the requests need of the TransactionManager they serve. */
export interface TransactionalRequestsOwner {
  readonly transactionalId: string;
  /** The coordinator aborts a transaction open longer than this. */
  readonly transactionTimeoutMs: number;
  /** The wait before a retried request. */
  readonly retryBackoffMs: number;
  /** The producer id and epoch each request carries; InitProducerId's answer (and protocol v2's EndTxn's) sets them. */
  readonly sequences: SequenceTracker;
  /** The callers of sendOffsetsToTransaction() still waiting; a TxnOffsetCommit takes its own out as it resolves it. */
  readonly offsetResults: Pending[];
  /** The manager's state now. */
  state(): TransactionState;
  /** The error that put the manager into ABORTABLE_ERROR or FATAL_ERROR. */
  lastError(): KafkaError | undefined;
  /** Whether a partition has joined the transaction. */
  hasPartitionInTransaction(): boolean;
  /** InitProducerId succeeded; the producer id and epoch are set. */
  initialized(): void;
  /** EndTxn succeeded (under protocol v2 the bumped epoch is set), or the transaction ends without one. */
  ended(): void;
  /** An error no abort mends: the producer must close. */
  fail(error: KafkaError): void;
  /** A newer producer took the transactional id. */
  fenced(error: KafkaError): void;
  /** `request` failed with an error the transaction must abort for. */
  abortable(request: TransactionalRequest, error: KafkaError): void;
}

/**
 * The transactional requests of one TransactionManager, queued and sent one at a time by
 * the Sender before produce data.
 *
 * @example
 * ```ts
 * import { TransactionalRequests } from "./transactional_requests.ts";
 * import { SequenceTracker } from "./sequence_tracker.ts";
 * const requests = new TransactionalRequests({
 *   transactionalId: "orders-app",
 *   transactionTimeoutMs: 60000,
 *   retryBackoffMs: 100,
 *   sequences: new SequenceTracker(),
 *   offsetResults: [],
 *   state: () => "INITIALIZING",
 *   lastError: () => undefined,
 *   hasPartitionInTransaction: () => false,
 *   initialized: () => console.log("ready"),
 *   ended: () => {},
 *   fail: console.error,
 *   fenced: console.error,
 *   abortable: (_request, error) => console.error(error),
 * });
 * requests.initProducerId();
 * console.log(requests.next(0, false)?.api.name); // "FindCoordinator": the coordinator comes first
 * ```
 */
export class TransactionalRequests {
  readonly #owner: TransactionalRequestsOwner;
  readonly #queue = new TransactionalRequestQueue();
  // Protocol v1: partitions the next AddPartitionsToTxn adds.
  readonly #newPartitions: PartitionState[] = [];
  // Whether the coordinator knows of this transaction (a partition or offsets were added), so it needs an EndTxn.
  #started = false;

  /** @param owner The TransactionManager's parts the requests read and report to. */
  constructor(owner: TransactionalRequestsOwner) {
    this.#owner = owner;
  }

  /** Whether a request is waiting for its response. */
  get hasInFlight(): boolean {
    return this.#queue.inFlight !== undefined;
  }

  /** Queues InitProducerId, as initTransactions() does. */
  initProducerId(): void {
    this.#queue.add(this.#initProducerId(false));
  }

  /** Sends KIP-360's epoch bump of the current producer id before anything else, after sequences went out of step. */
  bumpEpoch(): void {
    this.#queue.addFirst(this.#initProducerId(true));
  }

  /** Queues the requests that add `offsets` to the transaction, which settle `result`. */
  sendOffsets(offsets: readonly TransactionOffset[], group: GroupMetadata, transactionV2: boolean, result: Pending): void {
    const commit = this.#txnOffsetCommit(offsets, group, transactionV2, result);
    // Protocol v1 adds the group to the transaction first (AddOffsetsToTxn), which then queues the offsets.
    this.#queue.add(transactionV2 ? commit : this.#addOffsets(group.groupId, commit, result));
  }

  /** Protocol v1: `state` is added to the transaction (AddPartitionsToTxn) before its records go. */
  addPartition(state: PartitionState): void {
    state.pendingAdd = true;
    this.#newPartitions.push(state);
  }

  /** Protocol v2: a Produce added a partition, so the coordinator knows of the transaction. */
  partitionAddedByProduce(): void {
    this.#started = true;
  }

  /** The transaction aborts: partitions waiting for AddPartitionsToTxn are not added. */
  dropNewPartitions(): void {
    for (const state of this.#newPartitions.splice(0)) state.pendingAdd = false;
  }

  /**
   * Queues EndTxn. A commit first adds the partitions not added yet, so their records can be
   * sent before it (Java's beginCompletingTransaction). A transaction that touched nothing
   * needs no EndTxn (Java skips it too), but it still ends only when EndTxn's turn comes
   * ({@link next}), as in Java: by then the Sender has aborted the batches an abort leaves
   * unsent (they must not wait for the next transaction), and a queued or in-flight request
   * may have started the transaction after all.
   */
  endTransaction(committed: boolean, transactionV2: boolean): void {
    if (committed && this.#newPartitions.length > 0) this.#queue.add(this.#addPartitions(this.#newPartitions.splice(0)));
    this.#queue.add(this.#endTxn(committed, transactionV2));
  }

  /** The transaction ended: the coordinator knows of none, and no partition waits to be added. */
  transactionEnded(): void {
    this.#started = false;
    this.#newPartitions.length = 0;
  }

  /**
   * Drops the queued requests, but for one the coordinator may have applied already: it goes
   * again, so the abort learns whether the coordinator knows of the transaction. An abort that
   * skipped EndTxn for a transaction the coordinator holds open leaves it to time out, and
   * the coordinator then fences this producer.
   */
  dropQueued(): void {
    this.#queue.retain((request) => request.inDoubt === true);
  }

  /** Drops every queued request: the producer hit a fatal error. */
  dropAll(): void {
    this.#queue.retain(() => false);
  }

  /**
   * The next request to send, if any is due: the coordinator lookup a request needs
   * comes first; AddPartitionsToTxn for new partitions; EndTxn only once no batch is
   * incomplete.
   */
  next(now: number, hasIncompleteBatches: boolean): TransactionalRequest | undefined {
    const state = this.#owner.state();
    if (!this.#queue.isDue(now) || state === "FATAL_ERROR") return undefined;
    if (this.#newPartitions.length > 0 && state === "IN_TRANSACTION") this.#queue.add(this.#addPartitions(this.#newPartitions.splice(0)));
    const next = this.#queue.head;
    if (next?.api === EndTxnApi && hasIncompleteBatches) return undefined;
    if (next?.api === EndTxnApi && !this.#started) {
      this.#queue.dropHead();
      this.#owner.ended();
      return undefined;
    }
    return this.#queue.sendNext((target) => this.#findCoordinator(target));
  }

  /** How long until {@link next} may have something (Infinity when nothing waits). */
  timeToNext(now: number): number {
    if (this.#queue.inFlight !== undefined || this.#owner.state() === "FATAL_ERROR") return Infinity;
    if (this.#queue.isEmpty && this.#newPartitions.length === 0) return Infinity;
    return this.#queue.waitMs(now);
  }

  /**
   * Takes back a request the Sender could not send yet. Its broker still connecting, it is
   * due again as soon as the Sender wakes (a connection event ends the poll), `waitMs` at the
   * latest; with `forgetCoordinator`, its coordinator is looked up again, after `waitMs`.
   */
  putBack(request: TransactionalRequest, now: number, waitMs: number, forgetCoordinator: boolean): void {
    this.#queue.putBack(request, now, waitMs, forgetCoordinator);
  }

  /** The coordinator a request goes to, with the address FindCoordinator gave. */
  coordinator(target: CoordinatorTarget): BrokerNode | undefined {
    return this.#queue.coordinator(target);
  }

  // FindCoordinator: its answer notes the coordinator, for the request that waits for it.
  #findCoordinator(target: CoordinatorTarget): TransactionalRequest {
    const request: TransactionalRequest<FindCoordinatorRequest, FindCoordinatorResponse> = {
      api: FindCoordinatorApi,
      target: "any",
      body: () => ({ keyType: target.keyType, keys: [target.key] }),
      handle: (body, error, now) => {
        const coordinator = body?.coordinators[0];
        this.#answer(request, error, coordinator?.errorCode ?? 0, now, () => {
          if (coordinator === undefined || coordinator.nodeId < 0) return this.#retry(request, now);
          this.#queue.setCoordinator(target, { id: coordinator.nodeId, host: coordinator.host, port: coordinator.port, rack: null });
        });
      },
    };
    return request;
  }

  #initProducerId(bump: boolean): TransactionalRequest {
    const { transactionalId, transactionTimeoutMs, sequences } = this.#owner;
    const request: TransactionalRequest<InitProducerIdRequest, InitProducerIdResponse> = {
      api: InitProducerIdApi,
      target: this.#transactionCoordinator(),
      body: () => initProducerIdBody(transactionalId, transactionTimeoutMs, sequences, bump),
      handle: (response, error, now) => {
        this.#answer(request, error, response?.errorCode ?? 0, now, () => {
          applyProducerId(sequences, response!);
          this.#owner.initialized();
        });
      },
    };
    return request;
  }

  #addPartitions(added: readonly PartitionState[]): TransactionalRequest {
    const byTopic = new Map<string, number[]>();
    for (const state of added) {
      const partitions = byTopic.get(state.topic);
      if (partitions === undefined) byTopic.set(state.topic, [state.partition]);
      else partitions.push(state.partition);
    }
    const topics = [...byTopic].map(([name, partitions]) => ({ name, partitions }));
    const request: TransactionalRequest<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> = {
      api: AddPartitionsToTxnApi,
      target: this.#transactionCoordinator(),
      body: () => ({ transactionalId: this.#owner.transactionalId, ...this.#producerFields(), topics }),
      handle: (body, error, now) => {
        const results = body?.resultsByTopic ?? [];
        const firstError = results.flatMap((t) => t.resultsByPartition).find((p) => p.partitionErrorCode !== 0)?.partitionErrorCode ?? 0;
        this.#answer(request, error, firstError, now, () => {
          for (const state of added) {
            state.inTransaction = true;
            state.pendingAdd = false;
          }
          this.#started = true;
        });
      },
    };
    return request;
  }

  #addOffsets(groupId: string, then: TransactionalRequest, result: Pending): TransactionalRequest {
    const owner = this.#owner;
    const request: TransactionalRequest<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> = {
      api: AddOffsetsToTxnApi,
      target: this.#transactionCoordinator(),
      body: () => ({ transactionalId: owner.transactionalId, ...this.#producerFields(), groupId }),
      handle: (body, error, now) => {
        this.#answer(request, error, body?.errorCode ?? 0, now, () => {
          // The offsets themselves go to the group coordinator next, unless the transaction must abort.
          this.#started = true;
          if (owner.state() === "IN_TRANSACTION" || owner.state() === "COMMITTING_TRANSACTION") this.#queue.addFirst(then);
        });
        if (owner.state() === "ABORTABLE_ERROR" || owner.state() === "FATAL_ERROR") result.reject(owner.lastError()!);
      },
    };
    return request;
  }

  #txnOffsetCommit(
    offsets: readonly TransactionOffset[],
    group: GroupMetadata,
    transactionV2: boolean,
    result: Pending,
  ): TransactionalRequest {
    const byTopic = new Map<string, TransactionOffset[]>();
    for (const offset of offsets) byTopic.set(offset.topic, [...(byTopic.get(offset.topic) ?? []), offset]);
    const request: TransactionalRequest<TxnOffsetCommitRequest, TxnOffsetCommitResponse> = {
      api: TxnOffsetCommitApi,
      target: { keyType: CoordinatorKeyType.GROUP, key: group.groupId },
      maxVersion: transactionV2 ? undefined : TXN_OFFSET_COMMIT_LAST_VERSION_BEFORE_TRANSACTION_V2,
      body: () => ({
        transactionalId: this.#owner.transactionalId,
        groupId: group.groupId,
        ...this.#producerFields(),
        generationId: group.generationId ?? -1,
        memberId: group.memberId ?? "",
        groupInstanceId: group.groupInstanceId ?? null,
        topics: [...byTopic].map(([name, list]) => ({
          name,
          partitions: list.map((o) => ({
            partitionIndex: o.partition,
            committedOffset: BigInt(o.offset),
            committedLeaderEpoch: o.leaderEpoch ?? -1,
            committedMetadata: o.metadata ?? null,
          })),
        })),
      }),
      handle: (body, error, now) => {
        const topics = body?.topics ?? [];
        const firstError = topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== 0)?.errorCode ?? 0;
        this.#answer(request, error, firstError, now, () => {
          const { offsetResults } = this.#owner;
          this.#started = true;
          offsetResults.splice(offsetResults.indexOf(result), 1);
          result.resolve();
        });
      },
    };
    return request;
  }

  #endTxn(committed: boolean, transactionV2: boolean): TransactionalRequest {
    const request: TransactionalRequest<EndTxnRequest, EndTxnResponse> = {
      api: EndTxnApi,
      target: this.#transactionCoordinator(),
      maxVersion: transactionV2 ? undefined : END_TXN_LAST_VERSION_BEFORE_TRANSACTION_V2,
      body: () => ({ transactionalId: this.#owner.transactionalId, ...this.#producerFields(), committed }),
      handle: (response, error, now) => {
        this.#answer(request, error, response?.errorCode ?? 0, now, () => {
          // Protocol v2: every EndTxn bumps the epoch, and the sequences start again.
          if (response!.producerId >= 0n) applyProducerId(this.#owner.sequences, response!);
          this.#owner.ended();
        });
      },
    };
    return request;
  }

  /**
   * Handles an answer: done, retried (coordinator moved, busy, transport failure), or a
   * fenced/fatal error. `onSuccess` runs for error code 0.
   */
  #answer(request: TransactionalRequest, error: KafkaError | undefined, errorCode: number, now: number, onSuccess: () => void): void {
    const owner = this.#owner;
    this.#queue.answered();
    if (owner.state() === "FATAL_ERROR") return;
    // A broker that cannot take the request at any version will not later either (Java: fatal on a version mismatch).
    if (error instanceof UnsupportedVersionError) return owner.fail(error);
    if (error !== undefined) {
      if (request.api === AddPartitionsToTxnApi || request.api === AddOffsetsToTxnApi) request.inDoubt = true;
      return this.#retry(request, now, true);
    }
    if (errorCode === 0) return onSuccess();
    const failure = errorForCode(errorCode, `TransactionalId ${owner.transactionalId} (${request.api.name})`);
    switch (answerVerdict(request.api, errorCode)) {
      case "retry":
        return this.#retry(request, now);
      case "retry-new-coordinator":
        return this.#retry(request, now, true);
      case "concurrent-transactions": {
        // Java shortens the backoff only for the first AddPartitionsToTxn of a transaction
        // (AddPartitionsToTxnHandler.maybeOverrideRetryBackoffMs): once a partition is in, the
        // transaction is under way and the full backoff applies, as for every other request.
        const first = request.api === AddPartitionsToTxnApi && !owner.hasPartitionInTransaction();
        return this.#retry(request, now, false, first ? Math.min(20, owner.retryBackoffMs) : owner.retryBackoffMs);
      }
      case "fenced":
        return owner.fenced(failure);
      case "fatal":
        return owner.fail(failure);
      case "abortable-bump":
        // The producer id the coordinator knows is gone or not ours: the abort bumps the epoch (Java's abortableErrorIfPossible).
        owner.sequences.requestEpochBump();
    }
    owner.abortable(request, failure);
  }

  /** Puts an answered request back at the head, to be sent again after the backoff. */
  #retry(request: TransactionalRequest, now: number, forgetCoordinator = false, backoffMs = this.#owner.retryBackoffMs): void {
    this.#queue.retry(request, now, backoffMs, forgetCoordinator);
  }

  #transactionCoordinator(): CoordinatorTarget {
    return { keyType: CoordinatorKeyType.TRANSACTION, key: this.#owner.transactionalId };
  }

  #producerFields(): { producerId: bigint; producerEpoch: number } {
    const { producerId, epoch } = this.#owner.sequences.producerIdAndEpoch;
    return { producerId, producerEpoch: epoch };
  }
}
