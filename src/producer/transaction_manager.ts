/**
 * The TransactionManager, as in the Java client: the transactional producer's state
 * machine, moved by the application's calls, by failed batches and by the answers to the
 * requests it queues (transactional_requests.ts), which the Sender sends one at a time
 * before produce data. It speaks the transaction protocol v2 (KIP-890) when the cluster
 * finalized `transaction.version` >= 2, and v1 otherwise.
 *
 * @module
 */
import { KafkaError, ProducerFencedError, TransactionAbortedError, TransactionStateError } from "../errors.ts";
import type { BrokerNode } from "../client/metadata.ts";
import { ErrorCode, KafkaProtocolError } from "../protocol/error_codes.ts";
import { EndTxnApi } from "../protocol/end_txn.ts";
import type { SequenceTracker } from "./sequence_tracker.ts";
import type { PartitionRegistry, PartitionState } from "./partition_state.ts";
import type {
  CoordinatorTarget,
  GroupMetadata,
  Pending,
  TransactionalRequest,
  TransactionOffset,
  TransactionState,
} from "./transaction_types.ts";
import { TransactionalRequests } from "./transactional_requests.ts";
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
  readonly #sequences: SequenceTracker;
  #state: TransactionState = "UNINITIALIZED";
  #lastError: KafkaError | undefined;
  readonly #requests: TransactionalRequests;
  #transactionV2 = false;
  // Every partition's state, where each one notes whether it is in the transaction.
  readonly #partitions: PartitionRegistry;
  // The partitions added to this transaction or waiting to be, so their flags are cleared when it ends.
  readonly #partitionsInTransaction: PartitionState[] = [];
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
    this.#sequences = sequences;
    this.#partitions = partitions;
    this.#requests = new TransactionalRequests({
      transactionalId,
      transactionTimeoutMs,
      retryBackoffMs,
      sequences,
      offsetResults: this.#offsetResults,
      state: () => this.#state,
      lastError: () => this.#lastError,
      hasPartitionInTransaction: () => this.#partitionsInTransaction.some((state) => state.inTransaction),
      initialized: () => {
        if (!this.#moveTo("READY", "complete initTransactions")) return;
        for (const result of [this.#initResult, this.#endResult]) result?.resolve();
        this.#initResult = undefined;
        this.#endResult = undefined;
      },
      ended: () => this.#completeTransaction(),
      fail: (error) => this.#fail(error),
      fenced: (error) => this.#fail(this.#fenced(error)),
      abortable: (request, error) => {
        // The caller waiting on this request hears its own error; queued ones hear it from #toAbortableError.
        if (request.api === EndTxnApi) this.#endResult?.reject(error);
        this.#toAbortableError(error);
      },
    });
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
      this.#requests.dropQueued();
      this.#endResult?.reject(error);
      this.#endResult = undefined;
      return;
    }
    const initializing = this.#state === "INITIALIZING";
    if (!this.#moveTo("ABORTABLE_ERROR", "handle an error", error)) return;
    this.#requests.dropQueued();
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
    this.#requests.initProducerId();
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
      this.#requests.partitionAddedByProduce();
      return;
    }
    this.#requests.addPartition(state);
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
    this.#requests.sendOffsets(offsets, group, this.#transactionV2, result);
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
    this.#requests.dropNewPartitions();
    return this.#beginEnd(false, mappingLost);
  }

  #beginEnd(committed: boolean, skipEndTxn = false): Promise<void> {
    const result = this.#endResult = pending();
    if (skipEndTxn) this.#completeTransaction();
    else this.#requests.endTransaction(committed, this.#transactionV2);
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
    return this.#requests.hasInFlight;
  }

  /** The next transactional request to send, if any is due (see {@link TransactionalRequests.next}). */
  nextRequest(now: number, hasIncompleteBatches: boolean): TransactionalRequest | undefined {
    return this.#requests.next(now, hasIncompleteBatches);
  }

  /** How long until {@link nextRequest} may have something (Infinity when nothing waits). */
  timeToNextRequest(now: number): number {
    return this.#requests.timeToNext(now);
  }

  /** Takes back a request the Sender could not send yet (see {@link TransactionalRequests.putBack}). */
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

  #fenced(error: KafkaError): ProducerFencedError {
    return error instanceof ProducerFencedError ? error : new ProducerFencedError(
      `TransactionalId ${this.transactionalId}: the producer was fenced by a newer one with the same transactional id (${error.message})`,
      error,
    );
  }

  #fail(error: KafkaError): void {
    this.#state = "FATAL_ERROR";
    this.#lastError = error;
    this.#requests.dropAll();
    this.close(error);
  }

  #completeTransaction(): void {
    if (this.#sequences.epochBumpRequired && this.#state === "ABORTING_TRANSACTION") {
      // Protocol v1 keeps the epoch across EndTxn: ask the coordinator for a bumped one (KIP-360)
      // before the next transaction reuses sequences. The abort completes when it arrives.
      this.#leavePartitions();
      if (!this.#moveTo("INITIALIZING", "bump the producer epoch")) return;
      this.#requests.bumpEpoch();
      return;
    }
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
    this.#requests.transactionEnded();
  }
}
