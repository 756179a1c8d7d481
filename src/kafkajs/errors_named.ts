/**
 * KafkaJS's other error classes: metadata that is not there, a broker without an API,
 * topic creation refused, several errors at once, and those that only rename their parent
 * (`KafkaJSSASLAuthenticationError`, `KafkaJSNotImplemented`, `KafkaJSTimeout`, ...), under
 * the names KafkaJS's users catch.
 *
 * @module
 */
import {
  KafkaJSError,
  type KafkaJSErrorOptions,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  type ProtocolErrorDetails,
} from "./errors.ts";

/**
 * The cluster's metadata was not there when needed.
 *
 * @example
 * ```ts
 * import { KafkaJSMetadataNotLoaded } from "./errors.ts";
 * console.log(new KafkaJSMetadataNotLoaded("Producing to topic without metadata").name);
 * ```
 */
export class KafkaJSMetadataNotLoaded extends KafkaJSError {
  /**
   * Creates the error.
   *
   * @param e A message, or an error whose message is taken.
   * @param options `retriable` and `cause`.
   */
  constructor(e: Error | string, options: KafkaJSErrorOptions = {}) {
    super(e, options);
    this.name = "KafkaJSMetadataNotLoaded";
  }
}

/**
 * A topic's metadata could not be loaded.
 *
 * @example
 * ```ts
 * import { KafkaJSTopicMetadataNotLoaded } from "./errors.ts";
 * console.log(new KafkaJSTopicMetadataNotLoaded("no metadata", { topic: "orders" }).topic); // orders
 * ```
 */
export class KafkaJSTopicMetadataNotLoaded extends KafkaJSMetadataNotLoaded {
  /** The topic. */
  readonly topic?: string;

  /**
   * Creates the error.
   *
   * @param e A message, or an error whose message is taken.
   * @param details The topic, and the error behind this one.
   */
  constructor(e: Error | string, details: { topic?: string; cause?: unknown } = {}) {
    super(e, { cause: details.cause });
    this.name = "KafkaJSTopicMetadataNotLoaded";
    this.topic = details.topic;
  }
}

/**
 * A message named a partition the topic's metadata does not have.
 *
 * @example
 * ```ts
 * import { KafkaJSStaleTopicMetadataAssignment } from "./errors.ts";
 * const error = new KafkaJSStaleTopicMetadataAssignment("partition 9 is unknown", { topic: "orders", unknownPartitions: [9] });
 * console.log(error.unknownPartitions); // [9]
 * ```
 */
export class KafkaJSStaleTopicMetadataAssignment extends KafkaJSError {
  /** The topic. */
  readonly topic?: string;
  /** The partitions it does not have. */
  readonly unknownPartitions?: number[];

  /**
   * Creates the error.
   *
   * @param e A message, or an error whose message is taken.
   * @param details The topic and the unknown partitions.
   */
  constructor(e: Error | string, details: { topic?: string; unknownPartitions?: number[] } = {}) {
    super(e);
    this.name = "KafkaJSStaleTopicMetadataAssignment";
    this.topic = details.topic;
    this.unknownPartitions = details.unknownPartitions;
  }
}

/**
 * The broker speaks no version of an API this client needs.
 *
 * @example
 * ```ts
 * import { KafkaJSServerDoesNotSupportApiKey } from "./errors.ts";
 * console.log(new KafkaJSServerDoesNotSupportApiKey("no Produce", { apiKey: 0, apiName: "Produce" }).apiName); // Produce
 * ```
 */
export class KafkaJSServerDoesNotSupportApiKey extends KafkaJSNonRetriableError {
  /** The API's key, when known. */
  readonly apiKey?: number;
  /** The API's name, when known. */
  readonly apiName?: string;

