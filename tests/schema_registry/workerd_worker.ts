/**
 * A Worker for tests/schema_registry/workerd_test.ts: the serializers are made at module
 * scope (avsc and ajv compile their schemas then, as workerd allows code generation only
 * while a module loads), and each request produces through them, asks the registry over
 * fetch, and decodes the bytes again.
 */
import { env } from "cloudflare:workers";
import { toJson } from "@bufbuild/protobuf";
import { KafkaProducer } from "../../mod.ts";
import { SchemaRegistryClient } from "../../src/schema_registry/mod.ts";
import { OrderSchema } from "../support/shop_proto.ts";
import { type OrderFormat, orderSerdes } from "../support/order_serdes.ts";

const ORDER = {
  type: "record",
  name: "Order",
  fields: [{ name: "id", type: "string" }, { name: "amount", type: "double" }],
};
const JSON_ORDER = { $schema: "https://json-schema.org/draft/2020-12/schema", title: "Order", type: "object", required: ["id"] };

const bindings = env as unknown as { SCHEMA_REGISTRY_URL: string; KAFKA_BOOTSTRAP_SERVERS: string };
const registry = new SchemaRegistryClient({ url: bindings.SCHEMA_REGISTRY_URL });
// Made here, at module scope, where workerd lets avsc compile them.
const serdes = orderSerdes(registry, { avro: ORDER, json: JSON_ORDER }, true);

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== "POST") return new Response("POST { format, topic, values, bad }", { status: 400 });
    const { format, topic, values, bad } = await request.json() as { format: OrderFormat; topic: string; values: unknown[]; bad: unknown };
    const { serializer, deserializer } = serdes[format];
    const producer = new KafkaProducer<null, unknown>({
      bootstrapServers: bindings.KAFKA_BOOTSTRAP_SERVERS,
      valueSerializer: serializer.serializer,
    });
    try {
      const sends = values.map((value) => producer.send({ topic, value }));
      const rejected = await producer.send({ topic, value: bad }).then(() => "no error", (error) => `${error.name}: ${error.message}`);
      const written = await Promise.all(sends);
      const decoded = [];
      for (const value of values) {
        const bytes = await serializer.serialize(topic, value);
        const read = await deserializer.deserialize(topic, bytes);
        decoded.push(format === "protobuf" ? toJson(OrderSchema, read as never) : read);
      }
      return Response.json({ written, rejected, decoded });
    } catch (error) {
      return Response.json({ error: `${(error as Error).name}: ${(error as Error).message}` }, { status: 500 });
    } finally {
      await producer.close();
    }
  },
};
