/**
 * A Schema Registry client over `fetch`, speaking Confluent's REST API (Confluent
 * Platform and Cloud, Apicurio's `/apis/ccompat/v7`, Redpanda, Karapace): subjects,
 * versions, schemas by id, registration and lookup, compatibility. Schemas by id never
 * change, so they are cached for good; ids by subject and schema too; the latest
 * version of a subject for `latestCacheTtlMs`. Concurrent calls for the same thing share
 * one request, and a failed request is not cached.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { describeValue } from "../validation.ts";
import type { RegistryHttpConfig } from "./registry_http.ts";
import { RegistryHttp } from "./registry_http.ts";
import { SchemaRegistryError } from "./errors.ts";

/** The schema languages a Confluent registry knows. */
export type SchemaType = "AVRO" | "JSON" | "PROTOBUF";

/** Another registered schema that a schema imports (Avro named types, JSON `$ref`, Protobuf `import`). */
export interface SchemaReference {
  /** The name it is imported by. */
  name: string;
  /** The subject it is registered under. */
  subject: string;
  /** Its version under that subject. */
  version: number;
}

/** A schema as the registry stores it: its text, its language (AVRO when absent), its references. */
export interface Schema {
  /** The schema's text (Avro or JSON Schema JSON; Protobuf `.proto` text or a base64 FileDescriptorProto). */
  schema: string;
  /** AVRO when absent, as in Confluent's API. */
  schemaType?: SchemaType;
  /** The registered schemas it imports. */
  references?: SchemaReference[];
}

/** A schema registered under a subject. */
export interface RegisteredSchema extends Schema {
  /** The schema id records carry. */
  id: number;
  /** The subject it is registered under. */
  subject: string;
  /** Its version under that subject. */
  version: number;
}

/** The registry's verdict on a schema against a subject's versions. */
export interface CompatibilityResult {
  /** Whether the schema could be registered. */
  isCompatible: boolean;
  /** Why not, when the registry says (`?verbose=true`). */
  messages: string[];
}

/** Compatibility levels, as Confluent names them. */
export type CompatibilityLevel =
  | "NONE"
  | "BACKWARD"
  | "BACKWARD_TRANSITIVE"
  | "FORWARD"
  | "FORWARD_TRANSITIVE"
  | "FULL"
  | "FULL_TRANSITIVE";

/** How to reach the registry, and how long the latest version of a subject is cached. */
export interface SchemaRegistryClientConfig extends RegistryHttpConfig {
  /** How long `getLatestVersion` answers from its cache, in ms (default 60000; 0 asks every time). */
  latestCacheTtlMs?: number;
}

const SCHEMA_TYPES: readonly string[] = ["AVRO", "JSON", "PROTOBUF"];

function subjectPath(subject: string): string {
  if (typeof subject !== "string" || subject.length === 0) {
    throw new SchemaRegistryError(`a subject must be a non-empty string, not ${describeValue(subject)}`, { url: "(no request made)" });
  }
  return `/subjects/${encodeURIComponent(subject)}`;
}

function schemaBody(schema: Schema): Record<string, unknown> {
  const body: Record<string, unknown> = { schema: schema.schema };
  // Confluent's registry takes AVRO as the default and older ones refuse the field.
  if (schema.schemaType !== undefined && schema.schemaType !== "AVRO") body.schemaType = schema.schemaType;
  if (schema.references !== undefined && schema.references.length > 0) body.references = schema.references;
  return body;
}

function schemaKey(subject: string, schema: Schema): string {
  return JSON.stringify([subject, schema.schemaType ?? "AVRO", schema.schema, schema.references ?? []]);
}

function readSchema(answer: unknown, what: string): Schema {
  const value = answer as Record<string, unknown> | null;
  if (typeof value?.schema !== "string") throw new SchemaRegistryError(`${what}: the registry's answer has no schema`, { url: what });
  const type = value.schemaType ?? "AVRO";
  if (typeof type !== "string" || !SCHEMA_TYPES.includes(type)) {
    throw new SchemaRegistryError(`${what}: unknown schemaType ${describeValue(type)}`, { url: what });
  }
  return {
    schema: value.schema,
    schemaType: type as SchemaType,
    references: Array.isArray(value.references) ? value.references as SchemaReference[] : [],
  };
}

