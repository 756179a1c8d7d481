/**
 * The hook through which the NetworkClient reports traffic to a metrics collector.
 *
 * @module
 */

/**
 * What the NetworkClient tells a metrics collector (the producer's metrics implement it).
 *
 * @example
 * ```ts
 * import type { NetworkClientSensors } from "./network_client_sensors.ts";
 * let bytesOut = 0;
 * const sensors: NetworkClientSensors = {
 *   requestSent: (bytes) => bytesOut += bytes,
 *   responseReceived: () => {},
 *   connectionCreated: () => {},
 *   connectionClosed: () => {},
 * };
 * ```
 */
export interface NetworkClientSensors {
  /** A request frame of `bytes` (size prefix included) was queued on a connection. */
  requestSent(bytes: number, now: number): void;
  /** A response frame of `bytes` (size prefix included) arrived. */
  responseReceived(bytes: number, now: number): void;
  /** A connection opened. */
  connectionCreated(now: number): void;
  /** A connection (open or still connecting) closed or failed. */
  connectionClosed(now: number): void;
}
