/**
 * Typed errors. Every failure that reaches a caller is one of these, so code can
 * branch on `instanceof` or on `retriable` instead of parsing messages.
 *
 * @module
 */

/**
 * The base of every error this library raises.
 *
 * @example Branch on retriability
 * ```ts
 * import { KafkaError } from "./errors.ts";
 * const err: unknown = new KafkaError("boom", { retriable: true });
 * if (err instanceof KafkaError && err.retriable) console.log("try again");
 * ```
 */
export class KafkaError extends Error {
  /** Whether repeating the same operation may succeed. */
  readonly retriable: boolean;

  /**
   * Creates an error that is not retriable unless `options.retriable` says so.
   *
   * @param message What went wrong.
   * @param options `retriable` (default false) and an optional `cause`.
   */
  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/**
 * Invalid configuration; the message names the offending key.
 *
 * @example
 * ```ts
 * import { ConfigError } from "./errors.ts";
 * const err = new ConfigError("requestTimeoutMs", "must be a positive integer");
 * console.log(err.key); // "requestTimeoutMs"
 * ```
 */
export class ConfigError extends KafkaError {
  /** The configuration key that is wrong. */
  readonly key: string;

  /**
   * Creates the error for one configuration key; the message starts with the key.
   *
   * @param key The configuration key that is wrong.
   * @param problem What is wrong with it.
   * @param message The whole message instead, where `Invalid configuration <key>: <problem>`
   *   reads badly (`unknown config key "lingerMS" (did you mean "lingerMs"?)`).
   */
  constructor(key: string, problem: string, message?: string) {
    super(message ?? `Invalid configuration ${key}: ${problem}`);
    this.key = key;
  }
}

/**
 * A connection to a broker failed or was closed; requests in flight on it fail with this.
 *
 * @example
 * ```ts
 * import { NetworkError } from "./errors.ts";
 * const err = new NetworkError("connection to node 1 (127.0.0.1:9092) closed");
 * console.log(err.retriable); // true
 * ```
 */
export class NetworkError extends KafkaError {
  /**
   * Creates a retriable network error.
   *
   * @param message What happened to the connection.
   * @param cause The transport's own error, if any.
   */
  constructor(message: string, cause?: unknown) {
    super(message, { retriable: true, cause });
  }
}

/**
 * A request got no response within `requestTimeoutMs`, or a connection could not be
 * set up within `socketConnectionSetupTimeoutMs`.
 *
 * @example
 * ```ts
 * import { TimeoutError } from "./errors.ts";
 * console.log(new TimeoutError("request timed out").retriable); // true
 * ```
 */
export class TimeoutError extends KafkaError {
  /**
   * Creates a retriable timeout error.
   *
   * @param message What timed out, and after how long.
   * @param cause What the last attempt met (a refused connection, a broker's error), if known.
   */
  constructor(message: string, cause?: unknown) {
    super(message, { retriable: true, cause });
  }
}

/**
 * A broker sent bytes that are not a valid response: a frame over the size limit, a
 * negative size, a correlation id that matches no request, or a body that does not
 * decode. The connection it came from is closed.
 *
 * @example
 * ```ts
 * import { CorruptResponseError } from "./errors.ts";
 * console.log(new CorruptResponseError("frame of 2147483647 bytes").retriable); // true
 * ```
 */
export class CorruptResponseError extends KafkaError {
  /**
   * The first bytes the peer sent, printable (others as `\xNN`), when they were not a
   * Kafka frame at all: they tell what answered instead (`HTTP/1.1 400 Bad Request`).
   */
  readonly received: string | undefined;

