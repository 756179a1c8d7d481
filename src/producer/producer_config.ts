/**
 * The producer's settings: the Java producer's names in camelCase with its 4.x
 * defaults, checked at construction so that a mistake names its key.
 *
 * @module
 */
import type { ClientConfig, ResolvedClientConfig } from "../client/client_config.ts";
import { resolveClientConfig } from "../client/client_config.ts";
import { custom, flag, integer, optionalFunction, type ResolvedSettings, resolveSettings, type Setting } from "../client/settings.ts";
import { ConfigError, SerializationError } from "../errors.ts";
import { describeValue } from "../validation.ts";
import type { CompressionType } from "../compression/mod.ts";
import { COMPRESSION_LEVELS } from "../compression/mod.ts";
import type { Partitioner } from "./partitioner.ts";
import type { ProducerInterceptor } from "./producer_interceptor.ts";
import { resolveInterceptors } from "./producer_interceptor.ts";

/** Turns a key or value into bytes; null stays null. */
export type Serializer<T> = (data: T, topic: string) => Uint8Array | null;

/**
 * The part of an AbortSignal a serializer needs: the producer's types stay within plain
 * ES2022 (no DOM lib), and a real AbortSignal is what is passed.
 */
export interface SerializerSignal {
  /** Whether the send's time is up. */
  readonly aborted: boolean;
  /** Why: a TimeoutError naming maxBlockMs. */
  readonly reason: unknown;
  /** Calls `listener` once the send's time is up. */
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  /** Removes a listener added with addEventListener. */
  removeEventListener(type: "abort", listener: () => void): void;
}

/** What `send()` tells a serializer besides the data and topic. */
export interface SerializerContext {
  /**
   * Aborts when the send's `maxBlockMs` runs out while the serializer's promise is
   * pending: a serializer that waits for something (a Schema Registry) should give up
   * then, rejecting with an error that says what it waited for.
   */
  signal: SerializerSignal;
}

/**
 * A serializer that may need to wait (the first record of a Schema Registry subject):
 * it returns the bytes, or a promise of them. The producer keeps the send order of
 * records whatever their serializers return, and bounds the wait by `maxBlockMs`.
 */
export type AsyncSerializer<T> = (data: T, topic: string, context: SerializerContext) => Uint8Array | null | Promise<Uint8Array | null>;

