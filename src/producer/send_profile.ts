/**
 * Settings the Java-shaped API keeps per producer (acks, compression, how long the broker
 * may wait for acknowledgements) given per send instead, for modules above the producer
 * whose users set them per call (the KafkaJS facade, where `send({ acks, timeout,
 * compression })` is everyday code). A batch holds the records of one profile only; a
 * produce request carries the batches of one acks and timeout only.
 *
 * @module
 */
import type { CompressionCodec } from "../compression/mod.ts";
import type { RecordMetadata } from "./producer_record.ts";

/**
 * How the records of one send travel. Compare by identity: keep one object per distinct
 * combination, so records of equal settings share batches.
 *
 * @example
 * ```ts
 * import type { SendProfile } from "./send_profile.ts";
 * const leaderOnly: SendProfile = { acks: 1, compression: null, timeoutMs: 30000 };
 * ```
 */
export interface SendProfile {
  /** Acknowledgements the broker waits for: -1 all in-sync replicas, 1 the leader, 0 none (no response). */
  readonly acks: -1 | 0 | 1;
  /** The codec the batches are compressed with (loaded already), or null for none. */
  readonly compression: CompressionCodec | null;
  /** How long the broker may wait for the acknowledgements (the produce request's timeout), in ms. */
  readonly timeoutMs: number;
}

/**
 * Where a record sent with a {@link SendProfile} was written, with what the produce
 * response said of its partition besides the offset.
 *
 * @example
 * ```ts
 * import type { DetailedRecordMetadata } from "./send_profile.ts";
 * const md: DetailedRecordMetadata = { topic: "t", partition: 0, offset: 7, timestamp: 1, logAppendTime: -1, logStartOffset: 0 };
 * ```
 */
export interface DetailedRecordMetadata extends RecordMetadata {
  /** The broker's log-append time for topics that use it; -1 for create-time topics and with acks=0. */
  logAppendTime: number;
  /** The partition's log start offset as the broker answered; -1 when it did not say (acks=0). */
  logStartOffset: number;
}

/**
 * Whether batches of these two profiles may travel in one produce request (same acks and
 * timeout; undefined is the producer's own settings).
 *
 * @example
 * ```ts
 * import { sameRequest } from "./send_profile.ts";
 * console.log(sameRequest({ acks: 1, compression: null, timeoutMs: 5 }, { acks: 1, compression: null, timeoutMs: 5 })); // true
 * ```
 */
export function sameRequest(a: SendProfile | undefined, b: SendProfile | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.acks === b.acks && a.timeoutMs === b.timeoutMs);
}