  /**
   * Creates the error.
   *
   * @param e A message, or an error whose message is taken.
   * @param details The API, and the error behind this one.
   */
  constructor(e: Error | string, details: { apiKey?: number; apiName?: string; cause?: unknown } = {}) {
    super(e, { cause: details.cause });
    this.name = "KafkaJSServerDoesNotSupportApiKey";
    this.apiKey = details.apiKey;
    this.apiName = details.apiName;
  }
}

/**
 * Defines a subclass that only renames its parent: KafkaJS has several.
 *
 * @param name The class's name, which is also each error's `name`.
 * @param parent The class it extends.
 */
// deno-lint-ignore no-explicit-any
function named<P extends new (...args: any[]) => KafkaJSError>(name: string, parent: P): P {
  const cls = class extends parent {
    // deno-lint-ignore no-explicit-any
    constructor(...args: any[]) {
      super(...args);
      this.name = name;
    }
  };
  Object.defineProperty(cls, "name", { value: name });
  return cls;
}

/**
 * The broker a request was meant for is not in the metadata.
 *
 * @example
 * ```ts
 * import { KafkaJSBrokerNotFound } from "./errors.ts";
 * console.log(new KafkaJSBrokerNotFound("Broker 3 not found").name); // KafkaJSBrokerNotFound
 * ```
 */
export const KafkaJSBrokerNotFound: typeof KafkaJSError = named("KafkaJSBrokerNotFound", KafkaJSError);
/** The type of KafkaJSBrokerNotFound errors (a KafkaJSError named `KafkaJSBrokerNotFound`). */
export type KafkaJSBrokerNotFound = KafkaJSError;

/**
 * A response arrived cut short.
 *
 * @example
 * ```ts
 * import { KafkaJSPartialMessageError } from "./errors.ts";
 * console.log(new KafkaJSPartialMessageError("truncated").retriable); // false
 * ```
 */
export const KafkaJSPartialMessageError: typeof KafkaJSNonRetriableError = named("KafkaJSPartialMessageError", KafkaJSNonRetriableError);
/** The type of KafkaJSPartialMessageError errors (a KafkaJSNonRetriableError named `KafkaJSPartialMessageError`). */
export type KafkaJSPartialMessageError = KafkaJSNonRetriableError;

/**
 * SASL authentication failed (wrong credentials, a mechanism the broker does not enable).
 *
 * @example
 * ```ts
 * import { KafkaJSSASLAuthenticationError } from "./errors.ts";
 * console.log(new KafkaJSSASLAuthenticationError("SASL PLAIN authentication failed").retriable); // false
 * ```
 */
export const KafkaJSSASLAuthenticationError: typeof KafkaJSNonRetriableError = named(
  "KafkaJSSASLAuthenticationError",
  KafkaJSNonRetriableError,
);
/** The type of KafkaJSSASLAuthenticationError errors (a KafkaJSNonRetriableError named `KafkaJSSASLAuthenticationError`). */
export type KafkaJSSASLAuthenticationError = KafkaJSNonRetriableError;

/**
 * What was asked is not something this package does (a consumer, an admin call beyond topics).
 *
 * @example
 * ```ts
 * import { KafkaJSNotImplemented } from "./errors.ts";
 * console.log(new KafkaJSNotImplemented("admin.listGroups() is not supported").name); // KafkaJSNotImplemented
 * ```
 */
export const KafkaJSNotImplemented: typeof KafkaJSNonRetriableError = named("KafkaJSNotImplemented", KafkaJSNonRetriableError);
/** The type of KafkaJSNotImplemented errors (a KafkaJSNonRetriableError named `KafkaJSNotImplemented`). */
export type KafkaJSNotImplemented = KafkaJSNonRetriableError;

/**
 * A call did not finish in time.
 *
 * @example
 * ```ts
 * import { KafkaJSTimeout } from "./errors.ts";
 * console.log(new KafkaJSTimeout("Timed out while waiting for topic leaders").name); // KafkaJSTimeout
 * ```
 */
