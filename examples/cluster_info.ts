/**
 * Prints what a Kafka cluster looks like to this client.
 *
 *   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 deno run -A examples/cluster_info.ts
 *   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 bun examples/cluster_info.ts
 */
import process from "node:process";
import { describeCluster } from "../mod.ts";

const bootstrapServers = process.env.KAFKA_BOOTSTRAP_SERVERS ?? "127.0.0.1:9092";
const cluster = await describeCluster({ bootstrapServers, clientId: "cluster-info" });

console.log(`cluster ${cluster.clusterId}`);
for (const broker of cluster.brokers) {
  console.log(`node ${broker.id} ${broker.host}:${broker.port}${broker.rack ? ` rack ${broker.rack}` : ""}`);
}
console.log(`controller ${cluster.controllerId}`);
for (const topic of cluster.topics) {
  console.log(`topic ${topic.name} partitions=${topic.partitions.length}${topic.isInternal ? " internal" : ""}`);
}
for (const [nodeId, apis] of cluster.apiVersions) {
  for (const api of apis) {
    const range = api.broker ? `broker ${api.broker.minVersion}..${api.broker.maxVersion}` : "not supported by the broker";
    console.log(`api node ${nodeId} ${api.name} v${api.version ?? "-"} (${range})`);
  }
}
