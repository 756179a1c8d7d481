/**
 * The Admin client against the real broker: topics created (and found existing), grown,
 * described, listed and deleted, with the broker's refusals as typed errors naming the
 * topic; the partitions are checked with the harness's own tools too.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Admin, ConfigError, KafkaProtocolError } from "../../mod.ts";
import { bootstrapServers, uniqueTopic } from "../support/broker.ts";
import { describeTopic } from "../../tools/kafka.ts";
import { testRuntime } from "../support/child.ts";

const runtime = testRuntime();

test(`Admin creates, grows, describes, lists and deletes a topic (${runtime})`, async () => {
  await using admin = new Admin({ bootstrapServers: await bootstrapServers() });
  const name = uniqueTopic(`admin-${runtime}`);
  const created = await admin.createTopics([{ name, numPartitions: 2, replicationFactor: 1, configs: { "retention.ms": "3600000" } }]);
  assert.deepEqual(created.map((t) => [t.name, t.created]), [[name, true]]);
  // Leaders are there when createTopics returns: a producer can write at once.
  assert.deepEqual((await admin.describeTopics([name]))[0].partitions.map((p) => p.leader >= 0), [true, true]);
  assert.deepEqual((await admin.createTopics([{ name, numPartitions: 2 }])).map((t) => t.created), [false]);

  await admin.createPartitions([{ topic: name, count: 3 }]);
  const described = await admin.describeTopics([name]);
  assert.deepEqual(described.map((t) => [t.name, t.partitions.map((p) => p.partition)]), [[name, [0, 1, 2]]]);
  assert.equal((await describeTopic(name))?.partitions, 3, "the harness sees 3 partitions too");
  assert.ok((await admin.listTopics()).includes(name));

  await assert.rejects(
    admin.createPartitions([{ topic: name, count: 2 }]),
    (error: unknown) => error instanceof KafkaProtocolError && error.errorName === "INVALID_PARTITIONS" && error.message.includes(name),
  );
  await admin.deleteTopics([name]);
  await assert.rejects(
    admin.deleteTopics([name]),
    (error: unknown) =>
      error instanceof KafkaProtocolError && error.errorName === "UNKNOWN_TOPIC_OR_PARTITION" && error.message.includes(name),
  );
  await assert.rejects(
    admin.describeTopics([uniqueTopic("never-created")]),
    (error: unknown) => error instanceof KafkaProtocolError && error.errorName === "UNKNOWN_TOPIC_OR_PARTITION",
  );
  const cluster = await admin.describeCluster();
  assert.ok(cluster.brokers.some((b) => b.id === cluster.controllerId));
});

test(`Admin refuses bad arguments before asking the cluster, naming the key (${runtime})`, async () => {
  await using admin = new Admin({ bootstrapServers: "127.0.0.1:1" });
  const refusals: [() => Promise<unknown>, RegExp][] = [
    [
      () => admin.createTopics([{ name: "t", numPartiton: 2 } as never]),
      /unknown config key "topics\[0\]\.numPartiton" \(did you mean "topics\[0\]\.numPartitions"\?\)/,
    ],
    [() => admin.createTopics([{ name: "t", numPartitions: 0 }]), /topics\[0\]\.numPartitions: must be an integer from 1/],
    [() => admin.createTopics([{ name: "t" }, { name: "t" }]), /names the topic "t" twice/],
    [() => admin.createPartitions([{ topic: "t" } as never]), /topics\[0\]\.count: is required/],
    [() => admin.deleteTopics("t" as never), /takes an array of topic names/],
    [() => admin.listTopics({ timeoutMS: 5 } as never), /unknown listTopics\(\) option "timeoutMS" \(did you mean "timeoutMs"\?\)/],
  ];
  for (const [call, message] of refusals) await assert.rejects(call(), (e: unknown) => e instanceof ConfigError && message.test(e.message));
});
