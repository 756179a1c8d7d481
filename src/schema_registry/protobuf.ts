/**
 * Protobuf serializer and deserializer in Confluent's wire format, with
 * @bufbuild/protobuf: magic byte, schema id, the message indexes that locate the type in
 * its file (written as Confluent's serializers write them), then the message.
 *
 * Why @bufbuild/protobuf and not protobufjs: it never generates code from strings, so it
 * works in a Cloudflare Worker while handling a request (protobufjs compiles its encoders
 * with `new Function`, which workerd refuses then); it passes the Protobuf conformance
 * suite; it works on Uint8Array; and Confluent's own JavaScript serializers use it, so
 * schemas are registered the way they are (a FileDescriptorProto, base64). What it lacks
 * is a `.proto` parser: types come from generated code (protoc-gen-es, `buf generate`) or
 * from a FileDescriptorProto, and a schema the registry holds as `.proto` text (written by
 * Java's serializer) is read with the generated `messageType` you give the deserializer.
 *
 * @module
 */
import { create, fromBinary, isMessage, toBinary } from "@bufbuild/protobuf";
import type { DescField, DescFile, DescMessage, Message } from "@bufbuild/protobuf";
import { createFileRegistry, ScalarType } from "@bufbuild/protobuf";
import * as wkt from "@bufbuild/protobuf/wkt";
import { ConfigError, SerializationError } from "../errors.ts";
import { describeValue } from "../validation.ts";
import type { Schema, SchemaRegistryClient } from "./schema_registry_client.ts";
import type { SchemaReader } from "./deserializer.ts";
import { RegistryDeserializer } from "./deserializer.ts";
import type { SchemaWriter, SerializerOptions } from "./serializer.ts";
import { RegistrySerializer, schemaMismatch } from "./serializer.ts";
import { encodeMessageIndexes } from "./wire_format.ts";

// Imports of the well-known types resolve to @bufbuild/protobuf's own descriptors.
const WELL_KNOWN: readonly DescFile[] = Object.values(wkt).filter((value): value is DescFile =>
  typeof value === "object" && value !== null && (value as { kind?: string }).kind === "file"
);

/**
 * Where a message type sits in its file: `[2]` for the third top-level message, `[0, 1]`
 * for the second message nested in the first: the indexes Confluent's format writes.
 *
 * @example
 * ```ts
 * import { messageIndexes } from "./protobuf.ts";
 * import { TimestampSchema } from "@bufbuild/protobuf/wkt";
 * console.log(messageIndexes(TimestampSchema)); // [0]
 * ```
 */
