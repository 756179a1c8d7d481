import { test } from "node:test";
import assert from "node:assert/strict";
import { ProducerMetadata } from "../../src/producer/producer_metadata.ts";
import { TimeoutError } from "../../src/errors.ts";
import { metadataResponse, TOPIC } from "../support/sender_fixtures.ts";

function metadata() {
  return new ProducerMetadata([{ host: "b1", port: 9092 }], { metadataMaxAgeMs: 300_000, retryBackoffMs: 100 }, 300_000);
}

test("ProducerMetadata: sends waiting for a topic each time out at their own maxBlockMs, and the rest resolve on the update", async () => {
  const m = metadata();
  const start = Date.now();
  const outcomes: string[] = [];
  const track = (label: string, p: Promise<unknown>) =>
    p.then(() => outcomes.push(`${label} ok`), (e) => outcomes.push(`${label} ${e instanceof TimeoutError ? "timeout" : e}`));
  const waits = [
    track("a", m.waitForTopic(TOPIC, 50, start)),
    track("b", m.waitForTopic(TOPIC, 1_500, start)),
    ...Array.from({ length: 1000 }, (_, i) => track(`c${i}`, m.waitForTopic(TOPIC, 60_000, start))),
  ];
  // Wide gaps between the deadlines, so a loaded machine's late timers cannot swap them.
  const until = async (count: number) => {
    while (outcomes.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  await until(1);
  assert.deepEqual(outcomes, ["a timeout"]);
  assert.ok(Date.now() - start >= 45, "not (much) before its deadline");
  await until(2);
  assert.deepEqual(outcomes, ["a timeout", "b timeout"]);
  assert.ok(Date.now() - start >= 1_490, "not (much) before its deadline");
  assert.equal(m.hasWaiters, true);
  m.update(metadataResponse(2), Date.now());
  await Promise.all(waits);
  assert.equal(outcomes.filter((o) => o.endsWith(" ok")).length, 1000);
  assert.equal(m.hasWaiters, false);
});
