/**
 * KafkaJS's configuration, checked (a mistake is a KafkaJSNonRetriableError naming the
 * key, with the closest known key for a typo) and turned into the native client's.
 *
 * KafkaJS retries a whole `send()` `retries` times with growing waits; the native producer
 * retries each batch within `deliveryTimeoutMs`. The mapping keeps KafkaJS's bounds:
 * batches are retried `retries` times, waiting `initialRetryTime` up to `maxRetryTime`;
 * a send gives up after `requestTimeout` plus the waits of its retries (at most 120 s);
 * and waiting for a topic's metadata gives up after `connectionTimeout` plus the waits of
 * `retry.retries` retries (5 when not given; at most 60 s), as KafkaJS's send does.
 *
 * @module
 */
import type { ClientConfig } from "../client/client_config.ts";
import { resolveSasl, resolveTls } from "../client/security_config.ts";
import type { SaslOptions, SslOptions } from "../client/security_config.ts";
import type { ProducerConfig as NativeProducerConfig } from "../producer/producer_config.ts";
import { closestKey, describeValue } from "../validation.ts";
import { KafkaJSNonRetriableError } from "./errors.ts";
import type { KafkaConfig, ProducerConfig, RetryOptions } from "./types.ts";
import { logLevel } from "./logger.ts";

/** KafkaJS's retry defaults. */
export const RETRY_DEFAULTS: Required<Omit<RetryOptions, "restartOnFailure">> = {
  maxRetryTime: 30_000,
  initialRetryTime: 300,
  factor: 0.2,
  multiplier: 2,
  retries: 5,
};

const INT_MAX = 2_147_483_647;
const DELIVERY_CAP_MS = 120_000;
const METADATA_WAIT_CAP_MS = 60_000;
/** The largest request, and so the largest message: large enough that the broker's `message.max.bytes` decides, as with KafkaJS. */
const MAX_REQUEST_SIZE = 16 * 1024 * 1024;

const KAFKA_KEYS: readonly (keyof KafkaConfig)[] = [
  "brokers",
  "ssl",
  "sasl",
  "clientId",
  "connectionTimeout",
  "authenticationTimeout",
  "reauthenticationThreshold",
  "requestTimeout",
  "enforceRequestTimeout",
  "retry",
  "logLevel",
  "logCreator",
];
const PRODUCER_KEYS: readonly (keyof ProducerConfig)[] = [
  "createPartitioner",
  "retry",
  "metadataMaxAge",
  "allowAutoTopicCreation",
  "idempotent",
  "transactionalId",
  "transactionTimeout",
  "maxInFlightRequests",
  "lingerMs",
  "batchSize",
];
const RETRY_KEYS: readonly (keyof RetryOptions)[] = [
  "maxRetryTime",
  "initialRetryTime",
  "factor",
  "multiplier",
  "retries",
  "restartOnFailure",
];
// What KafkaJS takes that this client cannot do, with what to do instead.
const UNSUPPORTED: Record<string, string> = {
  socketFactory: "sockets come from the runtime (Deno, Bun, Node or workerd) here; there is no socket factory",
};

/**
 * Throws a KafkaJSNonRetriableError for the first key of `given` not in `known`.
 *
 * @example
 * ```ts
 * import { rejectUnknown } from "./config.ts";
 * rejectUnknown({ clientId: "app" }, ["clientId", "brokers"], "new Kafka(config)");
 * ```
 */
export function rejectUnknown(given: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    if (UNSUPPORTED[key] !== undefined) throw new KafkaJSNonRetriableError(`${where}: ${key} is not supported: ${UNSUPPORTED[key]}`);
    const near = closestKey(key, known);
    throw new KafkaJSNonRetriableError(`${where}: unknown config key "${key}"${near === undefined ? "" : ` (did you mean "${near}"?)`}`);
  }
}