/** The producer's settings; see the README's table for each key's Java name. */
export interface ProducerConfig<K = unknown, V = unknown> extends ClientConfig {
  /** `acks`: `"all"`/-1: all in-sync replicas; 1: the leader; 0: no acknowledgement (default `"all"`). */
  acks?: "all" | -1 | 0 | 1;
  /** `linger.ms`: how long a batch waits for more records (default 5). */
  lingerMs?: number;
  /** `batch.size`: bytes a batch fills before it is sent (default 16384). */
  batchSize?: number;
  /** `buffer.memory`: bytes of unsent records; `send()` waits for room up to `maxBlockMs` (default 33554432 (32 MiB)). */
  bufferMemory?: number;
  /** `max.block.ms`: the longest `send()` waits for metadata, serialization and memory together (default 60000). */
  maxBlockMs?: number;
  /** `compression.type`: `"gzip"`, `"snappy"`, `"lz4"`, `"zstd"` (default `"none"`). */
  compressionType?: CompressionType;
  /** `compression.gzip.level`: gzip's level, 1 to 9 (-1: the library's default) (default -1). */
  compressionGzipLevel?: number;
  /** `compression.lz4.level`: lz4's level, 1 to 17 (default 9). */
  compressionLz4Level?: number;
  /** `compression.zstd.level`: zstd's level, -131072 to 22 (default 3). */
  compressionZstdLevel?: number;
  /**
   * `delivery.timeout.ms`: every `send()` settles within this (plus `maxBlockMs`); must be ≥ `lingerMs +
   * requestTimeoutMs` (default 120000).
   */
  deliveryTimeoutMs?: number;
  /** `retries`: retries of a failed batch, within the delivery timeout (default 2147483647). */
  retries?: number;
  /** `max.request.size`: the largest request, and so the largest record (default 1048576). */
  maxRequestSize?: number;
  /** `metadata.max.idle.ms`: forget an unused topic's metadata (default 300000). */
  metadataMaxIdleMs?: number;
  /**
   * `partitioner.class`: `(topic, key, value, cluster) => partition`, for every record without an explicit partition
   * (default built-in).
   */
  partitioner?: Partitioner;
  /** `partitioner.ignore.keys`: spread keyed records like keyless ones (default false). */
  partitionerIgnoreKeys?: boolean;
  /** `partitioner.adaptive.partitioning.enable`: favour partitions of faster brokers (default true). */
  partitionerAdaptivePartitioningEnable?: boolean;
  /** `partitioner.availability.timeout.ms`: avoid partitions whose leader was not ready this long (0: off) (default 0). */
  partitionerAvailabilityTimeoutMs?: number;
  /**
   * `enable.idempotence`: producer ids and sequence numbers: no duplicates, order kept across retries. Needs `acks`
   * all, `retries` > 0 and at most 5 requests in flight; when one of those is set otherwise and this key is not, it is
   * off, as in Java (default true).
   */
  enableIdempotence?: boolean;
  /** `transactional.id`: makes the producer transactional (needs idempotence) (default none). */
  transactionalId?: string;
  /** `transaction.timeout.ms`: the coordinator aborts a transaction open longer than this (default 60000). */
  transactionTimeoutMs?: number;
  /**
   * `key.serializer`: `(data, topic, context) => bytes`, or a promise of them (a Schema Registry serializer's first
   * record) (default UTF-8 / bytes).
   */
  keySerializer?: AsyncSerializer<K>;
  /**
   * `value.serializer`: `(data, topic, context) => bytes`, or a promise of them (a Schema Registry serializer's first
   * record) (default UTF-8 / bytes).
   */
  valueSerializer?: AsyncSerializer<V>;
  /**
   * `interceptor.classes`: `[{ onSend, onAcknowledgement, close }]`: see each record before it is serialized, and each
   * acknowledgement; one that throws is logged, never fails a send; see [Metrics and
   * interceptors](#metrics-and-interceptors) (default none).
   */
  interceptors?: ProducerInterceptor<K, V>[];
  /**
   * (OpenTelemetry): a PRODUCER span per record, its W3C trace context in the record's headers, and the
   * `messaging.client.*` metrics, through @opentelemetry/api's global tracer, propagator and meter when that package is
   * installed; without a registered provider this does next to nothing; see [Tracing with
   * OpenTelemetry](#tracing-with-opentelemetry) (default true).
   */
  tracing?: boolean;
  /** `metrics.sample.window.ms`: the length of one sample of `metrics()`' rates, averages and maxima (default 30000). */
  metricsSampleWindowMs?: number;
  /** `metrics.num.samples`: how many samples the windows of `metrics()` cover (default 2). */
  metricsNumSamples?: number;
  /**
   * (none; Java's producer always asks): metadata requests let the broker create an unknown topic (when its
   * `auto.create.topics.enable` is on); false is KafkaJS's `allowAutoTopicCreation: false` (default true).
   */
  allowAutoTopicCreation?: boolean;
}

const INT_MAX = 2_147_483_647;
const COMPRESSION_TYPES: readonly CompressionType[] = ["none", "gzip", "snappy", "lz4", "zstd"];

/** A codec's level: its range and default come from the codec itself. */
const compressionLevel = (codec: keyof typeof COMPRESSION_LEVELS, doc: string) => {
  const range = COMPRESSION_LEVELS[codec];
  return integer({ java: `compression.${codec}.level`, doc, fallback: range.default, min: range.min, max: range.max });
};

/**
 * Every producer key, declared once: its Java name, default, meaning and check. A key of
 * {@link ProducerConfig} without a declaration here does not compile.
 */
