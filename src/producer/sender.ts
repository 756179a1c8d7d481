/**
 * The Sender, as in the Java client: one loop that asks the accumulator which leaders
 * have sendable batches, makes sure those connections are ready, drains batches into
 * one produce request per broker, and handles the responses (complete, retry with
 * backoff, split, or fail); what waited too long expires through its {@link BatchExpiry}.
 * It is the only writer to the network.
 *
 * @module
 */
import type { Logger } from "../logger.ts";
import type { Clock } from "../clock.ts";
import type { NetworkClient } from "../client/network_client.ts";
import type { ClientResponse } from "../client/client_request.ts";
import { KafkaError, TransactionAbortedError } from "../errors.ts";
import { ErrorCode, errorInfo } from "../protocol/error_codes.ts";
import type { ProduceRequest, ProduceResponse } from "../protocol/produce.ts";
import { ProduceApi } from "../protocol/produce.ts";
import type { ProducerBatch } from "./producer_batch.ts";
import type { ProducerMetadata } from "./producer_metadata.ts";
import type { ResolvedProducerConfig } from "./producer_config.ts";
import type { ProducerMetrics } from "./producer_metrics.ts";
import type { DrainPolicy, RecordAccumulator } from "./record_accumulator.ts";
import type { SequenceTracker } from "./sequence_tracker.ts";
import type { TransactionManager } from "./transaction_manager.ts";
import { isFatalProducerError } from "./transaction_types.ts";
import { IdempotentProducerId } from "./producer_id.ts";
import { NEVER_SENT, produceOutcomes } from "./produce_outcome.ts";
import { BatchExpiry } from "./batch_expiry.ts";

/** What the Sender uses of the NetworkClient (tests give it a fake one, as Java's SenderTest uses MockClient). */
export type SenderClient = Pick<
  NetworkClient,
  | "ready"
  | "connectionDelay"
  | "send"
  | "poll"
  | "wakeup"
  | "inFlightRequestCount"
  | "close"
  | "leastLoadedNode"
  | "takeAuthenticationFailure"
  | "knowsNode"
  | "connectionFailed"
  | "connectionFailure"
  | "nodeAddress"
  | "registerNode"
>;

/** The Sender's settings, named as the producer's configuration. */
export type SenderConfig =
  & Pick<ResolvedProducerConfig, "acks" | "retries" | "requestTimeoutMs" | "deliveryTimeoutMs" | "maxRequestSize" | "retryBackoffMs">
  & {
    /** One batch in flight per partition (maxInFlightRequestsPerConnection = 1), so retries cannot reorder. */
    guaranteeMessageOrder: boolean;
    /** Where a failure of the loop itself is reported (default: nowhere). */
    logger?: Logger;
  };

/** What a {@link Sender} works with. */
export interface SenderParts {
  /** The network client; the Sender owns its poll loop. */
  client: SenderClient;
  metadata: ProducerMetadata;
  /** Where the batches wait. */
  accumulator: RecordAccumulator;
  config: SenderConfig;
  clock: Clock;
  /** The sequence keeper, when idempotence is on. */
  sequences?: SequenceTracker;
  /** The transaction manager, for a transactional producer. */
  transactions?: TransactionManager;
  /** Where requests, retries and errors are counted. */
  metrics?: ProducerMetrics;
}

/**
 * Moves batches from the accumulator to the brokers.
 *
 * @example See `KafkaProducer`, which owns one.
 * ```ts
 * import type { Sender } from "./sender.ts";
 * async function stop(sender: Sender) {
 *   sender.initiateClose();
 *   await sender.stopped;
 * }
 * ```
 */
export class Sender {
  readonly #client: SenderClient;
  readonly #metadata: ProducerMetadata;
  readonly #accumulator: RecordAccumulator;
  readonly #config: SenderConfig;
  readonly #clock: Clock;
  // The batches in flight, and when any batch is given up for time.
  readonly #expiry: BatchExpiry;
  // Produce requests not answered yet, their batches expired or not: EndTxn waits for them, since
  // one still on its way would reach its broker after the transaction's marker.
  #unansweredProduceRequests = 0;
  // Sequence numbers and the producer id, when idempotence is on.
  readonly #sequences: SequenceTracker | undefined;
  // The transactional state machine, when a transactionalId is set.
  readonly #transactions: TransactionManager | undefined;
  // The idempotent (not transactional) producer's InitProducerId.
  readonly #producerId: IdempotentProducerId | undefined;
  readonly #drainPolicy: DrainPolicy;
  readonly #assignSplitSequences: ((original: ProducerBatch, pieces: readonly ProducerBatch[]) => void) | undefined;
  #fatalError: KafkaError | undefined;
  // Where requests, retries and errors are counted, when the producer keeps metrics.
  readonly #metrics: ProducerMetrics | undefined;
  #running = true;
  #forceClose = false;
  /** Resolves when the loop has ended. */
  readonly stopped: Promise<void>;
  #resolveStopped!: () => void;

