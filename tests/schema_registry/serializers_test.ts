import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AvroDeserializer,
  AvroSerializer,
  JsonSchemaDeserializer,
  JsonSchemaSerializer,
  ProtobufDeserializer,
  ProtobufSerializer,
  SchemaRegistryClient,
  SchemaRegistryError,
} from "../../src/schema_registry/mod.ts";
import { ConfigError, SerializationError } from "../../src/errors.ts";
import { FakeRegistry } from "../support/fake_registry.ts";
import { NoteSchema, OrderSchema } from "../support/shop_proto.ts";
import { ORDER_AVRO } from "../support/orders.ts";

const ORDER = ORDER_AVRO;
const order = { id: "o-1", amount: 9.5, items: [{ sku: "a", qty: 2 }] };

function setup() {
  const fake = new FakeRegistry();
  return { fake, registry: new SchemaRegistryClient({ url: "http://registry.test", fetch: fake.fetch, maxRetries: 0 }) };
}

async function rejection(work: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof work === "function" ? work() : work);
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a failure");
}

test("Avro: the first record asks the registry, later ones are serialized at once; bytes are magic, id, then the Avro body", async () => {
  const { fake, registry } = setup();
  const avro = new AvroSerializer(registry, { schema: ORDER });
  const first = avro.serializer(order, "orders", { signal: new AbortController().signal });
  assert.ok(first instanceof Promise);
  const bytes = (await first)!;
  const later = avro.serializer(order, "orders", { signal: new AbortController().signal });
  assert.ok(later instanceof Uint8Array);
  assert.deepEqual(later, bytes);
  assert.deepEqual([...bytes.subarray(0, 5)], [0, 0, 0, 0, 1]);
  // "o-1" as a zig-zag length 3 then UTF-8, 9.5 as a little-endian double, one Item, the array's end.
  assert.deepEqual([...bytes.subarray(5)], [6, 111, 45, 49, 0, 0, 0, 0, 0, 0, 35, 64, 2, 2, 97, 4, 0]);
  assert.deepEqual(fake.requests.map((r) => `${r.method} ${r.path}`), ["POST /subjects/orders-value/versions"]);
  assert.deepEqual(await new AvroDeserializer(registry).deserialize("orders", bytes), order);
  assert.equal(await avro.serialize("orders", null as never), null);
});

test("Avro: a value that does not match fails with the field path before the registry is asked", async () => {
  const { fake, registry } = setup();
  const avro = new AvroSerializer(registry, { schema: ORDER, isKey: true });
  const error = await rejection(avro.serialize("orders", { ...order, items: [{ sku: "a", qty: 1 }, { sku: "b", qty: "two" }] }));
  assert.ok(error instanceof SerializationError);
  assert.equal(error.message, 'record.key.items[1].qty does not match Avro schema shop.Order: expected int, got string ("two")');
  const missing = await rejection(avro.serialize("orders", { id: "o-1", items: [] }));
  assert.equal(missing.message, "record.key.amount does not match Avro schema shop.Order: expected double, got undefined");
  assert.equal(fake.requests.length, 0);
  assert.throws(() => new AvroSerializer(registry, { schema: { type: "record", name: "X" } }), ConfigError);
  assert.throws(
    () => new AvroSerializer(registry, { schema: ORDER, autoRegisterSchema: false } as never),
    /did you mean "autoRegisterSchemas"/,
  );
});

test("subject name strategies: TopicName, RecordName, TopicRecordName", async () => {
  const { fake, registry } = setup();
  await new AvroSerializer(registry, { schema: ORDER }).serialize("orders", order);
  await new AvroSerializer(registry, { schema: ORDER, isKey: true }).serialize("orders", order);
  await new AvroSerializer(registry, { schema: ORDER, subjectNameStrategy: "RecordName" }).serialize("orders", order);
  await new AvroSerializer(registry, { schema: ORDER, subjectNameStrategy: "TopicRecordName" }).serialize("orders", order);
  await new AvroSerializer(registry, { schema: ORDER, subjectNameStrategy: (topic) => `custom.${topic}` }).serialize("orders", order);
  assert.deepEqual(fake.requests.map((r) => r.path.split("/")[2]), [
    "orders-value",
    "orders-key",
    "shop.Order",
    "orders-shop.Order",
    "custom.orders",
  ]);
});

test("autoRegisterSchemas off looks the schema up; useLatestVersion writes with the latest; useSchemaId asks nothing", async () => {
  const { fake, registry } = setup();
  const lookup = new AvroSerializer(registry, { schema: ORDER, autoRegisterSchemas: false });
  const notFound = await rejection(lookup.serialize("orders", order));
  assert.ok(notFound instanceof SchemaRegistryError);
  assert.equal(notFound.errorCode, 40403);
  const id = fake.add("orders-value", { schema: JSON.stringify(ORDER) });
  assert.equal(id, 1);
  assert.deepEqual([...(await lookup.serialize("orders", order))!.subarray(0, 5)], [0, 0, 0, 0, 1]);
  assert.equal(fake.requests.at(-1)!.path, "/subjects/orders-value");

  fake.add("orders-value", { schema: '"string"' });
  const latest = new AvroSerializer<string>(registry, { useLatestVersion: true });
  assert.deepEqual([...(await latest.serialize("orders", "hi"))!], [0, 0, 0, 0, 2, 4, 104, 105]);

  const before = fake.requests.length;
  const fixed = new AvroSerializer(registry, { schema: ORDER, useSchemaId: 42 });
  assert.deepEqual([...(await fixed.serialize("orders", order))!.subarray(0, 5)], [0, 0, 0, 0, 42]);
  assert.equal(fake.requests.length, before);
  assert.throws(() => new AvroSerializer(registry, {}), /schema/);
});

