/**
 * The connection settings every client shares, with the Java client's names (in
 * camelCase) and defaults, validated at construction so a mistake names its key.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { Transport } from "../net/transport.ts";
import type { RuntimeName } from "../net/runtime_transport.ts";
import type { Logger } from "../logger.ts";
import { silentLogger } from "../logger.ts";
import type { SaslOptions, SslOptions } from "./security_config.ts";
import { resolveSasl, resolveTls } from "./security_config.ts";
import { describeValue, rejectUnknownKeys } from "../validation.ts";
import { custom, integer, type ResolvedSettings, resolveSettings, type Setting } from "./settings.ts";

/** The connection settings a user may give. */
export interface ClientConfig {
  /** `bootstrap.servers`: `"host:port"`, a comma-separated list, or an array; IPv6 as `[::1]:9092` (default required). */
  bootstrapServers: string | readonly string[];
  /** `client.id`: sent with every request (default `edge-kafka-N`). */
  clientId?: string;
  /** `request.timeout.ms`: a request without a response by then fails with `TimeoutError` and its connection is closed (default 30000). */
  requestTimeoutMs?: number;
  /** `reconnect.backoff.ms`: first wait before reconnecting to a node (default 50). */
  reconnectBackoffMs?: number;
  /** `reconnect.backoff.max.ms`: the wait doubles per failure up to this, ±20% jitter (default 1000). */
  reconnectBackoffMaxMs?: number;
  /** `socket.connection.setup.timeout.ms`: a connection not open by then is abandoned (default 10000). */
  socketConnectionSetupTimeoutMs?: number;
  /** `socket.connection.setup.timeout.max.ms`: that timeout grows per failure up to this (default 30000). */
  socketConnectionSetupTimeoutMaxMs?: number;
  /**
   * `max.in.flight.requests.per.connection`: unanswered requests per connection; 1 keeps order across retries without
   * idempotence (default 5).
   */
  maxInFlightRequestsPerConnection?: number;
  /** `metadata.max.age.ms`: metadata is refreshed at least this often (default 300000). */
  metadataMaxAgeMs?: number;
  /**
   * `connections.max.idle.ms`: idle connections are closed after this; after a freeze of the process (a serverless
   * platform between invocations), at once (default 540000).
   */
  connectionsMaxIdleMs?: number;
  /** `retry.backoff.ms`: first wait before a retry, and the least wait between metadata refreshes (default 100). */
  retryBackoffMs?: number;
  /** `retry.backoff.max.ms`: the wait between retries grows to this (default 1000). */
  retryBackoffMaxMs?: number;
  /** (none): a larger response frame closes the connection with `CorruptResponseError` (default 104857600 (100 MiB)). */
  maxResponseSize?: number;
  /** (none): `"deno"`, `"bun"`, `"node"`, `"workerd"` or your own `Transport` object (default detected). */
  transport?: RuntimeName | Transport;
  /**
   * `security.protocol=SSL` / `SASL_SSL`, `ssl.truststore.*`, `ssl.keystore.*`: `true` (the runtime's trusted CAs) or
   * `{ ca, cert, key, servername, rejectUnauthorized }`; PEM as strings or bytes; `rejectUnauthorized: false` only for
   * tests (default off).
   */
  ssl?: boolean | SslOptions;
  /**
   * `security.protocol=SASL_*`, `sasl.mechanism`, `sasl.jaas.config`: `{ mechanism: "plain" | "scram-sha-256" |
   * "scram-sha-512" | "oauthbearer", username, password, oauthBearerProvider }` (default off).
   */
  sasl?: SaslOptions;
  /**
   * (log4j/slf4j): `{ debug, info, warn, error }`; `consoleLogger("debug")` prints to the console. Secrets appear as
   * `[hidden]` (default silent).
   */
  logger?: Logger;
}

const INT_MAX = 2_147_483_647;
let clientCounter = 0;

/**
 * Every connection key, declared once: its Java name, default, meaning and check. A key of
 * {@link ClientConfig} without a declaration here does not compile.
 */
