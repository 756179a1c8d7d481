/**
 * `deno task demo`: shows the client talking to a real cluster. Uses
 * KAFKA_BOOTSTRAP_SERVERS when set, otherwise starts the local broker from the harness.
 * (The producer demo of the next milestone replaces this.)
 */
import process from "node:process";
import { describeCluster } from "../mod.ts";
import { up } from "./kafka.ts";

let bootstrapServers = process.env.KAFKA_BOOTSTRAP_SERVERS;
if (!bootstrapServers) {
  console.error("KAFKA_BOOTSTRAP_SERVERS is not set: starting the local broker (deno task kafka up) ...");
  bootstrapServers = (await up({ log: (message) => console.error(message) })).bootstrapServers;
}
console.log(`bootstrap.servers=${bootstrapServers}`);
const started = Date.now();
const cluster = await describeCluster({ bootstrapServers, clientId: "demo" });
console.log(`connected to cluster ${cluster.clusterId} in ${Date.now() - started} ms`);
for (const broker of cluster.brokers) console.log(`node ${broker.id} ${broker.host}:${broker.port}`);
console.log(`controller ${cluster.controllerId}`);
console.log(`topics: ${cluster.topics.map((t) => `${t.name}(${t.partitions.length})`).join(", ") || "(none)"}`);
for (const [nodeId, apis] of cluster.apiVersions) {
  console.log(`node ${nodeId} negotiated: ${apis.map((a) => `${a.name} v${a.version ?? "-"}`).join(", ")}`);
}
