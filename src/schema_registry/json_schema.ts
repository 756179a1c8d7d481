/**
 * JSON Schema serializer and deserializer in Confluent's wire format, validated with
 * ajv: draft 7 by default, 2020-12 (and 2019-09) when the schema's `$schema` says so.
 * The payload is the value as UTF-8 JSON.
 *
 * ajv compiles each schema into JavaScript with `new Function`, which a Cloudflare Worker
 * allows while its module loads but not while it handles a request: on workerd, create
 * serializers at module scope.
 *
 * @module
 */
import { Ajv } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv";
import { ConfigError, SerializationError } from "../errors.ts";
import { describeValue } from "../validation.ts";
import type { Schema, SchemaRegistryClient } from "./schema_registry_client.ts";
import type { SchemaReader } from "./deserializer.ts";
import { RegistryDeserializer } from "./deserializer.ts";
import type { SchemaWriter, SerializerOptions } from "./serializer.ts";
import { RegistrySerializer, schemaMismatch, scratchFor } from "./serializer.ts";

/** A JSON Schema: its text, or the parsed object. */
export type JsonSchema = string | Record<string, unknown> | boolean;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function parseSchema(schema: JsonSchema, where: string): { object: Record<string, unknown> | boolean; text: string } {
  if (typeof schema !== "string") return { object: schema, text: JSON.stringify(schema) };
  try {
    return { object: JSON.parse(schema), text: schema };
  } catch (error) {
    throw new ConfigError(where, `is not valid JSON: ${(error as Error).message}`);
  }
}

/** ajv for the schema's draft (its `$schema`): 2020-12, 2019-09, or draft 7. */
function compileValidator(object: Record<string, unknown> | boolean, where: string): ValidateFunction {
  const draft = typeof object === "object" ? String(object.$schema ?? "") : "";
  const options = { strict: false, validateFormats: false, allErrors: false, logger: false as const };
  const ajv = draft.includes("2020-12") ? new Ajv2020(options) : draft.includes("2019-09") ? new Ajv2019(options) : new Ajv(options);
  try {
    return ajv.compile(object);
  } catch (error) {
    throw new ConfigError(where, `is not a valid JSON Schema: ${(error as Error).message}`);
  }
}

/** `/items/1/qty` as `items[1].qty`, and the value found there. */
function located(value: unknown, instancePath: string): { path: string; given: unknown } {
  let given = value;
  let path = "";
  for (const raw of instancePath.split("/").slice(1)) {
    const part = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    given = (given as Record<string, unknown> | undefined)?.[part];
    path += /^\d+$/.test(part) ? `[${part}]` : path === "" ? part : `.${part}`;
  }
  return { path, given };
}

function mismatch(error: ErrorObject, value: unknown, what: string, name: string): SerializationError {
  let { path, given } = located(value, error.instancePath);
  // A missing property is named by itself, not by the object that lacks it.
  if (error.keyword === "required") {
    const missing = String((error.params as { missingProperty?: string }).missingProperty);
    path = path === "" ? missing : `${path}.${missing}`;
    given = undefined;
  }
  return schemaMismatch(what, name, path, error.message ?? "must be valid", given);
}

function writer<T>(object: Record<string, unknown> | boolean, text: string, validate: boolean): SchemaWriter<T> {
  const title = typeof object === "object" && typeof object.title === "string" ? object.title : undefined;
  const name = `JSON Schema${title === undefined ? "" : ` ${title}`}`;
  const validator = validate ? compileValidator(object, "schema") : undefined;
  let scratch: Uint8Array = new Uint8Array(1024);
  return {
    schema: { schema: text, schemaType: "JSON" },
    recordName: title,
    encode(value, what, offset) {
      if (validator !== undefined && !validator(value)) throw mismatch(validator.errors![0], value, what, name);
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch (error) {
        throw new SerializationError(`${what} cannot be written as JSON: ${(error as Error).message}`, error);
      }
      if (json === undefined) throw new SerializationError(`${what} cannot be written as JSON: ${describeValue(value)}`);
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      scratch = scratchFor(scratch, offset + json.length * 3);
      const { written } = encoder.encodeInto(json, scratch.subarray(offset));
      return scratch.slice(0, offset + written);
    },
  };
}

