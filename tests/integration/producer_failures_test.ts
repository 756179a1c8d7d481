/**
 * How `send()` fails: always with a typed error, within its deadline, and only for the
 * records concerned. Stops and restarts a broker node, so it needs the harness's broker.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClosedError, ConfigError, KafkaError, KafkaProducer, RecordTooLargeError, TimeoutError } from "../../mod.ts";
import { describeTopic, startNode, stopNode } from "../../tools/kafka.ts";
import { bootstrapServers, uniqueTopic } from "../support/broker.ts";
import { readTopic } from "../support/reader.ts";
import { createTestTopic } from "../support/topics.ts";
import { within } from "../support/helpers.ts";

type Config = ConstructorParameters<typeof KafkaProducer>[0];

/** How long `promise` took to settle from now, and how. */
async function timed<T>(promise: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const start = Date.now();
  try {
    const value = await promise;
    return { ms: Date.now() - start, value };
  } catch (error) {
    return { ms: Date.now() - start, error };
  }
}

test("with the partition's broker stopped, every send rejects with a typed error within deliveryTimeoutMs, and sending resumes after restart", async () => {
  const servers = await bootstrapServers();
  // One replica: with its broker down the partition has no leader anywhere, even on a 3-node cluster.
  const topic = await createTestTopic("broker-down", 1, { replicationFactor: 1 });
  const leader = (await describeTopic(topic))!.leaders[0];
  const deliveryTimeoutMs = 3000;
  const producer = new KafkaProducer({
    bootstrapServers: servers,
    clientId: "failures-broker-down",
    deliveryTimeoutMs,
    requestTimeoutMs: 1000,
    lingerMs: 0,
    retryBackoffMs: 50,
    reconnectBackoffMaxMs: 200,
  });
  try {
    // Metadata and the connection are in place before the broker goes away.
    await within(producer.send({ topic, value: "before" }), 10_000, "the first send");
    await stopNode(leader);
    let results: { ms: number; value?: unknown; error?: unknown }[];
    try {
      const sends = Array.from({ length: 20 }, (_, i) => timed(producer.send({ topic, key: `k${i}`, value: `while down ${i}` })));
      results = await within(Promise.all(sends), deliveryTimeoutMs + 5000, "the sends to a stopped broker");
    } finally {
      await startNode(leader);
    }
    for (const [i, r] of results.entries()) {
      assert.ok(r.error !== undefined, `send ${i} succeeded with the broker stopped`);
      assert.ok(
        r.error instanceof KafkaError && r.error.constructor !== KafkaError,
        `send ${i} rejected with ${r.error}, not a KafkaError subclass`,
      );
      assert.ok(r.ms <= deliveryTimeoutMs + 1000, `send ${i} took ${r.ms} ms (deliveryTimeoutMs ${deliveryTimeoutMs})`);
    }

    // The same producer reconnects once the broker is back (its leadership may take a moment).
    const deadline = Date.now() + 30_000;
    let after = await timed(producer.send({ topic, value: "after" }));
    while (after.error !== undefined && Date.now() < deadline) after = await timed(producer.send({ topic, value: "after" }));
    assert.equal(after.error, undefined, `no send succeeded within 30 s of the restart: ${after.error}`);
  } finally {
    await producer.close({ timeoutMs: 5000 });
  }
});

test("a record over maxRequestSize rejects alone with RecordTooLargeError; the rest of its burst is written", async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic("too-large", 3);
  const producer = new KafkaProducer({ bootstrapServers: servers, clientId: "failures-too-large", maxRequestSize: 100_000 });
  let settled: PromiseSettledResult<unknown>[];
  try {
    const big = new Uint8Array(200_000).fill(7);
    const sends = Array.from({ length: 21 }, (_, i) => producer.send({ topic, key: `k${i}`, value: i === 10 ? big : `small ${i}` }));
    settled = await within(Promise.allSettled(sends), 30_000, "the burst");
  } finally {
    await producer.close({ timeoutMs: 5000 });
  }
  for (const [i, s] of settled.entries()) {
    if (i === 10) {
      assert.equal(s.status, "rejected");
      assert.ok((s as PromiseRejectedResult).reason instanceof RecordTooLargeError, `${(s as PromiseRejectedResult).reason}`);
    } else {
      assert.equal(s.status, "fulfilled", `send ${i}: ${(s as PromiseRejectedResult).reason}`);
    }
  }
  const read = await readTopic(servers, topic);
  assert.deepEqual(
    read.map((r) => new TextDecoder().decode(r.value!)).sort(),
    settled.flatMap((_, i) => i === 10 ? [] : [`small ${i}`]).sort(),
  );
});

test("send() after close() rejects with ClosedError; close() again is fine", async () => {
  const servers = await bootstrapServers();
  const producer = new KafkaProducer({ bootstrapServers: servers, clientId: "failures-closed" });
  await within(producer.close(), 10_000, "close()");
  await assert.rejects(producer.send({ topic: "any", value: "late" }), ClosedError);
  await within(producer.close(), 10_000, "a second close()");
});

test("a topic that does not exist (auto-creation is off) rejects after maxBlockMs with TimeoutError", async () => {
  const servers = await bootstrapServers();
  const maxBlockMs = 1500;
  const producer = new KafkaProducer({ bootstrapServers: servers, clientId: "failures-unknown-topic", maxBlockMs });
  try {
    const r = await within(timed(producer.send({ topic: uniqueTopic("no-such-topic"), value: "lost" })), maxBlockMs + 10_000, "the send");
    assert.ok(r.error instanceof TimeoutError, `rejected with ${r.error}`);
    assert.ok(r.ms >= maxBlockMs - 50 && r.ms <= maxBlockMs + 1000, `settled after ${r.ms} ms (maxBlockMs ${maxBlockMs})`);
  } finally {
    await producer.close({ timeoutMs: 5000 });
  }
});

test("invalid settings throw ConfigError naming the key, before anything connects", () => {
  const cases: [Record<string, unknown>, string][] = [
    // The default lingerMs (5) + requestTimeoutMs (30000) do not fit in 1000.
    [{ deliveryTimeoutMs: 1000 }, "deliveryTimeoutMs"],
    [{ acks: 2 }, "acks"],
    [{ batchSize: -1 }, "batchSize"],
    [{ compressionType: "brotli" }, "compressionType"],
  ];
  for (const [settings, key] of cases) {
    assert.throws(
      () => new KafkaProducer({ bootstrapServers: "127.0.0.1:9", ...settings } as Config),
      (error: unknown) => error instanceof ConfigError && error.key === key && error.message.includes(key),
      `${JSON.stringify(settings)} names ${key}`,
    );
  }
});