export const CLIENT_SETTINGS = {
  bootstrapServers: custom({
    java: "bootstrap.servers",
    doc: '`"host:port"`, a comma-separated list, or an array; IPv6 as `[::1]:9092`',
    shown: "required",
    resolve: parseBootstrap,
  }),
  clientId: custom({
    java: "client.id",
    doc: "sent with every request",
    shown: "`edge-kafka-N`",
    resolve: (value: unknown, key: string) => {
      if (value === undefined) return `edge-kafka-${++clientCounter}`;
      if (typeof value !== "string") throw new ConfigError(key, `must be a string, not ${describeValue(value)}`);
      return value;
    },
  }),
  requestTimeoutMs: integer({
    java: "request.timeout.ms",
    doc: "a request without a response by then fails with `TimeoutError` and its connection is closed",
    fallback: 30_000,
    min: 1,
    max: INT_MAX,
  }),
  reconnectBackoffMs: integer({ java: "reconnect.backoff.ms", doc: "first wait before reconnecting to a node", fallback: 50, min: 0 }),
  reconnectBackoffMaxMs: integer({
    java: "reconnect.backoff.max.ms",
    doc: "the wait doubles per failure up to this, ±20% jitter",
    fallback: 1000,
    min: 0,
  }),
  socketConnectionSetupTimeoutMs: integer({
    java: "socket.connection.setup.timeout.ms",
    doc: "a connection not open by then is abandoned",
    fallback: 10_000,
    min: 1,
  }),
  socketConnectionSetupTimeoutMaxMs: integer({
    java: "socket.connection.setup.timeout.max.ms",
    doc: "that timeout grows per failure up to this",
    fallback: 30_000,
    min: 1,
  }),
  maxInFlightRequestsPerConnection: integer({
    java: "max.in.flight.requests.per.connection",
    doc: "unanswered requests per connection; 1 keeps order across retries without idempotence",
    fallback: 5,
    min: 1,
  }),
  metadataMaxAgeMs: integer({ java: "metadata.max.age.ms", doc: "metadata is refreshed at least this often", fallback: 300_000, min: 0 }),
  connectionsMaxIdleMs: integer({
    java: "connections.max.idle.ms",
    doc: "idle connections are closed after this; after a freeze of the process (a serverless platform between invocations), at once",
    fallback: 540_000,
    min: 0,
  }),
  retryBackoffMs: integer({
    java: "retry.backoff.ms",
    doc: "first wait before a retry, and the least wait between metadata refreshes",
    fallback: 100,
    min: 0,
  }),
  retryBackoffMaxMs: integer({ java: "retry.backoff.max.ms", doc: "the wait between retries grows to this", fallback: 1000, min: 0 }),
  maxResponseSize: integer({
    java: "(none)",
    doc: "a larger response frame closes the connection with `CorruptResponseError`",
    fallback: 100 * 1024 * 1024,
    min: 64,
    max: INT_MAX,
    shown: "104857600 (100 MiB)",
  }),
  transport: custom({
    java: "(none)",
    doc: '`"deno"`, `"bun"`, `"node"`, `"workerd"` or your own `Transport` object',
    shown: "detected",
    resolve: (value: unknown, key: string): RuntimeName | Transport | undefined => {
      if (
        value === undefined || value === "deno" || value === "bun" || value === "node" || value === "workerd" ||
        (typeof value === "object" && value !== null && typeof (value as Transport).connect === "function")
      ) {
        return value as RuntimeName | Transport | undefined;
      }
      throw new ConfigError(key, `must be "deno", "bun", "node", "workerd" or an object with connect(), not ${describeValue(value)}`);
    },
  }),
  ssl: custom({
    java: "`security.protocol=SSL` / `SASL_SSL`, `ssl.truststore.*`, `ssl.keystore.*`",
    doc: "`true` (the runtime's trusted CAs) or `{ ca, cert, key, servername, rejectUnauthorized }`; PEM as strings or bytes; " +
      "`rejectUnauthorized: false` only for tests",
    shown: "off",
    resolve: (value: unknown) => resolveTls(value),
  }),
  sasl: custom({
    java: "`security.protocol=SASL_*`, `sasl.mechanism`, `sasl.jaas.config`",
    doc: '`{ mechanism: "plain" | "scram-sha-256" | "scram-sha-512" | "oauthbearer", username, password, oauthBearerProvider }`',
    shown: "off",
    resolve: (value: unknown) => resolveSasl(value),
  }),
  logger: custom({
    java: "(log4j/slf4j)",
    doc: '`{ debug, info, warn, error }`; `consoleLogger("debug")` prints to the console. Secrets appear as `[hidden]`',
    shown: "silent",
    resolve: (value: unknown, key: string): Logger => {
      const logger = value ?? silentLogger;
      for (const level of ["debug", "info", "warn", "error"] as const) {
        if (typeof logger !== "object" || logger === null || typeof (logger as Logger)[level] !== "function") {
          throw new ConfigError(key, `must have debug, info, warn and error methods; ${level} is missing from ${describeValue(logger)}`);
        }
      }
      return logger as Logger;
    },
  }),
} satisfies { [K in keyof ClientConfig]-?: Setting<unknown> };

