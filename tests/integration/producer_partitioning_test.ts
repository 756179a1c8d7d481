/** How records are spread over partitions, against the real broker. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaError, KafkaProducer, partitionForKey, TimeoutError } from "../../mod.ts";
import { bootstrapServers } from "../support/broker.ts";
import { createTestTopic } from "../support/topics.ts";
import { readTopic } from "../support/reader.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

test("a custom partitioner chooses every partition; an out-of-range choice fails only that send", async () => {
  const topic = await createTestTopic("custom-partitioner", 4);
  const seen: string[] = [];
  await using producer = new KafkaProducer({
    bootstrapServers: await bootstrapServers(),
    partitioner: (t, key, _value, cluster) => {
      seen.push(t);
      assert.equal(cluster.topics.get(t)?.partitions.length, 4);
      return key !== null && new TextDecoder().decode(key) === "bad" ? 9 : 2;
    },
  });
  const good = await Promise.all([1, 2, 3].map((n) => producer.send({ topic, key: `k${n}`, value: "v" })));
  assert.deepEqual(good.map((md) => md.partition), [2, 2, 2]);
  await assert.rejects(producer.send({ topic, key: "bad", value: "v" }), (error: unknown) => {
    assert.ok(error instanceof KafkaError);
    assert.match(error.message, /partition 9/);
    return true;
  });
  assert.equal(seen.length, 4);
});

test("an explicit partition wins over the key; a partition that does not exist is refused after maxBlockMs", async () => {
  const topic = await createTestTopic("explicit-partition", 3);
  await using producer = new KafkaProducer({ bootstrapServers: await bootstrapServers(), maxBlockMs: 2000 });
  const md = await producer.send({ topic, key: "any", value: "v", partition: 1 });
  assert.equal(md.partition, 1);
  // As Java: the metadata is refreshed in case the topic grew, until maxBlockMs runs out.
  await assert.rejects(producer.send({ topic, value: "v", partition: 3 }), (error: unknown) => {
    assert.ok(error instanceof TimeoutError, `got ${error}`);
    assert.equal(error.message, `Partition 3 of topic ${topic} with partition count 3 is not present in metadata after 2000 ms.`);
    return true;
  });
});

test("keyed records follow Java's murmur2 unless partitionerIgnoreKeys spreads them like keyless ones", async () => {
  const topic = await createTestTopic("ignore-keys", 6);
  const servers = await bootstrapServers();
  const key = "one-key";
  const expected = partitionForKey(bytes(key), 6);
  {
    await using keyed = new KafkaProducer({ bootstrapServers: servers, batchSize: 1024, lingerMs: 0 });
    const mds = await Promise.all(Array.from({ length: 300 }, () => keyed.send({ topic, key, value: "x".repeat(100) })));
    assert.deepEqual([...new Set(mds.map((md) => md.partition))], [expected]);
  }
  {
    await using spread = new KafkaProducer({ bootstrapServers: servers, batchSize: 1024, lingerMs: 0, partitionerIgnoreKeys: true });
    const mds = await Promise.all(Array.from({ length: 300 }, () => spread.send({ topic, key, value: "x".repeat(100) })));
    assert.ok(new Set(mds.map((md) => md.partition)).size > 1, "the sticky partitioner moved on after a batch filled");
  }
  const stored = await readTopic(servers, topic);
  assert.equal(stored.length, 600);
});

test("keyless records stick to a partition for a batch, then move on, reaching every partition", async () => {
  const topic = await createTestTopic("keyless", 3);
  await using producer = new KafkaProducer({ bootstrapServers: await bootstrapServers(), batchSize: 2048, lingerMs: 0 });
  const mds = await Promise.all(Array.from({ length: 3000 }, (_, i) => producer.send({ topic, value: `value-${i}`.padEnd(100, ".") })));
  const partitions = mds.map((md) => md.partition);
  assert.deepEqual([...new Set(partitions)].sort(), [0, 1, 2]);
  let switches = 0;
  for (let i = 1; i < partitions.length; i++) if (partitions[i] !== partitions[i - 1]) switches++;
  assert.ok(switches < 300, `records stay together in runs (${switches} switches for 3000 records)`);
});
