/**
 * kafka.admin() against the broker: what KafkaJS's admin returns and throws for the same
 * calls (createTopics true, then false for an existing topic; KafkaJSProtocolError for a
 * refused partition count or an unknown topic; KafkaJSAggregateError of
 * KafkaJSCreateTopicError for a topic the broker will not create).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Kafka, KafkaJSAggregateError, KafkaJSCreateTopicError, KafkaJSProtocolError, logLevel } from "../../src/kafkajs/mod.ts";
import { bootstrapServers, uniqueTopic } from "../support/broker.ts";
import { testRuntime } from "../support/child.ts";

const runtime = testRuntime();

const protocolError = (type: string) => (error: unknown) => error instanceof KafkaJSProtocolError && error.type === type;

test(`kafka.admin() creates, describes, grows, lists and deletes topics as KafkaJS's does (${runtime})`, async () => {
  const admin = new Kafka({ brokers: (await bootstrapServers()).split(","), logLevel: logLevel.NOTHING }).admin();
  const connected: string[] = [];
  admin.on(admin.events.CONNECT, (event) => connected.push(event.type));
  await admin.connect();
  const topic = uniqueTopic(`kjs-admin-${runtime}`);
  try {
    assert.equal(
      await admin.createTopics({ topics: [{ topic, numPartitions: 2, configEntries: [{ name: "retention.ms", value: "60000" }] }] }),
      true,
    );
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] }), false, "it exists");
    assert.equal(await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] }), true);
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.deepEqual(topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionId, p.leader >= 0, p.partitionErrorCode])]), [
      [topic, [[0, true, 0], [1, true, 0], [2, true, 0]]],
    ]);
    assert.ok((await admin.listTopics()).includes(topic));
    const cluster = await admin.describeCluster();
    assert.ok(cluster.brokers.length > 0 && cluster.clusterId.length > 0);
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] }), protocolError("INVALID_PARTITIONS"));
    await assert.rejects(admin.fetchTopicMetadata({ topics: [uniqueTopic("never-created")] }), protocolError("UNKNOWN_TOPIC_OR_PARTITION"));
    await assert.rejects(
      admin.createTopics({ topics: [{ topic: uniqueTopic("too-many-replicas"), replicationFactor: 99 }] }),
      (error: unknown) =>
        error instanceof KafkaJSAggregateError && error.errors[0] instanceof KafkaJSCreateTopicError &&
        error.errors[0].type === "INVALID_REPLICATION_FACTOR",
    );
  } finally {
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  }
  assert.deepEqual(connected, ["admin.connect"]);
});