/** Settings of {@link JsonSchemaSerializer}. */
export interface JsonSchemaSerializerOptions extends SerializerOptions {
  /** The schema to write with (not needed with `useLatestVersion` or `useSchemaId`). */
  schema?: JsonSchema;
  /** Validate each value against the schema before writing it (default true). */
  validate?: boolean;
}

/**
 * Serializes values (or keys, with `isKey`) as JSON checked against a JSON Schema, in
 * Confluent's wire format. RecordName strategies use the schema's `title`.
 *
 * @example
 * ```ts
 * import { JsonSchemaSerializer, SchemaRegistryClient } from "./mod.ts";
 * const registry = new SchemaRegistryClient({ url: "http://127.0.0.1:8081" });
 * const orders = new JsonSchemaSerializer(registry, {
 *   schema: { $schema: "https://json-schema.org/draft/2020-12/schema", title: "Order", type: "object", required: ["id"] },
 * });
 * console.log(await orders.serialize("orders", { id: "o-1" }));
 * ```
 */
export class JsonSchemaSerializer<T = unknown> extends RegistrySerializer<T> {
  readonly #validate: boolean;

  /** Compiles the schema now (at module scope on workerd); a bad schema throws ConfigError. */
  constructor(registry: SchemaRegistryClient, options: JsonSchemaSerializerOptions) {
    const validate = options?.validate ?? true;
    const local = options?.schema === undefined ? undefined : parseSchema(options.schema, "schema");
    super(registry, options ?? {}, local === undefined ? undefined : writer<T>(local.object, local.text, validate), ["schema", "validate"]);
    this.#validate = validate;
  }

  /** Compiles a schema read from the registry. */
  protected compile(schema: Schema): SchemaWriter<T> {
    const { object, text } = parseSchema(schema.schema, "the registry's schema");
    return writer<T>(object, text, this.#validate);
  }
}

/** Settings of {@link JsonSchemaDeserializer}. */
export interface JsonSchemaDeserializerOptions {
  /** Validate each value against its writer's schema (default false: JSON.parse only). */
  validate?: boolean;
}

/**
 * Reads JSON values in Confluent's wire format.
 *
 * @example
 * ```ts
 * import { JsonSchemaDeserializer, SchemaRegistryClient } from "./mod.ts";
 * const registry = new SchemaRegistryClient({ url: "http://127.0.0.1:8081" });
 * const deserializer = new JsonSchemaDeserializer<{ id: string }>(registry);
 * console.log(await deserializer.deserialize("orders", new Uint8Array([0, 0, 0, 0, 1, 123, 125]))); // {}
 * ```
 */
export class JsonSchemaDeserializer<T = unknown> extends RegistryDeserializer<T> {
  readonly #validate: boolean;

  /** `validate` compiles each writer's schema with ajv when first met. */
  constructor(registry: SchemaRegistryClient, options: JsonSchemaDeserializerOptions = {}) {
    super(registry, "JSON", false);
    if (options === null || typeof options !== "object") {
      throw new ConfigError("options", `must be an object, not ${describeValue(options)}`);
    }
    this.#validate = options.validate === true;
  }

  /** A reader for one writer schema. */
  protected compile(schema: Schema, id: number): SchemaReader<T> {
    const { object } = parseSchema(schema.schema, `schema id ${id}`);
    const validator = this.#validate ? compileValidator(object, `schema id ${id}`) : undefined;
    const name = `JSON Schema id ${id}`;
    return {
      decode(payload, _indexes, what) {
        let value: unknown;
        try {
          value = JSON.parse(decoder.decode(payload));
        } catch (error) {
          throw new SerializationError(`${what} is not UTF-8 JSON: ${(error as Error).message}`, error);
        }
        if (validator !== undefined && !validator(value)) throw mismatch(validator.errors![0], value, what, name);
        return value as T;
      },
    };
  }
}
