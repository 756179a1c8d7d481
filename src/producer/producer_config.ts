/**
 * The producer's settings: the Java producer's names in camelCase with its 4.x
 * defaults, checked at construction so that a mistake names its key.
 *
 * @module
 */
import type { ClientConfig, ResolvedClientConfig } from "../client/client_config.ts";
import { integerSetting, resolveClientConfig } from "../client/client_config.ts";
import { ConfigError, SerializationError } from "../errors.ts";
import { describeValue } from "../validation.ts";
import type { CompressionType } from "../compression/mod.ts";
import { COMPRESSION_LEVELS } from "../compression/mod.ts";
import type { Partitioner } from "./partitioner.ts";
import type { ProducerInterceptor } from "./producer_interceptor.ts";

/** Turns a key or value into bytes; null stays null. */
export type Serializer<T> = (data: T, topic: string) => Uint8Array | null;

/** The producer's settings; see the README's table for each key's Java name. */
export interface ProducerConfig<K = unknown, V = unknown> extends ClientConfig {
  /** `acks`: "all" (or -1) waits for all in-sync replicas, 1 for the leader, 0 for nothing (default "all"). */
  acks?: "all" | -1 | 0 | 1;
  /** `linger.ms`: how long a batch waits for more records (default 5). */
  lingerMs?: number;
  /** `batch.size`: the bytes a batch fills before it is sent (default 16384). */
  batchSize?: number;
  /** `buffer.memory`: the bytes of records waiting to be sent; `send()` waits for room (default 32 MiB). */
  bufferMemory?: number;
  /** `max.block.ms`: how long `send()` may wait for metadata or buffer memory (default 60000). */
  maxBlockMs?: number;
  /** `compression.type` (default "none"). */
  compressionType?: CompressionType;
  /** `compression.gzip.level`: 1..9, or -1 for the library default. */
  compressionGzipLevel?: number;
  /** `compression.lz4.level`: 1..17 (default 9). */
  compressionLz4Level?: number;
  /** `compression.zstd.level`: -131072..22 (default 3). */
  compressionZstdLevel?: number;
  /** `delivery.timeout.ms`: the most a `send()` takes to settle, retries included (default 120000). */
  deliveryTimeoutMs?: number;
  /** `retries`: how often a failed batch is retried within the delivery timeout (default 2147483647). */
  retries?: number;
  /** `max.request.size`: the largest produce request, and so the largest record (default 1048576). */
  maxRequestSize?: number;
  /** `metadata.max.idle.ms`: forget a topic's metadata after this long unused (default 300000). */
  metadataMaxIdleMs?: number;
  /** `partitioner.class`: your own partitioner, called for every record without an explicit partition. */
  partitioner?: Partitioner;
  /** `partitioner.ignore.keys`: spread keyed records like keyless ones (default false). */
  partitionerIgnoreKeys?: boolean;
  /** `partitioner.adaptive.partitioning.enable`: favour partitions of faster brokers (default true). */
  partitionerAdaptivePartitioningEnable?: boolean;
  /** `partitioner.availability.timeout.ms`: avoid partitions whose leader was not ready this long (default 0 = off). */
  partitionerAvailabilityTimeoutMs?: number;
  /**
   * `enable.idempotence`: stamp batches with a producer id and sequence numbers so that
   * retries never duplicate or reorder records (default true). Needs `acks: "all"`,
   * `retries` > 0 and `maxInFlightRequestsPerConnection` <= 5; when one of those is set
   * otherwise and this key is not given, idempotence is turned off, as in Java.
   */
  enableIdempotence?: boolean;
  /** `transactional.id`: makes the producer transactional (idempotence is then required). */
  transactionalId?: string;
  /** `transaction.timeout.ms`: the coordinator aborts a transaction open longer than this (default 60000). */
  transactionTimeoutMs?: number;
  /** `key.serializer`: turns keys into bytes (default: strings as UTF-8, bytes as they are). */
  keySerializer?: Serializer<K>;
  /** `value.serializer`: turns values into bytes (default: strings as UTF-8, bytes as they are). */
  valueSerializer?: Serializer<V>;
  /**
   * `interceptor.classes`: see every record before it is serialized (and change it) and
   * every acknowledgement; an interceptor that throws is logged, never fails a send.
   */
  interceptors?: ProducerInterceptor<K, V>[];
  /** `metrics.sample.window.ms`: the length of one sample of the windowed metrics (default 30000). */
  metricsSampleWindowMs?: number;
  /** `metrics.num.samples`: how many samples the windowed metrics cover (default 2). */
  metricsNumSamples?: number;
  /**
   * Whether metadata requests let the broker create a topic it does not have (when its own
   * `auto.create.topics.enable` allows it). Default true, as the Java producer always asks;
   * false is KafkaJS's `allowAutoTopicCreation: false`.
   */
  allowAutoTopicCreation?: boolean;
}

