/**
 * What the Avro, JSON Schema and Protobuf deserializers share: reading Confluent's
 * framing, fetching the writer's schema by id (cached by the client), and compiling it
 * once per id.
 *
 * @module
 */
import { ConfigError, SerializationError } from "../errors.ts";
import { describeValue } from "../validation.ts";
import type { Schema, SchemaRegistryClient } from "./schema_registry_client.ts";
import { decodeFrame } from "./wire_format.ts";

/** A writer's schema compiled for reading: decodes a payload (with Protobuf's message indexes). */
export interface SchemaReader<T> {
  /** The value in `payload`, or a SerializationError whose message starts with `what`. */
  decode(payload: Uint8Array, messageIndexes: number[] | undefined, what: string): T;
}

/** The registry plumbing of a deserializer; each format supplies how to compile a writer's schema. */
export abstract class RegistryDeserializer<T> {
  /** The registry this deserializer asks. */
  readonly registry: SchemaRegistryClient;
  readonly #readers = new Map<number, SchemaReader<T>>();
  readonly #withIndexes: boolean;
  readonly #schemaType: string;

  /** `schemaType` is the registry's name for the format; `withIndexes` reads Protobuf's message indexes. */
  protected constructor(registry: SchemaRegistryClient, schemaType: string, withIndexes: boolean) {
    if (registry === null || typeof registry !== "object" || typeof registry.getSchemaById !== "function") {
      throw new ConfigError("registry", `must be a SchemaRegistryClient, not ${describeValue(registry)}`);
    }
    this.registry = registry;
    this.#schemaType = schemaType;
    this.#withIndexes = withIndexes;
  }

  /** Compiles the writer's schema (fetched by id) for reading. */
  protected abstract compile(schema: Schema, id: number): SchemaReader<T>;

  /**
   * Decodes a key or value written in Confluent's wire format; null stays null. Rejects
   * with SerializationError when the bytes are not in that format or do not decode, or
   * with the registry's error when the schema id is unknown.
   */
  async deserialize(topic: string, bytes: Uint8Array | null, options: { signal?: AbortSignal; isKey?: boolean } = {}): Promise<T | null> {
    if (bytes === null || bytes === undefined) return null;
    const what = `${options.isKey ? "key" : "value"} from topic ${topic}`;
    const frame = decodeFrame(bytes, what, this.#withIndexes);
    let reader = this.#readers.get(frame.schemaId);
    if (reader === undefined) {
      const schema = await this.registry.getSchemaById(frame.schemaId, { signal: options.signal });
      if ((schema.schemaType ?? "AVRO") !== this.#schemaType) {
        throw new SerializationError(
          `${what} was written with schema id ${frame.schemaId}, a ${
            schema.schemaType ?? "AVRO"
          } schema; this deserializer reads ${this.#schemaType}`,
        );
      }
      reader = this.#readers.get(frame.schemaId) ?? this.compile(schema, frame.schemaId);
      this.#readers.set(frame.schemaId, reader);
    }
    return reader.decode(frame.payload, frame.messageIndexes, `${what} (schema id ${frame.schemaId})`);
  }
}