test("JSON Schema: draft 7 by default, 2020-12 when $schema says so; the failing field's path; the body is the JSON text", async () => {
  const { registry } = setup();
  const tuple = { type: "array", prefixItems: [{ type: "string" }, { type: "integer" }] };
  const draft7 = new JsonSchemaSerializer(registry, { schema: { title: "Pair", ...tuple } });
  // Draft 7 has no prefixItems: anything array-shaped passes.
  assert.ok(await draft7.serialize("pairs", ["a", "b"]));
  const modern = new JsonSchemaSerializer(registry, {
    schema: { $schema: "https://json-schema.org/draft/2020-12/schema", title: "Pair", ...tuple },
  });
  const error = await rejection(modern.serialize("pairs", ["a", "b"]));
  assert.ok(error instanceof SerializationError);
  assert.equal(error.message, 'record.value[1] does not match JSON Schema Pair: must be integer, got string ("b")');
  const bytes = (await modern.serialize("pairs", ["a", 1]))!;
  assert.equal(new TextDecoder().decode(bytes.subarray(5)), '["a",1]');
  assert.deepEqual(await new JsonSchemaDeserializer(registry, { validate: true }).deserialize("pairs", bytes), ["a", 1]);

  const orders = new JsonSchemaSerializer(registry, {
    schema: {
      type: "object",
      title: "Order",
      required: ["id"],
      properties: { items: { type: "array", items: { type: "object", required: ["sku"] } } },
    },
  });
  const missing = await rejection(orders.serialize("orders", { id: "o", items: [{ sku: "a" }, {}] }));
  assert.equal(
    missing.message,
    "record.value.items[1].sku does not match JSON Schema Order: must have required property 'sku', got undefined",
  );
});

test("Protobuf: message indexes as Confluent writes them ([1] for the file's second message, [1, 0] for one nested in it)", async () => {
  const { fake, registry } = setup();
  const orders = new ProtobufSerializer(registry, { messageType: OrderSchema });
  const bytes = (await orders.serialize("orders", { id: "o-1", amount: 9.5, items: [{ sku: "a", qty: 2 }] }))!;
  assert.deepEqual([...bytes.subarray(0, 7)], [0, 0, 0, 0, 1, 2, 2]);
  const registered = fake.requests[0].body as { schema: string; schemaType: string };
  assert.equal(registered.schemaType, "PROTOBUF");
  assert.match(registered.schema, /^[A-Za-z0-9+/]+=*$/);
  const notes = new ProtobufSerializer(registry, { messageType: NoteSchema, subjectNameStrategy: "RecordName" });
  const note = (await notes.serialize("orders", { text: "hi" }))!;
  assert.deepEqual([...note.subarray(5, 8)], [4, 2, 0]);
  assert.equal(fake.requests[1].path, "/subjects/shop.Order.Note/versions");

  const reader = new ProtobufDeserializer(registry);
  const decoded = await reader.deserialize("orders", bytes);
  assert.equal(decoded!.$typeName, "shop.Order");
  assert.deepEqual((decoded as unknown as { items: { sku: string; qty: number }[] }).items.map((i) => [i.sku, i.qty]), [["a", 2]]);
  assert.equal((await reader.deserialize("orders", note))!.$typeName, "shop.Order.Note");
});

test("Protobuf: a field of the wrong type, or one the message does not have, fails with its path", async () => {
  const { registry } = setup();
  const orders = new ProtobufSerializer(registry, { messageType: OrderSchema });
  const wrong = await rejection(orders.serialize("orders", { id: "o", items: [{ sku: "a", qty: 1 }, { sku: "b", qty: 1.5 }] }));
  assert.equal(wrong.message, "record.value.items[1].qty does not match Protobuf message shop.Order: expected int32, got number (1.5)");
  const unknown = await rejection(orders.serialize("orders", { id: "o", total: 3 }));
  assert.match(
    unknown.message,
    /^record\.value\.total does not match Protobuf message shop\.Order: expected no such field \(shop\.Order has id, amount, items, note\)/,
  );
});

test("a deserializer refuses bytes of another format or schema type, naming the topic and schema id", async () => {
  const { registry } = setup();
  const json = (await new JsonSchemaSerializer(registry, { schema: { type: "object" } }).serialize("t", {}))!;
  const error = await rejection(new AvroDeserializer(registry).deserialize("t", json));
  assert.equal(error.message, "value from topic t was written with schema id 1, a JSON schema; this deserializer reads AVRO");
  await assert.rejects(
    new AvroDeserializer(registry).deserialize("t", new TextEncoder().encode("plain")),
    /not in Confluent's wire format/,
  );
});
