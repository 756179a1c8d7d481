/**
 * The native client's errors as the KafkaJS errors a KafkaJS user catches for the same
 * fault. The native producer retries inside (per batch, within its delivery timeout), so
 * an error that reaches the caller after retries is what KafkaJS reports once its
 * retries are spent: `KafkaJSNumberOfRetriesExceeded`, caused by the last attempt's error
 * (a `KafkaJSProtocolError` for a broker's code, a `KafkaJSConnectionError` for a broker
 * out of reach, a `KafkaJSRequestTimeoutError` for a request without answer). Errors no
 * retry mends come as themselves: `KafkaJSProtocolError` (MESSAGE_TOO_LARGE, ...),
 * `KafkaJSSASLAuthenticationError`, `KafkaJSNonRetriableError` (bad arguments, wrong state).
 * The native error stays reachable as the `cause`, and its message (which names what
 * failed and where) is kept. `retryCount` and `retryTime` are -1: the native producer
 * retries per batch and does not count per call.
 *
 * @module
 */
import {
  AuthenticationError,
  CorruptResponseError,
  KafkaError,
  NetworkError,
  ProducerFencedError,
  RecordTooLargeError,
  SslAuthenticationError,
  TimeoutError,
  UnsupportedVersionError,
} from "../errors.ts";
import { ErrorCode, KafkaProtocolError } from "../protocol/error_codes.ts";
import {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from "./errors.ts";
import { KafkaJSAggregateError, KafkaJSSASLAuthenticationError, KafkaJSServerDoesNotSupportApiKey } from "./errors_named.ts";

const RETRIES_NOT_COUNTED = { retryCount: -1, retryTime: -1 };
const MESSAGE_TOO_LARGE = { type: "MESSAGE_TOO_LARGE", code: ErrorCode.MESSAGE_TOO_LARGE, retriable: false };

/**
 * A broker's error code as KafkaJS's protocol error, with the native message.
 *
 * @example
 * ```ts
 * import { protocolError } from "./error_mapping.ts";
 * import { errorForCode } from "../protocol/error_codes.ts";
 * console.log(protocolError(errorForCode(3, "orders")).type); // UNKNOWN_TOPIC_OR_PARTITION
 * ```
 */
export function protocolError(error: KafkaProtocolError, message: string = error.message): KafkaJSProtocolError {
  return new KafkaJSProtocolError(message, { type: error.errorName, code: error.code, retriable: error.retriable }, error);
}

/** The last attempt's error, as KafkaJS would have met it, for a native error that ended retries. */
function lastAttempt(cause: unknown, outer: KafkaError): KafkaJSError {
  const inner = cause instanceof AggregateError && cause.errors.length > 0 ? cause.errors[0] : cause;
  if (inner instanceof KafkaProtocolError) return protocolError(inner);
  if (inner instanceof SslAuthenticationError) return new KafkaJSConnectionError(inner.message, { cause: inner });
  if (inner instanceof AuthenticationError) return new KafkaJSSASLAuthenticationError(inner.message, { cause: inner });
  if (inner instanceof NetworkError || inner instanceof CorruptResponseError) {
    return new KafkaJSConnectionError(inner.message, { cause: inner });
  }
  if (inner instanceof TimeoutError) return new KafkaJSRequestTimeoutError(inner.message, { cause: inner });
  return new KafkaJSRequestTimeoutError(outer.message, { cause: outer });
}

/**
 * The KafkaJS error for a native one; anything else (a partitioner's own TypeError, an
 * error already KafkaJS's) is returned as it is.
 *
 * @example
 * ```ts
 * import { toKafkaJSError } from "./error_mapping.ts";
 * import { RecordTooLargeError } from "../errors.ts";
 * const error = toKafkaJSError(new RecordTooLargeError("The message is 2000070 bytes")) as Error;
 * console.log(error.name); // KafkaJSProtocolError
 * ```
 */
export function toKafkaJSError(error: unknown): unknown {
  if (error instanceof KafkaJSError || error instanceof KafkaJSAggregateError || !(error instanceof KafkaError)) return error;
  if (error instanceof SslAuthenticationError) {
    return new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError(error.message, { cause: error }), RETRIES_NOT_COUNTED);
  }
  if (error instanceof AuthenticationError) return new KafkaJSSASLAuthenticationError(error.message, { cause: error });
  if (error instanceof RecordTooLargeError) return new KafkaJSProtocolError(error.message, MESSAGE_TOO_LARGE, error);
  if (error instanceof KafkaProtocolError) {
    const protocol = protocolError(error);
    return error.retriable ? new KafkaJSNumberOfRetriesExceeded(protocol, RETRIES_NOT_COUNTED) : protocol;
  }
  if (error instanceof ProducerFencedError && error.cause instanceof KafkaProtocolError) return protocolError(error.cause, error.message);
  if (error instanceof UnsupportedVersionError) return new KafkaJSServerDoesNotSupportApiKey(error.message, { cause: error });
  if (error instanceof TimeoutError || error instanceof NetworkError) {
    const last = lastAttempt(error instanceof TimeoutError ? error.cause : error, error);
    // The outer message is the native one: it says what waited, how long, and what the attempts met.
    const exceeded = new KafkaJSNumberOfRetriesExceeded(last, RETRIES_NOT_COUNTED);
    exceeded.message = error.message;
    return exceeded;
  }
  return error.retriable
    ? new KafkaJSError(error.message, { cause: error })
    : new KafkaJSNonRetriableError(error.message, { cause: error });
}

/**
 * Runs `work` and rethrows what it throws as KafkaJS's error.
 *
 * @example
 * ```ts
 * import { kafkajsErrors } from "./error_mapping.ts";
 * await kafkajsErrors(async () => 1); // 1
 * ```
 */
export async function kafkajsErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toKafkaJSError(error);
  }
}