  /**
   * Creates a retriable error for a response that does not decode.
   *
   * @param message What was wrong with the bytes.
   * @param cause The decoder's own error, if any.
   * @param received The first bytes received, printable, when they are worth showing.
   */
  constructor(message: string, cause?: unknown, received?: string) {
    super(message, { retriable: true, cause });
    this.received = received;
  }
}

/**
 * The broker supports no version of an API that this client can speak.
 *
 * @example
 * ```ts
 * import { UnsupportedVersionError } from "./errors.ts";
 * console.log(new UnsupportedVersionError("Produce").message);
 * ```
 */
export class UnsupportedVersionError extends KafkaError {
  /**
   * Creates the error for an API with no version in common with the broker.
   *
   * @param apiName The API that has no common version.
   * @param detail The versions each side supports, when known.
   */
  constructor(apiName: string, detail = "") {
    super(`The broker supports no version of ${apiName} that this client speaks${detail ? `: ${detail}` : ""}`);
  }
}

/**
 * The client was closed while the operation was pending.
 *
 * @example
 * ```ts
 * import { ClosedError } from "./errors.ts";
 * console.log(new ClosedError("network client closed").retriable); // false
 * ```
 */
export class ClosedError extends KafkaError {
  /**
   * Creates the error for an operation cut short by `close()`.
   *
   * @param message What was closed.
   */
  constructor(message: string) {
    super(message);
  }
}

/**
 * A record is larger than `maxRequestSize` or `bufferMemory` allows; only that send fails.
 *
 * @example
 * ```ts
 * import { RecordTooLargeError } from "./errors.ts";
 * console.log(new RecordTooLargeError("2000000 bytes is larger than maxRequestSize 1048576").retriable); // false
 * ```
 */
export class RecordTooLargeError extends KafkaError {
  /**
   * Creates the error for one record over a size limit.
   *
   * @param message How large the record is and which limit it passes.
   */
  constructor(message: string) {
    super(message);
  }
}

/**
 * A record given to `send()` is not valid (its topic, partition, timestamp or headers),
 * or its key or value could not be turned into bytes; the message names the field and
 * what was given.
 *
 * @example
 * ```ts
 * import { SerializationError } from "./errors.ts";
 * console.log(new SerializationError("record.value must be a string, Uint8Array or null, not number (3)").retriable); // false
 * ```
 */
export class SerializationError extends KafkaError {
  /**
   * Creates the error for a key or value that could not be serialized.
   *
   * @param message What could not be serialized.
   * @param cause The serializer's own error, if any.
   */
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

/**
 * Another producer with the same `transactionalId` took over (or the coordinator no
 * longer accepts this producer's epoch). Fatal: close this producer.
 *
 * @example
 * ```ts
 * import { ProducerFencedError } from "./errors.ts";
 * console.log(new ProducerFencedError("fenced by a newer producer").fatal); // true
 * ```
 */
export class ProducerFencedError extends KafkaError {
  /** Always true: the producer cannot go on. */
  readonly fatal = true;
  /**
   * Creates the fatal error for a fenced producer.
   *
   * @param message Who fenced whom.
   * @param cause The broker's error, if any.
   */
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

/**
 * A transactional call was made in a state that does not allow it; the message names
 * the state (for example `send()` before `initTransactions()`).
 *
 * @example
 * ```ts
 * import { TransactionStateError } from "./errors.ts";
 * console.log(new TransactionStateError("READY", "commitTransaction").message);
 * ```
 */
export class TransactionStateError extends KafkaError {
  /** The state the transaction manager was in. */
  readonly state: string;
  /**
   * Creates the error naming the state and the call it refused.
   *
   * @param state The current state.
   * @param action What was attempted.
   * @param detail Why it is not allowed, when more is to be said.
   */
  constructor(state: string, action: string, detail = "") {
    super(`Cannot ${action} in transaction state ${state}${detail ? `: ${detail}` : ""}`);
    this.state = state;
  }
}

/**
 * A record's transaction was aborted before the record was sent, or the transaction hit
 * an error that requires `abortTransaction()` (the cause says which).
 *
 * @example
 * ```ts
 * import { TransactionAbortedError } from "./errors.ts";
 * console.log(new TransactionAbortedError("aborted by the application").retriable); // false
 * ```
 */
export class TransactionAbortedError extends KafkaError {
  /**
   * Creates the error for a record or call in a transaction that must abort.
   *
   * @param message Why the transaction cannot commit.
   * @param cause The error that made it abortable, if any.
   */
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

/**
 * SASL authentication failed: the broker rejected the credentials or the mechanism,
 * or the broker could not prove it knows the password (a bad SCRAM server signature).
 * Not retriable: the same credentials will fail again.
 *
 * @example
 * ```ts
 * import { AuthenticationError } from "./errors.ts";
 * console.log(new AuthenticationError("SCRAM server signature does not match").retriable); // false
 * ```
 */
export class AuthenticationError extends KafkaError {
  /**
   * Creates a non-retriable authentication error.
   *
   * @param message What failed; never contains the password or token.
   * @param cause The underlying error, if any.
   */
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

/**
 * The TLS handshake failed: the broker's certificate did not verify (unknown issuer,
 * expired, wrong host name), or the broker refused ours. As in the Java client, this
 * is an authentication failure: retrying with the same settings fails again.
 *
 * @example
 * ```ts
 * import { AuthenticationError, SslAuthenticationError } from "./errors.ts";
 * const err = new SslAuthenticationError("TLS handshake with 127.0.0.1:9093 failed: unknown issuer");
 * console.log(err instanceof AuthenticationError, err.retriable); // true false
 * ```
 */
export class SslAuthenticationError extends AuthenticationError {
  /**
   * Creates the error for a failed TLS handshake.
   *
   * @param message What failed, naming the broker address.
   * @param cause The runtime's TLS error.
   */
  constructor(message: string, cause?: unknown) {
    super(message, cause);
  }
}