/** {@link ClientConfig} with every default filled in, the bootstrap list parsed and TLS and SASL resolved. */
export type ResolvedClientConfig = ResolvedSettings<typeof CLIENT_SETTINGS>;

/** The connection keys every client takes; a client with more (the producer) adds its own. */
export const CLIENT_CONFIG_KEYS: readonly string[] = Object.keys(CLIENT_SETTINGS);

/** This library's name and version, sent to brokers in ApiVersions. */
export const CLIENT_SOFTWARE = { name: "edge-kafka", version: "0.1.0" } as const;

/**
 * Parses "host:port" (IPv6 hosts in brackets) into its parts.
 *
 * @example
 * ```ts
 * import { parseAddress } from "./client_config.ts";
 * console.log(parseAddress("[::1]:9092", "bootstrapServers")); // { host: "::1", port: 9092 }
 * ```
 */
export function parseAddress(address: string, key: string): { host: string; port: number } {
  const match = /^\s*(?:\[([^\]]+)\]|([^:\s]+)):(\d+)\s*$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(key, `"${address}" is not of the form host:port`);
  }
  return { host: match[1] ?? match[2], port };
}

/**
 * Validates the connection settings and fills in the defaults. A key that is neither a
 * connection key nor in `otherKeys` (the producer's) is a ConfigError suggesting the
 * closest known key.
 *
 * @example
 * ```ts
 * import { resolveClientConfig } from "./client_config.ts";
 * const config = resolveClientConfig({ bootstrapServers: "127.0.0.1:9092,127.0.0.1:9093" });
 * console.log(config.bootstrapServers.length, config.requestTimeoutMs); // 2 30000
 * ```
 */
export function resolveClientConfig(config: ClientConfig, otherKeys: readonly string[] = []): ResolvedClientConfig {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new ConfigError("bootstrapServers", `a configuration object is required, not ${describeValue(config)}`);
  }
  // First, so a misspelt key is named for what it is, not as the required key it failed to set.
  rejectUnknownKeys(config, otherKeys.length === 0 ? CLIENT_CONFIG_KEYS : [...CLIENT_CONFIG_KEYS, ...otherKeys]);
  const resolved = resolveSettings(config, CLIENT_SETTINGS);
  // A maximum below its base means the base, as in Java.
  resolved.reconnectBackoffMaxMs = Math.max(resolved.reconnectBackoffMs, resolved.reconnectBackoffMaxMs);
  resolved.socketConnectionSetupTimeoutMaxMs = Math.max(
    resolved.socketConnectionSetupTimeoutMs,
    resolved.socketConnectionSetupTimeoutMaxMs,
  );
  resolved.retryBackoffMaxMs = Math.max(resolved.retryBackoffMs, resolved.retryBackoffMaxMs);
  return resolved;
}

function parseBootstrap(servers: unknown, key: string): { host: string; port: number }[] {
  if (typeof servers !== "string" && !(Array.isArray(servers) && servers.every((s) => typeof s === "string"))) {
    throw new ConfigError(key, `must be "host:port", a comma-separated list or an array of them, not ${describeValue(servers)}`);
  }
  const list = typeof servers === "string" ? servers.split(",") : servers.flatMap((s) => s.split(","));
  const entries = list.map((s) => s.trim()).filter((s) => s.length > 0);
  if (entries.length === 0) throw new ConfigError(key, "at least one host:port is required");
  return entries.map((entry) => parseAddress(entry, key));
}
