/**
 * What modules built over the producer (the KafkaJS facade) need of it beyond the
 * Java-shaped public API: a send with its own acks, compression and timeout, and a view
 * of the requests on the wire. Not exported from the package's entry points; the
 * KafkaProducer class fills these in when it loads.
 *
 * @module
 */
import type { NetworkObserver } from "../client/network_observer.ts";
import type { KafkaProducer } from "./kafka_producer.ts";
import type { ProducerRecord } from "./producer_record.ts";
import type { DetailedRecordMetadata, SendProfile } from "./send_profile.ts";
import type { SendCallback } from "./send_callback.ts";

/**
 * Access to a producer's internals, for the modules above it.
 *
 * @example
 * ```ts
 * import { KafkaProducer } from "./kafka_producer.ts";
 * import { producerInternals } from "./producer_internals.ts";
 * const producer = new KafkaProducer({ bootstrapServers: "127.0.0.1:9092", enableIdempotence: false });
 * producerInternals.send(producer, { topic: "t", value: "v" }, { acks: 1, compression: null, timeoutMs: 5000 }, (error, metadata) => {
 *   console.log(error ?? metadata.logStartOffset);
 * });
 * ```
 */
export interface ProducerInternals {
  /**
   * Sends one record with its own profile (see {@link SendProfile}) and calls back with the
   * detailed metadata, as `send(record, callback)` does. An idempotent producer refuses acks
   * other than -1 with a ConfigError.
   */
  send<K, V>(
    producer: KafkaProducer<K, V>,
    record: ProducerRecord<K, V>,
    profile: SendProfile,
    callback: SendCallback<DetailedRecordMetadata>,
  ): void;
  /** Reports the producer's requests to `observer` (one observer per producer; undefined removes it). */
  observeNetwork(producer: KafkaProducer<unknown, unknown>, observer: NetworkObserver | undefined): void;
}

const unloaded = (): never => {
  throw new Error("KafkaProducer has not been loaded");
};

/**
 * The producer's internals, filled in by `kafka_producer.ts` when it loads.
 *
 * @example
 * ```ts
 * import { producerInternals } from "./producer_internals.ts";
 * console.log(typeof producerInternals.send); // "function"
 * ```
 */
export const producerInternals: ProducerInternals = { send: unloaded, observeNetwork: unloaded };