  /** Takes the network client (the Sender owns its poll loop), the metadata, the accumulator and the rest in {@link SenderParts}. */
  constructor(parts: SenderParts) {
    const { sequences, transactions, config } = parts;
    this.#client = parts.client;
    this.#metadata = parts.metadata;
    this.#accumulator = parts.accumulator;
    this.#config = config;
    this.#clock = parts.clock;
    this.#metrics = parts.metrics;
    this.#sequences = sequences;
    this.#transactions = transactions;
    this.#producerId = sequences === undefined || transactions !== undefined
      ? undefined
      : new IdempotentProducerId(sequences, config.retryBackoffMs, (error) => this.#fatalError ??= error);
    this.#drainPolicy = {
      canDrain: (batch) =>
        (transactions === undefined || batch.state.inTransaction) && (sequences === undefined || sequences.canDrain(batch)),
      prepare: (batch) => {
        // With one batch in flight per partition, the partition is muted until it is answered.
        if (config.guaranteeMessageOrder) batch.state.muted = true;
        sequences?.stamp(batch, transactions !== undefined);
      },
      stampsProducerState: sequences !== undefined,
    };
    this.#expiry = new BatchExpiry({ ...parts, fail: (batch, error) => this.#failBatch(batch, error) });
    this.#assignSplitSequences = sequences === undefined ? undefined : (original, pieces) => sequences.handleSplit(original, pieces);
    this.stopped = new Promise((resolve) => this.#resolveStopped = resolve);
  }

  /**
   * The loop. After {@link initiateClose} it keeps going until every batch is sent and
   * answered; after {@link forceClose} it fails what is left and stops.
   */
  async run(): Promise<void> {
    try {
      while (this.#running) await this.runOnce();
      while (!this.#forceClose && (this.#accumulator.hasUndrained() || this.#client.inFlightRequestCount() > 0)) {
        await this.runOnce();
      }
      await this.#endTransactionOnClose();
      if (this.#forceClose) {
        // As Java's Sender: pending transactional calls fail too, not only the batches.
        const closed = new KafkaError("Producer is closed forcefully.");
        this.#transactions?.close(closed);
        this.#accumulator.abortIncompleteBatches(closed);
      }
    } catch (error) {
      // A bug in the loop must not leave anything hanging: sends, metadata waits and
      // transactional calls fail with the cause, and later sends fail at once.
      const failure = new KafkaError(`the producer's sender failed: ${error}`, { cause: error });
      this.#config.logger?.error(`the producer's sender failed: ${(error as Error)?.stack ?? error}`);
      this.#fatalError ??= failure;
      this.#accumulator.abortIncompleteBatches(failure);
      this.#metadata.failWaiters(failure);
      this.#transactions?.close(failure);
    } finally {
      this.#client.close();
      this.#resolveStopped();
    }
  }

  /**
   * A graceful close, as Java's Sender: a commit or abort under way is finished, and a
   * transaction left open is aborted, so read_committed readers need not wait for the
   * coordinator's transaction timeout. Bounded by the delivery timeout, as the rest of close.
   */
  async #endTransactionOnClose(): Promise<void> {
    const transactions = this.#transactions;
    if (transactions === undefined) return;
    const deadline = this.#clock.now() + this.#config.deliveryTimeoutMs;
    while (!this.#forceClose && transactions.hasOngoingTransaction && this.#clock.now() < deadline) {
      if (!transactions.isEnding) {
        try {
          this.#config.logger?.info(`aborting the open transaction of ${transactions.transactionalId} on close`);
          void transactions.beginAbort();
        } catch (error) {
          // Not abortable (a fatal error came first): nothing more to do for it.
          this.#config.logger?.warn(`could not abort the transaction on close: ${error}`);
          return;
        }
      }
      await this.runOnce();
    }
  }

  /** One turn: send what is ready, then poll the network. */
  async runOnce(): Promise<void> {
    const now = this.#clock.now();
    const sequences = this.#sequences;
    const authenticationFailure = this.#client.takeAuthenticationFailure();
    if (authenticationFailure !== undefined) {
      // The same credentials fail again: what waits for the cluster fails now, not at its timeout.
      // Records of an open transaction were dropped: it must not commit without them.
      if (this.#accumulator.abortUndrainedBatches(authenticationFailure) > 0) this.#transactions?.handleBatchFailure(authenticationFailure);
      this.#metadata.failWaiters(authenticationFailure);
      this.#transactions?.authenticationFailed(authenticationFailure);
    }
    if (this.#fatalError !== undefined) {
      this.#accumulator.abortIncompleteBatches(this.#fatalError);
      await this.#client.poll(this.#config.retryBackoffMs, now);
      return;
    }
    const transactions = this.#transactions;
    if (transactions !== undefined) {
      if (transactions.hasFatalError) {
        this.#accumulator.abortIncompleteBatches(transactions.lastError!);
        await this.#client.poll(this.#config.retryBackoffMs, now);
        return;
      }
      // Sequences out of step inside a transaction: the transaction cannot commit (Java makes it abortable too).
      if (sequences?.epochBumpRequired && (transactions.state === "IN_TRANSACTION" || transactions.state === "COMMITTING_TRANSACTION")) {
        transactions.handleBatchFailure(
          new TransactionAbortedError("the broker and the producer disagree on sequence numbers; abort the transaction"),
        );
      }
      if (transactions.isAborting) this.#accumulator.abortUndrainedBatches(new TransactionAbortedError("the transaction was aborted"));
      else if (transactions.state === "ABORTABLE_ERROR") this.#accumulator.abortUndrainedBatches(transactions.lastError!);
      // Transactional requests go one at a time, before produce data. Batches waiting meanwhile (for
      // AddPartitionsToTxn, say) still expire on time.
      if (transactions.hasInFlightRequest || this.#maybeSendTransactionalRequest(transactions, now)) {
        await this.#client.poll(this.#expiry.expireWhileWaiting(now, this.#config.requestTimeoutMs), now);
        return;
      }
    }
    if (sequences !== undefined) {
      if (sequences.epochBumpRequired && transactions === undefined) {
        sequences.bumpEpoch();
        this.#config.logger?.info(
          `bumped the producer epoch: ${JSON.stringify(sequences.producerIdAndEpoch, (_, v) => typeof v === "bigint" ? `${v}` : v)}`,
        );
      }
      if (!sequences.hasProducerId()) {
        // Nothing is sent before the broker gave a producer id.
        const waitMs = this.#producerId !== undefined ? this.#maybeInitProducerId(this.#producerId, now) : this.#config.retryBackoffMs;
        await this.#client.poll(this.#expiry.expireWhileWaiting(now, waitMs), now);
        return;
      }
    }
    const pollTimeout = Math.min(this.sendProducerData(now), transactions?.timeToNextRequest(now) ?? Infinity);
    await this.#client.poll(pollTimeout, now);
  }

  /** Sends the transaction manager's next request, if one is due and its broker is ready. */
  #maybeSendTransactionalRequest(transactions: TransactionManager, now: number): boolean {
    const request = transactions.nextRequest(now, this.#accumulator.hasIncomplete() || this.#unansweredProduceRequests > 0);
    if (request === undefined) return false;
    const coordinator = request.target === "any" ? undefined : transactions.coordinatorNode(request.target);
    // Connectable even before the metadata lists it (a broker newer than our metadata), as Java uses FindCoordinator's node.
    if (coordinator !== undefined) this.#client.registerNode(coordinator);
    const nodeId = request.target === "any" ? this.#client.leastLoadedNode(now)?.id : coordinator?.id;
    if (nodeId === undefined || !this.#client.ready(nodeId, now)) {
      // Not connected yet (ready() started connecting): hand it back; the connection's progress
      // wakes the loop, so no short timer spins meanwhile. A coordinator that refuses
      // connections may have moved: as in Java, it is looked up again after the backoff.
      const lookUpAgain = nodeId !== undefined && (!this.#client.knowsNode(nodeId) || this.#client.connectionFailed(nodeId, now));
      const waitMs = lookUpAgain || nodeId === undefined
        ? this.#config.retryBackoffMs
        : Math.min(this.#client.connectionDelay(nodeId, now), this.#config.requestTimeoutMs);
      transactions.putBack(request, now, waitMs, lookUpAgain);
      return false;
    }
    this.#client.send({
      destination: nodeId,
      api: request.api,
      body: request.body(),
      maxVersion: request.maxVersion,
      callback: (response) => request.handle(response.body, response.error, response.receivedMs),
    }, now);
    return true;
  }

  /** The error that stopped the producer for good (e.g. not authorized to be idempotent), if any. */
  get fatalError(): KafkaError | undefined {
    return this.#fatalError;
  }

  /** Asks the least loaded broker for a producer id, when one is due; returns how long to poll meanwhile. */
  #maybeInitProducerId(producerId: IdempotentProducerId, now: number): number {
    const waitMs = producerId.waitMs(now);
    if (waitMs > 0) return Math.min(waitMs, this.#config.requestTimeoutMs);
    const node = this.#client.leastLoadedNode(now);
    if (node === undefined || !this.#client.ready(node.id, now)) return this.#config.retryBackoffMs;
    const request = producerId.next(now)!;
    this.#client.send({
      destination: node.id,
      api: request.api,
      body: request.body(),
      callback: (response) => request.handle(response.body, response.error, response.receivedMs),
    }, now);
    return this.#config.requestTimeoutMs;
  }

