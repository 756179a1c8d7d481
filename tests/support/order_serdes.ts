/**
 * A serializer and deserializer of each registry format (Avro, JSON Schema, Protobuf) for
 * Order values, as the interop test and the workerd Worker both produce and read them.
 *
 * @module
 */
import {
  AvroDeserializer,
  type AvroSchema,
  AvroSerializer,
  type JsonSchema,
  JsonSchemaDeserializer,
  JsonSchemaSerializer,
  ProtobufDeserializer,
  ProtobufSerializer,
  type RegistryDeserializer,
  type RegistrySerializer,
  type SchemaRegistryClient,
} from "../../src/schema_registry/mod.ts";
import { OrderSchema } from "./shop_proto.ts";

/** A registry format. */
export type OrderFormat = "avro" | "json" | "protobuf";

/** The two halves of one format. */
export interface OrderSerdes {
  serializer: RegistrySerializer<unknown>;
  deserializer: RegistryDeserializer<unknown>;
}

/**
 * The serdes of each format: Avro and JSON Schema with the given schemas, Protobuf with
 * shop.Order.
 *
 * @param compileNow For workerd, which generates code only while a module loads: the Avro
 *   deserializer reads into `schemas.avro`, compiled now, and the JSON Schema one does not
 *   validate (its validator would be compiled for each writer schema, later). Otherwise
 *   Avro reads with each record's writer schema and JSON Schema values are validated.
 */
export function orderSerdes(
  registry: SchemaRegistryClient,
  schemas: { avro: AvroSchema; json: JsonSchema },
  compileNow: boolean,
): Record<OrderFormat, OrderSerdes> {
  return {
    avro: {
      serializer: new AvroSerializer(registry, { schema: schemas.avro }),
      deserializer: new AvroDeserializer(registry, compileNow ? { readerSchema: schemas.avro } : {}),
    },
    json: {
      serializer: new JsonSchemaSerializer(registry, { schema: schemas.json }),
      deserializer: new JsonSchemaDeserializer(registry, { validate: !compileNow }),
    },
    protobuf: {
      serializer: new ProtobufSerializer(registry, { messageType: OrderSchema }),
      deserializer: new ProtobufDeserializer(registry),
    },
  };
}
