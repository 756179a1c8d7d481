/**
 * Avro serializer and deserializer in Confluent's wire format, with avsc.
 *
 * avsc compiles each schema into JavaScript with `new Function`, which a Cloudflare
 * Worker allows while its module loads but not while it handles a request: on workerd,
 * create serializers (and deserializers with a `readerSchema`) at module scope. Records
 * written with the reader's own schema then decode without compiling anything later.
 *
 * @module
 */
import type * as Avsc from "avsc";
// The Type part of avsc only: its main entry also loads file and stream support (fs, stream) that a Worker lacks.
import avscTypes from "avsc/etc/browser/avsc-types.js";
import { ConfigError, SerializationError } from "../errors.ts";
import { describeValue } from "../validation.ts";
import type { Schema, SchemaRegistryClient } from "./schema_registry_client.ts";
import type { SchemaReader } from "./deserializer.ts";
import { RegistryDeserializer } from "./deserializer.ts";
import type { SchemaWriter, SerializerOptions } from "./serializer.ts";
import { RegistrySerializer, schemaMismatch, scratchFor } from "./serializer.ts";

/** An Avro schema: its JSON text, or the parsed object (`{ type: "record", name: "Order", fields: [...] }`). */
export type AvroSchema = string | Record<string, unknown> | unknown[];

const avsc = avscTypes as { Type: typeof Avsc.Type };
type AvscType = Avsc.Type;

function parseType(schema: AvroSchema, where: string): { type: AvscType; text: string } {
  let parsed: unknown = schema;
  if (typeof schema === "string") {
    try {
      parsed = JSON.parse(schema);
    } catch (error) {
      throw new ConfigError(where, `is not valid JSON: ${(error as Error).message}`);
    }
  }
  try {
    return { type: avsc.Type.forSchema(parsed as Avsc.Schema), text: typeof schema === "string" ? schema : JSON.stringify(schema) };
  } catch (error) {
    throw new ConfigError(where, `is not a valid Avro schema: ${(error as Error).message}`);
  }
}

/** The path avsc's errorHook gives (`["items", "1", "qty"]`) as `items[1].qty`. */
function fieldPath(path: string[]): string {
  return path.map((part, i) => /^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`).join("");
}

function writer<T>(type: AvscType, text: string): SchemaWriter<T> {
  const name = `Avro schema ${type.name ?? (type as { typeName?: string }).typeName}`;
  let scratch: Uint8Array = new Uint8Array(1024);
  return {
    schema: { schema: text, schemaType: "AVRO" },
    recordName: type.name,
    encode(value, what, offset) {
      try {
        let end = type.encode(value, scratch, offset);
        // A negative end is how many bytes were missing.
        if (end < 0) {
          scratch = scratchFor(scratch, scratch.length - end);
          end = type.encode(value, scratch, offset);
        }
        return scratch.slice(0, end);
      } catch (error) {
        let found: SerializationError | undefined;
        type.isValid(value, {
          errorHook: (path: string[], given: unknown, expected: AvscType) => {
            found ??= schemaMismatch(what, name, fieldPath(path), expected.name ?? String(expected.typeName), given);
          },
        });
        throw found ?? new SerializationError(`${what} does not match ${name}: ${(error as Error).message}`, error);
      }
    },
  };
}

/** Settings of {@link AvroSerializer}. */
export interface AvroSerializerOptions extends SerializerOptions {
  /** The schema to write with (not needed with `useLatestVersion` or `useSchemaId`). */
  schema?: AvroSchema;
}

/**
 * Serializes values (or keys, with `isKey`) as Avro in Confluent's wire format.
 *
 * @example As the producer's valueSerializer
 * ```ts
 * import { KafkaProducer } from "../../mod.ts";
 * import { AvroSerializer, SchemaRegistryClient } from "./mod.ts";
 * const registry = new SchemaRegistryClient({ url: "http://127.0.0.1:8081" });
 * const orders = new AvroSerializer<{ id: string }>(registry, {
 *   schema: { type: "record", name: "Order", fields: [{ name: "id", type: "string" }] },
 * });
 * const producer = new KafkaProducer<string, { id: string }>({ bootstrapServers: "127.0.0.1:9092", valueSerializer: orders.serializer });
 * await producer.send({ topic: "orders", key: "o-1", value: { id: "o-1" } });
 * ```
 */
export class AvroSerializer<T = unknown> extends RegistrySerializer<T> {
  /** Compiles the schema now (at module scope on workerd); a bad schema throws ConfigError. */
  constructor(registry: SchemaRegistryClient, options: AvroSerializerOptions) {
    const local = options?.schema === undefined ? undefined : parseType(options.schema, "schema");
    super(registry, options ?? {}, local === undefined ? undefined : writer<T>(local.type, local.text), ["schema"]);
  }

  /** Compiles a schema read from the registry. */
  protected compile(schema: Schema): SchemaWriter<T> {
    const { type } = parseType(schema.schema, "the registry's schema");
    return writer<T>(type, schema.schema);
  }
}

/** Settings of {@link AvroDeserializer}. */
export interface AvroDeserializerOptions {
  /**
   * The schema to read into (Avro schema resolution from each writer's schema); default
   * each record's own writer schema.
   */
  readerSchema?: AvroSchema;
}

/** avsc's records are class instances; callers get plain objects and arrays. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, plain(v)]));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) out[key] = plain(field);
  return out;
}

/**
 * Reads Avro records in Confluent's wire format, with the writer's schema from the
 * registry (by the id in each record).
 *
 * @example
 * ```ts
 * import { AvroDeserializer, SchemaRegistryClient } from "./mod.ts";
 * const registry = new SchemaRegistryClient({ url: "http://127.0.0.1:8081" });
 * const deserializer = new AvroDeserializer<{ id: string }>(registry);
 * const bytes = new Uint8Array([0, 0, 0, 0, 1, 6, 111, 45, 49]);
 * console.log(await deserializer.deserialize("orders", bytes)); // { id: "o-1" }
 * ```
 */
export class AvroDeserializer<T = unknown> extends RegistryDeserializer<T> {
  readonly #reader: { type: AvscType; text: string } | undefined;

  /** Compiles the reader's schema now, if one is given. */
  constructor(registry: SchemaRegistryClient, options: AvroDeserializerOptions = {}) {
    super(registry, "AVRO", false);
    if (options === null || typeof options !== "object") {
      throw new ConfigError("options", `must be an object, not ${describeValue(options)}`);
    }
    this.#reader = options.readerSchema === undefined ? undefined : parseType(options.readerSchema, "readerSchema");
  }

  /** A reader for one writer schema: the reader's own type when they are the same schema, else a resolver. */
  protected compile(schema: Schema, id: number): SchemaReader<T> {
    const reader = this.#reader;
    const same = reader !== undefined && (schema.schema === reader.text || sameSchema(schema.schema, reader.type));
    const written = same ? reader!.type : parseType(schema.schema, `schema id ${id}`).type;
    const resolver = reader === undefined || same ? undefined : reader.type.createResolver(written);
    const type = reader?.type ?? written;
    return {
      decode(payload, _indexes, what) {
        try {
          return plain(type.fromBuffer(payload, resolver)) as T;
        } catch (error) {
          throw new SerializationError(`${what} does not decode as Avro: ${(error as Error).message}`, error);
        }
      },
    };
  }
}

function sameSchema(text: string, type: AvscType): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(type.schema());
  } catch {
    return false;
  }
}