function readRegistered(answer: unknown, what: string): RegisteredSchema {
  const value = answer as Record<string, unknown>;
  const schema = readSchema(answer, what);
  if (typeof value.id !== "number" || typeof value.version !== "number") {
    throw new SchemaRegistryError(`${what}: the registry's answer has no id and version`, { url: what });
  }
  return { ...schema, id: value.id, subject: String(value.subject), version: value.version };
}

/** Caches `load()`'s promise under `key`, dropping it again if it fails. */
function cached<K, T>(cache: Map<K, Promise<T>>, key: K, load: () => Promise<T>): Promise<T> {
  let promise = cache.get(key);
  if (promise === undefined) {
    promise = load();
    cache.set(key, promise);
    promise.catch(() => cache.delete(key));
  }
  return promise;
}

/**
 * Talks to one Schema Registry.
 *
 * @example Register a schema, then read it back by id
 * ```ts
 * import { SchemaRegistryClient } from "./schema_registry_client.ts";
 * const registry = new SchemaRegistryClient({ url: "http://127.0.0.1:8081" });
 * const id = await registry.register("orders-value", { schema: '{"type":"string"}' });
 * console.log(await registry.getSchemaById(id)); // { schema: '"string"', schemaType: "AVRO", references: [] }
 * ```
 */
export class SchemaRegistryClient {
  readonly #http: RegistryHttp;
  readonly #latestTtlMs: number;
  readonly #byId = new Map<number, Promise<Schema>>();
  readonly #ids = new Map<string, Promise<number>>();
  readonly #latest = new Map<string, { at: number; promise: Promise<RegisteredSchema> }>();

  /** Checks the configuration; a mistake throws ConfigError naming the key. */
  constructor(config: SchemaRegistryClientConfig) {
    const { latestCacheTtlMs, ...http } = config ?? ({} as SchemaRegistryClientConfig);
    if (latestCacheTtlMs !== undefined && !(typeof latestCacheTtlMs === "number" && latestCacheTtlMs >= 0)) {
      throw new ConfigError("latestCacheTtlMs", `must be a number of ms >= 0, not ${describeValue(latestCacheTtlMs)}`);
    }
    this.#latestTtlMs = latestCacheTtlMs ?? 60_000;
    this.#http = new RegistryHttp(http);
  }

  /** The registry's base URL. */
  get url(): string {
    return this.#http.url;
  }