/** {@link ProducerConfig} with every default filled in. */
export interface ResolvedProducerConfig extends ResolvedClientConfig {
  acks: -1 | 0 | 1;
  lingerMs: number;
  batchSize: number;
  bufferMemory: number;
  maxBlockMs: number;
  compressionType: CompressionType;
  compressionLevel: number | undefined;
  deliveryTimeoutMs: number;
  retries: number;
  maxRequestSize: number;
  metadataMaxIdleMs: number;
  partitioner: Partitioner | undefined;
  partitionerIgnoreKeys: boolean;
  partitionerAdaptivePartitioningEnable: boolean;
  partitionerAvailabilityTimeoutMs: number;
  enableIdempotence: boolean;
  transactionalId: string | undefined;
  transactionTimeoutMs: number;
  metricsSampleWindowMs: number;
  metricsNumSamples: number;
  allowAutoTopicCreation: boolean;
}

// Every key of ProducerConfig beyond ClientConfig's, once: the type makes this list complete, and unknown keys are refused against it.
const PRODUCER_KEYS: Readonly<Record<Exclude<keyof ProducerConfig, keyof ClientConfig>, true>> = {
  acks: true,
  lingerMs: true,
  batchSize: true,
  bufferMemory: true,
  maxBlockMs: true,
  compressionType: true,
  compressionGzipLevel: true,
  compressionLz4Level: true,
  compressionZstdLevel: true,
  deliveryTimeoutMs: true,
  retries: true,
  maxRequestSize: true,
  metadataMaxIdleMs: true,
  partitioner: true,
  partitionerIgnoreKeys: true,
  partitionerAdaptivePartitioningEnable: true,
  partitionerAvailabilityTimeoutMs: true,
  enableIdempotence: true,
  transactionalId: true,
  transactionTimeoutMs: true,
  keySerializer: true,
  valueSerializer: true,
  interceptors: true,
  metricsSampleWindowMs: true,
  metricsNumSamples: true,
  allowAutoTopicCreation: true,
};

/** The producer's own keys (the connection keys are `CLIENT_CONFIG_KEYS`). */
export const PRODUCER_CONFIG_KEYS: readonly string[] = Object.keys(PRODUCER_KEYS);

const INT_MAX = 2_147_483_647;
const COMPRESSION_TYPES: readonly CompressionType[] = ["none", "gzip", "snappy", "lz4", "zstd"];
const LEVEL_KEYS = { gzip: "compressionGzipLevel", lz4: "compressionLz4Level", zstd: "compressionZstdLevel" } as const;

function booleanSetting(config: object, key: string, fallback: boolean): boolean {
  const value = (config as Record<string, unknown>)[key];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new ConfigError(key, `must be true or false, not ${describeValue(value)}`);
  return value;
}

function functionSetting<T>(config: object, key: string): T | undefined {
  const value = (config as Record<string, unknown>)[key];
  if (value !== undefined && typeof value !== "function") throw new ConfigError(key, `must be a function, not ${describeValue(value)}`);
  return value as T | undefined;
}

function resolveAcks(value: unknown): -1 | 0 | 1 {
  if (value === undefined || value === "all" || value === -1 || value === "-1") return -1;
  if (value === 1 || value === "1") return 1;
  if (value === 0 || value === "0") return 0;
  throw new ConfigError("acks", `must be "all", -1, 0 or 1, not ${describeValue(value)}`);
}

function resolveCompression(config: ProducerConfig): { type: CompressionType; level: number | undefined } {
  const type = config.compressionType ?? "none";
  if (!COMPRESSION_TYPES.includes(type)) {
    throw new ConfigError("compressionType", `must be one of ${COMPRESSION_TYPES.join(", ")}, not ${describeValue(type)}`);
  }
  let level: number | undefined;
  for (const [codec, key] of Object.entries(LEVEL_KEYS)) {
    const range = COMPRESSION_LEVELS[codec as keyof typeof LEVEL_KEYS];
    const given = integerSetting(config, key, range.default, range.min, range.max);
    if (codec === type) level = given;
  }
  return { type, level };
}

