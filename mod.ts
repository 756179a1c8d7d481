/**
 * A Kafka client for Deno, Bun and Node, built on the Java client's architecture:
 * a runtime-agnostic core over one small socket adapter per runtime.
 *
 * @example Send records
 * ```ts
 * import { KafkaProducer } from "./mod.ts";
 * await using producer = new KafkaProducer({ bootstrapServers: "127.0.0.1:9092", clientId: "app" });
 * const sent = [1, 2, 3].map((n) => producer.send({ topic: "orders", key: `order-${n}`, value: JSON.stringify({ n }) }));
 * for (const metadata of await Promise.all(sent)) console.log(metadata.partition, metadata.offset);
 * ```
 *
 * @example Look at a cluster
 * ```ts
 * import { describeCluster } from "./mod.ts";
 * const cluster = await describeCluster({ bootstrapServers: "127.0.0.1:9092" });
 * console.log(cluster.brokers);
 * ```
 *
 * @example Manage topics
 * ```ts
 * import { Admin } from "./mod.ts";
 * await using admin = new Admin({ bootstrapServers: "127.0.0.1:9092" });
 * await admin.createTopics([{ name: "orders", numPartitions: 6, replicationFactor: 3 }]);
 * console.log(await admin.listTopics());
 * ```
 *
 * @module
 */
export { KafkaProducer } from "./src/producer/kafka_producer.ts";
export type { Producer } from "./src/producer/producer.ts";
export { MockProducer } from "./src/producer/mock_producer.ts";
export type { MockProducerOptions } from "./src/producer/mock_producer.ts";
export type { ProducerInterceptor } from "./src/producer/producer_interceptor.ts";
export { PRODUCER_METRIC_NAMES } from "./src/producer/producer_metrics.ts";
export type { ProducerMetricName, ProducerMetricsSnapshot } from "./src/producer/producer_metrics.ts";
export type { AsyncSerializer, ProducerConfig, Serializer, SerializerContext, SerializerSignal } from "./src/producer/producer_config.ts";
export type { ProducerRecord, RecordData, RecordHeaders, RecordMetadata } from "./src/producer/producer_record.ts";
export type { SendCallback } from "./src/producer/send_callback.ts";
export type { Partitioner } from "./src/producer/partitioner.ts";
export type { GroupMetadata, TransactionOffset } from "./src/producer/transaction_types.ts";
export { murmur2, partitionForKey } from "./src/producer/partitioner.ts";
export type { CompressionType } from "./src/compression/mod.ts";
export { describeCluster } from "./src/admin/describe_cluster.ts";
export { Admin } from "./src/admin/admin.ts";
export type { AdminClusterDescription, CreatedTopic, NewPartitions, NewTopic } from "./src/admin/admin.ts";
export type { ClusterDescription, NegotiatedApi } from "./src/admin/describe_cluster.ts";
export type { ClientConfig } from "./src/client/client_config.ts";
export type { Pem, SaslMechanismSetting, SaslOptions, SslOptions } from "./src/client/security_config.ts";
export type { OAuthBearerToken, OAuthBearerTokenProvider } from "./src/security/sasl_oauthbearer.ts";
export { Secret } from "./src/security/secrets.ts";
export { consoleLogger, silentLogger } from "./src/logger.ts";
export { closeOnShutdown, flushInBackground } from "./src/runtimes/shutdown.ts";
export type { CloseOnShutdownOptions, ShutdownHandle, ShutdownSignal, ShutdownTarget, WaitUntil } from "./src/runtimes/shutdown.ts";
export type { Logger, LogLevel } from "./src/logger.ts";
export type { BrokerNode, Cluster, PartitionInfo, TopicInfo } from "./src/client/metadata.ts";
export type { RuntimeName } from "./src/net/runtime_transport.ts";
export type { TlsOptions, Transport, TransportAddress, TransportEvents, TransportSocket } from "./src/net/transport.ts";
export {
  AuthenticationError,
  ClosedError,
  ConfigError,
  CorruptResponseError,
  KafkaError,
  NetworkError,
  ProducerFencedError,
  RecordTooLargeError,
  SerializationError,
  SslAuthenticationError,
  TimeoutError,
  TransactionAbortedError,
  TransactionStateError,
  UnsupportedVersionError,
} from "./src/errors.ts";
export { KafkaProtocolError } from "./src/protocol/error_codes.ts";
