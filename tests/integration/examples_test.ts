/**
 * Runs the examples for real against the broker, each in a process of its own. The
 * runtime-specific ones (examples/<runtime>_*.ts) run when the test runner is that
 * runtime, so a full suite (deno, bun, node) runs every example once without tripling
 * the cost; the portable ones run on every runtime.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { bootstrapServers } from "../support/broker.ts";
import { createTestTopic } from "../support/topics.ts";
import { readTopic, type TopicRecord } from "../support/reader.ts";
import { Child, evalCommand, testRuntime } from "../support/child.ts";
import { scriptCommand } from "../../tools/script_command.ts";
import { partitionForKey } from "../../src/producer/partitioner.ts";

const runtime = testRuntime();
const decoder = new TextDecoder();

/** Runs `file` on this runtime to its end and returns its stdout; fails on a non-zero exit. */
async function runExample(file: string, env: Record<string, string>): Promise<string> {
  const child = new Child(scriptCommand(runtime, file), env);
  const exit = await child.exit(60_000);
  assert.deepEqual(exit, { code: 0, signal: null }, `${file} failed:\n${child.stdout}\n${child.stderr}`);
  return child.stdout;
}

/** Asserts that the Java consumer finds exactly `expected` (value at partition/offset) in `topic`. */
async function assertTopicHolds(servers: string, topic: string, expected: { value: string; partition: number; offset: number }[]) {
  const stored = (await readTopic(servers, topic)).map((record: TopicRecord) => ({
    value: record.value === null ? null : decoder.decode(record.value),
    partition: record.partition,
    offset: record.offset,
  }));
  const order = (a: { partition: number; offset: number }, b: { partition: number; offset: number }) =>
    a.partition - b.partition || a.offset - b.offset;
  assert.deepEqual(stored, [...expected].sort(order));
}

test(`examples/cluster_info.ts prints brokers, controller, topics and negotiated versions (${runtime})`, async () => {
  const servers = await bootstrapServers();
  const output = await runExample("examples/cluster_info.ts", { KAFKA_BOOTSTRAP_SERVERS: servers });
  const lines = output.trim().split("\n");
  const nodeLines = lines.filter((line) => line.startsWith("node "));
  assert.equal(nodeLines.length, servers.split(",").length, output);
  for (const line of nodeLines) assert.match(line, /^node \d+ 127\.0\.0\.1:\d+$/);
  assert.match(output, /^controller \d+$/m);
  assert.match(output, /^cluster [A-Za-z0-9_-]{22}$/m);
  const apis = [
    "Produce",
    "Metadata",
    "FindCoordinator",
    "SaslHandshake",
    "ApiVersions",
    "CreateTopics",
    "DeleteTopics",
    "InitProducerId",
    "AddPartitionsToTxn",
    "AddOffsetsToTxn",
    "EndTxn",
    "TxnOffsetCommit",
    "SaslAuthenticate",
  ];
  for (const api of apis) {
    assert.match(output, new RegExp(`^api node \\d+ ${api} v\\d+ \\(broker \\d+\\.\\.\\d+\\)$`, "m"));
  }
});

test(`examples/${runtime}_script.ts sends its records and prints their offsets`, async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic(`examples-${runtime}-script`, 2);
  const output = await runExample(`examples/${runtime}_script.ts`, { KAFKA_BOOTSTRAP_SERVERS: servers, TOPIC: topic });
  const printed = output.trim().split("\n").map((line) => {
    const match = line.match(/^(\S+) -> (\S+) partition (\d+) offset (\d+)$/);
    assert.ok(match, `unexpected line ${JSON.stringify(line)} in\n${output}`);
    assert.equal(match[2], topic);
    return { value: match[1], partition: Number(match[3]), offset: Number(match[4]) };
  });
  assert.deepEqual(printed.slice(0, 2).map((record) => record.value), ["hello", "from"]);
  assert.match(printed[2].value, new RegExp(`^${runtime}`));
  assert.equal(printed.length, 3);
  await assertTopicHolds(servers, topic, printed);
});

