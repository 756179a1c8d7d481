/**
 * A one-shot look at a cluster: brokers, controller, topics, and the API versions this
 * client negotiates with each broker.
 *
 * @module
 */
import type { ClientConfig } from "../client/client_config.ts";
import { awaitMetadata, awaitReady, createNetworkClient } from "../client/network_client_utils.ts";
import type { BrokerNode, TopicInfo } from "../client/metadata.ts";
import { SUPPORTED_APIS } from "../protocol/apis.ts";
import { optionsObject, timeoutMsOption } from "../validation.ts";

/** One API as negotiated with one broker. */
export interface NegotiatedApi {
  /** The API's name, as in Kafka's message specs (`Produce`, `Metadata`, ...). */
  name: string;
  /** The API key. */
  key: number;
  /** The version this client uses, or null when none is common. */
  version: number | null;
  /** The broker's supported range, or null when it lacks the API. */
  broker: { minVersion: number; maxVersion: number } | null;
}

/** What {@link describeCluster} found. */
export interface ClusterDescription {
  /** The cluster id, or null when the broker sent none. */
  clusterId: string | null;
  /** The controller's node id, -1 when unknown. */
  controllerId: number;
  /** Every broker in the cluster. */
  brokers: BrokerNode[];
  /** Every topic the brokers described. */
  topics: TopicInfo[];
  /** Per broker id, the APIs this client speaks and the version it negotiated. */
  apiVersions: Map<number, NegotiatedApi[]>;
}

/**
 * Connects, reads the cluster's metadata and handshakes with every broker.
 *
 * @example
 * ```ts
 * import { describeCluster } from "./describe_cluster.ts";
 * const cluster = await describeCluster({ bootstrapServers: "127.0.0.1:9092" });
 * for (const broker of cluster.brokers) console.log(`node ${broker.id} ${broker.host}:${broker.port}`);
 * ```
 */
export async function describeCluster(config: ClientConfig, options?: { timeoutMs?: number }): Promise<ClusterDescription> {
  const timeoutMs = timeoutMsOption(optionsObject(options, ["timeoutMs"], "describeCluster()").timeoutMs, "describeCluster()", 30_000);
  const connected = createNetworkClient(config);
  try {
    connected.metadata.fetchAllTopics();
    const cluster = await awaitMetadata(connected, timeoutMs);
    const apiVersions = new Map<number, NegotiatedApi[]>();
    for (const broker of cluster.nodes) {
      await awaitReady(connected, broker.id, timeoutMs);
      const supported = connected.client.nodeApiVersions(broker.id)!;
      apiVersions.set(
        broker.id,
        SUPPORTED_APIS.map((api) => ({
          name: api.name,
          key: api.key,
          version: connected.client.negotiatedVersion(broker.id, api) ?? null,
          broker: supported.get(api.key) ?? null,
        })),
      );
    }
    return {
      clusterId: cluster.clusterId,
      controllerId: cluster.controllerId,
      brokers: [...cluster.nodes],
      topics: [...cluster.topics.values()].sort((a, b) => a.name.localeCompare(b.name)),
      apiVersions,
    };
  } finally {
    connected.client.close();
  }
}
