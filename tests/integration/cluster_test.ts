import { test } from "node:test";
import assert from "node:assert/strict";
import { awaitMetadata, awaitReady, createNetworkClient, sendAndReceive } from "../../src/client/network_client_utils.ts";
import type { ConnectedClient } from "../../src/client/network_client_utils.ts";
import { ApiVersionsApi } from "../../src/protocol/api_versions.ts";
import { CreateTopicsApi } from "../../src/protocol/create_topics.ts";
import { DeleteTopicsApi } from "../../src/protocol/delete_topics.ts";
import { SUPPORTED_APIS } from "../../src/protocol/apis.ts";
import { bootstrapServers, uniqueTopic } from "../support/broker.ts";

async function connect(): Promise<ConnectedClient> {
  return createNetworkClient({ bootstrapServers: await bootstrapServers(), clientId: "integration" });
}

async function describeTopic(connected: ConnectedClient, topic: string) {
  const cluster = await awaitMetadata(connected, 15_000);
  return cluster.topics.get(topic);
}

test("the real broker answers ApiVersions and we negotiate a version of every API we speak", async () => {
  const connected = await connect();
  try {
    const cluster = await awaitMetadata(connected, 30_000);
    const node = cluster.nodes[0];
    await awaitReady(connected, node.id, 15_000);
    const versions = connected.client.nodeApiVersions(node.id);
    assert.ok(versions !== undefined && versions.size > 10, "the broker lists its APIs");
    for (const api of SUPPORTED_APIS) {
      const negotiated = connected.client.negotiatedVersion(node.id, api);
      assert.ok(negotiated !== undefined, `${api.name} has a common version`);
      const broker: { maxVersion: number } = versions.get(api.key)!;
      assert.equal(negotiated, Math.min(api.maxVersion, broker.maxVersion), `${api.name}: the highest both sides support`);
    }
    assert.equal(connected.client.negotiatedVersion(node.id, ApiVersionsApi), ApiVersionsApi.maxVersion);
  } finally {
    connected.client.close();
  }
});

test("Metadata from the real broker names its brokers, controller and cluster id", async () => {
  const connected = await connect();
  try {
    const cluster = await awaitMetadata(connected, 30_000);
    const servers = (await bootstrapServers()).split(",");
    assert.equal(cluster.nodes.length, servers.length);
    for (const node of cluster.nodes) {
      assert.ok(node.id >= 0);
      assert.ok(servers.includes(`${node.host}:${node.port}`), `${node.host}:${node.port} is a bootstrap address`);
    }
    assert.ok(cluster.nodes.some((n) => n.id === cluster.controllerId) || cluster.controllerId >= 0);
    assert.match(cluster.clusterId ?? "", /^[A-Za-z0-9_-]{22}$/);
  } finally {
    connected.client.close();
  }
});

test("CreateTopics makes a topic whose partitions all get a leader; DeleteTopics removes it", async () => {
  const connected = await connect();
  const topic = uniqueTopic("created");
  try {
    const cluster = await awaitMetadata(connected, 30_000);
    const controller = cluster.nodes[0].id;
    const created = await sendAndReceive(connected, {
      destination: controller,
      api: CreateTopicsApi,
      body: { topics: [{ name: topic, numPartitions: 3, replicationFactor: 1 }], timeoutMs: 15_000 },
    }, 30_000);
    assert.equal(created.topics.length, 1);
    assert.equal(created.topics[0].name, topic);
    assert.equal(created.topics[0].errorCode, 0, created.topics[0].errorMessage ?? "");

    const again = await sendAndReceive(connected, {
      destination: controller,
      api: CreateTopicsApi,
      body: { topics: [{ name: topic, numPartitions: 3, replicationFactor: 1 }], timeoutMs: 15_000 },
    }, 30_000);
    assert.equal(again.topics[0].errorCode, 36, "TOPIC_ALREADY_EXISTS");

    connected.metadata.addTopic(topic);
    let info = await describeTopic(connected, topic);
    for (let i = 0; i < 50 && (info === undefined || info.errorCode !== 0 || info.partitions.some((p) => p.leader < 0)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      info = await describeTopic(connected, topic);
    }
    assert.ok(info !== undefined);
    assert.equal(info.errorCode, 0);
    assert.deepEqual(info.partitions.map((p) => p.partition), [0, 1, 2]);
    for (const p of info.partitions) assert.ok(cluster.nodes.some((n) => n.id === p.leader), `partition ${p.partition} has a leader`);

    const version = connected.client.negotiatedVersion(controller, DeleteTopicsApi)!;
    const deleted = await sendAndReceive(connected, {
      destination: controller,
      api: DeleteTopicsApi,
      body: version >= 6 ? { topics: [{ name: topic }], timeoutMs: 15_000 } : { topicNames: [topic], timeoutMs: 15_000 },
    }, 30_000);
    assert.equal(deleted.responses.length, 1);
    assert.equal(deleted.responses[0].errorCode, 0);
    info = await describeTopic(connected, topic);
    for (let i = 0; i < 50 && info?.errorCode === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      info = await describeTopic(connected, topic);
    }
    assert.equal(info?.errorCode, 3, "UNKNOWN_TOPIC_OR_PARTITION after delete");
  } finally {
    connected.client.close();
  }
});

test("Metadata for a topic that does not exist reports UNKNOWN_TOPIC_OR_PARTITION (auto-creation is off)", async () => {
  const connected = await connect();
  try {
    const topic = uniqueTopic("missing");
    connected.metadata.addTopic(topic);
    const info = await describeTopic(connected, topic);
    assert.equal(info?.errorCode, 3);
  } finally {
    connected.client.close();
  }
});

test("bootstrap goes on to the next address when the first refuses connections", async () => {
  const real = await bootstrapServers();
  const connected = createNetworkClient({ bootstrapServers: ["127.0.0.1:1", real], reconnectBackoffMs: 10 });
  try {
    const cluster = await awaitMetadata(connected, 30_000);
    assert.ok(cluster.nodes.every((node) => node.id >= 0), "real brokers replaced the bootstrap addresses");
  } finally {
    connected.client.close();
  }
});
