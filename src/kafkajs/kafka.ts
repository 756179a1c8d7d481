/**
 * `new Kafka(config)`: the entry of KafkaJS's API. It makes producers and admin clients
 * that run on this client's core, on Deno, Bun, Node and Cloudflare Workers alike.
 *
 * @module
 */
import { toKafkaJSError } from "./error_mapping.ts";
import { KafkaJSNotImplemented } from "./errors_named.ts";
import { type Admin, type AdminConfig, createAdmin } from "./admin.ts";
import { ClientContext } from "./client_context.ts";
import { checkKafkaConfig, checkProducerConfig, rejectUnknown } from "./config.ts";
import { consoleLogCreator, createLogger, type Logger, logLevel } from "./logger.ts";
import { KafkaJSProducer, type Producer } from "./producer.ts";
import type { KafkaConfig, ProducerConfig } from "./types.ts";

/**
 * KafkaJS's `Kafka`: a configuration that makes producers and admin clients.
 *
 * @example Send, the way KafkaJS's documentation does
 * ```ts
 * import { Kafka } from "./kafka.ts";
 * const kafka = new Kafka({ clientId: "my-app", brokers: ["127.0.0.1:9092"] });
 * const producer = kafka.producer();
 * await producer.connect();
 * await producer.send({ topic: "test-topic", messages: [{ value: "Hello KafkaJS user!" }] });
 * await producer.disconnect();
 * ```
 */
export class Kafka {
  readonly #context: ClientContext;

  /** Checks the configuration; a mistake throws KafkaJSNonRetriableError naming the key. */
  constructor(config: KafkaConfig) {
    let checked: KafkaConfig;
    try {
      checked = checkKafkaConfig(config);
    } catch (error) {
      throw toKafkaJSError(error);
    }
    const logger = createLogger(checked.logLevel ?? logLevel.INFO, checked.logCreator ?? consoleLogCreator);
    this.#context = new ClientContext(checked, logger);
  }

  /** A producer; it connects with `connect()`. */
  producer(config?: ProducerConfig): Producer {
    try {
      return new KafkaJSProducer(this.#context, checkProducerConfig(config));
    } catch (error) {
      throw toKafkaJSError(error);
    }
  }

  /** An admin client for topics; it connects with `connect()`. */
  admin(config?: AdminConfig): Admin {
    if (config !== undefined) rejectUnknown(config, ["retry"], "kafka.admin(config)");
    return createAdmin(this.#context, config ?? {});
  }

  /** Not here: this package is a producer. Throws KafkaJSNotImplemented saying what to use instead. */
  consumer(_config?: unknown): never {
    throw new KafkaJSNotImplemented(
      "kafka.consumer() is not supported: @edge-kafka/producer is a producer. To consume, keep KafkaJS's consumer " +
        "(import { Kafka } from 'kafkajs') next to this producer, or use @confluentinc/kafka-javascript or @platformatic/kafka",
    );
  }

  /** The root logger. */
  logger(): Logger {
    return this.#context.logger;
  }
}