export const PRODUCER_SETTINGS = {
  acks: custom({
    java: "acks",
    doc: '`"all"`/-1: all in-sync replicas; 1: the leader; 0: no acknowledgement',
    shown: '`"all"`',
    resolve: (value: unknown, key: string): -1 | 0 | 1 => {
      if (value === undefined || value === "all" || value === -1 || value === "-1") return -1;
      if (value === 1 || value === "1") return 1;
      if (value === 0 || value === "0") return 0;
      throw new ConfigError(key, `must be "all", -1, 0 or 1, not ${describeValue(value)}`);
    },
  }),
  lingerMs: integer({ java: "linger.ms", doc: "how long a batch waits for more records", fallback: 5, min: 0, max: INT_MAX }),
  batchSize: integer({ java: "batch.size", doc: "bytes a batch fills before it is sent", fallback: 16_384, min: 0, max: INT_MAX }),
  bufferMemory: integer({
    java: "buffer.memory",
    doc: "bytes of unsent records; `send()` waits for room up to `maxBlockMs`",
    fallback: 32 * 1024 * 1024,
    min: 1,
    shown: "33554432 (32 MiB)",
  }),
  maxBlockMs: integer({
    java: "max.block.ms",
    doc: "the longest `send()` waits for metadata, serialization and memory together",
    fallback: 60_000,
    min: 0,
    max: INT_MAX,
  }),
  compressionType: custom({
    java: "compression.type",
    doc: '`"gzip"`, `"snappy"`, `"lz4"`, `"zstd"`',
    shown: '`"none"`',
    resolve: (value: unknown, key: string): CompressionType => {
      const type = value ?? "none";
      if (COMPRESSION_TYPES.includes(type as CompressionType)) return type as CompressionType;
      throw new ConfigError(key, `must be one of ${COMPRESSION_TYPES.join(", ")}, not ${describeValue(value)}`);
    },
  }),
  compressionGzipLevel: compressionLevel("gzip", "gzip's level, 1 to 9 (-1: the library's default)"),
  compressionLz4Level: compressionLevel("lz4", "lz4's level, 1 to 17"),
  compressionZstdLevel: compressionLevel("zstd", "zstd's level, -131072 to 22"),
  deliveryTimeoutMs: integer({
    java: "delivery.timeout.ms",
    doc: "every `send()` settles within this (plus `maxBlockMs`); must be ≥ `lingerMs + requestTimeoutMs`",
    fallback: 120_000,
    min: 1,
    max: INT_MAX,
  }),
  retries: integer({
    java: "retries",
    doc: "retries of a failed batch, within the delivery timeout",
    fallback: INT_MAX,
    min: 0,
    max: INT_MAX,
  }),
  maxRequestSize: integer({
    java: "max.request.size",
    doc: "the largest request, and so the largest record",
    fallback: 1_048_576,
    min: 1,
    max: INT_MAX,
  }),
  metadataMaxIdleMs: integer({
    java: "metadata.max.idle.ms",
    doc: "forget an unused topic's metadata",
    fallback: 300_000,
    min: 5_000,
    max: INT_MAX,
  }),
  partitioner: optionalFunction<Partitioner>({
    java: "partitioner.class",
    doc: "`(topic, key, value, cluster) => partition`, for every record without an explicit partition",
    shown: "built-in",
  }),
  partitionerIgnoreKeys: flag({ java: "partitioner.ignore.keys", doc: "spread keyed records like keyless ones", fallback: false }),
  partitionerAdaptivePartitioningEnable: flag({
    java: "partitioner.adaptive.partitioning.enable",
    doc: "favour partitions of faster brokers",
    fallback: true,
  }),
  partitionerAvailabilityTimeoutMs: integer({
    java: "partitioner.availability.timeout.ms",
    doc: "avoid partitions whose leader was not ready this long (0: off)",
    fallback: 0,
    min: 0,
    max: INT_MAX,
  }),
  enableIdempotence: flag({
    java: "enable.idempotence",
    doc: "producer ids and sequence numbers: no duplicates, order kept across retries. Needs `acks` all, `retries` > 0 and " +
      "at most 5 requests in flight; when one of those is set otherwise and this key is not, it is off, as in Java",
    fallback: true,
  }),
  transactionalId: custom({
    java: "transactional.id",
    doc: "makes the producer transactional (needs idempotence)",
    shown: "none",
    resolve: (value: unknown, key: string): string | undefined => {
      if (value === undefined || (typeof value === "string" && value.length > 0)) return value;
      throw new ConfigError(key, `must be a non-empty string, not ${describeValue(value)}`);
    },
  }),
  transactionTimeoutMs: integer({
    java: "transaction.timeout.ms",
    doc: "the coordinator aborts a transaction open longer than this",
    fallback: 60_000,
    min: 1,
    max: INT_MAX,
  }),
  keySerializer: optionalFunction<AsyncSerializer<unknown>>({
    java: "key.serializer",
    doc: "`(data, topic, context) => bytes`, or a promise of them (a Schema Registry serializer's first record)",
    shown: "UTF-8 / bytes",
  }),
  valueSerializer: optionalFunction<AsyncSerializer<unknown>>({
    java: "value.serializer",
    doc: "`(data, topic, context) => bytes`, or a promise of them (a Schema Registry serializer's first record)",
    shown: "UTF-8 / bytes",
  }),
  interceptors: custom({
    java: "interceptor.classes",
    doc: "`[{ onSend, onAcknowledgement, close }]`: see each record before it is serialized, and each acknowledgement; " +
      "one that throws is logged, never fails a send; see [Metrics and interceptors](#metrics-and-interceptors)",
    shown: "none",
    resolve: (value: unknown) => resolveInterceptors<unknown, unknown>({ interceptors: value }),
  }),
  allowAutoTopicCreation: flag({
    java: "(none; Java's producer always asks)",
    doc: "metadata requests let the broker create an unknown topic (when its `auto.create.topics.enable` is on); false is " +
      "KafkaJS's `allowAutoTopicCreation: false`",
    fallback: true,
  }),
  tracing: flag({
    java: "(OpenTelemetry)",
    doc: "a PRODUCER span per record, its W3C trace context in the record's headers, and the `messaging.client.*` metrics, " +
      "through @opentelemetry/api's global tracer, propagator and meter when that package is installed; without a " +
      "registered provider this does next to nothing; see [Tracing with OpenTelemetry](#tracing-with-opentelemetry)",
    fallback: true,
  }),
  metricsSampleWindowMs: integer({
    java: "metrics.sample.window.ms",
    doc: "the length of one sample of `metrics()`' rates, averages and maxima",
    fallback: 30_000,
    min: 1,
    max: INT_MAX,
  }),
  metricsNumSamples: integer({
    java: "metrics.num.samples",
    doc: "how many samples the windows of `metrics()` cover",
    fallback: 2,
    min: 1,
    max: 1_000,
  }),
} satisfies { [K in Exclude<keyof ProducerConfig, keyof ClientConfig>]-?: Setting<unknown> };

