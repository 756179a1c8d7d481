/**
 * KafkaJS 2.2.4 (on Node) and our facade (on the runtime running this test) run the same
 * scenarios (tests/kafkajs/_differential_scenarios.ts) against the same broker, each into
 * topics of its own. The Java consumer then reads both clients' topics, and the test
 * compares: the records (partition, offset, key, value, headers, explicit timestamps), the
 * partition of each key under each partitioner, the RecordMetadata of every send, the
 * codec of the batches a per-send `compression` made, the consumer group offset a
 * transaction committed, and the errors of the same faults (unknown topic, message too
 * large, authentication failure, broker down).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as facade from "../../src/kafkajs/mod.ts";
import { partitionForKey } from "../../src/producer/partitioner.ts";
import { bootstrapServers, securedCluster, uniqueTopic } from "../support/broker.ts";
import { Child, testRuntime } from "../support/child.ts";
import { readTopic, type TopicRecord } from "../support/reader.ts";
import { createTestTopic, storedBatches } from "../support/topics.ts";
import { KEYS, runScenarios, type ScenarioEnv, type ScenarioResult } from "./_differential_scenarios.ts";

const runtime = testRuntime();
const decoder = new TextDecoder();
const text = (bytes: Uint8Array | null) => bytes === null ? null : decoder.decode(bytes);

async function envFor(client: string, brokers: string[], saslBrokers: string[]): Promise<ScenarioEnv> {
  return {
    brokers,
    saslBrokers,
    topics: { main: await createTestTopic(`kjs-${client}-main`, 4), second: await createTestTopic(`kjs-${client}-second`, 2) },
    transactionalId: uniqueTopic(`kjs-${client}-tx`),
    group: uniqueTopic(`kjs-${client}-group`),
  };
}

async function kafkajs(env: ScenarioEnv): Promise<ScenarioResult> {
  const child = new Child(["node", "--import", "./tools/node_ts_register.mjs", "tests/kafkajs/_run_kafkajs.ts"], {
    SCENARIO_ENV: JSON.stringify(env),
  });
  const exit = await child.exit(120_000);
  assert.deepEqual(exit, { code: 0, signal: null }, `KafkaJS's run failed:\n${child.stdout}\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop()!);
}

/** A record as compared: where it is, what it holds, and its timestamp when the message gave one. */
function comparable(record: TopicRecord, withOffset = true) {
  const headers = record.headers.map(([name, value]) => [name, text(value)]);
  const scenario = headers.find(([name]) => name === "scenario")?.[1];
  const explicitTime = text(record.value)?.endsWith("-b") ? record.timestamp : undefined;
  return {
    scenario,
    partition: record.partition,
    offset: withOffset ? record.offset : undefined,
    key: text(record.key),
    value: text(record.value),
    headers,
    explicitTime,
  };
}

/** What the Java consumer finds in one client's topics. */
async function stored(servers: string, env: ScenarioEnv) {
  const main = await readTopic(servers, env.topics.main);
  const second = await readTopic(servers, env.topics.second, { isolationLevel: "read_committed" });
  // From the offset the transaction committed for the group: partition 0 from offset 2.
  const fromGroup = await readTopic(servers, env.topics.main, { partition: 0, props: { "group.id": env.group } });
  const partitionsOf = (scenario: string) => {
    const byKey = new Map<string, Set<number>>();
    for (const record of main.map((r) => comparable(r)).filter((r) => r.scenario === scenario)) {
      if (!byKey.has(record.key!)) byKey.set(record.key!, new Set());
      byKey.get(record.key!)!.add(record.partition);
    }
    return Object.fromEntries([...byKey].map(([key, partitions]) => [key, [...partitions]]));
  };
  // The codec of the batches of the gzip send and of the send after it, as the broker stored them.
  const scenarioAt = new Map(second.filter((r) => r.partition === 0).map((r) => [r.offset, comparable(r).scenario]));
  const codecs = storedBatches(env.topics.second)
    .filter((b) => b.partition === 0 && ["acks1-gzip", "timeout"].includes(scenarioAt.get(b.baseOffset) ?? ""))
    .map((b) => [scenarioAt.get(b.baseOffset), b.codec]);
  return {
    main: main.map((r) => comparable(r)),
    // Transactional records are compared without offsets: the commit marker's place depends on the broker's timing.
    second: second.map((r) => comparable(r, !["committed", "aborted"].includes(comparable(r).scenario ?? ""))),
    fromGroup: fromGroup.map((r) => r.offset),
    partitions: { default: partitionsOf("default"), legacy: partitionsOf("legacy") },
    codecs,
  };
}

test(`KafkaJS 2.2.4 on Node and the facade on ${runtime} write the same records, partitions and metadata, and fail alike`, async () => {
  const servers = await bootstrapServers();
  const saslBrokers = (await securedCluster()).listeners.sasl_plaintext.split(",");
  const brokers = servers.split(",");
  const [theirsEnv, oursEnv] = [await envFor("kafkajs", brokers, saslBrokers), await envFor(runtime, brokers, saslBrokers)];
  const [theirs, ours] = await Promise.all([kafkajs(theirsEnv), runScenarios(facade, oursEnv)]);

  assert.deepEqual(ours.metadata, theirs.metadata, "RecordMetadata of every send");
  assert.deepEqual(ours.faults, theirs.faults, "the errors of the same faults");
  assert.deepEqual(ours.faults["unknown topic"], {
    name: "KafkaJSNumberOfRetriesExceeded",
    cause: "KafkaJSProtocolError",
    type: null,
    retriable: false,
  });

  const [theirRecords, ourRecords] = await Promise.all([stored(servers, theirsEnv), stored(servers, oursEnv)]);
  assert.deepEqual(ourRecords, theirRecords, "what the Java consumer reads");
  // Java's partitions for the default partitioner; KafkaJS 1.x's differ for some keys.
  const java = Object.fromEntries(KEYS.map((key) => [key, [partitionForKey(new TextEncoder().encode(key), 4)]]));
  assert.deepEqual(ourRecords.partitions.default, java);
  assert.notDeepEqual(ourRecords.partitions.legacy, java);
  assert.deepEqual(ourRecords.codecs, [["acks1-gzip", 1], ["timeout", 0]], "the gzip send's batch is gzip, the next one is not compressed");
  const fromTwo = ourRecords.main.filter((r) => r.partition === 0 && r.offset! >= 2).map((r) => r.offset);
  assert.ok(fromTwo.length > 0);
  assert.deepEqual(ourRecords.fromGroup, fromTwo, "the group reads from the offset the transaction committed");
  assert.equal(ourRecords.second.filter((r) => r.scenario === "aborted").length, 0, "read_committed does not see the aborted record");
});
