/**
 * What a `Kafka` gives the producers and admin clients it makes: its settings, its root
 * logger, the brokers (resolved at each connect, for a function), and the check that
 * `connect()` runs.
 *
 * @module
 */
import { Admin } from "../admin/admin.ts";
import { describeValue } from "../validation.ts";
import { nativeClientConfig, resolveRetry, retryBudgetMs } from "./config.ts";
import { KafkaJSNonRetriableError } from "./errors.ts";
import { kafkajsErrors } from "./error_mapping.ts";
import type { Logger } from "./logger.ts";
import type { KafkaConfig } from "./types.ts";

/**
 * The shared parts of one `Kafka`.
 *
 * @example
 * ```ts
 * import { ClientContext } from "./client_context.ts";
 * import { consoleLogCreator, createLogger, logLevel } from "./logger.ts";
 * const context = new ClientContext({ brokers: ["127.0.0.1:9092"] }, createLogger(logLevel.INFO, consoleLogCreator));
 * console.log(await context.resolveBrokers()); // ["127.0.0.1:9092"]
 * ```
 */
export class ClientContext {
  /** The Kafka's settings, checked. */
  readonly config: KafkaConfig;
  /** The root logger. */
  readonly logger: Logger;

  /**
   * @param config The checked settings.
   * @param logger The root logger.
   */
  constructor(config: KafkaConfig, logger: Logger) {
    this.config = config;
    this.logger = logger;
  }

  /** The brokers: the array, or what the function returns now. */
  async resolveBrokers(): Promise<string[]> {
    const given = this.config.brokers;
    const brokers = typeof given === "function" ? await given() : given;
    if (!Array.isArray(brokers) || brokers.length === 0 || !brokers.every((b) => typeof b === "string" && b.length > 0)) {
      throw new KafkaJSNonRetriableError(`brokers must give a non-empty array of "host:port", not ${describeValue(brokers)}`);
    }
    return [...brokers];
  }

  /**
   * Reads the cluster's metadata from the brokers, as KafkaJS's `connect()` does: a broker
   * out of reach fails after `connectionTimeout` plus the waits of the Kafka's `retry`
   * (KafkaJSNumberOfRetriesExceeded, caused by a KafkaJSConnectionError), refused
   * credentials at once (KafkaJSSASLAuthenticationError).
   */
  async checkCluster(brokers: readonly string[], admin?: Admin): Promise<void> {
    const retry = resolveRetry(this.config.retry, "new Kafka(config)");
    const timeoutMs = (this.config.connectionTimeout ?? 1000) + retryBudgetMs(retry, retry.retries);
    await kafkajsErrors(async () => {
      const client = admin ?? new Admin(nativeClientConfig(this.config, brokers));
      try {
        await client.describeCluster({ timeoutMs });
      } finally {
        if (admin === undefined) await client.close();
      }
    });
  }
}
