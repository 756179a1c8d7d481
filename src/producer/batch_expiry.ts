/**
 * When the Sender gives a batch up for time. As Java's `delivery.timeout.ms`, the bound
 * covers a batch waiting in the accumulator and one sent and not yet answered, so the
 * Sender's in-flight batches are kept here. An expired batch's TimeoutError says what its
 * last attempt met (a broker's error, no answer yet, a leader that could not be reached),
 * since "expired" alone does not tell a user what to fix.
 *
 * @module
 */
import type { NetworkClient } from "../client/network_client.ts";
import { describeConnectionFailure, describeNode } from "../client/connection_failure.ts";
import { type KafkaError, TimeoutError } from "../errors.ts";
import type { ProducerBatch } from "./producer_batch.ts";
import type { ProducerMetadata } from "./producer_metadata.ts";
import type { ResolvedProducerConfig } from "./producer_config.ts";
import type { RecordAccumulator } from "./record_accumulator.ts";
import type { SequenceTracker } from "./sequence_tracker.ts";

/** What a {@link BatchExpiry} works with: the Sender's parts (its `SenderParts` will do), and how it fails a batch. */
export interface BatchExpiryParts {
  /** Where the nodes' addresses and connection failures are asked, for the error's text. */
  client: Pick<NetworkClient, "nodeAddress" | "connectionFailure">;
  metadata: ProducerMetadata;
  /** Where the batches not sent yet wait. */
  accumulator: RecordAccumulator;
  config: Pick<ResolvedProducerConfig, "deliveryTimeoutMs">;
  /** The sequence keeper, when idempotence is on. */
  sequences?: SequenceTracker;
  /** Fails an expired batch as the Sender fails any batch. */
  fail: (batch: ProducerBatch, error: KafkaError) => void;
}

/**
 * The Sender's batches in flight, and the expiry of those and of the queued ones.
 *
 * @example The Sender owns one; see `sender.ts`.
 * ```ts
 * import type { BatchExpiry } from "./batch_expiry.ts";
 * function pollTimeout(expiry: BatchExpiry, now: number): number {
 *   expiry.failExpired(now);
 *   return Math.max(0, expiry.nextIn(now));
 * }
 * ```
 */
export class BatchExpiry {
  readonly #parts: BatchExpiryParts;
  // Batches sent and not yet answered, so they expire on time even in flight.
  readonly #inFlight = new Set<ProducerBatch>();

  /** @param parts What it works with. */
  constructor(parts: BatchExpiryParts) {
    this.#parts = parts;
  }

  /** The batch went out in a produce request. */
  sent(batch: ProducerBatch): void {
    this.#inFlight.add(batch);
  }

  /** The batch's request was answered (or failed): it is no longer in flight, and its partition may send again. */
  answered(batch: ProducerBatch): void {
    if (this.#inFlight.delete(batch)) batch.state.muted = false;
  }

  /** Fails every batch, queued or in flight, that reached the delivery timeout. */
  failExpired(now: number): void {
    const { accumulator, config, sequences } = this.#parts;
    const expired = accumulator.expiredBatches(now);
    for (const batch of this.#inFlight) {
      if (batch.hasReachedDeliveryTimeout(config.deliveryTimeoutMs, now)) expired.push(batch);
    }
    for (const batch of expired) {
      const inFlight = this.#inFlight.delete(batch);
      if (inFlight) {
        batch.state.muted = false;
        // Its request may not be written yet, and holds the batch's bytes by reference.
        batch.reusableBuffer = false;
      }
      sequences?.handleFailed(batch);
      const last = this.#lastAttempt(batch, inFlight);
      this.#parts.fail(
        batch,
        new TimeoutError(
          `Expiring ${batch.recordCount} record(s) for ${batch.topicPartition}: ${
            now - batch.createdMs
          } ms has passed since batch creation` +
            ` (sent ${batch.attempts} time(s)${sequences ? `; ${sequences.describe(batch)}` : ""}); ${last.text}`,
          last.cause,
        ),
      );
    }
  }

  /**
   * For a turn that sends no produce data (it waits for a transactional answer or a producer
   * id): fails what has expired, and returns how long the poll may wait, at most `waitMs`,
   * so the next batch still expires on time.
   */
  expireWhileWaiting(now: number, waitMs: number): number {
    this.failExpired(now);
    return Math.max(0, Math.min(waitMs, this.#parts.accumulator.nextExpiryMs() - now, this.nextIn(now)));
  }

  /** Time until the next batch in flight reaches the delivery timeout. */
  nextIn(now: number): number {
    let earliest = Infinity;
    for (const batch of this.#inFlight) earliest = Math.min(earliest, batch.createdMs + this.#parts.config.deliveryTimeoutMs);
    return earliest - now;
  }

  /** What the expiring batch's last attempt met, for its TimeoutError: the text, and the error as its cause. */
  #lastAttempt(batch: ProducerBatch, inFlight: boolean): { text: string; cause: KafkaError | undefined } {
    const client = this.#parts.client;
    const node = (id: number) => describeNode(id, client.nodeAddress(id));
    const previous = batch.lastError;
    // Errors from the network client name the node already ("node 1 (host:port)", "node 1 at host:port"); a broker's error code does not.
    const named = previous !== undefined && new RegExp(`node ${batch.lastNodeId} [(a]`).test(previous.message);
    const met = previous === undefined ? "" : named ? previous.message : `${previous.message} from ${node(batch.lastNodeId)}`;
    if (inFlight) {
      const unanswered = `the last attempt, to ${node(batch.lastNodeId)}, got no response yet`;
      return { text: previous === undefined ? unanswered : `${unanswered}; the one before met ${met}`, cause: previous };
    }
    if (previous !== undefined) return { text: `the last attempt met ${met}`, cause: previous };
    const leader = this.#parts.metadata.cluster.leaderFor(batch.topic, batch.partition);
    if (leader === undefined) return { text: `never sent: no leader is known for ${batch.topicPartition}`, cause: undefined };
    const failure = client.connectionFailure(leader.id);
    if (failure === undefined) return { text: `never sent: its leader ${node(leader.id)} was not ready`, cause: undefined };
    return {
      text: `never sent: its leader, node ${leader.id}, could not be used: ${describeConnectionFailure(failure)}`,
      cause: failure.error,
    };
  }
}
