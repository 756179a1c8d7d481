/**
 * Produces 100 Avro `Order` records with a Schema Registry, registering the schema on the
 * first send (subject `<TOPIC>-value`), and prints each record's value as one line of
 * JSON. Runs on Deno, Bun and Node:
 *
 *   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 SCHEMA_REGISTRY_URL=http://127.0.0.1:8081 TOPIC=orders deno run -A examples/schema_registry.ts
 *   (deno task registry up prints a SCHEMA_REGISTRY_URL; bun examples/schema_registry.ts;
 *   node --import ./tools/node_ts_register.mjs examples/schema_registry.ts)
 */
import process from "node:process";
import { KafkaProducer } from "../mod.ts";
import { AvroSerializer, SchemaRegistryClient } from "../src/schema_registry/mod.ts";

interface Order {
  id: string;
  amount: number;
  items: { sku: string; qty: number }[];
}

const bootstrapServers = process.env.KAFKA_BOOTSTRAP_SERVERS ?? "127.0.0.1:9092";
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? "http://127.0.0.1:8081";
const topic = process.env.TOPIC ?? "orders";

const registry = new SchemaRegistryClient({ url: registryUrl });
const orders = new AvroSerializer<Order>(registry, {
  // autoRegisterSchemas is on by default: the first send registers the schema under `${topic}-value`.
  schema: {
    type: "record",
    name: "Order",
    fields: [
      { name: "id", type: "string" },
      { name: "amount", type: "double" },
      {
        name: "items",
        type: {
          type: "array",
          items: { type: "record", name: "Item", fields: [{ name: "sku", type: "string" }, { name: "qty", type: "int" }] },
        },
      },
    ],
  },
});

await using producer = new KafkaProducer<string, Order>({
  bootstrapServers,
  clientId: "schema-registry-example",
  valueSerializer: orders.serializer,
});
const values: Order[] = Array.from({ length: 100 }, (_, i) => ({
  id: `order-${i + 1}`,
  amount: Math.round((i + 1) * 123.45) / 100,
  items: Array.from({ length: (i % 3) + 1 }, (_, j) => ({ sku: `sku-${(i + j) % 17}`, qty: j + 1 })),
}));
// All sends at once: the first waits for the registry, the others keep their order behind it.
await Promise.all(values.map((value) => producer.send({ topic, key: value.id, value })));
for (const value of values) console.log(JSON.stringify(value));