/** Java's rules: idempotence needs acks=all, retries and at most 5 requests in flight. */
function resolveIdempotence(config: ProducerConfig, acks: number, retries: number, maxInFlight: number, transactional: boolean): boolean {
  const explicit = booleanSetting(config, "enableIdempotence", true);
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
  const lingerMs = integerSetting(config, "lingerMs", 5, 0, INT_MAX);
  const batchSize = integerSetting(config, "batchSize", 16_384, 0, INT_MAX);
  const bufferMemory = integerSetting(config, "bufferMemory", 32 * 1024 * 1024, 1, Number.MAX_SAFE_INTEGER);
  const maxRequestSize = integerSetting(config, "maxRequestSize", 1_048_576, 1, INT_MAX);
  const minimumDelivery = lingerMs + client.requestTimeoutMs;
  let deliveryTimeoutMs = integerSetting(config, "deliveryTimeoutMs", 120_000, 1, INT_MAX);
  if (deliveryTimeoutMs < minimumDelivery) {
    if (config.deliveryTimeoutMs !== undefined) {
      throw new ConfigError(
        "deliveryTimeoutMs",
        `must be at least lingerMs + requestTimeoutMs (${lingerMs} + ${client.requestTimeoutMs} = ${minimumDelivery}), got ${deliveryTimeoutMs}`,
      );
    }
    deliveryTimeoutMs = minimumDelivery;
  }
  const compression = resolveCompression(config);
  const acks = resolveAcks(config.acks);
  const retries = integerSetting(config, "retries", INT_MAX, 0, INT_MAX);
  const transactionalId = config.transactionalId;
  if (transactionalId !== undefined && (typeof transactionalId !== "string" || transactionalId.length === 0)) {
    throw new ConfigError("transactionalId", `must be a non-empty string, not ${describeValue(transactionalId)}`);
  }
  const enableIdempotence = resolveIdempotence(
    config,
    acks,
    retries,
    client.maxInFlightRequestsPerConnection,
    transactionalId !== undefined,
  );
  return {
    ...client,
    acks,
    enableIdempotence,
    transactionalId,
    transactionTimeoutMs: integerSetting(config, "transactionTimeoutMs", 60_000, 1, INT_MAX),
    lingerMs,
    batchSize,
    bufferMemory,
    maxBlockMs: integerSetting(config, "maxBlockMs", 60_000, 0, INT_MAX),
    compressionType: compression.type,
    compressionLevel: compression.level,
    deliveryTimeoutMs,
    retries,
    maxRequestSize,
    metadataMaxIdleMs: integerSetting(config, "metadataMaxIdleMs", 300_000, 5_000, INT_MAX),
    partitioner: functionSetting<Partitioner>(config, "partitioner"),
    partitionerIgnoreKeys: booleanSetting(config, "partitionerIgnoreKeys", false),
    partitionerAdaptivePartitioningEnable: booleanSetting(config, "partitionerAdaptivePartitioningEnable", true),
    partitionerAvailabilityTimeoutMs: integerSetting(config, "partitionerAvailabilityTimeoutMs", 0, 0, INT_MAX),
    metricsSampleWindowMs: integerSetting(config, "metricsSampleWindowMs", 30_000, 1, INT_MAX),
    metricsNumSamples: integerSetting(config, "metricsNumSamples", 2, 1, 1_000),
    allowAutoTopicCreation: booleanSetting(config, "allowAutoTopicCreation", true),
  };
}

/** The serializers to use: the caller's, or UTF-8 for strings and bytes as they are. */
export function resolveSerializers<K, V>(
  config: Pick<ProducerConfig<K, V>, "keySerializer" | "valueSerializer">,
): { key: Serializer<K>; value: Serializer<V> } {
  return {
    key: functionSetting<Serializer<K>>(config, "keySerializer") ?? (defaultKeySerializer as Serializer<K>),
    value: functionSetting<Serializer<V>>(config, "valueSerializer") ?? (defaultSerializer as Serializer<V>),
  };
}

/** The default for keys: {@link defaultSerializer}, its errors naming record.key. */
export const defaultKeySerializer = (data: unknown, topic: string): Uint8Array | null => defaultSerializer(data, topic, "key");

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
