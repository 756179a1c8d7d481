/**
 * The error a Schema Registry call fails with: the registry's own `error_code` and
 * message when it answered, or what the connection met, always with the URL.
 *
 * @module
 */
import { KafkaError } from "../errors.ts";

/**
 * A Schema Registry request failed. `status` and `errorCode` are the registry's
 * (`409`/`409` for an incompatible schema, `404`/`40401` for an unknown subject), or
 * undefined when no answer came (connection refused, timeout).
 *
 * @example
 * ```ts
 * import { SchemaRegistryError } from "./errors.ts";
 * const error = new SchemaRegistryError("Subject 'orders-value' not found.", {
 *   url: "http://127.0.0.1:8081/subjects/orders-value/versions/latest",
 *   status: 404,
 *   errorCode: 40401,
 * });
 * if (error.errorCode === 40401) console.log("register the schema first");
 * ```
 */
export class SchemaRegistryError extends KafkaError {
  /** The URL of the request that failed. */
  readonly url: string;
  /** The HTTP status, when the registry answered. */
  readonly status: number | undefined;
  /** The registry's `error_code` (40401 subject not found, 40403 schema not found, 409 incompatible, ...). */
  readonly errorCode: number | undefined;
  /** The registry's own `message`, when it answered with one. */
  readonly registryMessage: string | undefined;

  /**
   * Creates the error; the message says what happened and names the URL.
   *
   * @param message What went wrong, with the URL.
   * @param details The URL, and the registry's status, error code and message if it answered.
   */
  constructor(
    message: string,
    details: { url: string; status?: number; errorCode?: number; registryMessage?: string; retriable?: boolean; cause?: unknown },
  ) {
    super(message, { retriable: details.retriable ?? false, cause: details.cause });
    this.url = details.url;
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.registryMessage = details.registryMessage;
  }
}