/** The producer's own keys (the connection keys are `CLIENT_CONFIG_KEYS`). */
export const PRODUCER_CONFIG_KEYS: readonly string[] = Object.keys(PRODUCER_SETTINGS);

// Resolved apart (they are generic in the key and value types), or into one level.
type ResolvedApart =
  | "keySerializer"
  | "valueSerializer"
  | "interceptors"
  | "compressionGzipLevel"
  | "compressionLz4Level"
  | "compressionZstdLevel";

/** {@link ProducerConfig} with every default filled in; the level of the chosen codec as `compressionLevel`. */
export type ResolvedProducerConfig =
  & ResolvedClientConfig
  & Omit<ResolvedSettings<typeof PRODUCER_SETTINGS>, ResolvedApart>
  & { compressionLevel: number | undefined };

/** Java's rules: idempotence needs acks=all, retries and at most 5 requests in flight. */
function resolveIdempotence(config: ProducerConfig, explicit: boolean, acks: number, retries: number, maxInFlight: number): boolean {
  const transactional = config.transactionalId !== undefined;
  if (transactional && !explicit) throw new ConfigError("enableIdempotence", "must be true when transactionalId is set");
  const conflicts: string[] = [];
  if (acks !== -1) conflicts.push(`acks must be "all" (is ${acks})`);
  if (retries === 0) conflicts.push("retries must be above 0");
  if (maxInFlight > 5) conflicts.push(`maxInFlightRequestsPerConnection must be at most 5 (is ${maxInFlight})`);
  if (conflicts.length === 0) return explicit;
  if (transactional) throw new ConfigError("transactionalId", `needs idempotence, but ${conflicts.join("; ")}`);
  if (config.enableIdempotence === true) {
    throw new ConfigError("enableIdempotence", `is true, but ${conflicts.join("; ")}`);
  }
  return false;
}

