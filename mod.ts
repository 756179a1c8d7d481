/**
 * A Kafka client for Deno, Bun and Node, built on the Java client's architecture:
 * a runtime-agnostic core over one small socket adapter per runtime.
 *
 * @example Look at a cluster
 * ```ts
 * import { describeCluster } from "./mod.ts";
 * const cluster = await describeCluster({ bootstrapServers: "127.0.0.1:9092" });
 * console.log(cluster.brokers);
 * ```
 *
 * @module
 */
export { describeCluster } from "./src/admin/describe_cluster.ts";
export type { ClusterDescription, NegotiatedApi } from "./src/admin/describe_cluster.ts";
export type { ClientConfig } from "./src/client/client_config.ts";
export type { BrokerNode, PartitionInfo, TopicInfo } from "./src/client/metadata.ts";
export type { TlsOptions, Transport, TransportAddress, TransportEvents, TransportSocket } from "./src/net/transport.ts";
export {
  ClosedError,
  ConfigError,
  CorruptResponseError,
  KafkaError,
  NetworkError,
  TimeoutError,
  UnsupportedVersionError,
} from "./src/errors.ts";
export { KafkaProtocolError } from "./src/protocol/error_codes.ts";
