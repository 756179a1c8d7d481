/**
 * The producer with Schema Registry serializers against the real broker and the real
 * registry (Apicurio, started by the harness): send order, what the Java consumer reads,
 * and each kind of bad input failing only its own send.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { KafkaProducer, type RecordMetadata, SerializationError } from "../../mod.ts";
import { AvroDeserializer, AvroSerializer, SchemaRegistryClient, SchemaRegistryError } from "../../src/schema_registry/mod.ts";
import { bootstrapServers, uniqueTopic } from "../support/broker.ts";
import { createTestTopic } from "../support/topics.ts";
import { readTopic } from "../support/reader.ts";
import { registryUrl } from "../support/registry.ts";
import { type Order, ORDER_AVRO, orderAt } from "../support/orders.ts";

const ORDER = ORDER_AVRO;

test("records with an Avro valueSerializer keep their send order per partition, and the Java consumer reads Confluent's bytes", async () => {
  const [servers, url, topic] = await Promise.all([bootstrapServers(), registryUrl(), createTestTopic("sr-order", 3)]);
  const registry = new SchemaRegistryClient({ url });
  const serializer = new AvroSerializer<Order>(registry, { schema: ORDER });
  const producer = new KafkaProducer<string, Order>({ bootstrapServers: servers, valueSerializer: serializer.serializer, lingerMs: 20 });
  try {
    // All at once: the first waits for the registry, the others queue behind it, then everything is sent at once.
    const sends = Array.from({ length: 300 }, (_, i) => producer.send({ topic, key: `k-${i % 10}`, value: orderAt(i) }));
    const metadata = await Promise.all(sends);
    for (const partition of [0, 1, 2]) {
      const inSendOrder = metadata.map((m, i) => ({ ...m, i })).filter((m) => m.partition === partition);
      assert.deepEqual(inSendOrder.map((m) => m.offset), inSendOrder.map((_, n) => n), `partition ${partition} in send order`);
    }
    const records = await readTopic(servers, topic);
    assert.equal(records.length, 300);
    const id = await registry.lookupId(`${topic}-value`, { schema: JSON.stringify(ORDER) });
    const deserializer = new AvroDeserializer<Order>(registry);
    for (const record of records) {
      const i = metadata.findIndex((m) => m.partition === record.partition && m.offset === record.offset);
      assert.deepEqual([...record.value!.subarray(0, 5)], [0, id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255]);
      assert.deepEqual(record.value, await serializer.serialize(topic, orderAt(i)));
      assert.deepEqual(await deserializer.deserialize(topic, record.value), orderAt(i));
    }
  } finally {
    await producer.close();
  }
});

test("a value not matching its schema, and an incompatible schema, reject only their own send; the sends around them are delivered", async () => {
  const [servers, url, topic] = await Promise.all([bootstrapServers(), registryUrl(), createTestTopic("sr-bad", 1)]);
  const registry = new SchemaRegistryClient({ url });
  const orders = new AvroSerializer<Order>(registry, { schema: ORDER });
  await orders.serialize(topic, orderAt(0));
  await registry.setCompatibility("BACKWARD", `${topic}-value`);
  // id becomes an int: BACKWARD-incompatible with the version registered above.
  const changed = { ...ORDER, fields: [{ name: "id", type: "int" }, ...ORDER.fields.slice(1)] };
  const incompatible = new AvroSerializer<unknown>(registry, { schema: changed });
  const producer = new KafkaProducer<string, unknown>({
    bootstrapServers: servers,
    valueSerializer: (value, t, context) =>
      (value as { v?: number }).v === 2 ? incompatible.serializer(value, t, context) : orders.serializer(value as Order, t, context),
  });
  try {
    const outcomes = await Promise.allSettled([
      producer.send({ topic, value: orderAt(1) }),
      producer.send({ topic, value: { ...orderAt(2), items: [{ sku: "a", qty: 1 }, { sku: "b", qty: "two" }] } }),
      producer.send({ topic, value: { v: 2, id: 5, amount: 1, items: [] } }),
      producer.send({ topic, value: orderAt(3) }),
    ]);
    assert.equal(outcomes[0].status, "fulfilled");
    assert.equal(outcomes[3].status, "fulfilled");
    const bad = (outcomes[1] as PromiseRejectedResult).reason;
    assert.ok(bad instanceof SerializationError);
    assert.equal(bad.message, 'record.value.items[1].qty does not match Avro schema shop.Order: expected int, got string ("two")');
    const rejected = (outcomes[2] as PromiseRejectedResult).reason;
    assert.ok(rejected instanceof SchemaRegistryError, String(rejected));
    assert.equal(rejected.status, 409);
    assert.ok(rejected.registryMessage !== undefined && rejected.message.endsWith(rejected.registryMessage));
    assert.match(rejected.registryMessage, /Incompatible/i);
    assert.ok(rejected.message.includes(`${url}/subjects/${topic}-value/versions`));
    const stored = await readTopic(servers, topic);
    const deserializer = new AvroDeserializer<Order>(registry);
    assert.deepEqual(await Promise.all(stored.map((r) => deserializer.deserialize(topic, r.value))), [orderAt(1), orderAt(3)]);
  } finally {
    await producer.close();
  }
});

/** An HTTP server that takes requests and never answers them. */
async function silentServer(): Promise<{ url: string; server: Server }> {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/apis/ccompat/v7`, server };
}

test("a registry that does not answer fails the send at maxBlockMs naming its URL, one that is down fails after its retries; nothing else is lost", async () => {
  const [servers, topic] = await Promise.all([bootstrapServers(), createTestTopic("sr-down", 1)]);
  const silent = await silentServer();
  const slow = new AvroSerializer<Order>(new SchemaRegistryClient({ url: silent.url, requestTimeoutMs: 60_000 }), { schema: ORDER });
  const downUrl = `http://127.0.0.1:${(silent.server.address() as { port: number }).port + 0}/nothing-here`;
  const producer = new KafkaProducer<string, Order | string>({
    bootstrapServers: servers,
    maxBlockMs: 1_500,
    valueSerializer: (value, t, context) =>
      typeof value === "string" ? new TextEncoder().encode(value) : slow.serializer(value, t, context),
  });
  try {
    await producer.send({ topic, value: "before" });
    const outcomes = await Promise.allSettled<RecordMetadata>([
      producer.send({ topic, value: "first" }),
      producer.send({ topic, value: orderAt(1) }),
      producer.send({ topic, value: "after" }),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ["fulfilled", "rejected", "fulfilled"]);
    const error = (outcomes[1] as PromiseRejectedResult).reason;
    assert.ok(error instanceof SchemaRegistryError, String(error));
    assert.equal(
      error.message,
      `schema registry ${silent.url} gave no schema id for subject ${topic}-value in time: serializing a record for topic ${topic}: the serializer did not finish within maxBlockMs (1500 ms)`,
    );
    const stored = await readTopic(servers, topic);
    assert.deepEqual(stored.map((r) => new TextDecoder().decode(r.value!)), ["before", "first", "after"]);
  } finally {
    await producer.close();
    silent.server.closeAllConnections?.();
    silent.server.close();
  }
  // A registry that refuses connections: the client's own retries end the send, with the URL.
  const down = new AvroSerializer<Order>(
    new SchemaRegistryClient({ url: downUrl.replace(/:\d+\//, ":1/"), maxRetries: 1, retryBackoffMs: 10 }),
    { schema: ORDER },
  );
  const refused = await down.serialize(uniqueTopic("sr"), orderAt(1)).then(() => undefined, (e) => e);
  assert.ok(refused instanceof SchemaRegistryError);
  assert.match(
    refused.message,
    /^schema registry POST http:\/\/127\.0\.0\.1:1\/nothing-here\/subjects\/sr-.*-value\/versions failed after 2 attempt\(s\): /,
  );
});
