/**
 * A request on its way through the NetworkClient, and the response (or failure) it
 * ends in, as the Java client's `ClientRequest` and `ClientResponse`.
 *
 * @module
 */
import type { KafkaError } from "../errors.ts";
import type { ApiCodec } from "../protocol/api.ts";

/** What a caller asks the NetworkClient to send. */
export interface RequestSpec<Req, Res> {
  /** The node to send to. */
  destination: number;
  /** The API's codec. */
  api: ApiCodec<Req, Res>;
  /** The request body. */
  body: Req;
  /** False for requests the broker does not answer (produce with acks=0). Default true. */
  expectResponse?: boolean;
  /** Overrides the client's `requestTimeoutMs` for this request. */
  requestTimeoutMs?: number;
  /** Pins the API version instead of the highest both sides support. */
  version?: number;
  /** Caps the negotiated version (e.g. Produce v11 for transaction protocol v1). */
  maxVersion?: number;
  /** Called once with the outcome. */
  callback?(response: ClientResponse<Res>): void;
}

/**
 * A request the NetworkClient has accepted.
 *
 * @example
 * ```ts
 * import type { ClientRequest } from "./client_request.ts";
 * function describe(request: ClientRequest): string {
 *   return `${request.api.name} v${request.version} #${request.correlationId} to node ${request.destination}`;
 * }
 * ```
 */
export interface ClientRequest<Req = unknown, Res = unknown> {
  readonly destination: number;
  readonly api: ApiCodec<Req, Res>;
  readonly body: Req;
  readonly expectResponse: boolean;
  readonly requestTimeoutMs: number;
  /** Called once with the outcome (method syntax keeps requests of any API storable together). */
  callback?(response: ClientResponse<Res>): void;
  /** When the request was accepted. */
  readonly createdMs: number;
  /** The version it is (or will be) sent with; -1 until negotiated. */
  version: number;
  /** Its correlation id; -1 until sent. */
  correlationId: number;
  /** When it was handed to the selector. */
  sendTimeMs: number;
  /** Whether all its bytes went to the socket. */
  sendCompleted: boolean;
}

/**
 * The outcome of a request: a decoded body, or an error saying why there is none.
 *
 * @example
 * ```ts
 * import type { ClientResponse } from "./client_request.ts";
 * function check<T>(response: ClientResponse<T>): T {
 *   if (response.error) throw response.error;
 *   return response.body!;
 * }
 * ```
 */
export interface ClientResponse<Res = unknown> {
  readonly request: ClientRequest<unknown, Res>;
  /** When the outcome was known. */
  readonly receivedMs: number;
  /** The decoded response; undefined on error or when no response was expected. */
  readonly body: Res | undefined;
  /** Why the request failed: disconnection, timeout, corrupt response, unsupported version. */
  readonly error: KafkaError | undefined;
  /** Whether the failure was the connection going away. */
  readonly disconnected: boolean;
}
