/**
 * Issue 4's durability check: 100,000 idempotent sends to 6 partitions while the broker
 * is stopped (SIGTERM, then SIGKILL) and restarted twice, read back with the Java consumer.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaProducer } from "../../mod.ts";
import { pauseNode, resumeNode, startNode, stopNode } from "../../tools/kafka.ts";
import { bootstrapServers } from "../support/broker.ts";
import { createTestTopic } from "../support/topics.ts";
import { readTopic } from "../support/reader.ts";
import { detectRuntime } from "../../src/net/runtime_transport.ts";

const RECORDS = 100_000;
const CHUNKS = 400;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("idempotent sends across two broker restarts and a pause: none lost, none duplicated, order kept per partition", async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic("restarts", 6);
  const producer = new KafkaProducer({ bootstrapServers: servers, requestTimeoutMs: 2_000, deliveryTimeoutMs: 120_000 });
  const acked = new Set<number>();
  let failed = 0;
  const settles: Promise<void>[] = [];
  const restarts = (async () => {
    for (let round = 0; round < 2; round++) {
      await delay(2_000);
      // The first stop is graceful, the second a SIGKILL that cuts responses off mid-flight.
      await stopNode(1, { kill: round === 1 });
      await delay(1_000);
      await startNode(1);
    }
    // Then a pause longer than requestTimeoutMs: the client gives up on requests the
    // broker still holds and will write later, and retries them: the duplicate maker.
    await delay(1_000);
    await pauseNode(1);
    await delay(4_000);
    await resumeNode(1);
  })();
  let sent = 0;
  for (let chunk = 0; chunk < CHUNKS; chunk++) {
    for (let j = 0; j < RECORDS / CHUNKS; j++, sent++) {
      const i = sent;
      settles.push(
        producer.send({ topic, key: `key-${i % 600}`, value: String(i).padStart(12, "0") }).then(
          () => void acked.add(i),
          () => void failed++,
        ),
      );
    }
    await delay(40);
  }
  await restarts;
  await Promise.all(settles);
  await producer.close();

  const records = await readTopic(servers, topic, { timeoutMs: 120_000 });
  const seen = new Map<number, number>();
  let reordered = 0;
  const lastByPartition = new Map<number, number>();
  for (const record of records) {
    const i = Number(new TextDecoder().decode(record.value!));
    seen.set(i, (seen.get(i) ?? 0) + 1);
    const last = lastByPartition.get(record.partition) ?? -1;
    if (i < last) reordered++;
    lastByPartition.set(record.partition, i);
  }
  const lost = [...acked].filter((i) => !seen.has(i)).length;
  const duplicated = [...seen.values()].filter((count) => count > 1).length;
  console.log(
    `restart test (${detectRuntime()}): sent=${sent} acked=${acked.size} failed=${failed} stored=${records.length} lost=${lost} duplicated=${duplicated} reordered=${reordered}`,
  );
  assert.equal(acked.size + failed, RECORDS, "every send settled");
  assert.equal(lost, 0, "no acknowledged record is missing");
  assert.equal(duplicated, 0, "no record is stored twice");
  assert.equal(reordered, 0, "each partition keeps send order");
});
