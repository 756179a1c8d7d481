/**
 * What the Avro, JSON Schema and Protobuf serializers share: which subject a topic's
 * records go to, which schema id they carry (registered on first use, the subject's
 * latest version, or a fixed id), and Confluent's framing around the encoded value.
 *
 * The first record of a subject asks the registry; the id is then kept, so every later
 * record is serialized synchronously (`serializer` returns bytes, not a promise, and the
 * producer appends it at once). A value that does not match the schema fails before the
 * registry is asked.
 *
 * @module
 */
import { ConfigError, SerializationError } from "../errors.ts";
import type { SerializerContext, SerializerSignal } from "../producer/producer_config.ts";
import { describeValue, rejectUnknownKeys } from "../validation.ts";
import type { Schema, SchemaRegistryClient } from "./schema_registry_client.ts";
import type { SubjectNameStrategy, SubjectNameStrategyName } from "./subject_name.ts";
import { resolveSubjectNameStrategy } from "./subject_name.ts";
import { MAGIC_BYTE } from "./wire_format.ts";
import { SchemaRegistryError } from "./errors.ts";

/** Settings every registry serializer takes. */
export interface SerializerOptions {
  /** Serialize keys (subject `<topic>-key` under TopicName) instead of values (default false). */
  isKey?: boolean;
  /** TopicName (default), RecordName, TopicRecordName, or your own function. */
  subjectNameStrategy?: SubjectNameStrategy | SubjectNameStrategyName;
  /** Register the schema on first use (default true); otherwise it must be registered already. */
  autoRegisterSchemas?: boolean;
  /** Write with the subject's latest version instead of the schema given (default false). */
  useLatestVersion?: boolean;
  /** Write with this schema id, asking the registry nothing. */
  useSchemaId?: number;
  /** Ask the registry to normalize the schema when registering (default false). */
  normalizeSchemas?: boolean;
}

/** The keys of {@link SerializerOptions}, for the formats' own unknown-key checks. */
export const SERIALIZER_KEYS: readonly string[] = [
  "isKey",
  "subjectNameStrategy",
  "autoRegisterSchemas",
  "useLatestVersion",
  "useSchemaId",
  "normalizeSchemas",
];

/** A schema compiled for writing: encodes a value to the payload, or throws SerializationError naming the field. */
export interface SchemaWriter<T> {
  /** The schema as it is registered. */
  schema: Schema;
  /** The full name (Avro, Protobuf) or title (JSON Schema), for RecordName and TopicRecordName. */
  recordName: string | undefined;
  /** Protobuf's message indexes, already encoded. */
  messageIndexes?: Uint8Array;
  /**
   * The encoded value after `offset` bytes left free for the header, or a
   * SerializationError whose message starts with `what` and names the field path.
   */
  encode(value: T, what: string, offset: number): Uint8Array;
}

interface Resolved<T> {
  id: number;
  writer: SchemaWriter<T>;
}

/**
 * The registry plumbing of a serializer; each format supplies its writer and how to
 * compile a schema read from the registry.
 */
export abstract class RegistrySerializer<T> {
  /** The registry this serializer asks. */
  readonly registry: SchemaRegistryClient;
  readonly #isKey: boolean;
  readonly #strategy: SubjectNameStrategy;
  readonly #mode: "register" | "lookup" | "latest" | "id";
  readonly #normalize: boolean;
  readonly #fixedId: number | undefined;
  readonly #local: SchemaWriter<T> | undefined;
  readonly #resolved = new Map<string, Resolved<T>>();
  readonly #what: string;
  // The last topic's subject, resolved: most serializers write to one topic, and this spares a subject name per record.
  #lastTopic: string | undefined;
  #lastResolved: Resolved<T> | undefined;
  readonly #pending = new Map<string, Promise<Resolved<T>>>();

  /**
   * The function to give the producer as `keySerializer` or `valueSerializer`: bytes at
   * once when the subject's schema id is known, a promise the first time.
   */
  readonly serializer: (data: T, topic: string, context?: SerializerContext) => Uint8Array | null | Promise<Uint8Array | null>;

