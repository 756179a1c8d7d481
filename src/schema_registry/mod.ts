/**
 * Schema Registry serdes that run on the edge (Deno, Bun, Node, Cloudflare Workers): a
 * registry client over `fetch` speaking Confluent's REST API, and serializers and
 * deserializers for Avro (avsc), JSON Schema (ajv) and Protobuf (@bufbuild/protobuf) in
 * Confluent's wire format, readable by Confluent's Java, Python and JavaScript clients.
 *
 * A serializer's `serializer` goes into the producer's `keySerializer` or
 * `valueSerializer`: the first record of a subject waits for the registry (in send
 * order, within `maxBlockMs`), every later one is serialized at once.
 *
 * @example Produce Avro values
 * ```ts
 * import { KafkaProducer } from "@edge-kafka/producer";
 * import { AvroSerializer, SchemaRegistryClient } from "@edge-kafka/producer/schema-registry";
 *
 * type Order = { id: string; amount: number };
 * const registry = new SchemaRegistryClient({ url: "https://psrc-xxxx.confluent.cloud", auth: { username: "KEY", password: "SECRET" } });
 * const orders = new AvroSerializer<Order>(registry, {
 *   schema: { type: "record", name: "Order", fields: [{ name: "id", type: "string" }, { name: "amount", type: "double" }] },
 * });
 * await using producer = new KafkaProducer<string, Order>({ bootstrapServers: "127.0.0.1:9092", valueSerializer: orders.serializer });
 * await producer.send({ topic: "orders", key: "o-1", value: { id: "o-1", amount: 9.5 } });
 * ```
 *
 * @example Read them back
 * ```ts
 * import { AvroDeserializer, SchemaRegistryClient } from "@edge-kafka/producer/schema-registry";
 * const registry = new SchemaRegistryClient({ url: "http://127.0.0.1:8081" });
 * const orders = new AvroDeserializer(registry);
 * console.log(await orders.deserialize("orders", new Uint8Array([0, 0, 0, 0, 1, 6, 111, 45, 49, 0, 0, 0, 0, 0, 0, 34, 64])));
 * ```
 *
 * @module
 */
export { SchemaRegistryClient } from "./schema_registry_client.ts";
export type {
  CompatibilityLevel,
  CompatibilityResult,
  RegisteredSchema,
  Schema,
  SchemaReference,
  SchemaRegistryClientConfig,
  SchemaType,
} from "./schema_registry_client.ts";
export type { RegistryAuth, RegistryHttpConfig } from "./registry_http.ts";
export { SchemaRegistryError } from "./errors.ts";
export { KafkaError, SerializationError } from "../errors.ts";
export { Secret } from "../security/secrets.ts";
export type { AsyncSerializer, SerializerContext, SerializerSignal } from "../producer/producer_config.ts";
export { RegistrySerializer } from "./serializer.ts";
export type { SchemaWriter, SerializerOptions } from "./serializer.ts";
export { RegistryDeserializer } from "./deserializer.ts";
export type { SchemaReader } from "./deserializer.ts";
export { AvroDeserializer, AvroSerializer } from "./avro.ts";
export type { AvroDeserializerOptions, AvroSchema, AvroSerializerOptions } from "./avro.ts";
export { JsonSchemaDeserializer, JsonSchemaSerializer } from "./json_schema.ts";
export type { JsonSchema, JsonSchemaDeserializerOptions, JsonSchemaSerializerOptions } from "./json_schema.ts";
export { messageIndexes, ProtobufDeserializer, ProtobufSerializer } from "./protobuf.ts";
export type { ProtobufDeserializerOptions, ProtobufSerializerOptions } from "./protobuf.ts";
export { recordNameStrategy, resolveSubjectNameStrategy, topicNameStrategy, topicRecordNameStrategy } from "./subject_name.ts";
export type { SubjectNameStrategy, SubjectNameStrategyName } from "./subject_name.ts";
export { decodeFrame, encodeFrame, encodeMessageIndexes, MAGIC_BYTE } from "./wire_format.ts";
export type { Frame } from "./wire_format.ts";