  /**
   * Registers `schema` under `subject` (or finds it registered already) and returns its
   * id. An incompatible schema fails with the registry's message (error_code 409).
   */
  register(subject: string, schema: Schema, options: { normalize?: boolean; signal?: AbortSignal } = {}): Promise<number> {
    const path = `${subjectPath(subject)}/versions${options.normalize ? "?normalize=true" : ""}`;
    return cached(this.#ids, schemaKey(subject, schema), async () => {
      const answer = await this.#http.request("POST", path, schemaBody(schema), options.signal) as { id?: unknown };
      if (typeof answer?.id !== "number") {
        throw new SchemaRegistryError(`POST ${this.url}${path}: the answer has no id`, { url: this.url + path });
      }
      return answer.id;
    });
  }

  /** The id and version of `schema` if it is registered under `subject`; error_code 40403 if not. */
  async lookupSchema(subject: string, schema: Schema, options: { signal?: AbortSignal } = {}): Promise<RegisteredSchema> {
    const path = subjectPath(subject);
    const answer = await this.#http.request("POST", path, schemaBody(schema), options.signal);
    return readRegistered(answer, `POST ${this.url}${path}`);
  }

  /** The id of `schema` under `subject` without registering it (cached like `register`). */
  lookupId(subject: string, schema: Schema, options: { signal?: AbortSignal } = {}): Promise<number> {
    return cached(this.#ids, schemaKey(subject, schema), async () => (await this.lookupSchema(subject, schema, options)).id);
  }

  /** The schema with this id (cached for good: ids never change). */
  getSchemaById(id: number, options: { signal?: AbortSignal } = {}): Promise<Schema> {
    if (!Number.isSafeInteger(id) || id < 0) {
      return Promise.reject(
        new SchemaRegistryError(`a schema id must be a non-negative integer, not ${describeValue(id)}`, { url: this.url }),
      );
    }
    return cached(this.#byId, id, async () => {
      const path = `/schemas/ids/${id}`;
      return readSchema(await this.#http.request("GET", path, undefined, options.signal), `GET ${this.url}${path}`);
    });
  }

  /** The latest version under `subject`, cached for `latestCacheTtlMs`. */
  getLatestVersion(subject: string, options: { signal?: AbortSignal } = {}): Promise<RegisteredSchema> {
    const hit = this.#latest.get(subject);
    if (hit !== undefined && Date.now() - hit.at < this.#latestTtlMs) return hit.promise;
    const promise = this.getVersion(subject, "latest", options);
    this.#latest.set(subject, { at: Date.now(), promise });
    promise.catch(() => this.#latest.get(subject)?.promise === promise && this.#latest.delete(subject));
    return promise;
  }

  /** One version of a subject (a number, or "latest"). */
  async getVersion(subject: string, version: number | "latest", options: { signal?: AbortSignal } = {}): Promise<RegisteredSchema> {
    const path = `${subjectPath(subject)}/versions/${version}`;
    return readRegistered(await this.#http.request("GET", path, undefined, options.signal), `GET ${this.url}${path}`);
  }

  /** Every subject. */
  async getSubjects(): Promise<string[]> {
    return await this.#http.request("GET", "/subjects") as string[];
  }

  /** The version numbers under a subject. */
  async getVersions(subject: string): Promise<number[]> {
    return await this.#http.request("GET", `${subjectPath(subject)}/versions`) as number[];
  }

  /** Whether `schema` could be registered under `subject` against a version (default the latest). */
  async testCompatibility(subject: string, schema: Schema, version: number | "latest" = "latest"): Promise<CompatibilityResult> {
    const path = `/compatibility${subjectPath(subject)}/versions/${version}?verbose=true`;
    const answer = await this.#http.request("POST", path, schemaBody(schema)) as { is_compatible?: boolean; messages?: string[] };
    return { isCompatible: answer?.is_compatible === true, messages: Array.isArray(answer?.messages) ? answer.messages : [] };
  }

  /** Sets the compatibility level of a subject, or the global one without a subject. */
  async setCompatibility(level: CompatibilityLevel, subject?: string): Promise<void> {
    const path = subject === undefined ? "/config" : `/config/${encodeURIComponent(subject)}`;
    await this.#http.request("PUT", path, { compatibility: level });
  }

  /** The compatibility level of a subject (falling back to the global one), or the global one. */
  async getCompatibility(subject?: string): Promise<CompatibilityLevel> {
    const path = subject === undefined ? "/config" : `/config/${encodeURIComponent(subject)}?defaultToGlobal=true`;
    const answer = await this.#http.request("GET", path) as { compatibilityLevel?: string; compatibility?: string };
    return (answer?.compatibilityLevel ?? answer?.compatibility) as CompatibilityLevel;
  }

  /** Deletes a subject (soft, or for good with `permanent`); returns the versions deleted. */
  async deleteSubject(subject: string, options: { permanent?: boolean } = {}): Promise<number[]> {
    const versions = await this.#http.request("DELETE", subjectPath(subject)) as number[];
    if (options.permanent) await this.#http.request("DELETE", `${subjectPath(subject)}?permanent=true`);
    for (const key of this.#ids.keys()) if (key.startsWith(JSON.stringify([subject]).slice(0, -1) + ",")) this.#ids.delete(key);
    this.#latest.delete(subject);
    return versions;
  }
}