/**
 * Validates the producer's settings and fills in the Java defaults.
 *
 * As in the Java client, `deliveryTimeoutMs` must cover `lingerMs + requestTimeoutMs`:
 * when the caller set it too low, that is an error; when only the others were raised,
 * the delivery timeout grows to match.
 *
 * @example
 * ```ts
 * import { resolveProducerConfig } from "./producer_config.ts";
 * const config = resolveProducerConfig({ bootstrapServers: "127.0.0.1:9092", lingerMs: 10 });
 * console.log(config.acks, config.batchSize); // -1 16384
 * ```
 */
export function resolveProducerConfig(config: ProducerConfig): ResolvedProducerConfig {
  const client = resolveClientConfig(config, PRODUCER_CONFIG_KEYS);
  const {
    keySerializer: _key,
    valueSerializer: _value,
    interceptors: _interceptors,
    compressionGzipLevel,
    compressionLz4Level,
    compressionZstdLevel,
    ...producer
  } = resolveSettings(config, PRODUCER_SETTINGS);
  const minimumDelivery = producer.lingerMs + client.requestTimeoutMs;
  if (producer.deliveryTimeoutMs < minimumDelivery) {
    if (config.deliveryTimeoutMs !== undefined) {
      throw new ConfigError(
        "deliveryTimeoutMs",
        `must be at least lingerMs + requestTimeoutMs (${producer.lingerMs} + ${client.requestTimeoutMs} = ${minimumDelivery}), ` +
          `got ${producer.deliveryTimeoutMs}`,
      );
    }
    producer.deliveryTimeoutMs = minimumDelivery;
  }
  const levels: Partial<Record<CompressionType, number>> = {
    gzip: compressionGzipLevel,
    lz4: compressionLz4Level,
    zstd: compressionZstdLevel,
  };
  producer.enableIdempotence = resolveIdempotence(
    config,
    producer.enableIdempotence,
    producer.acks,
    producer.retries,
    client.maxInFlightRequestsPerConnection,
  );
  return { ...client, ...producer, compressionLevel: levels[producer.compressionType] };
}

/** The serializers to use: the caller's, or UTF-8 for strings and bytes as they are. */
export function resolveSerializers<K, V>(
  config: Pick<ProducerConfig<K, V>, "keySerializer" | "valueSerializer">,
): { key: AsyncSerializer<K>; value: AsyncSerializer<V> } {
  return {
    key: (PRODUCER_SETTINGS.keySerializer.resolve(config.keySerializer, "keySerializer") ?? defaultKeySerializer) as AsyncSerializer<K>,
    value:
      (PRODUCER_SETTINGS.valueSerializer.resolve(config.valueSerializer, "valueSerializer") ?? defaultValueSerializer) as AsyncSerializer<
        V
      >,
  };
}

/** The default for keys: {@link defaultSerializer}, its errors naming record.key. */
export const defaultKeySerializer = (data: unknown, topic: string): Uint8Array | null => defaultSerializer(data, topic, "key");

/** The default for values: {@link defaultSerializer} (a serializer's third argument is the send's context, not the field). */
export const defaultValueSerializer = (data: unknown, topic: string): Uint8Array | null => defaultSerializer(data, topic, "value");

const encoder = new TextEncoder();

/**
 * Strings become UTF-8, bytes stay as they are, null and undefined become null.
 *
 * @example
 * ```ts
 * import { defaultSerializer } from "./producer_config.ts";
 * console.log(defaultSerializer("hé", "topic")); // Uint8Array(3) [104, 195, 169]
 * ```
 */
export function defaultSerializer(data: unknown, topic: string, field: "key" | "value" = "value"): Uint8Array | null {
  if (data === null || data === undefined) return null;
  if (typeof data === "string") return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  throw new SerializationError(
    `record.${field} must be a string, Uint8Array or null (or set ${field}Serializer), not ${describeValue(data)} (topic ${topic})`,
  );
}