function objectArgument(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new KafkaJSNonRetriableError(`${what} must be an object, not ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

function number(config: Record<string, unknown>, key: string, where: string, min = 0): void {
  const value = config[key];
  if (value !== undefined && (typeof value !== "number" || !(value >= min) || !Number.isFinite(value))) {
    throw new KafkaJSNonRetriableError(`${where}: ${key} must be a number >= ${min}, not ${describeValue(value)}`);
  }
}

function boolean(config: Record<string, unknown>, key: string, where: string): void {
  const value = config[key];
  if (value !== undefined && typeof value !== "boolean") {
    throw new KafkaJSNonRetriableError(`${where}: ${key} must be true or false, not ${describeValue(value)}`);
  }
}

/** Checks `retry` and fills in KafkaJS's defaults (`fallback` first, for a producer's). */
export function resolveRetry(retry: unknown, where: string, fallback: RetryOptions = {}): Required<Omit<RetryOptions, "restartOnFailure">> {
  if (retry === undefined) return { ...RETRY_DEFAULTS, ...fallback };
  const options = objectArgument(retry, `${where}: retry`);
  rejectUnknown(options, RETRY_KEYS, `${where}: retry`);
  for (const key of ["maxRetryTime", "initialRetryTime", "factor", "multiplier", "retries"]) number(options, key, `${where}: retry`);
  return { ...RETRY_DEFAULTS, ...fallback, ...options as RetryOptions } as Required<Omit<RetryOptions, "restartOnFailure">>;
}

/**
 * The sum of the waits of `retries` retries (without their random spread), in ms.
 *
 * @example
 * ```ts
 * import { RETRY_DEFAULTS, retryBudgetMs } from "./config.ts";
 * console.log(retryBudgetMs(RETRY_DEFAULTS)); // 9300: 300 + 600 + 1200 + 2400 + 4800
 * ```
 */
export function retryBudgetMs(retry: { initialRetryTime: number; multiplier: number; maxRetryTime: number }, retries = 5): number {
  let total = 0;
  let wait = retry.initialRetryTime;
  for (let i = 0; i < Math.min(retries, 1000) && total < DELIVERY_CAP_MS * 10; i++) {
    total += Math.min(wait, retry.maxRetryTime);
    wait *= retry.multiplier;
  }
  return total;
}

/**
 * Checks `new Kafka(config)`; the TLS and SASL settings are checked as the native client
 * checks them (its messages name `ssl.<key>` and `sasl.<key>`).
 *
 * @example
 * ```ts
 * import { checkKafkaConfig } from "./config.ts";
 * checkKafkaConfig({ clientId: "app", brokers: ["127.0.0.1:9092"] });
 * ```
 */
export function checkKafkaConfig(config: unknown): KafkaConfig {
  const where = "new Kafka(config)";
  const options = objectArgument(config, `${where}: config`);
  rejectUnknown(options, KAFKA_KEYS, where);
  const brokers = options.brokers;
  const listOk = Array.isArray(brokers) && brokers.every((b) => typeof b === "string");
  if (!listOk && typeof brokers !== "function") {
    throw new KafkaJSNonRetriableError(
      `${where}: brokers must be an array of "host:port" or a function returning one, not ${describeValue(brokers)}`,
    );
  }
  if (options.clientId !== undefined && typeof options.clientId !== "string") {
    throw new KafkaJSNonRetriableError(`${where}: clientId must be a string, not ${describeValue(options.clientId)}`);
  }
  for (const key of ["connectionTimeout", "authenticationTimeout", "reauthenticationThreshold", "requestTimeout"]) {
    number(options, key, where);
  }
  boolean(options, "enforceRequestTimeout", where);
  resolveRetry(options.retry, where);
  if (options.logLevel !== undefined && !Object.values(logLevel).includes(options.logLevel as logLevel)) {
    throw new KafkaJSNonRetriableError(
      `${where}: logLevel must be one of logLevel's values (0, 1, 2, 4, 5), not ${describeValue(options.logLevel)}`,
    );
  }
  if (options.logCreator !== undefined && typeof options.logCreator !== "function") {
    throw new KafkaJSNonRetriableError(`${where}: logCreator must be a function, not ${describeValue(options.logCreator)}`);
  }
  const sasl = options.sasl as Record<string, unknown> | undefined;
  if (sasl !== undefined && sasl !== null && typeof sasl === "object" && "authenticationProvider" in sasl) {
    throw new KafkaJSNonRetriableError(
      `${where}: custom SASL mechanisms (authenticationProvider) are not supported; use plain, scram-sha-256, scram-sha-512 or oauthbearer`,
    );
  }
  if (typeof sasl?.mechanism === "string" && sasl.mechanism.toLowerCase() === "aws") {
    throw new KafkaJSNonRetriableError(
      `${where}: SASL mechanism aws (AWS_MSK_IAM) is not supported; use scram-sha-512 or oauthbearer with MSK`,
    );
  }
  resolveTls(options.ssl);
  resolveSasl(options.sasl);
  return options as unknown as KafkaConfig;
}

/**
 * Checks `kafka.producer(config)`.
 *
 * @example
 * ```ts
 * import { checkProducerConfig } from "./config.ts";
 * checkProducerConfig({ idempotent: false, maxInFlightRequests: 1 });
 * ```
 */
