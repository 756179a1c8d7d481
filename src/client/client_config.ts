/**
 * The connection settings every client shares, with the Java client's names (in
 * camelCase) and defaults, validated at construction so a mistake names its key.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { Transport } from "../net/transport.ts";
import type { RuntimeName } from "../net/runtime_transport.ts";
import type { SaslConfig } from "../security/mod.ts";
import type { Logger } from "../logger.ts";
import { silentLogger } from "../logger.ts";
import type { ResolvedTls, SaslOptions, SslOptions } from "./security_config.ts";
import { resolveSasl, resolveTls } from "./security_config.ts";
import { describeValue, rejectUnknownKeys } from "../validation.ts";

/** The connection settings a user may give. */
export interface ClientConfig {
  /** `bootstrap.servers`: "host:port", a comma-separated list, or an array of them. Required. */
  bootstrapServers: string | readonly string[];
  /** `client.id`, sent with every request. */
  clientId?: string;
  /** `request.timeout.ms`: how long to wait for a response (default 30000). */
  requestTimeoutMs?: number;
  /** `reconnect.backoff.ms`: first wait before reconnecting to a node (default 50). */
  reconnectBackoffMs?: number;
  /** `reconnect.backoff.max.ms`: the wait grows to this (default 1000). */
  reconnectBackoffMaxMs?: number;
  /** `socket.connection.setup.timeout.ms`: how long a connection may take to open (default 10000). */
  socketConnectionSetupTimeoutMs?: number;
  /** `socket.connection.setup.timeout.max.ms`: that timeout grows to this (default 30000). */
  socketConnectionSetupTimeoutMaxMs?: number;
  /** `max.in.flight.requests.per.connection` (default 5). */
  maxInFlightRequestsPerConnection?: number;
  /** `metadata.max.age.ms`: refresh metadata at least this often (default 300000). */
  metadataMaxAgeMs?: number;
  /**
   * `connections.max.idle.ms`: close connections idle this long (default 540000). After the
   * process was frozen (a serverless platform between invocations), idle connections are
   * replaced at once, whatever this says.
   */
  connectionsMaxIdleMs?: number;
  /** `retry.backoff.ms`: wait between retries and metadata refreshes (default 100). */
  retryBackoffMs?: number;
  /** `retry.backoff.max.ms` (default 1000). */
  retryBackoffMaxMs?: number;
  /** The largest response frame accepted (no Java name; default 100 MiB). */
  maxResponseSize?: number;
  /** Which sockets to use: a runtime's name or your own {@link Transport} (default: detected). */
  transport?: RuntimeName | Transport;
  /** TLS for every connection (`security.protocol=SSL`/`SASL_SSL`): `true` for the runtime's CAs, or options. */
  ssl?: boolean | SslOptions;
  /** SASL authentication after connecting (`security.protocol=SASL_*`, `sasl.mechanism`, `sasl.jaas.config`). */
  sasl?: SaslOptions;
  /** Where log lines go (default: nowhere). */
  logger?: Logger;
}

/** {@link ClientConfig} with every default filled in and the bootstrap list parsed. */
export interface ResolvedClientConfig {
  bootstrap: { host: string; port: number }[];
  clientId: string;
  requestTimeoutMs: number;
  reconnectBackoffMs: number;
  reconnectBackoffMaxMs: number;
  socketConnectionSetupTimeoutMs: number;
  socketConnectionSetupTimeoutMaxMs: number;
  maxInFlightRequestsPerConnection: number;
  metadataMaxAgeMs: number;
  connectionsMaxIdleMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  maxResponseSize: number;
  transport: RuntimeName | Transport | undefined;
  tls: ResolvedTls | undefined;
  sasl: SaslConfig | undefined;
  logger: Logger;
  clientSoftwareName: string;
  clientSoftwareVersion: string;
}

// Every key of ClientConfig, once: the type makes this list complete, and unknown keys are refused against it.
const CLIENT_KEYS: Readonly<Record<keyof ClientConfig, true>> = {
  bootstrapServers: true,
  clientId: true,
  requestTimeoutMs: true,
  reconnectBackoffMs: true,
  reconnectBackoffMaxMs: true,
  socketConnectionSetupTimeoutMs: true,
  socketConnectionSetupTimeoutMaxMs: true,
  maxInFlightRequestsPerConnection: true,
  metadataMaxAgeMs: true,
  connectionsMaxIdleMs: true,
  retryBackoffMs: true,
  retryBackoffMaxMs: true,
  maxResponseSize: true,
  transport: true,
  ssl: true,
  sasl: true,
  logger: true,
};

/** The connection keys every client takes; a client with more (the producer) adds its own. */
export const CLIENT_CONFIG_KEYS: readonly string[] = Object.keys(CLIENT_KEYS);

