/**
 * The serdes inside workerd, as the transport is tested: tests/schema_registry/workerd_worker.ts
 * bundled for Workers, served by workerd, producing Avro, JSON Schema and Protobuf records
 * to the real broker with the real registry reached over fetch; the Java consumer reads
 * them back and our deserializers (outside) decode them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { buildWorker } from "../../tools/workerd/build.ts";
import { startWorkerd, stopWorkerd } from "../../tools/workerd/serve.ts";
import { bootstrapServers } from "../support/broker.ts";
import { createTestTopic } from "../support/topics.ts";
import { readTopic } from "../support/reader.ts";
import { registryUrl } from "../support/registry.ts";
import { AvroDeserializer, JsonSchemaDeserializer, SchemaRegistryClient } from "../../src/schema_registry/mod.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("in workerd: Avro, JSON Schema and Protobuf serializers produce through the registry over fetch; bad values name their field", async () => {
  const [servers, url] = await Promise.all([bootstrapServers(), registryUrl()]);
  const dir = mkdtempSync(join(tmpdir(), "edge-kafka-sr-workerd-"));
  let workerd: ChildProcess | undefined;
  try {
    await buildWorker({
      entry: join(root, "tests", "schema_registry", "workerd_worker.ts"),
      outfile: join(dir, "dist", "cloudflare_worker.js"),
    })
      .finally(() => esbuild.stop());
    const config = readFileSync(join(root, "tools", "workerd", "config.capnp"), "utf8").replace(
      "bindings = [",
      'bindings = [\n    (name = "SCHEMA_REGISTRY_URL", fromEnvironment = "SCHEMA_REGISTRY_URL"),',
    );
    writeFileSync(join(dir, "config.capnp"), config);
    const started = await startWorkerd(join(dir, "config.capnp"), { KAFKA_BOOTSTRAP_SERVERS: servers, SCHEMA_REGISTRY_URL: url }, {
      expectStatus: 400,
    });
    workerd = started.child;
    const registry = new SchemaRegistryClient({ url });
    const cases = [
      {
        format: "avro",
        values: [{ id: "a-1", amount: 1.5 }, { id: "a-2", amount: 2.5 }],
        bad: { id: 3, amount: 1 },
        reader: new AvroDeserializer(registry),
      },
      {
        format: "json",
        values: [{ id: "j-1" }, { id: "j-2", amount: 2 }],
        bad: { amount: 1 },
        reader: new JsonSchemaDeserializer(registry),
      },
      {
        format: "protobuf",
        values: [{ id: "p-1", amount: 1.5 }, { id: "p-2", amount: 2.5, items: [{ sku: "s", qty: 3 }] }],
        bad: { id: "p", amount: "x" },
      },
    ];
    const expectedErrors: Record<string, string> = {
      avro: "SerializationError: record.value.id does not match Avro schema Order: expected string, got number (3)",
      json: "SerializationError: record.value.id does not match JSON Schema Order: must have required property 'id', got undefined",
      protobuf: 'SerializationError: record.value.amount does not match Protobuf message shop.Order: expected a number, got string ("x")',
    };
    for (const { format, values, bad, reader } of cases) {
      const topic = await createTestTopic(`sr-workerd-${format}`, 1);
      const response = await fetch(started.url, {
        method: "POST",
        body: JSON.stringify({ format, topic, values, bad }),
        signal: AbortSignal.timeout(30_000),
      });
      const answer = await response.json() as { written: { offset: number }[]; rejected: string; decoded: unknown[]; error?: string };
      assert.equal(response.status, 200, `${answer.error}\n${started.output()}`);
      assert.deepEqual(answer.written.map((w) => w.offset), [0, 1]);
      assert.equal(answer.rejected, expectedErrors[format]);
      assert.deepEqual(answer.decoded, values);
      const stored = await readTopic(servers, topic);
      assert.equal(stored.length, 2);
      for (const record of stored) assert.equal(record.value![0], 0);
      if (reader) assert.deepEqual(await Promise.all(stored.map((r) => reader.deserialize(topic, r.value))), values);
    }
  } finally {
    if (workerd) await stopWorkerd(workerd);
    rmSync(dir, { recursive: true, force: true });
  }
});
