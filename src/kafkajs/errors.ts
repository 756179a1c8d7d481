/**
 * KafkaJS's error classes, under the names and with the fields its users catch and read
 * (`name`, `retriable`, `cause`; `type` and `code` of protocol errors; `retryCount` of
 * exhausted retries). Messages are this client's: they say what failed and where.
 *
 * @module
 */

/** The optional details of a {@link KafkaJSError}. */
export interface KafkaJSErrorOptions {
  /** Whether repeating the call may succeed (default true, as in KafkaJS). */
  retriable?: boolean;
  /** The error behind this one. */
  cause?: unknown;
}

function messageOf(e: Error | string): string {
  return typeof e === "string" ? e : e.message;
}

/**
 * The base of every error this module throws on purpose.
 *
 * @example
 * ```ts
 * import { KafkaJSError } from "./errors.ts";
 * const error = new KafkaJSError("The producer is disconnected");
 * console.log(error.name, error.retriable); // KafkaJSError true
 * ```
 */
export class KafkaJSError extends Error {
  /** Whether repeating the call may succeed. */
  readonly retriable: boolean;
  /** Where KafkaJS's documentation says more, when it does. */
  readonly helpUrl?: string;

  /**
   * Creates the error.
   *
   * @param e A message, or an error whose message is taken.
   * @param options `retriable` (default true) and `cause`.
   */
  constructor(e: Error | string, options: KafkaJSErrorOptions = {}) {
    super(messageOf(e), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KafkaJSError";
    this.retriable = options.retriable ?? true;
  }
}

/**
 * An error that repeating the call will not mend: bad arguments, a state that forbids it.
 *
 * @example
 * ```ts
 * import { KafkaJSNonRetriableError } from "./errors.ts";
 * console.log(new KafkaJSNonRetriableError("Invalid topic").retriable); // false
 * ```
 */
export class KafkaJSNonRetriableError extends KafkaJSError {
  /**
   * Creates the error.
   *
   * @param e A message, or an error whose message is taken.
   * @param options `cause`.
   */
  constructor(e: Error | string, options: { cause?: unknown } = {}) {
    super(e, { retriable: false, cause: options.cause });
    this.name = "KafkaJSNonRetriableError";
  }
}

/** What a broker's error code is, for {@link KafkaJSProtocolError}. */
export interface ProtocolErrorDetails {
  /** The error's name, as `UNKNOWN_TOPIC_OR_PARTITION`. */
  type: string;
  /** The numeric error code. */
  code: number;
  /** Whether a retry may succeed. */
  retriable: boolean;
}

/**
 * A broker's error code, as `type` (its name) and `code`.
 *
 * @example
 * ```ts
 * import { KafkaJSProtocolError } from "./errors.ts";
 * const error = new KafkaJSProtocolError("too large", { type: "MESSAGE_TOO_LARGE", code: 10, retriable: false });
 * console.log(error.type, error.code, error.retriable); // MESSAGE_TOO_LARGE 10 false
 * ```
 */
export class KafkaJSProtocolError extends KafkaJSError {
  /** The error's name, as `UNKNOWN_TOPIC_OR_PARTITION`. */
  readonly type: string;
  /** The numeric error code. */
  readonly code: number;

  /**
   * Creates the error.
   *
   * @param e A message, or an error whose message is taken.
   * @param details The code, its name and whether it is retriable.
   * @param cause The error behind this one.
   */
  constructor(e: Error | string, details: ProtocolErrorDetails, cause?: unknown) {
    super(e, { retriable: details.retriable, cause });
    this.name = "KafkaJSProtocolError";
    this.type = details.type;
    this.code = details.code;
  }
}

/**
 * The call was retried as often as `retry` allows; `cause` is what the last attempt met.
 *
 * @example
 * ```ts
 * import { KafkaJSError, KafkaJSNumberOfRetriesExceeded } from "./errors.ts";
 * const error = new KafkaJSNumberOfRetriesExceeded(new KafkaJSError("Connection error"), { retryCount: 5, retryTime: 4800 });
 * console.log(error.name, error.retriable, error.retryCount); // KafkaJSNumberOfRetriesExceeded false 5
 * ```
 */
export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  /** How many retries were made. */
  readonly retryCount: number;
  /** The wait before the last retry, in ms. */
  readonly retryTime: number;

