/**
 * KafkaJS's producer API on every runtime: change `from "kafkajs"` to
 * `from "@edge-kafka/producer/kafkajs"` and KafkaJS producer code runs on Deno, Bun, Node
 * and Cloudflare Workers, on this client's batching, idempotent and transactional core.
 * `Kafka`, `producer()` (send, sendBatch, transactions, events), `admin()` (topics),
 * `Partitioners`, `CompressionTypes`, `logLevel` and KafkaJS's error classes, under their
 * names. `kafka.consumer()` is not here: this package is a producer.
 *
 * @example Send, as KafkaJS's documentation does
 * ```ts
 * import { CompressionTypes, Kafka } from "./mod.ts";
 * const kafka = new Kafka({ clientId: "my-app", brokers: ["127.0.0.1:9092"] });
 * const producer = kafka.producer();
 * await producer.connect();
 * await producer.send({
 *   topic: "test-topic",
 *   compression: CompressionTypes.GZIP,
 *   messages: [{ key: "key1", value: "hello world" }, { key: "key2", value: "hey hey!" }],
 * });
 * await producer.disconnect();
 * ```
 *
 * @example A transaction
 * ```ts
 * import { Kafka } from "./mod.ts";
 * const producer = new Kafka({ brokers: ["127.0.0.1:9092"] }).producer({ transactionalId: "my-transactional-producer", maxInFlightRequests: 1 });
 * await producer.connect();
 * const transaction = await producer.transaction();
 * try {
 *   await transaction.send({ topic: "test-topic", messages: [{ value: "in a transaction" }] });
 *   await transaction.commit();
 * } catch (e) {
 *   await transaction.abort();
 *   throw e;
 * }
 * ```
 *
 * @module
 */
export { Kafka } from "./kafka.ts";
export type { Producer } from "./producer.ts";
export type { Transaction } from "./transaction.ts";
export type {
  Admin,
  AdminConfig,
  ClusterDescription,
  ITopicConfig,
  ITopicMetadata,
  ITopicPartitionConfig,
  UnsupportedAdminCall,
  UnsupportedAdminCallName,
} from "./admin.ts";
export { Partitioners } from "./partitioners.ts";
export { CompressionCodecs, CompressionTypes } from "./compression.ts";
export { logLevel } from "./logger.ts";
export type { logCreator, LogEntry, Logger, LoggerEntryContent } from "./logger.ts";
export type {
  AdminEvents,
  ClientEvents,
  ConnectEvent,
  DisconnectEvent,
  InstrumentationEvent,
  ProducerEvents,
  RemoveInstrumentationEventListener,
  RequestEvent,
  RequestQueueSizeEvent,
  RequestTimeoutEvent,
  RequestTiming,
} from "./instrumentation.ts";
export type {
  BrokersFunction,
  ICustomPartitioner,
  IHeaders,
  KafkaConfig,
  Message,
  OauthbearerProviderResponse,
  Offsets,
  PartitionerArgs,
  PartitionMetadata,
  PartitionOffset,
  ProducerBatch,
  ProducerConfig,
  ProducerRecord,
  RecordMetadata,
  RetryOptions,
  SASLOAuthBearerOptions,
  SASLOptions,
  SASLPasswordOptions,
  TlsConnectionOptions,
  TopicMessages,
  TopicOffsets,
} from "./types.ts";
// Every KafkaJS error class (and its options types) is public under KafkaJS's name: the
// two error modules hold nothing else, so they are re-exported whole, and a class added
// there cannot be left out here.
export * from "./errors.ts";
export * from "./errors_named.ts";