if (runtime === "deno" || runtime === "bun") {
  test(`examples/${runtime}_serve.ts answers each POST with its record's offset and drains on SIGTERM`, async () => {
    const servers = await bootstrapServers();
    const topic = await createTestTopic(`examples-${runtime}-serve`, 3);
    const child = new Child(scriptCommand(runtime, `examples/${runtime}_serve.ts`), {
      KAFKA_BOOTSTRAP_SERVERS: servers,
      TOPIC: topic,
      PORT: "0",
    });
    try {
      const port = Number((await child.waitFor(/^listening on (\d+)$/m))[1]);
      const url = `http://127.0.0.1:${port}/`;
      const values = Array.from({ length: 8 }, (_, i) => `request-${i}-${"x".repeat(i * 100)}`);
      const replies = await Promise.all(values.map(async (value) => {
        const response = await fetch(url, { method: "POST", body: value });
        assert.equal(response.status, 200, `POST ${value}`);
        return await response.json() as { topic: string; partition: number; offset: number };
      }));
      const rejected = await fetch(url);
      assert.equal(rejected.status, 405);
      await rejected.body?.cancel();
      for (const reply of replies) assert.equal(reply.topic, topic);

      child.kill("SIGTERM");
      assert.deepEqual(await child.exit(15_000), { code: 0, signal: null }, `${child.stdout}\n${child.stderr}`);
      await assertTopicHolds(
        servers,
        topic,
        values.map((value, i) => ({ value, partition: replies[i].partition, offset: replies[i].offset })),
      );
    } finally {
      child.kill("SIGKILL");
    }
  });
}

test(`examples/lambda_handler.ts answers two warm invocations with every record acknowledged (${runtime})`, async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic(`examples-lambda-${runtime}`, 2);
  // A local stand-in for Lambda: two warm invocations in one environment, which is then
  // discarded at once (process.exit: no close, no timers), as Lambda may do to a frozen one.
  const driver = `
    import { handler } from "./examples/lambda_handler.ts";
    for (const values of [["first-a", "first-b"], ["second-a", "second-b", "second-c"]]) {
      const result = await handler({ records: values.map((value, i) => ({ key: "key-" + i, value })) });
      console.log(JSON.stringify({ values, result }));
    }
    process.exit(0);
  `;
  const child = new Child(evalCommand(runtime, driver), { KAFKA_BOOTSTRAP_SERVERS: servers, TOPIC: topic });
  assert.deepEqual(await child.exit(60_000), { code: 0, signal: null }, `${child.stdout}\n${child.stderr}`);
  const invocations = child.stdout.trim().split("\n").map((line) =>
    JSON.parse(line) as { values: string[]; result: { topic: string; records: { partition: number; offset: number }[] } }
  );
  assert.equal(invocations.length, 2, child.stdout);
  const expected = invocations.flatMap(({ values, result }) => {
    assert.equal(result.topic, topic);
    assert.equal(result.records.length, values.length);
    return values.map((value, i) => ({ value, ...result.records[i] }));
  });
  await assertTopicHolds(servers, topic, expected);
});

test(`examples/kafkajs_producer.ts, KafkaJS's producer example with our import, writes its messages (${runtime})`, async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic(`examples-kafkajs-${runtime}`, 2);
  const output = await runExample("examples/kafkajs_producer.ts", { KAFKA_BOOTSTRAP_SERVERS: servers, TOPIC: topic });
  const printed = output.trim().split("\n").map((line) => {
    const match = line.match(/^(\S+) partition (\d+) baseOffset (\d+)$/);
    assert.ok(match, `unexpected line ${JSON.stringify(line)} in\n${output}`);
    assert.equal(match[1], topic);
    return { partition: Number(match[2]), offset: Number(match[3]) };
  });
  const stored = await readTopic(servers, topic);
  assert.deepEqual(
    stored.map((r) => decoder.decode(r.value!)).sort(),
    ["Hello KafkaJS user!", "compressed", "hello world", "hey hey!"],
  );
  // Each RecordMetadata points at a record of its send; keys land where Java puts them.
  for (const { partition, offset } of printed) assert.ok(stored.some((r) => r.partition === partition && r.offset === offset));
  const byValue = new Map(stored.map((r) => [decoder.decode(r.value!), r]));
  assert.equal(byValue.get("hey hey!")!.partition, partitionForKey(new TextEncoder().encode("key2"), 2));
  assert.deepEqual(byValue.get("hey hey!")!.headers.map(([name]) => name), ["correlation-id"]);
});

test(`examples/kafkajs_transaction.ts commits one transaction and aborts another (${runtime})`, async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic(`examples-kafkajs-txn-${runtime}`, 1);
  const output = await runExample("examples/kafkajs_transaction.ts", {
    KAFKA_BOOTSTRAP_SERVERS: servers,
    TOPIC: topic,
    TRANSACTIONAL_ID: `${topic}-tx`,
  });
  assert.equal(output, "committed 2 messages\naborted 1 message\n");
  const values = async (isolationLevel: "read_committed" | "read_uncommitted") =>
    (await readTopic(servers, topic, { isolationLevel })).map((r) => decoder.decode(r.value!));
  assert.deepEqual(await values("read_committed"), ["paid", "paid"]);
  assert.deepEqual(await values("read_uncommitted"), ["paid", "paid", "cancelled before commit"]);
});