  /** Drains ready batches into produce requests; returns how long the poll may wait. */
  sendProducerData(now: number): number {
    const cluster = this.#metadata.cluster;
    const result = this.#accumulator.ready(cluster, now);
    if (result.unknownLeaderTopics.size > 0) {
      for (const topic of result.unknownLeaderTopics) this.#metadata.addTopic(topic);
      this.#metadata.requestUpdate();
    }
    let notReadyTimeout = Infinity;
    for (const nodeId of [...result.readyNodes]) {
      const ready = this.#client.ready(nodeId, now);
      this.#accumulator.updateNodeLatencyStats(nodeId, now, ready);
      if (!ready) {
        result.readyNodes.delete(nodeId);
        notReadyTimeout = Math.min(notReadyTimeout, this.#client.connectionDelay(nodeId, now));
      }
    }
    const batches = this.#accumulator.drain(cluster, result.readyNodes, this.#config.maxRequestSize, now, this.#drainPolicy);
    this.#expiry.failExpired(now);

    let pollTimeout = Math.min(result.nextReadyCheckDelayMs, notReadyTimeout, this.#expiry.nextIn(now), result.nextBatchExpiryMs - now);
    // Something went: more may be sendable at once (another batch of a busy node), so loop without waiting. A ready
    // batch the drain refused (its partition waits for an answer) is not a reason to spin: the answer wakes the poll.
    if (batches.size > 0) pollTimeout = 0;
    for (const [nodeId, nodeBatches] of batches) this.#sendProduceRequest(nodeId, nodeBatches, now);
    return Math.max(pollTimeout, 0);
  }

  /** Stops taking new turns once everything pending is sent. */
  initiateClose(): void {
    this.#running = false;
    this.#accumulator.close(new KafkaError("the producer is closing"));
    this.wakeup();
  }

  /** Stops now, failing whatever has not been sent. */
  forceClose(): void {
    this.#forceClose = true;
    this.initiateClose();
  }

  /** Wakes the loop if it waits in poll. */
  wakeup(): void {
    this.#client.wakeup();
  }

  #sendProduceRequest(nodeId: number, batches: ProducerBatch[], now: number): void {
    const byTopic = new Map<string, { index: number; records: Uint8Array }[]>();
    for (const batch of batches) {
      let partitions = byTopic.get(batch.topic);
      if (partitions === undefined) byTopic.set(batch.topic, partitions = []);
      partitions.push({ index: batch.partition, records: batch.bytes! });
      batch.attempts++;
      batch.lastAttemptMs = now;
      batch.lastNodeId = nodeId;
      this.#expiry.sent(batch);
    }
    // The drain gave this request batches of one profile's acks and timeout (or of none: the producer's own).
    const profile = batches[0].profile;
    const acks = profile === undefined ? this.#config.acks : profile.acks;
    const body: ProduceRequest = {
      transactionalId: this.#transactions?.transactionalId ?? null,
      acks,
      timeoutMs: profile === undefined ? this.#config.requestTimeoutMs : profile.timeoutMs,
      topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })),
    };
    this.#metrics?.recordProduceRequest(batches, now);
    if (this.#config.acks !== 0) this.#unansweredProduceRequests++;
    this.#client.send({
      destination: nodeId,
      api: ProduceApi,
      body,
      expectResponse: acks !== 0,
      // Transaction protocol v1 must not use Produce v12, which adds partitions implicitly.
      maxVersion: this.#transactions !== undefined && !this.#transactions.transactionV2 ? 11 : undefined,
      callback: (response) => this.#handleProduceResponse(response, batches),
    }, now);
  }

  #handleProduceResponse(response: ClientResponse<ProduceResponse>, batches: ProducerBatch[]): void {
    const now = response.receivedMs;
    if (this.#config.acks !== 0) this.#unansweredProduceRequests--;
    if (response.error === undefined && response.body !== undefined) {
      this.#metrics?.recordProduceResponse(now - response.request.createdMs, response.body.throttleTimeMs, now);
    }
    for (const o of produceOutcomes(response, batches, this.#accumulator.partitions, this.#transactions)) {
      this.#completeBatch(o.batch, o.errorCode, o.error, o.baseOffset, o.logAppendTimeMs, now, o.recordErrors, o.logStartOffset);
    }
  }

  #completeBatch(
    batch: ProducerBatch,
    errorCode: number,
    error: KafkaError | undefined,
    baseOffset: number,
    logAppendTimeMs: number,
    now: number,
    recordErrors?: (index: number) => Error,
    logStartOffset = -1,
  ): void {
    this.#expiry.answered(batch);
    if (batch.finalState !== undefined) return;
    // The broker already has these sequences: the batch was written by an earlier attempt.
    if (error === undefined || (errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER && this.#sequences !== undefined)) {
      this.#sequences?.handleCompleted(batch);
      batch.complete(baseOffset, logAppendTimeMs, logStartOffset);
      this.#accumulator.deallocate(batch);
      return;
    }
    if (errorCode === ErrorCode.MESSAGE_TOO_LARGE && batch.recordCount > 1) {
      // The pieces take the batch's sequences, in its place.
      this.#accumulator.splitAndReenqueue(batch, now, this.#assignSplitSequences);
      this.#metrics?.recordBatchSplit(now);
      return;
    }
    const sequenceVerdict = this.#sequences?.retryForSequenceError(batch, errorCode, this.#transactions !== undefined);
    const retriable = errorCode !== NEVER_SENT && (sequenceVerdict ?? (error.retriable || errorCode === ErrorCode.NETWORK_EXCEPTION));
    if (retriable && batch.attempts <= this.#config.retries && !batch.hasReachedDeliveryTimeout(this.#config.deliveryTimeoutMs, now)) {
      this.#config.logger?.debug(
        `retrying ${batch.topicPartition} (sequence ${batch.baseSequence}, epoch ${batch.producerEpoch}, attempt ${batch.attempts}): ${error.message}`,
      );
      batch.lastError = error;
      this.#accumulator.reenqueue(batch, now);
      this.#metrics?.recordRetries(batch.recordCount, now);
    } else {
      this.#sequences?.handleFailed(batch);
      this.#failBatch(batch, error, recordErrors);
    }
    if (errorCode === ErrorCode.NETWORK_EXCEPTION || errorInfo(errorCode)?.invalidMetadata) this.#metadata.requestUpdate();
  }

  #failBatch(batch: ProducerBatch, error: KafkaError, recordErrors?: (index: number) => Error): void {
    this.#transactions?.handleBatchFailure(error);
    // Not authorized to be idempotent (and the like): the idempotent producer stops, as in Java.
    if (this.#sequences !== undefined && this.#transactions === undefined && isFatalProducerError(error)) this.#fatalError ??= error;
    if (batch.fail(error, "failed", recordErrors)) this.#metrics?.recordErrors(batch.recordCount, this.#clock.now());
    this.#accumulator.deallocate(batch);
  }
}
