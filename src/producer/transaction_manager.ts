/**
 * The TransactionManager, as in the Java client: the transactional producer's state
 * machine, and the requests that move it (FindCoordinator, InitProducerId,
 * AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn), which the Sender sends
 * one at a time before produce data. It speaks the transaction protocol v2 (KIP-890)
 * when the cluster finalized `transaction.version` >= 2, and v1 otherwise.
 *
 * @module
 */
import { KafkaError, ProducerFencedError, TransactionAbortedError, TransactionStateError, UnsupportedVersionError } from "../errors.ts";
import type { BrokerNode } from "../client/metadata.ts";
import { ErrorCode, errorForCode, KafkaProtocolError } from "../protocol/error_codes.ts";
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
import type { PartitionRegistry, PartitionState } from "./partition_state.ts";
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
import { isFatalProducerError, LEGAL_SOURCES, pending } from "./transaction_types.ts";

/**
 * The transactional producer's state machine.
 *
 * @example
 * ```ts
 * import { TransactionManager } from "./transaction_manager.ts";
 * import { SequenceTracker } from "./sequence_tracker.ts";
 * import { PartitionRegistry } from "./partition_state.ts";
 * const manager = new TransactionManager("orders-app", 60000, 100, new SequenceTracker(), new PartitionRegistry());
 * const ready = manager.initTransactions(); // the Sender sends the requests
 * console.log(manager.state); // "INITIALIZING"
 * ```
 */
export class TransactionManager {
  readonly transactionalId: string;
  readonly #transactionTimeoutMs: number;
  readonly #retryBackoffMs: number;
  readonly #sequences: SequenceTracker;
  #state: TransactionState = "UNINITIALIZED";
  #lastError: KafkaError | undefined;
  readonly #requests = new TransactionalRequestQueue();
  #transactionV2 = false;
  // Every partition's state, where each one notes whether it is in the transaction.
  readonly #partitions: PartitionRegistry;
  // The partitions added to this transaction or waiting to be, so their flags are cleared when it ends.
  readonly #partitionsInTransaction: PartitionState[] = [];
  // Whether the coordinator knows of this transaction (a partition or offsets were added), so it needs an EndTxn.
  #transactionStarted = false;
  // Protocol v1: partitions the next AddPartitionsToTxn adds.
  readonly #newPartitions: PartitionState[] = [];
  // The number of the transaction open or last open (beginTransaction() counts them), and of the last one committed.
  #transactionNumber = 0;
  #lastCommitted = 0;
  // commitTransaction() was called and waits for the records sent before it: later sends are refused.
  #commitRequested = false;
  #initResult: Pending | undefined;
  #endResult: Pending | undefined;
  readonly #offsetResults: Pending[] = [];

  /**
   * @param transactionalId The `transactionalId`.
   * @param transactionTimeoutMs The coordinator aborts a transaction open longer than this.
   * @param retryBackoffMs The wait before a retried request.
   * @param sequences The producer id and sequence numbers this manager keeps in step.
   * @param partitions The partitions' states (the accumulator's), which note transaction membership.
   */
  constructor(
    transactionalId: string,
    transactionTimeoutMs: number,
    retryBackoffMs: number,
    sequences: SequenceTracker,
    partitions: PartitionRegistry,
  ) {
    this.transactionalId = transactionalId;
    this.#transactionTimeoutMs = transactionTimeoutMs;
    this.#retryBackoffMs = retryBackoffMs;
    this.#sequences = sequences;
    this.#partitions = partitions;
  }

  /** The current state. */
  get state(): TransactionState {
    return this.#state;
  }

  /** The error that put the manager into ABORTABLE_ERROR or FATAL_ERROR. */
  get lastError(): KafkaError | undefined {
    return this.#lastError;
  }

  /** Whether the current transaction uses protocol v2 (partitions added by Produce v12+, epoch bumped by EndTxn). */
  get transactionV2(): boolean {
    return this.#transactionV2;
  }

  /** Whether the producer must be closed. */
  get hasFatalError(): boolean {
    return this.#state === "FATAL_ERROR";
  }

  /** Whether a transaction is being aborted, so unsent batches are dropped. */
  get isAborting(): boolean {
    return this.#state === "ABORTING_TRANSACTION";
  }

