/**
 * examples/schema_registry.ts run for real on the test's runtime, against the broker and
 * the registry: it registers `Order` under `<TOPIC>-value`, prints 100 JSON lines, and the
 * Java consumer finds those 100 values in Avro, in Confluent's format.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { bootstrapServers } from "../support/broker.ts";
import { createTestTopic } from "../support/topics.ts";
import { readTopic } from "../support/reader.ts";
import { registryUrl } from "../support/registry.ts";
import { Child, testRuntime } from "../support/child.ts";
import { scriptCommand } from "../../tools/script_command.ts";
import { AvroDeserializer, SchemaRegistryClient } from "../../src/schema_registry/mod.ts";

const runtime = testRuntime();

test(`examples/schema_registry.ts registers Order, produces 100 records and prints each value as a JSON line (${runtime})`, async () => {
  const [servers, url, topic] = await Promise.all([bootstrapServers(), registryUrl(), createTestTopic(`sr-example-${runtime}`, 3)]);
  const child = new Child(scriptCommand(runtime, "examples/schema_registry.ts"), {
    KAFKA_BOOTSTRAP_SERVERS: servers,
    SCHEMA_REGISTRY_URL: url,
    TOPIC: topic,
  });
  const exit = await child.exit(90_000);
  assert.deepEqual(exit, { code: 0, signal: null }, `${child.stdout}\n${child.stderr}`);
  const printed = child.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.equal(printed.length, 100);
  assert.deepEqual(Object.keys(printed[0]), ["id", "amount", "items"]);

  const registry = new SchemaRegistryClient({ url });
  const latest = await registry.getLatestVersion(`${topic}-value`);
  assert.equal(JSON.parse(latest.schema).name, "Order");
  const deserializer = new AvroDeserializer(registry);
  const stored = await readTopic(servers, topic);
  const values = await Promise.all(stored.map((record) => deserializer.deserialize(topic, record.value)));
  const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
  assert.deepEqual((values as { id: string }[]).sort(byId), [...printed].sort(byId));
  for (const record of stored) assert.equal(new DataView(record.value!.buffer, record.value!.byteOffset).getUint32(1), latest.id);
});