  /** Checks the options shared by every format; `local` is the writer for the schema the app gave. */
  protected constructor(registry: SchemaRegistryClient, options: SerializerOptions, local: SchemaWriter<T> | undefined, ownKeys: string[]) {
    if (registry === null || typeof registry !== "object" || typeof registry.register !== "function") {
      throw new ConfigError("registry", `must be a SchemaRegistryClient, not ${describeValue(registry)}`);
    }
    rejectUnknownKeys(options, [...SERIALIZER_KEYS, ...ownKeys], "", "serializer option");
    this.registry = registry;
    this.#isKey = options.isKey === true;
    this.#strategy = resolveSubjectNameStrategy(options.subjectNameStrategy);
    this.#normalize = options.normalizeSchemas === true;
    if (options.useSchemaId !== undefined && !(Number.isSafeInteger(options.useSchemaId) && options.useSchemaId >= 0)) {
      throw new ConfigError("useSchemaId", `must be a schema id (a non-negative integer), not ${describeValue(options.useSchemaId)}`);
    }
    this.#fixedId = options.useSchemaId;
    this.#mode = options.useSchemaId !== undefined
      ? "id"
      : options.useLatestVersion
      ? "latest"
      : options.autoRegisterSchemas === false
      ? "lookup"
      : "register";
    if (local === undefined && (this.#mode === "register" || this.#mode === "lookup")) {
      throw new ConfigError("schema", "is needed unless useLatestVersion or useSchemaId says which registered schema to write with");
    }
    this.#local = local;
    this.#what = `record.${this.#isKey ? "key" : "value"}`;
    // The signal is read only on the way to the registry: reading it makes the producer allocate one.
    this.serializer = (data, topic, context) => this.#serialize(data, topic, context);
  }

  /** Compiles a schema read from the registry (useLatestVersion, useSchemaId without a schema). */
  protected abstract compile(schema: Schema): SchemaWriter<T>;

  /**
   * Serializes one key or value for `topic` in Confluent's wire format; null stays null
   * (a tombstone). Rejects with SerializationError naming the field when the value does
   * not match the schema, or with the registry's error.
   */
  async serialize(topic: string, data: T, options: { signal?: SerializerSignal } = {}): Promise<Uint8Array | null> {
    return await this.#serialize(data, topic, options);
  }

  #serialize(data: T, topic: string, context: { signal?: SerializerSignal } | undefined): Uint8Array | null | Promise<Uint8Array | null> {
    if (data === null || data === undefined) return null;
    const what = this.#what;
    if (topic === this.#lastTopic) return this.#frame(this.#lastResolved!, data, undefined);
    // The schema the app gave checks the value before anything is asked of the registry.
    const local = this.#local;
    const bytes = local !== undefined && this.#mode !== "latest" ? local.encode(data, what, headerSize(local)) : undefined;
    const subject = this.#strategy(topic, this.#isKey, local?.recordName);
    const known = this.#resolved.get(subject);
    if (known !== undefined) {
      this.#lastTopic = topic;
      this.#lastResolved = known;
      return this.#frame(known, data, bytes);
    }
    return this.#resolve(subject, context?.signal).then((resolved) => this.#frame(resolved, data, bytes));
  }

  /** Magic byte, schema id and message indexes written into the space the writer left before the encoded value. */
  #frame(resolved: Resolved<T>, data: T, encoded: Uint8Array | undefined): Uint8Array {
    const { id, writer } = resolved;
    const bytes = encoded ?? writer.encode(data, this.#what, headerSize(writer));
    bytes[0] = MAGIC_BYTE;
    bytes[1] = id >>> 24;
    bytes[2] = id >>> 16;
    bytes[3] = id >>> 8;
    bytes[4] = id;
    if (writer.messageIndexes !== undefined) bytes.set(writer.messageIndexes, 5);
    return bytes;
  }

  /** The id (and writer) for a subject: one registry request per subject, shared by the records waiting for it. */
  #resolve(subject: string, signal: SerializerSignal | undefined): Promise<Resolved<T>> {
    let pending = this.#pending.get(subject);
    if (pending === undefined) {
      // Not given the caller's signal: records waiting behind it with later deadlines share the request.
      pending = this.#ask(subject).then((resolved) => {
        this.#resolved.set(subject, resolved);
        return resolved;
      }).finally(() => this.#pending.delete(subject));
      this.#pending.set(subject, pending);
    }
    if (signal === undefined) return pending;
    const url = this.registry.url;
    return abortable(pending, signal, url, `schema registry ${url} gave no schema id for subject ${subject} in time`);
  }

  async #ask(subject: string): Promise<Resolved<T>> {
    const local = this.#local;
    switch (this.#mode) {
      case "register":
        return { id: await this.registry.register(subject, local!.schema, { normalize: this.#normalize }), writer: local! };
      case "lookup":
        return { id: await this.registry.lookupId(subject, local!.schema), writer: local! };
      case "latest": {
        const latest = await this.registry.getLatestVersion(subject);
        const same = local !== undefined && latest.schema === local.schema.schema;
        return { id: latest.id, writer: same ? local : this.compile(latest) };
      }
      case "id": {
        const id = this.#fixedId!;
        return { id, writer: local ?? this.compile(await this.registry.getSchemaById(id)) };
      }
    }
  }
}

function headerSize(writer: SchemaWriter<unknown>): number {
  return 5 + (writer.messageIndexes?.length ?? 0);
}

/**
 * Room for `size` bytes: `scratch` itself when it is large enough, else a larger one
 * (the writers encode into a scratch buffer and copy out exactly what they wrote).
 *
 * @example
 * ```ts
 * import { scratchFor } from "./serializer.ts";
 * console.log(scratchFor(new Uint8Array(16), 100).length >= 100); // true
 * ```
 */
export function scratchFor(scratch: Uint8Array, size: number): Uint8Array {
  return scratch.length >= size ? scratch : new Uint8Array(Math.max(size, scratch.length * 2));
}

// Per signal and message, a promise that rejects when the signal aborts: the records of a burst share the
// producer's signal, and one listener serves them all (a listener per record would cost each an EventTarget update).
const abortions = new WeakMap<SerializerSignal, Map<string, Promise<never>>>();

/** `promise`, or a SchemaRegistryError (`what`, then the signal's reason) as soon as the signal aborts; the shared request goes on for the others. */
function abortable<T>(promise: Promise<T>, signal: SerializerSignal, url: string, what: string): Promise<T> {
  let bySubject = abortions.get(signal);
  if (bySubject === undefined) abortions.set(signal, bySubject = new Map());
  let aborted = bySubject.get(what);
  if (aborted === undefined) {
    aborted = new Promise<never>((_, reject) => {
      const fail = () => {
        const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
        reject(new SchemaRegistryError(`${what}: ${reason}`, { url, retriable: true, cause: signal.reason }));
      };
      if (signal.aborted) fail();
      else signal.addEventListener("abort", fail, { once: true });
    });
    aborted.catch(() => {});
    bySubject.set(what, aborted);
  }
  return Promise.race([promise, aborted]);
}

/**
 * The SerializationError for a value that does not match its schema: `what` (record.value),
 * the field path, and what was expected and given.
 *
 * @example
 * ```ts
 * import { schemaMismatch } from "./serializer.ts";
 * console.log(schemaMismatch("record.value", "Avro schema Order", "items[1].qty", "int", "x").message);
 * // record.value.items[1].qty does not match Avro schema Order: expected int, got string ("x")
 * ```
 */
export function schemaMismatch(what: string, schemaName: string, path: string, expected: string, given: unknown): SerializationError {
  const where = path === "" ? what : path.startsWith("[") ? `${what}${path}` : `${what}.${path}`;
  // ajv's messages ("must be integer") say what is expected in their own words.
  const wanted = expected.startsWith("must ") ? expected : `expected ${expected}`;
  return new SerializationError(`${where} does not match ${schemaName}: ${wanted}, got ${describeValue(given)}`);
}
