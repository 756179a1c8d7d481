/** The Sender idles in long polls; a send to a topic it has not seen must wake it, not wait them out. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaProducer } from "../../mod.ts";
import { bootstrapServers } from "../support/broker.ts";
import { createTestTopic } from "../support/topics.ts";

test("a send to a new topic after the producer sat idle is not held up by the idle poll", async () => {
  const first = await createTestTopic("wake-first", 1);
  const second = await createTestTopic("wake-second", 1);
  // With nothing to do the Sender polls for up to requestTimeoutMs.
  await using producer = new KafkaProducer({ bootstrapServers: await bootstrapServers(), requestTimeoutMs: 25_000 });
  await producer.send({ topic: first, value: "warm up" });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const started = Date.now();
  await producer.send({ topic: second, value: "after idling" });
  const took = Date.now() - started;
  assert.ok(took < 12_500, `the metadata request went out at once, not after the idle poll (took ${took} ms)`);
});