  #transition(target: TransactionState, action: string, error?: KafkaError): void {
    if (!LEGAL_SOURCES[target].includes(this.#state)) {
      throw new TransactionStateError(this.#state, action, `TransactionalId ${this.transactionalId}: invalid transition to ${target}`);
    }
    if (error !== undefined) this.#lastError = error;
    else if (target !== "ABORTABLE_ERROR" && target !== "FATAL_ERROR") this.#lastError = undefined;
    this.#state = target;
    this.#commitRequested = false;
  }

  /**
   * A transition a response or a failed batch calls for. One the state does not allow makes
   * the manager fatal instead of throwing into the network client's callback (Java's Sender
   * poisons the state the same way).
   */
  #moveTo(target: TransactionState, action: string, error?: KafkaError): boolean {
    if (LEGAL_SOURCES[target].includes(this.#state)) {
      this.#transition(target, action, error);
      return true;
    }
    this.#fail(new TransactionStateError(this.#state, action, `TransactionalId ${this.transactionalId}: invalid transition to ${target}`));
    return false;
  }

  /**
   * The transaction cannot commit any more (Java's transitionToAbortableError). Requests
   * queued for it are dropped, as Java fails them instead of sending them in an error state:
   * above all a waiting commit, whose EndTxn would commit only part of the transaction.
   */
  #toAbortableError(error: KafkaError): void {
    const committing = this.#state === "COMMITTING_TRANSACTION";
    if (this.#state === "ABORTING_TRANSACTION") {
      // Already aborting (Java skips the transition): this abort failed, and abortTransaction() may try again.
      this.#dropQueuedRequests();
      this.#endResult?.reject(error);
      this.#endResult = undefined;
      return;
    }
    const initializing = this.#state === "INITIALIZING";
    if (!this.#moveTo("ABORTABLE_ERROR", "handle an error", error)) return;
    this.#dropQueuedRequests();
    if (initializing) {
      // InitProducerId failed abortably (TRANSACTION_ABORTABLE): initTransactions(), or the abort bumping the epoch, fails with it.
      for (const result of [this.#initResult, this.#endResult]) result?.reject(error);
      this.#initResult = undefined;
      this.#endResult = undefined;
    }
    this.#offsetResults.splice(0).forEach((result) => result.reject(error));
    if (committing) {
      this.#endResult?.reject(new TransactionAbortedError(`cannot commit: the transaction must be aborted (${error.message})`, error));
      this.#endResult = undefined;
    }
  }

  /**
   * Drops the queued requests, but for one the coordinator may have applied already: it goes
   * again, so the abort learns whether the coordinator knows of the transaction. An abort that
   * skipped EndTxn for a transaction the coordinator holds open leaves it to time out, and
   * the coordinator then fences this producer.
   */
  #dropQueuedRequests(): void {
    this.#requests.retain((request) => request.inDoubt === true);
  }

  #requireNotFatal(action: string): void {
    if (this.#state === "FATAL_ERROR" && this.#lastError instanceof ProducerFencedError) throw this.#lastError;
    if (this.#state === "FATAL_ERROR") {
      throw new TransactionStateError(
        this.#state,
        action,
        `the producer hit a fatal error and must be closed (${this.#lastError?.message})`,
      );
    }
  }

  /**
   * Registers the producer with its transaction coordinator (fencing older producers with
   * the same id). A call after an earlier one timed out resumes the same attempt.
   */
  initTransactions(): Promise<void> {
    this.#requireNotFatal("initTransactions");
    if (this.#state === "INITIALIZING" && this.#initResult !== undefined) return this.#initResult.promise;
    this.#transition("INITIALIZING", "initTransactions");
    this.#initResult = pending();
    this.#requests.add(this.#initProducerIdRequest());
    return this.#initResult.promise;
  }

  /** Starts a transaction; `transactionV2` says whether the cluster speaks KIP-890. */
  beginTransaction(transactionV2: boolean): void {
    this.#requireNotFatal("beginTransaction");
    if (this.#state === "UNINITIALIZED") {
      throw new TransactionStateError(this.#state, "beginTransaction", "call initTransactions() first");
    }
    this.#transition("IN_TRANSACTION", "beginTransaction");
    this.#transactionNumber++;
    this.#transactionV2 = transactionV2;
  }

  /**
   * The transaction open now, as a number each beginTransaction() increments; undefined when
   * none is open. A send() records it, so a record that waited for metadata or memory goes
   * into the transaction it was sent in or fails (see {@link ensureAppendAllowed}).
   */
  get openTransaction(): number | undefined {
    return this.hasOngoingTransaction ? this.#transactionNumber : undefined;
  }

  /**
   * Throws unless a record sent during transaction `sentIn` (undefined: sent while none was
   * open) may be appended now. In Java send() blocks its caller, so its record always joins
   * the transaction open at the call; here the caller may have committed or aborted meanwhile,
   * and the record must not slip into the next transaction.
   */
  ensureAppendAllowed(sentIn: number | undefined): void {
    if (sentIn !== undefined && this.#state !== "FATAL_ERROR") {
      const ended = sentIn !== this.#transactionNumber || !this.hasOngoingTransaction;
      const committed = ended ? this.#lastCommitted === sentIn : this.#state === "COMMITTING_TRANSACTION";
      if (committed) {
        throw new TransactionStateError(
          this.#state,
          "send",
          "the transaction this record was sent in was committed before the record reached a batch (call commitTransaction() after send())",
        );
      }
      if (ended || this.#state === "ABORTING_TRANSACTION") {
        throw new TransactionAbortedError("the transaction this record was sent in was aborted before the record reached a batch");
      }
    }
    this.#ensureOpen();
  }

  /**
   * commitTransaction() was called: the records sent before it still join the transaction
   * (the commit waits for them), later sends are refused, as Java's commitTransaction()
   * moves to COMMITTING_TRANSACTION at once. The state itself moves once they are in batches.
   */
  requestCommit(): void {
    if (this.#state === "IN_TRANSACTION") this.#commitRequested = true;
  }

  /** Throws unless a record may be sent now: a transaction must be open, healthy, and not being committed. */
  ensureSendAllowed(): void {
    this.#ensureOpen();
    if (this.#commitRequested) {
      throw new TransactionStateError(
        "COMMITTING_TRANSACTION",
        "send",
        "commitTransaction() was called: send the next records after beginTransaction()",
      );
    }
  }

  #ensureOpen(): void {
    if (this.#state === "FATAL_ERROR") throw this.#lastError!;
    if (this.#state === "UNINITIALIZED") {
      throw new TransactionStateError(this.#state, "send", "a transactional producer needs initTransactions() first");
    }
    if (this.#state === "ABORTABLE_ERROR") {
      throw new TransactionAbortedError(`the transaction hit an error and must be aborted: ${this.#lastError?.message}`, this.#lastError);
    }
    if (this.#state !== "IN_TRANSACTION") throw new TransactionStateError(this.#state, "send", "call beginTransaction() first");
  }

  /** Notes a partition written in this transaction (protocol v1 adds it with AddPartitionsToTxn before its records go). */
  addPartition(topic: string, partition: number): void {
    const state = this.#partitions.get(topic, partition);
    if (state.inTransaction || state.pendingAdd) return;
    this.#partitionsInTransaction.push(state);
    if (this.#transactionV2) {
      // Produce v12 adds the partition on the broker.
      state.inTransaction = true;
      this.#transactionStarted = true;
      return;
    }
    state.pendingAdd = true;
    this.#newPartitions.push(state);
  }

  /** Whether batches of this partition may be produced (v1: only once AddPartitionsToTxn succeeded). */
  isSendToPartitionAllowed(topic: string, partition: number): boolean {
    return this.#partitions.find(topic, partition)?.inTransaction ?? false;
  }

  /** Commits consumer offsets as part of the transaction. */
  sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: GroupMetadata): Promise<void> {
    this.#requireNotFatal("sendOffsetsToTransaction");
    if (this.#state !== "IN_TRANSACTION") {
      throw new TransactionStateError(this.#state, "sendOffsetsToTransaction", "call beginTransaction() first");
    }
    const result = pending();
    this.#offsetResults.push(result);
    const commit = this.#txnOffsetCommitRequest(offsets, group, result);
    this.#requests.add(this.#transactionV2 ? commit : this.#addOffsetsRequest(group.groupId, commit, result));
    return result.promise;
  }

  /** Ends the transaction with EndTxn(commit) once every batch is settled. */
  beginCommit(): Promise<void> {
    this.#requireNotFatal("commitTransaction");
    if (this.#state === "ABORTABLE_ERROR") {
      throw new TransactionAbortedError(`cannot commit: the transaction must be aborted (${this.#lastError?.message})`, this.#lastError);
    }
    if (this.#state === "COMMITTING_TRANSACTION" && this.#endResult !== undefined) return this.#endResult.promise;
    this.#transition("COMMITTING_TRANSACTION", "commitTransaction");
    return this.#beginEnd(true);
  }

  /** Ends the transaction with EndTxn(abort); unsent batches are dropped. */
  beginAbort(): Promise<void> {
    this.#requireNotFatal("abortTransaction");
    if (this.#state === "ABORTING_TRANSACTION" && this.#endResult !== undefined) return this.#endResult.promise;
    // The coordinator no longer maps our producer id: it would refuse EndTxn, so go straight to the epoch bump (as Java).
    const mappingLost = this.#lastError instanceof KafkaProtocolError && this.#lastError.code === ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    // An abort whose EndTxn failed is tried again from where it is.
    if (this.#state !== "ABORTING_TRANSACTION") this.#transition("ABORTING_TRANSACTION", "abortTransaction");
    for (const state of this.#newPartitions.splice(0)) state.pendingAdd = false;
    return this.#beginEnd(false, mappingLost);
  }

  #beginEnd(committed: boolean, skipEndTxn = false): Promise<void> {
    const result = this.#endResult = pending();
    // Partitions not added yet go before EndTxn, so their records can be sent first (Java's beginCompletingTransaction).
    if (committed && this.#newPartitions.length > 0) this.#requests.add(this.#addPartitionsRequest());
    // A transaction that touched nothing needs no EndTxn (Java skips it too), but it still ends
    // only when EndTxn's turn comes (nextRequest), as in Java: by then the Sender has aborted the
    // batches an abort leaves unsent (they must not wait for the next transaction), and a queued
    // or in-flight request may have started the transaction after all.
    if (skipEndTxn) this.#completeTransaction();
    else this.#requests.add(this.#endTxnRequest(committed));
    return result.promise;
  }

  /**
   * A produce batch of this transaction failed: the transaction must abort, or the producer
   * close after an error that no abort mends (Java's maybeTransitionToErrorState).
   */
  handleBatchFailure(error: KafkaError): void {
    if (isFatalProducerError(error)) this.#fail(error);
    else if (this.#state === "IN_TRANSACTION" || this.#state === "COMMITTING_TRANSACTION") this.#toAbortableError(error);
  }

  /**
   * Turns a produce error code into the error a batch fails with: PRODUCER_FENCED becomes
   * ProducerFencedError. INVALID_PRODUCER_EPOCH stays what it is, an abortable error: on a
   * produce it typically means the coordinator timed the transaction out and bumped the epoch.
   */
  produceError(errorCode: number, error: KafkaError): KafkaError {
    return errorCode === ErrorCode.PRODUCER_FENCED ? this.#fenced(error) : error;
  }

  /**
   * Rethrows the error a transactional call failed with as its caller should see it: while
   * the transaction must be aborted, as TransactionAbortedError (the broker's error its cause).
   */
  readonly rethrowForCaller = (error: unknown): never => {
    if (this.#state !== "ABORTABLE_ERROR" || !(error instanceof KafkaError) || error instanceof TransactionAbortedError) throw error;
    throw new TransactionAbortedError(`the transaction hit an error and must be aborted: ${error.message}`, error);
  };

  /** Whether a transaction is open: begun and not yet committed or aborted (Java's hasOngoingTransaction). */
  get hasOngoingTransaction(): boolean {
    return this.#state === "IN_TRANSACTION" || this.#state === "COMMITTING_TRANSACTION" || this.#state === "ABORTING_TRANSACTION" ||
      this.#state === "ABORTABLE_ERROR";
  }

  /** Whether a commit or abort is under way and has not failed. */
  get isEnding(): boolean {
    return this.#endResult !== undefined && (this.#state === "COMMITTING_TRANSACTION" || this.#state === "ABORTING_TRANSACTION");
  }

  /** Whether a transactional request is waiting for its response. */
  get hasInFlightRequest(): boolean {
    return this.#requests.inFlight !== undefined;
  }

  /**
   * The next request to send, if any is due: the coordinator lookup a request needs
   * comes first; AddPartitionsToTxn for new partitions; EndTxn only once no batch is
   * incomplete.
   */
  nextRequest(now: number, hasIncompleteBatches: boolean): TransactionalRequest | undefined {
    if (!this.#requests.isDue(now) || this.#state === "FATAL_ERROR") return undefined;
    if (this.#newPartitions.length > 0 && this.#state === "IN_TRANSACTION") this.#requests.add(this.#addPartitionsRequest());
    const next = this.#requests.head;
    if (next?.api === EndTxnApi && hasIncompleteBatches) return undefined;
    if (next?.api === EndTxnApi && !this.#transactionStarted) {
      this.#requests.dropHead();
      this.#completeTransaction();
      return undefined;
    }
    return this.#requests.sendNext((target) => this.#findCoordinatorRequest(target));
  }

  /** How long until {@link nextRequest} may have something (Infinity when nothing waits). */
  timeToNextRequest(now: number): number {
    if (this.#requests.inFlight !== undefined || this.#state === "FATAL_ERROR") return Infinity;
    if (this.#requests.isEmpty && this.#newPartitions.length === 0) return Infinity;
    return this.#requests.waitMs(now);
  }

  /**
   * Takes back a request the Sender could not send yet. Its broker still connecting, it is
   * due again as soon as the Sender wakes (a connection event ends the poll), `waitMs` at the
   * latest; with `forgetCoordinator`, its coordinator is looked up again, after `waitMs`.
   */
  putBack(request: TransactionalRequest, now: number, waitMs: number, forgetCoordinator = false): void {
    this.#requests.putBack(request, now, waitMs, forgetCoordinator);
  }

  /** The coordinator a request goes to, with the address FindCoordinator gave. */
  coordinatorNode(target: CoordinatorTarget): BrokerNode | undefined {
    return this.#requests.coordinator(target);
  }

  /**
   * The brokers refused our credentials: fail the waiting calls now rather than at
   * their timeouts. Their requests stay queued, so calling the same method again
   * (after fixing the credentials on the broker) resumes, as in the Java client.
   */
  authenticationFailed(error: KafkaError): void {
    for (const result of [this.#initResult, this.#endResult, ...this.#offsetResults.splice(0)]) result?.reject(error);
    if (this.#initResult !== undefined) this.#initResult = pending();
    if (this.#endResult !== undefined) this.#endResult = pending();
  }

  /** Fails pending calls when the producer closes. */
  close(error: KafkaError): void {
    for (const result of [this.#initResult, this.#endResult, ...this.#offsetResults]) result?.reject(error);
  }

  /** Puts an answered request back at the head, to be sent again after the backoff. */
  #retry(request: TransactionalRequest, now: number, forgetCoordinator = false, backoffMs = this.#retryBackoffMs): void {
    this.#requests.retry(request, now, backoffMs, forgetCoordinator);
  }

  #fenced(error: KafkaError): ProducerFencedError {
    return error instanceof ProducerFencedError ? error : new ProducerFencedError(
      `TransactionalId ${this.transactionalId}: the producer was fenced by a newer one with the same transactional id (${error.message})`,
      error,
    );
  }

  #fail(error: KafkaError): void {
    this.#state = "FATAL_ERROR";
    this.#lastError = error;
    this.#requests.retain(() => false);
    this.close(error);
  }

  /**
   * Handles an answer: done, retried (coordinator moved, busy, transport failure), or a
   * fenced/fatal error. `onSuccess` runs for error code 0.
   */
  #answer(request: TransactionalRequest, error: KafkaError | undefined, errorCode: number, now: number, onSuccess: () => void): void {
    this.#requests.answered();
    if (this.#state === "FATAL_ERROR") return;
    // A broker that cannot take the request at any version will not later either (Java: fatal on a version mismatch).
    if (error instanceof UnsupportedVersionError) return this.#fail(error);
    if (error !== undefined) {
      if (request.api === AddPartitionsToTxnApi || request.api === AddOffsetsToTxnApi) request.inDoubt = true;
      return this.#retry(request, now, true);
    }
    if (errorCode === 0) return onSuccess();
    const failure = errorForCode(errorCode, `TransactionalId ${this.transactionalId} (${request.api.name})`);
    switch (answerVerdict(request.api, errorCode)) {
      case "retry":
        return this.#retry(request, now);
      case "retry-new-coordinator":
        return this.#retry(request, now, true);
      case "concurrent-transactions": {
        // Java shortens the backoff only for the first AddPartitionsToTxn of a transaction
        // (AddPartitionsToTxnHandler.maybeOverrideRetryBackoffMs): once a partition is in, the
        // transaction is under way and the full backoff applies, as for every other request.
        const first = request.api === AddPartitionsToTxnApi && !this.#partitionsInTransaction.some((state) => state.inTransaction);
        return this.#retry(request, now, false, first ? Math.min(20, this.#retryBackoffMs) : this.#retryBackoffMs);
      }
      case "fenced":
        return this.#fail(this.#fenced(failure));
      case "fatal":
        return this.#fail(failure);
      case "abortable-bump":
        // The producer id the coordinator knows is gone or not ours: the abort bumps the epoch (Java's abortableErrorIfPossible).
        this.#sequences.requestEpochBump();
    }
    // The caller waiting on this request hears its own error; queued ones hear it from #toAbortableError.
    if (request.api === EndTxnApi) this.#endResult?.reject(failure);
    this.#toAbortableError(failure);
  }

  #findCoordinatorRequest(target: CoordinatorTarget): TransactionalRequest {
    const request: TransactionalRequest<FindCoordinatorRequest, FindCoordinatorResponse> = {
      api: FindCoordinatorApi,
      target: "any",
      body: () => ({ keyType: target.keyType, keys: [target.key] }),
      handle: (body, error, now) => {
        const coordinator = body?.coordinators[0];
        this.#answer(request, error, coordinator?.errorCode ?? 0, now, () => {
          if (coordinator === undefined || coordinator.nodeId < 0) return this.#retry(request, now);
          this.#requests.setCoordinator(target, { id: coordinator.nodeId, host: coordinator.host, port: coordinator.port, rack: null });
        });
      },
    };
    return request;
  }

  /** InitProducerId: the first, or (with `bump`) KIP-360's epoch bump of the current id after sequences went out of step. */
  #initProducerIdRequest(bump = false): TransactionalRequest {
    const request: TransactionalRequest<InitProducerIdRequest, InitProducerIdResponse> = {
      api: InitProducerIdApi,
      target: { keyType: CoordinatorKeyType.TRANSACTION, key: this.transactionalId },
      body: () => initProducerIdBody(this.transactionalId, this.#transactionTimeoutMs, this.#sequences, bump),
      handle: (response, error, now) => {
        this.#answer(request, error, response?.errorCode ?? 0, now, () => {
          applyProducerId(this.#sequences, response!);
          if (!this.#moveTo("READY", "complete initTransactions")) return;
          for (const result of [this.#initResult, this.#endResult]) result?.resolve();
          this.#initResult = undefined;
          this.#endResult = undefined;
        });
      },
    };
    return request;
  }

  #addPartitionsRequest(): TransactionalRequest {
    const added = this.#newPartitions.splice(0);
    const byTopic = new Map<string, number[]>();
    for (const state of added) {
      const partitions = byTopic.get(state.topic);
      if (partitions === undefined) byTopic.set(state.topic, [state.partition]);
      else partitions.push(state.partition);
    }
    const topics = [...byTopic].map(([name, partitions]) => ({ name, partitions }));
    const request: TransactionalRequest<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> = {
      api: AddPartitionsToTxnApi,
      target: { keyType: CoordinatorKeyType.TRANSACTION, key: this.transactionalId },
      body: () => ({ transactionalId: this.transactionalId, ...this.#producerFields(), topics }),
      handle: (body, error, now) => {
        const results = body?.resultsByTopic ?? [];
        const firstError = results.flatMap((t) => t.resultsByPartition).find((p) => p.partitionErrorCode !== 0)?.partitionErrorCode ?? 0;
        this.#answer(request, error, firstError, now, () => {
          for (const state of added) {
            state.inTransaction = true;
            state.pendingAdd = false;
          }
          this.#transactionStarted = true;
        });
      },
    };
    return request;
  }

  #addOffsetsRequest(groupId: string, then: TransactionalRequest, result: Pending): TransactionalRequest {
    const request: TransactionalRequest<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> = {
      api: AddOffsetsToTxnApi,
      target: { keyType: CoordinatorKeyType.TRANSACTION, key: this.transactionalId },
      body: () => ({ transactionalId: this.transactionalId, ...this.#producerFields(), groupId }),
      handle: (body, error, now) => {
        this.#answer(request, error, body?.errorCode ?? 0, now, () => {
          // The offsets themselves go to the group coordinator next, unless the transaction must abort.
          this.#transactionStarted = true;
          if (this.#state === "IN_TRANSACTION" || this.#state === "COMMITTING_TRANSACTION") this.#requests.addFirst(then);
        });
        if (this.#state === "ABORTABLE_ERROR" || this.#state === "FATAL_ERROR") result.reject(this.#lastError!);
      },
    };
    return request;
  }

  #txnOffsetCommitRequest(offsets: readonly TransactionOffset[], group: GroupMetadata, result: Pending): TransactionalRequest {
    const byTopic = new Map<string, TransactionOffset[]>();
    for (const offset of offsets) byTopic.set(offset.topic, [...(byTopic.get(offset.topic) ?? []), offset]);
    const request: TransactionalRequest<TxnOffsetCommitRequest, TxnOffsetCommitResponse> = {
      api: TxnOffsetCommitApi,
      target: { keyType: CoordinatorKeyType.GROUP, key: group.groupId },
      maxVersion: this.#transactionV2 ? undefined : TXN_OFFSET_COMMIT_LAST_VERSION_BEFORE_TRANSACTION_V2,
      body: () => ({
        transactionalId: this.transactionalId,
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
          this.#transactionStarted = true;
          this.#offsetResults.splice(this.#offsetResults.indexOf(result), 1);
          result.resolve();
        });
      },
    };
    return request;
  }

  #endTxnRequest(committed: boolean): TransactionalRequest {
    const request: TransactionalRequest<EndTxnRequest, EndTxnResponse> = {
      api: EndTxnApi,
      target: { keyType: CoordinatorKeyType.TRANSACTION, key: this.transactionalId },
      maxVersion: this.#transactionV2 ? undefined : END_TXN_LAST_VERSION_BEFORE_TRANSACTION_V2,
      body: () => ({ transactionalId: this.transactionalId, ...this.#producerFields(), committed }),
      handle: (response, error, now) => {
        this.#answer(request, error, response?.errorCode ?? 0, now, () => {
          // Protocol v2: every EndTxn bumps the epoch, and the sequences start again.
          if (response!.producerId >= 0n) applyProducerId(this.#sequences, response!);
          this.#completeTransaction();
        });
      },
    };
    return request;
  }

  #completeTransaction(): void {
    if (this.#sequences.epochBumpRequired && this.#state === "ABORTING_TRANSACTION") {
      // Protocol v1 keeps the epoch across EndTxn: ask the coordinator for a bumped one (KIP-360)
      // before the next transaction reuses sequences. The abort completes when it arrives.
      this.#leavePartitions();
      this.#transactionStarted = false;
      if (!this.#moveTo("INITIALIZING", "bump the producer epoch")) return;
      this.#requests.addFirst(this.#initProducerIdRequest(true));
      return;
    }
    this.#transactionStarted = false;
    this.#leavePartitions();
    this.#offsetResults.length = 0;
    if (this.#state === "COMMITTING_TRANSACTION") this.#lastCommitted = this.#transactionNumber;
    // Without a producer id (InitProducerId failed abortably) nothing could be sent: initTransactions() comes first again.
    const next = this.#state === "ABORTING_TRANSACTION" && !this.#sequences.hasProducerId() ? "UNINITIALIZED" : "READY";
    if (!this.#moveTo(next, "complete the transaction")) return;
    this.#endResult?.resolve();
    this.#endResult = undefined;
  }

  /** The transaction ended: no partition is in it or waits to be added any more. */
  #leavePartitions(): void {
    for (const state of this.#partitionsInTransaction) {
      state.inTransaction = false;
      state.pendingAdd = false;
    }
    this.#partitionsInTransaction.length = 0;
    this.#newPartitions.length = 0;
  }

  #producerFields(): { producerId: bigint; producerEpoch: number } {
    const { producerId, epoch } = this.#sequences.producerIdAndEpoch;
    return { producerId, producerEpoch: epoch };
  }
}
