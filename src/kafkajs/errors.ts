/**
 * KafkaJS's base error classes and those of the protocol and the network, under the names
 * and with the fields its users catch and read (`name`, `retriable`, `cause`; `type` and
 * `code` of protocol errors; `retryCount` of exhausted retries); the others are in
 * `errors_named.ts`. Messages are this client's: they say what failed and where.
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