export function checkProducerConfig(config: unknown): ProducerConfig {
  const where = "kafka.producer(config)";
  if (config === undefined) return {};
  const options = objectArgument(config, `${where}: config`);
  rejectUnknown(options, PRODUCER_KEYS, where);
  if (options.createPartitioner !== undefined && typeof options.createPartitioner !== "function") {
    throw new KafkaJSNonRetriableError(`${where}: createPartitioner must be a function, not ${describeValue(options.createPartitioner)}`);
  }
  for (const key of ["metadataMaxAge", "transactionTimeout", "lingerMs", "batchSize"]) number(options, key, where);
  number(options, "maxInFlightRequests", where, 1);
  for (const key of ["allowAutoTopicCreation", "idempotent"]) boolean(options, key, where);
  const id = options.transactionalId;
  if (id !== undefined && (typeof id !== "string" || id.length === 0)) {
    throw new KafkaJSNonRetriableError(`${where}: transactionalId must be a non-empty string, not ${describeValue(id)}`);
  }
  if (id !== undefined && options.idempotent === false) {
    throw new KafkaJSNonRetriableError(`${where}: a transactional producer (transactionalId) must be idempotent; remove idempotent: false`);
  }
  const retry = resolveRetry(options.retry, where, {});
  if (options.idempotent === true && options.retry !== undefined && retry.retries < 1) {
    throw new KafkaJSNonRetriableError("Idempotent producer must allow retries to protect against transient errors");
  }
  return options as ProducerConfig;
}

/**
 * The native client's connection settings for a `Kafka`, with the brokers resolved.
 *
 * @example
 * ```ts
 * import { nativeClientConfig } from "./config.ts";
 * console.log(nativeClientConfig({ brokers: [] }, ["127.0.0.1:9092"]).socketConnectionSetupTimeoutMs); // 1000
 * ```
 */
export function nativeClientConfig(config: KafkaConfig, brokers: readonly string[]): ClientConfig {
  const connectionTimeout = Math.max(1, Math.round(config.connectionTimeout ?? 1000));
  const native: ClientConfig = {
    bootstrapServers: brokers,
    clientId: config.clientId ?? "kafkajs",
    requestTimeoutMs: Math.max(1, Math.round(config.requestTimeout ?? 30_000)),
    socketConnectionSetupTimeoutMs: connectionTimeout,
    socketConnectionSetupTimeoutMaxMs: Math.max(connectionTimeout, 30_000),
  };
  if (config.ssl !== undefined) native.ssl = config.ssl as boolean | SslOptions;
  if (config.sasl !== undefined) native.sasl = config.sasl as SaslOptions;
  return native;
}

/** What {@link nativeProducerConfig} needs besides the producer's own settings. */
export interface ProducerContext {
  /** The Kafka's settings. */
  kafka: KafkaConfig;
  /** The brokers, resolved. */
  brokers: readonly string[];
}

/**
 * The native producer's settings for a KafkaJS producer (`transactional`: for its
 * transactions, else for its plain sends, without the transactional id).
 *
 * @example
 * ```ts
 * import { nativeProducerConfig } from "./config.ts";
 * const native = nativeProducerConfig({ idempotent: false }, { kafka: { brokers: [] }, brokers: ["127.0.0.1:9092"] }, false);
 * console.log(native.enableIdempotence, native.lingerMs); // false 0
 * ```
 */
export function nativeProducerConfig(config: ProducerConfig, context: ProducerContext, transactional: boolean): NativeProducerConfig {
  const client = nativeClientConfig(context.kafka, context.brokers);
  const idempotent = transactional || config.idempotent;
  // As KafkaJS: without a retry of its own, an idempotent producer retries without end.
  const retry = resolveRetry(
    config.retry ?? context.kafka.retry,
    "kafka.producer(config)",
    idempotent === false ? {} : { retries: INT_MAX },
  );
  const lingerMs = Math.round(config.lingerMs ?? 0);
  const requestTimeoutMs = client.requestTimeoutMs!;
  const metadataRetries = (config.retry ?? context.kafka.retry)?.retries ?? RETRY_DEFAULTS.retries;
  const native: NativeProducerConfig = {
    ...client,
    acks: "all",
    lingerMs,
    batchSize: Math.round(config.batchSize ?? 16_384),
    maxRequestSize: MAX_REQUEST_SIZE,
    retries: Math.min(Math.round(retry.retries), INT_MAX),
    retryBackoffMs: Math.round(retry.initialRetryTime),
    retryBackoffMaxMs: Math.max(Math.round(retry.initialRetryTime), Math.round(retry.maxRetryTime)),
    deliveryTimeoutMs: Math.max(
      lingerMs + requestTimeoutMs,
      Math.min(DELIVERY_CAP_MS, requestTimeoutMs + retryBudgetMs(retry, retry.retries)),
    ),
    maxBlockMs: Math.min(METADATA_WAIT_CAP_MS, client.socketConnectionSetupTimeoutMs! + retryBudgetMs(retry, metadataRetries)),
    metadataMaxAgeMs: Math.round(config.metadataMaxAge ?? 300_000),
    allowAutoTopicCreation: config.allowAutoTopicCreation ?? true,
  };
  if (idempotent !== undefined) native.enableIdempotence = idempotent;
  if (config.maxInFlightRequests !== undefined) native.maxInFlightRequestsPerConnection = Math.round(config.maxInFlightRequests);
  if (transactional) {
    native.transactionalId = config.transactionalId;
    native.transactionTimeoutMs = Math.round(config.transactionTimeout ?? 60_000);
  }
  return native;
}