export function messageIndexes(desc: DescMessage): number[] {
  const path: number[] = [];
  let current: DescMessage = desc;
  while (current.parent !== undefined) {
    path.unshift(current.parent.nestedMessages.indexOf(current));
    current = current.parent;
  }
  path.unshift(current.file.messages.indexOf(current));
  return path;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

const INT32 = [ScalarType.INT32, ScalarType.SINT32, ScalarType.SFIXED32];
const UINT32 = [ScalarType.UINT32, ScalarType.FIXED32];
const INT64 = [ScalarType.INT64, ScalarType.SINT64, ScalarType.SFIXED64, ScalarType.UINT64, ScalarType.FIXED64];

/** What a scalar field takes, or undefined when `value` is fine. */
function scalarProblem(scalar: ScalarType, value: unknown): string | undefined {
  const integer = typeof value === "number" && Number.isInteger(value);
  if (INT32.includes(scalar)) return integer && (value as number) >= -0x80000000 && (value as number) <= 0x7fffffff ? undefined : "int32";
  if (UINT32.includes(scalar)) return integer && (value as number) >= 0 && (value as number) <= 0xffffffff ? undefined : "uint32";
  if (INT64.includes(scalar)) {
    return typeof value === "bigint" || (integer && Number.isSafeInteger(value)) || (typeof value === "string" && /^-?\d+$/.test(value))
      ? undefined
      : "a 64-bit integer (bigint, safe integer or decimal string)";
  }
  if (scalar === ScalarType.DOUBLE || scalar === ScalarType.FLOAT) return typeof value === "number" ? undefined : "a number";
  if (scalar === ScalarType.BOOL) return typeof value === "boolean" ? undefined : "a boolean";
  if (scalar === ScalarType.STRING) return typeof value === "string" ? undefined : "a string";
  return value instanceof Uint8Array ? undefined : "bytes (Uint8Array)";
}

type Check = (value: unknown, path: string) => void;

/** Checks a message given as a plain object against its type, naming the first bad field's path. */
function checkMessage(
  desc: DescMessage,
  value: unknown,
  path: string,
  fail: (path: string, expected: string, given: unknown) => never,
): void {
  if (isMessage(value, desc)) return;
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail(path, `a ${desc.typeName} object`, value);
  const join = (key: string) => path === "" ? key : `${path}.${key}`;
  for (const [key, given] of Object.entries(value as Record<string, unknown>)) {
    if (key === "$typeName" || given === undefined) continue;
    const oneof = desc.oneofs.find((o) => o.localName === key);
    if (oneof !== undefined) {
      const chosen = given as { case?: unknown; value?: unknown };
      if (chosen?.case === undefined) continue;
      const field = oneof.fields.find((f) => f.localName === chosen.case);
      if (field === undefined) fail(join(`${key}.case`), `one of ${oneof.fields.map((f) => f.localName).join(", ")}`, chosen.case);
      checkField(field, chosen.value, join(key), fail);
      continue;
    }
    const field = desc.fields.find((f) => f.localName === key && f.oneof === undefined);
    if (field === undefined) {
      fail(
        join(key),
        `no such field (${desc.typeName} has ${desc.fields.map((f) => f.localName).join(", ")})`,
        given,
      );
    }
    checkField(field, given, join(key), fail);
  }
}

function checkField(field: DescField, value: unknown, path: string, fail: (path: string, expected: string, given: unknown) => never): void {
  const single = (kind: { scalar?: ScalarType; message?: DescMessage; enum?: unknown }): Check => (item, at) => {
    if (kind.message !== undefined) return checkMessage(kind.message, item, at, fail);
    if (kind.enum !== undefined) {
      if (!(typeof item === "number" && Number.isInteger(item))) fail(at, "an enum number", item);
      return;
    }
    const problem = scalarProblem(kind.scalar!, item);
    if (problem !== undefined) fail(at, problem, item);
  };
  switch (field.fieldKind) {
    case "scalar":
      return single({ scalar: field.scalar })(value, path);
    case "enum":
      return single({ enum: field.enum })(value, path);
    case "message":
      return single({ message: field.message })(value, path);
    case "list": {
      if (!Array.isArray(value)) fail(path, "an array", value);
      const item = single({ scalar: field.scalar, message: field.message, enum: field.enum });
      (value as unknown[]).forEach((element, i) => item(element, `${path}[${i}]`));
      return;
    }
    case "map": {
      if (value === null || typeof value !== "object") fail(path, "an object (map)", value);
      const item = single({ scalar: field.scalar, message: field.message, enum: field.enum });
      for (const [key, entry] of Object.entries(value as Record<string, unknown>)) item(entry, `${path}[${JSON.stringify(key)}]`);
    }
  }
}

function writer<T>(desc: DescMessage): SchemaWriter<T> {
  const name = `Protobuf message ${desc.typeName}`;
  return {
    // As Confluent's JavaScript and Python serializers register it: the file's FileDescriptorProto in base64.
    schema: { schema: toBase64(toBinary(wkt.FileDescriptorProtoSchema, desc.file.proto)), schemaType: "PROTOBUF" },
    recordName: desc.typeName,
    messageIndexes: encodeMessageIndexes(messageIndexes(desc)),
    encode(value, what, offset) {
      checkMessage(desc, value, "", (path, expected, given) => {
        throw schemaMismatch(what, name, path, expected, given);
      });
      try {
        const message = isMessage(value, desc) ? value : create(desc, value as never);
        const body = toBinary(desc, message);
        const out = new Uint8Array(offset + body.length);
        out.set(body, offset);
        return out;
      } catch (error) {
        throw new SerializationError(`${what} does not encode as ${name}: ${(error as Error).message}`, error);
      }
    },
  };
}

/** Settings of {@link ProtobufSerializer}. */
export interface ProtobufSerializerOptions extends SerializerOptions {
  /** The message type to write: a generated descriptor (`OrderSchema` from protoc-gen-es), or one from a FileDescriptorProto. */
  messageType?: DescMessage;
}

/**
 * Serializes values (or keys, with `isKey`) as Protobuf in Confluent's wire format,
 * message indexes included. A value is a message of the type, or a plain object of its
 * fields (checked, naming the first bad field's path).
 *
 * @example
 * ```ts
 * import { ProtobufSerializer, SchemaRegistryClient } from "./mod.ts";
 * import { DurationSchema } from "@bufbuild/protobuf/wkt";
 * const registry = new SchemaRegistryClient({ url: "http://127.0.0.1:8081" });
 * const durations = new ProtobufSerializer(registry, { messageType: DurationSchema });
 * console.log(await durations.serialize("timings", { seconds: 3n, nanos: 0 }));
 * ```
 */
export class ProtobufSerializer<T = unknown> extends RegistrySerializer<T> {
  /** Checks the options; the message type's file is what gets registered. */
  constructor(registry: SchemaRegistryClient, options: ProtobufSerializerOptions) {
    const desc = options?.messageType;
    if (desc !== undefined && (typeof desc !== "object" || desc?.kind !== "message")) {
      throw new ConfigError("messageType", `must be a message descriptor (DescMessage), not ${describeValue(desc)}`);
    }
    super(registry, options ?? {}, desc === undefined ? undefined : writer<T>(desc), ["messageType"]);
  }

  /** Compiles a schema read from the registry (useLatestVersion, useSchemaId). */
  protected compile(schema: Schema): SchemaWriter<T> {
    const file = fileOf(schema, "the registry's schema");
    if (file.messages.length === 0) throw new SerializationError(`the registry's schema ${file.name} has no message`);
    return writer<T>(file.messages[0]);
  }
}

/** The file a schema read from the registry describes, when it is a base64 FileDescriptorProto. */
function fileOf(schema: Schema, what: string): DescFile {
  const text = schema.schema.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new SerializationError(
      `${what} is .proto text, which @bufbuild/protobuf cannot parse: give the deserializer the generated messageType to read it with ` +
        `(schemas registered by this library, and by Confluent's JavaScript and Python serializers, are FileDescriptorProtos and need none)`,
    );
  }
  try {
    const proto = fromBinary(wkt.FileDescriptorProtoSchema, Uint8Array.from(atob(text), (c) => c.charCodeAt(0)));
    const registry = createFileRegistry(proto, (name) => WELL_KNOWN.find((file) => file.proto.name === name));
    return registry.getFile(proto.name)!;
  } catch (error) {
    throw new SerializationError(
      `${what} is not a FileDescriptorProto that @bufbuild/protobuf can use: ${(error as Error).message}`,
      error,
    );
  }
}

