/**
 * The producer id's life, in one place: the InitProducerId request and how its answer
 * sets the id and epoch that every batch is stamped with. An idempotent producer asks any
 * broker, retries retriable failures after the backoff and stops for good on any other (as
 * Java's `bumpIdempotentEpochAndResetIdIfNeeded`); a transactional producer asks its
 * coordinator through the TransactionManager, with the same request and the same answer.
 *
 * @module
 */
import type { KafkaError } from "../errors.ts";
import { errorForCode } from "../protocol/error_codes.ts";
import { InitProducerIdApi, type InitProducerIdRequest, type InitProducerIdResponse } from "../protocol/init_producer_id.ts";
import type { SequenceTracker } from "./sequence_tracker.ts";
import type { TransactionalRequest } from "./transaction_types.ts";

/** The transaction timeout Java's idempotent producer sends: it has no transactions to time out. */
const IDEMPOTENT_TRANSACTION_TIMEOUT_MS = 2_147_483_647;

/**
 * The InitProducerId request's body: with `bump`, KIP-360's bump of the current id's epoch.
 *
 * @example
 * ```ts
 * import { initProducerIdBody } from "./producer_id.ts";
 * import { SequenceTracker } from "./sequence_tracker.ts";
 * console.log(initProducerIdBody("orders-app", 60000, new SequenceTracker(), false).transactionalId); // "orders-app"
 * ```
 */
export function initProducerIdBody(
  transactionalId: string | null,
  transactionTimeoutMs: number,
  sequences: SequenceTracker,
  bump: boolean,
): InitProducerIdRequest {
  if (!bump) return { transactionalId, transactionTimeoutMs };
  const { producerId, epoch } = sequences.producerIdAndEpoch;
  return { transactionalId, transactionTimeoutMs, producerId, producerEpoch: epoch };
}

/** Takes the id and epoch a successful InitProducerId (or protocol v2's EndTxn) answered with. */
export function applyProducerId(sequences: SequenceTracker, response: { producerId: bigint; producerEpoch: number }): void {
  sequences.setProducerIdAndEpoch({ producerId: response.producerId, epoch: response.producerEpoch });
}

/**
 * The idempotent producer's InitProducerId: one at a time, retried after `retryBackoffMs`
 * when the failure is retriable; any other failure is the producer's fatal error.
 *
 * @example
 * ```ts
 * import { IdempotentProducerId } from "./producer_id.ts";
 * import { SequenceTracker } from "./sequence_tracker.ts";
 * const producerId = new IdempotentProducerId(new SequenceTracker(), 100, (error) => console.error(error));
 * console.log(producerId.next(0)?.api.name); // "InitProducerId"
 * ```
 */
export class IdempotentProducerId {
  readonly #sequences: SequenceTracker;
  readonly #retryBackoffMs: number;
  readonly #onFatal: (error: KafkaError) => void;
  #inFlight = false;
  #notBeforeMs = 0;

  /** `onFatal` hears a failure no retry mends (not authorized to be idempotent, say). */
  constructor(sequences: SequenceTracker, retryBackoffMs: number, onFatal: (error: KafkaError) => void) {
    this.#sequences = sequences;
    this.#retryBackoffMs = retryBackoffMs;
    this.#onFatal = onFatal;
  }

  /** How long until {@link next} may have a request (0: now; Infinity: one is in flight). */
  waitMs(now: number): number {
    return this.#inFlight ? Infinity : Math.max(0, this.#notBeforeMs - now);
  }

  /** The request to send now, if one is due; its answer comes back through its `handle`. */
  next(now: number): TransactionalRequest<InitProducerIdRequest, InitProducerIdResponse> | undefined {
    if (this.waitMs(now) > 0) return undefined;
    this.#inFlight = true;
    return {
      api: InitProducerIdApi,
      target: "any",
      body: () => initProducerIdBody(null, IDEMPOTENT_TRANSACTION_TIMEOUT_MS, this.#sequences, false),
      handle: (response, transportError, receivedMs) => {
        this.#inFlight = false;
        const error = transportError ??
          (response !== undefined && response.errorCode !== 0 ? errorForCode(response.errorCode, "InitProducerId") : undefined);
        if (error === undefined && response !== undefined) applyProducerId(this.#sequences, response);
        else if (error?.retriable) this.#notBeforeMs = receivedMs + this.#retryBackoffMs;
        else if (error !== undefined) this.#onFatal(error);
      },
    };
  }
}
