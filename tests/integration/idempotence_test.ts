/** The idempotent producer (on by default) against the real broker. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaProducer } from "../../mod.ts";
import { bootstrapServers } from "../support/broker.ts";
import { createTestTopic, storedBatches } from "../support/topics.ts";

test("by default every stored batch carries one producer id and gapless sequences per partition", async () => {
  const topic = await createTestTopic("idempotent", 3);
  {
    await using producer = new KafkaProducer({ bootstrapServers: await bootstrapServers(), batchSize: 2048 });
    await Promise.all(Array.from({ length: 5000 }, (_, i) => producer.send({ topic, key: `k${i % 50}`, value: `v${i}`.padEnd(80, "-") })));
  }
  const batches = storedBatches(topic);
  assert.ok(batches.length > 3);
  const producerIds = new Set(batches.map((b) => b.producerId));
  assert.equal(producerIds.size, 1);
  assert.ok([...producerIds][0] >= 0n, "a real producer id");
  for (const partition of [0, 1, 2]) {
    const mine = batches.filter((b) => b.partition === partition);
    let expected = 0;
    for (const batch of mine) {
      assert.equal(batch.baseSequence, expected, `partition ${partition}: sequences follow on`);
      assert.equal(batch.baseOffset, expected, "no gaps, no duplicates");
      expected += batch.records;
    }
  }
});

test("with idempotence turned off, batches carry no producer id", async () => {
  const topic = await createTestTopic("not-idempotent", 1);
  {
    await using producer = new KafkaProducer({ bootstrapServers: await bootstrapServers(), enableIdempotence: false });
    await producer.send({ topic, value: "plain" });
  }
  const [batch] = storedBatches(topic);
  assert.equal(batch.producerId, -1n);
  assert.equal(batch.baseSequence, -1);
});