export const KafkaJSTimeout: typeof KafkaJSNonRetriableError = named("KafkaJSTimeout", KafkaJSNonRetriableError);
/** The type of KafkaJSTimeout errors (a KafkaJSNonRetriableError named `KafkaJSTimeout`). */
export type KafkaJSTimeout = KafkaJSNonRetriableError;

/**
 * A lock was not released in time.
 *
 * @example
 * ```ts
 * import { KafkaJSLockTimeout } from "./errors.ts";
 * console.log(new KafkaJSLockTimeout("lock timeout").name); // KafkaJSLockTimeout
 * ```
 */
export const KafkaJSLockTimeout: typeof KafkaJSNonRetriableError = named("KafkaJSLockTimeout", KafkaJSTimeout);
/** The type of KafkaJSLockTimeout errors (a KafkaJSNonRetriableError named `KafkaJSLockTimeout`). */
export type KafkaJSLockTimeout = KafkaJSNonRetriableError;

/**
 * A bug: something that must not happen did.
 *
 * @example
 * ```ts
 * import { KafkaJSInvariantViolation } from "./errors.ts";
 * console.log(new KafkaJSInvariantViolation("Invariant violated").name); // KafkaJSInvariantViolation
 * ```
 */
export const KafkaJSInvariantViolation: typeof KafkaJSNonRetriableError = named("KafkaJSInvariantViolation", KafkaJSNonRetriableError);
/** The type of KafkaJSInvariantViolation errors (a KafkaJSNonRetriableError named `KafkaJSInvariantViolation`). */
export type KafkaJSInvariantViolation = KafkaJSNonRetriableError;

/**
 * No broker could be reached.
 *
 * @example
 * ```ts
 * import { KafkaJSNoBrokerAvailableError } from "./errors.ts";
 * console.log(new KafkaJSNoBrokerAvailableError("No broker available").name); // KafkaJSNoBrokerAvailableError
 * ```
 */
export const KafkaJSNoBrokerAvailableError: typeof KafkaJSError = named("KafkaJSNoBrokerAvailableError", KafkaJSError);
/** The type of KafkaJSNoBrokerAvailableError errors (a KafkaJSError named `KafkaJSNoBrokerAvailableError`). */
export type KafkaJSNoBrokerAvailableError = KafkaJSError;

/**
 * A topic could not be created; `topic` names it.
 *
 * @example
 * ```ts
 * import { KafkaJSCreateTopicError } from "./errors.ts";
 * const error = new KafkaJSCreateTopicError("Invalid replication factor", { type: "INVALID_REPLICATION_FACTOR", code: 38, retriable: false }, "orders");
 * console.log(error.topic); // orders
 * ```
 */
export class KafkaJSCreateTopicError extends KafkaJSProtocolError {
  /** The topic that was not created. */
  readonly topic: string;

  /**
   * Creates the error.
   *
   * @param e A message, or an error whose message is taken.
   * @param details The broker's error code.
   * @param topic The topic.
   * @param cause The error behind this one.
   */
  constructor(e: Error | string, details: ProtocolErrorDetails, topic: string, cause?: unknown) {
    super(e, details, cause);
    this.name = "KafkaJSCreateTopicError";
    this.topic = topic;
  }
}

/**
 * Several errors at once (createTopics refused for several topics); KafkaJS's, not a KafkaJSError.
 *
 * @example
 * ```ts
 * import { KafkaJSAggregateError, KafkaJSError } from "./errors.ts";
 * console.log(new KafkaJSAggregateError("Topic creation errors", [new KafkaJSError("a")]).errors.length); // 1
 * ```
 */
export class KafkaJSAggregateError extends Error {
  /** The errors. */
  readonly errors: (Error | string)[];

  /**
   * Creates the error.
   *
   * @param message What failed.
   * @param errors Each error.
   */
  constructor(message: Error | string, errors: (Error | string)[]) {
    super(typeof message === "string" ? message : message.message);
    this.name = "KafkaJSAggregateError";
    this.errors = errors;
  }
}