  /**
   * Creates the error.
   *
   * @param e The last attempt's error (also the cause).
   * @param details How many retries, and the last wait.
   */
  constructor(e: Error, details: { retryCount: number; retryTime: number }) {
    super(e, { cause: e });
    this.name = "KafkaJSNumberOfRetriesExceeded";
    this.retryCount = details.retryCount;
    this.retryTime = details.retryTime;
  }
}

/**
 * A connection could not be made or was lost.
 *
 * @example
 * ```ts
 * import { KafkaJSConnectionError } from "./errors.ts";
 * console.log(new KafkaJSConnectionError("refused", { broker: "127.0.0.1:9092" }).broker); // 127.0.0.1:9092
 * ```
 */
export class KafkaJSConnectionError extends KafkaJSError {
  /** `host:port` of the broker, when known. */
  readonly broker?: string;
  /** The system's error code (`ECONNREFUSED`, ...), when known. */
  readonly code?: string;

  /**
   * Creates the error.
   *
   * @param e A message, or an error whose message is taken.
   * @param details The broker and code, and the error behind this one.
   */
  constructor(e: Error | string, details: { broker?: string; code?: string; cause?: unknown } = {}) {
    super(e, { cause: details.cause });
    this.name = "KafkaJSConnectionError";
    this.broker = details.broker;
    this.code = details.code;
  }
}

/**
 * A connection closed while requests were on it.
 *
 * @example
 * ```ts
 * import { KafkaJSConnectionClosedError } from "./errors.ts";
 * console.log(new KafkaJSConnectionClosedError("Closed connection", { host: "b1", port: 9092 }).broker); // b1:9092
 * ```
 */
export class KafkaJSConnectionClosedError extends KafkaJSConnectionError {
  /** The broker's host. */
  readonly host?: string;
  /** The broker's port. */
  readonly port?: number;

  /**
   * Creates the error.
   *
   * @param e A message, or an error whose message is taken.
   * @param details The broker's host and port.
   */
  constructor(e: Error | string, details: { host?: string; port?: number } = {}) {
    super(e, { broker: `${details.host}:${details.port}` });
    this.name = "KafkaJSConnectionClosedError";
    this.host = details.host;
    this.port = details.port;
  }
}

/** Details of a request that timed out. */
export interface RequestTimeoutDetails {
  /** `host:port` of the broker. */
  broker?: string;
  /** The request's correlation id. */
  correlationId?: number;
  /** When the request was made (ms since the epoch). */
  createdAt?: number;
  /** When it was written to the connection. */
  sentAt?: number;
  /** How long it waited before it was written, in ms. */
  pendingDuration?: number;
  /** The error behind this one. */
  cause?: unknown;
}

/**
 * A request got no response within `requestTimeout`.
 *
 * @example
 * ```ts
 * import { KafkaJSRequestTimeoutError } from "./errors.ts";
 * console.log(new KafkaJSRequestTimeoutError("Request Produce(key: 0, version: 9) timed out", { broker: "b1:9092" }).name);
 * ```
 */
export class KafkaJSRequestTimeoutError extends KafkaJSError {
  /** `host:port` of the broker. */
  readonly broker?: string;
  /** The request's correlation id. */
  readonly correlationId?: number;
  /** When the request was made. */
  readonly createdAt?: number;
  /** When it was written. */
  readonly sentAt?: number;
  /** How long it waited before it was written. */
  readonly pendingDuration?: number;

  /**
   * Creates the error.
   *
   * @param e A message, or an error whose message is taken.
   * @param details Where and when.
   */
  constructor(e: Error | string, details: RequestTimeoutDetails = {}) {
    super(e, { cause: details.cause });
    this.name = "KafkaJSRequestTimeoutError";
    this.broker = details.broker;
    this.correlationId = details.correlationId;
    this.createdAt = details.createdAt;
    this.sentAt = details.sentAt;
    this.pendingDuration = details.pendingDuration;
  }
}

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
    super(messageOf(message));
    this.name = "KafkaJSAggregateError";
    this.errors = errors;
  }
}

/**
 * Whether `e` is one of this module's errors.
 *
 * @example
 * ```ts
 * import { isKafkaJSError, KafkaJSError } from "./errors.ts";
 * console.log(isKafkaJSError(new KafkaJSError("x")), isKafkaJSError(new Error("x"))); // true false
 * ```
 */
export function isKafkaJSError(e: unknown): e is KafkaJSError {
  return e instanceof KafkaJSError;
}
