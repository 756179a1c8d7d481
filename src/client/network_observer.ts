/**
 * The hook through which the NetworkClient tells an onlooker about each request on the
 * wire (KafkaJS's instrumentation events: request, request_timeout, request_queue_size).
 *
 * @module
 */
import type { ClientRequest } from "./client_request.ts";

/**
 * What the NetworkClient reports, when someone observes it.
 *
 * @example
 * ```ts
 * import type { NetworkObserver } from "./network_observer.ts";
 * const observer: NetworkObserver = {
 *   requestAnswered: (request, bytes, now, address) => console.log(`${request.api.name} ${address} ${bytes} B in ${now - request.sendTimeMs} ms`),
 *   requestTimedOut: (request, now, address) => console.log(`${request.api.name} to ${address} timed out`),
 *   inFlightChanged: (nodeId, count, address) => console.log(`node ${nodeId} (${address}): ${count} in flight`),
 * };
 * ```
 */
export interface NetworkObserver {
  /** A request was answered (`bytes`: the response frame's size), or written when no answer comes (acks=0, 0 bytes). */
  requestAnswered(request: ClientRequest, bytes: number, now: number, address: string | undefined): void;
  /** A request got no answer within its timeout; its connection closes next. */
  requestTimedOut(request: ClientRequest, now: number, address: string | undefined): void;
  /** The number of unanswered requests to a node changed. */
  inFlightChanged(nodeId: number, count: number, address: string | undefined): void;
}
