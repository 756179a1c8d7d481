/**
 * A serverless platform freezes the process between invocations. Here the event loop is
 * held still for 7 s instead: the producer must notice, replace its idle connections and
 * refresh metadata before the next send, which then goes straight through.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaProducer, type Logger } from "../../mod.ts";
import { bootstrapServers } from "../support/broker.ts";
import { createTestTopic } from "../support/topics.ts";

test("after the process stood still, idle connections are replaced before the next send, which is not held up", async () => {
  const topic = await createTestTopic("freeze", 1);
  const lines: string[] = [];
  const record = (message: string) => void lines.push(message);
  const logger: Logger = { debug: record, info: record, warn: record, error: record };
  await using producer = new KafkaProducer({ bootstrapServers: await bootstrapServers(), logger });
  assert.equal((await producer.send({ topic, value: "before" })).offset, 0);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const before = lines.length;
  const frozenUntil = Date.now() + 7_000;
  while (Date.now() < frozenUntil) {
    // The event loop stands still, as it does in a frozen process.
  }
  const started = Date.now();
  assert.equal((await producer.send({ topic, value: "after" })).offset, 1);
  const took = Date.now() - started;
  const after = lines.slice(before);
  assert.ok(after.some((line) => /stood still for \d+ ms/.test(line)), `the freeze was noticed:\n${after.join("\n")}`);
  assert.ok(after.some((line) => /idle through a \d+ ms freeze/.test(line)), "idle connections were replaced");
  assert.ok(!after.some((line) => /got no response/.test(line)), "no request had to time out first");
  assert.ok(took < 5_000, `the send after the freeze took ${took} ms`);
});