function messageAt(file: DescFile, indexes: number[], what: string): DescMessage {
  let found: DescMessage | undefined = file.messages[indexes[0]];
  for (const index of indexes.slice(1)) found = found?.nestedMessages[index];
  if (found === undefined) throw new SerializationError(`${what}: message indexes [${indexes}] name no message of ${file.name}`);
  return found;
}

/** Settings of {@link ProtobufDeserializer}. */
export interface ProtobufDeserializerOptions {
  /**
   * The type to read every record as (a generated descriptor); default the type the
   * record's schema and message indexes name.
   */
  messageType?: DescMessage;
}

/**
 * Reads Protobuf records in Confluent's wire format: the writer's file from the registry
 * by id, the message type by the record's message indexes.
 *
 * @example
 * ```ts
 * import { ProtobufDeserializer, SchemaRegistryClient } from "./mod.ts";
 * import { toJson } from "@bufbuild/protobuf";
 * const registry = new SchemaRegistryClient({ url: "http://127.0.0.1:8081" });
 * const deserializer = new ProtobufDeserializer(registry);
 * const message = await deserializer.deserialize("timings", new Uint8Array([0, 0, 0, 0, 1, 0, 8, 3]));
 * if (message !== null) console.log(message.$typeName, toJson(deserializer.typeOf(message)!, message));
 * ```
 */
export class ProtobufDeserializer<T extends Message = Message> extends RegistryDeserializer<T> {
  readonly #messageType: DescMessage | undefined;
  readonly #types = new Map<string, DescMessage>();

  /** `messageType` reads every record as that type. */
  constructor(registry: SchemaRegistryClient, options: ProtobufDeserializerOptions = {}) {
    super(registry, "PROTOBUF", true);
    const desc = options?.messageType;
    if (desc !== undefined && (typeof desc !== "object" || desc?.kind !== "message")) {
      throw new ConfigError("messageType", `must be a message descriptor (DescMessage), not ${describeValue(desc)}`);
    }
    this.#messageType = desc;
  }

  /** The descriptor of a message this deserializer returned (for `toJson`). */
  typeOf(message: Message): DescMessage | undefined {
    return this.#types.get(message.$typeName);
  }

  /** A reader for one writer schema. */
  protected compile(schema: Schema, id: number): SchemaReader<T> {
    const fixed = this.#messageType;
    const file = fixed === undefined ? fileOf(schema, `schema id ${id}`) : undefined;
    return {
      decode: (payload, indexes, what) => {
        const desc = fixed ?? messageAt(file!, indexes ?? [0], what);
        this.#types.set(desc.typeName, desc);
        try {
          return fromBinary(desc, payload) as T;
        } catch (error) {
          throw new SerializationError(`${what} does not decode as ${desc.typeName}: ${(error as Error).message}`, error);
        }
      },
    };
  }
}
