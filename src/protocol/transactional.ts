/**
 * What the transaction coordinator's requests and answers share: every transactional
 * request names the transactional id and the producer id and epoch the coordinator checks,
 * and most answers are a throttle time and one error code.
 *
 * @module
 */

import { writeString } from "./fields.ts";
import type { Writer } from "./writer.ts";

/** The producer a transactional request speaks for. */
export interface TransactionalProducer {
  /** The transactional id. */
  transactionalId: string;
  /** The producer id in use by the transactional id. */
  producerId: bigint;
  /** The producer epoch. */
  producerEpoch: number;
}

/** A coordinator's answer: a throttle time and one error code. */
export interface CoordinatorResult {
  /** Throttle time in milliseconds. */
  throttleTimeMs: number;
  /** The error code, or 0. */
  errorCode: number;
}

/**
 * A coordinator's answer that hands the producer an id and epoch to use from now on:
 * InitProducerId's, and EndTxn's from v5 (transaction protocol v2 bumps the epoch on
 * every commit or abort).
 */
export interface ProducerIdResult extends CoordinatorResult {
  /** The producer id, or -1 (an error; EndTxn before v5: unchanged). */
  producerId: bigint;
  /** The producer epoch, or -1 (an error; EndTxn before v5: unchanged). */
  producerEpoch: number;
}

/**
 * Writes the transactional id, producer id and producer epoch, in that order, as
 * AddPartitionsToTxn, AddOffsetsToTxn and EndTxn begin.
 *
 * @example
 * ```ts
 * import { Writer } from "./writer.ts";
 * import { writeTransactionalProducer } from "./transactional.ts";
 * const w = new Writer();
 * writeTransactionalProducer(w, true, { transactionalId: "t", producerId: 7n, producerEpoch: 0 });
 * console.log(w.finish().length); // 2 + 8 + 2
 * ```
 */
export function writeTransactionalProducer(w: Writer, flexible: boolean, producer: TransactionalProducer): Writer {
  return writeString(w, flexible, producer.transactionalId).int64(producer.producerId).int16(producer.producerEpoch);
}