/** This library's name and version, sent to brokers in ApiVersions. */
export const CLIENT_SOFTWARE = { name: "edge-kafka", version: "0.1.0" } as const;

let clientCounter = 0;

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
 * Checks a numeric setting: absent gives the default, otherwise it must be an integer
 * within [min, max].
 *
 * @example
 * ```ts
 * import { integerSetting } from "./client_config.ts";
 * console.log(integerSetting({ lingerMs: 5 }, "lingerMs", 0, 0)); // 5
 * ```
 */
export function integerSetting(
  config: object,
  key: string,
  fallback: number,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  const value = (config as Record<string, unknown>)[key];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(key, `must be an integer from ${min} to ${max}, not ${describeValue(value)}`);
  }
  return value;
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
 * console.log(config.bootstrap.length, config.requestTimeoutMs); // 2 30000
 * ```
 */
export function resolveClientConfig(config: ClientConfig, otherKeys: readonly string[] = []): ResolvedClientConfig {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new ConfigError("bootstrapServers", `a configuration object is required, not ${describeValue(config)}`);
  }
  // First, so a misspelt key is named for what it is, not as the required key it failed to set.
  rejectUnknownKeys(config, otherKeys.length === 0 ? CLIENT_CONFIG_KEYS : [...CLIENT_CONFIG_KEYS, ...otherKeys]);
  const servers = config.bootstrapServers;
  if (typeof servers !== "string" && !(Array.isArray(servers) && servers.every((s) => typeof s === "string"))) {
    throw new ConfigError(
      "bootstrapServers",
      `must be "host:port", a comma-separated list or an array of them, not ${describeValue(servers)}`,
    );
  }
  const list = typeof servers === "string" ? servers.split(",") : servers.flatMap((s) => s.split(","));
  const entries = list.map((s) => s.trim()).filter((s) => s.length > 0);
  if (entries.length === 0) throw new ConfigError("bootstrapServers", "at least one host:port is required");
  const bootstrap = entries.map((entry) => parseAddress(entry, "bootstrapServers"));

  const clientId = config.clientId ?? `edge-kafka-${++clientCounter}`;
  if (typeof clientId !== "string") throw new ConfigError("clientId", `must be a string, not ${describeValue(clientId)}`);

  const reconnectBackoffMs = integerSetting(config, "reconnectBackoffMs", 50, 0);
  const socketConnectionSetupTimeoutMs = integerSetting(config, "socketConnectionSetupTimeoutMs", 10_000, 1);
  const retryBackoffMs = integerSetting(config, "retryBackoffMs", 100, 0);
  const transport = config.transport;
  if (
    transport !== undefined && transport !== "deno" && transport !== "bun" && transport !== "node" && transport !== "workerd" &&
    (typeof transport !== "object" || typeof transport.connect !== "function")
  ) {
    throw new ConfigError(
      "transport",
      `must be "deno", "bun", "node", "workerd" or an object with connect(), not ${describeValue(transport)}`,
    );
  }
  const logger = config.logger ?? silentLogger;
  for (const level of ["debug", "info", "warn", "error"] as const) {
    if (typeof logger !== "object" || typeof logger[level] !== "function") {
      throw new ConfigError("logger", `must have debug, info, warn and error methods; ${level} is missing from ${describeValue(logger)}`);
    }
  }
  return {
    bootstrap,
    clientId,
    requestTimeoutMs: integerSetting(config, "requestTimeoutMs", 30_000, 1, 2_147_483_647),
    reconnectBackoffMs,
    reconnectBackoffMaxMs: Math.max(reconnectBackoffMs, integerSetting(config, "reconnectBackoffMaxMs", 1000, 0)),
    socketConnectionSetupTimeoutMs,
    socketConnectionSetupTimeoutMaxMs: Math.max(
      socketConnectionSetupTimeoutMs,
      integerSetting(config, "socketConnectionSetupTimeoutMaxMs", 30_000, 1),
    ),
    maxInFlightRequestsPerConnection: integerSetting(config, "maxInFlightRequestsPerConnection", 5, 1),
    metadataMaxAgeMs: integerSetting(config, "metadataMaxAgeMs", 300_000, 0),
    connectionsMaxIdleMs: integerSetting(config, "connectionsMaxIdleMs", 540_000, 0),
    retryBackoffMs,
    retryBackoffMaxMs: Math.max(retryBackoffMs, integerSetting(config, "retryBackoffMaxMs", 1000, 0)),
    maxResponseSize: integerSetting(config, "maxResponseSize", 100 * 1024 * 1024, 64, 2_147_483_647),
    transport,
    tls: resolveTls(config.ssl),
    sasl: resolveSasl(config.sasl),
    logger,
    clientSoftwareName: CLIENT_SOFTWARE.name,
    clientSoftwareVersion: CLIENT_SOFTWARE.version,
  };
}
