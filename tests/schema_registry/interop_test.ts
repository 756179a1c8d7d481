/**
 * Interop with an independent implementation against the same registry: Confluent's
 * Python serdes (confluent-kafka, installed into a venv in the harness's cache) decode
 * what our producer wrote (read back from the broker by the Java consumer), and what they
 * write decodes with ours; Avro records and Protobuf payloads are the same bytes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { toJson } from "@bufbuild/protobuf";
import { KafkaProducer } from "../../mod.ts";
import { SchemaRegistryClient } from "../../src/schema_registry/mod.ts";
import { decodeFrame } from "../../src/schema_registry/wire_format.ts";
import { bootstrapServers } from "../support/broker.ts";
import { createTestTopic } from "../support/topics.ts";
import { readTopic } from "../support/reader.ts";
import { registryUrl } from "../support/registry.ts";
import { OrderSchema } from "../support/shop_proto.ts";
import { pythonInterop } from "../../tools/registry/python_serdes.ts";
import { ORDER_AVRO, ORDER_JSON_SCHEMA, orderAt } from "../support/orders.ts";
import { type OrderFormat, orderSerdes } from "../support/order_serdes.ts";

const AVRO = ORDER_AVRO;
const JSON_SCHEMA = ORDER_JSON_SCHEMA;
const values = Array.from({ length: 12 }, (_, i) => orderAt(i));
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (text: string) => Uint8Array.from(text.match(/../g)!, (b) => parseInt(b, 16));
const sorted = (value: unknown): string =>
  JSON.stringify(value, (_k, v) => v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v);

interface Format {
  name: OrderFormat;
  /** The schema as the Python side is given it ("": its own, from the generated Protobuf module). */
  schemaText: string;
  plain(value: unknown): unknown;
}

const formats: Format[] = [
  { name: "avro", schemaText: JSON.stringify(AVRO), plain: (value) => value },
  { name: "json", schemaText: JSON.stringify(JSON_SCHEMA), plain: (value) => value },
  { name: "protobuf", schemaText: "", plain: (value) => toJson(OrderSchema, value as never) },
];

for (const format of formats) {
  test(`${format.name}: Confluent's Python deserializer reads our records, ours reads its records${format.name === "json" ? "" : ", byte for byte"}`, async () => {
    const [servers, url, topic] = await Promise.all([bootstrapServers(), registryUrl(), createTestTopic(`sr-interop-${format.name}`, 2)]);
    const registry = new SchemaRegistryClient({ url });
    // Our serializers register the same schema text as the Python side is given; the deserializers validate (JSON).
    const { serializer, deserializer } = orderSerdes(registry, { avro: AVRO, json: JSON_SCHEMA }, false)[format.name];
    const producer = new KafkaProducer<string, unknown>({ bootstrapServers: servers, valueSerializer: serializer.serializer });
    const metadata = await Promise.all(values.map((value, i) => producer.send({ topic, key: `k-${i}`, value })));
    await producer.close();
    const stored = await readTopic(servers, topic);
    const ours = metadata.map((m) => stored.find((r) => r.partition === m.partition && r.offset === m.offset)!.value!);

    // Ours → Python.
    const decoded = await pythonInterop("decode", url, format.name, topic, format.schemaText, ours.map(hex));
    assert.deepEqual(decoded.map((line) => sorted(JSON.parse(line))), values.map(sorted));

    // Python → ours.
    const theirs = (await pythonInterop("encode", url, format.name, topic, format.schemaText, values.map((v) => JSON.stringify(v)))).map(
      unhex,
    );
    const read = await Promise.all(theirs.map((bytes) => deserializer.deserialize(topic, bytes)));
    assert.deepEqual(read.map((value) => sorted(format.plain(value))), values.map(sorted));

    if (format.name === "avro") assert.deepEqual(theirs.map(hex), ours.map(hex));
    if (format.name === "protobuf") {
      // The schema ids may differ (each side registers its own FileDescriptorProto); message indexes and payload may not.
      const body = (bytes: Uint8Array) => hex(bytes.subarray(5));
      assert.deepEqual(theirs.map(body), ours.map(body));
      assert.deepEqual(decodeFrame(ours[0], "value", true).messageIndexes, [1]);
    }
  });
}
