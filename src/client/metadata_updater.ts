/**
 * Keeps the cluster metadata fresh from inside the NetworkClient's poll, as the Java
 * client's `DefaultMetadataUpdater`: when a refresh is due, it picks the least loaded
 * node, connects to it if needed, and sends a Metadata request.
 *
 * @module
 */
import type { ClientResponse } from "./client_request.ts";
import type { Metadata } from "./metadata.ts";
import type { MetadataResponse } from "../protocol/metadata.ts";
import { MetadataApi } from "../protocol/metadata.ts";

/** The part of the NetworkClient the updater drives. */
export interface MetadataUpdaterHost {
  leastLoadedNode(now: number): { id: number } | undefined;
  canSendRequest(nodeId: number, now: number): boolean;
  isConnecting(nodeId: number): boolean;
  canConnect(nodeId: number, now: number): boolean;
  initiateConnect(nodeId: number, now: number): void;
  sendInternal(
    spec: {
      destination: number;
      api: typeof MetadataApi;
      body: ReturnType<Metadata["newRequest"]>;
      callback: (response: ClientResponse<MetadataResponse>) => void;
    },
    now: number,
  ): void;
}

/**
 * Decides when and where to refresh metadata.
 *
 * @example
 * ```ts
 * import type { MetadataUpdater } from "./metadata_updater.ts";
 * function nextWake(updater: MetadataUpdater, now: number): number {
 *   return updater.maybeUpdate(now); // ms until the updater wants to act again
 * }
 * ```
 */
export class MetadataUpdater {
  readonly #metadata: Metadata;
  readonly #host: MetadataUpdaterHost;
  readonly #requestTimeoutMs: number;
  readonly #reconnectBackoffMs: number;
  #inFlight = false;

  /**
   * @param metadata The metadata to keep fresh.
   * @param host The NetworkClient.
   * @param requestTimeoutMs How long a metadata request may take.
   * @param reconnectBackoffMs How long to wait when no node can be used.
   */
  constructor(metadata: Metadata, host: MetadataUpdaterHost, requestTimeoutMs: number, reconnectBackoffMs: number) {
    this.#metadata = metadata;
    this.#host = host;
    this.#requestTimeoutMs = requestTimeoutMs;
    this.#reconnectBackoffMs = reconnectBackoffMs;
  }

  /** Whether a refresh is due now and none is in flight. */
  isUpdateDue(now: number): boolean {
    return !this.#inFlight && this.#metadata.timeToNextUpdate(now) === 0;
  }

  /** Whether a metadata request is in flight. */
  get inFlight(): boolean {
    return this.#inFlight;
  }

  /** Starts a refresh if one is due; returns ms until it wants to be asked again. */
  maybeUpdate(now: number): number {
    const dueIn = this.#metadata.timeToNextUpdate(now);
    const waitForFetch = this.#inFlight ? this.#requestTimeoutMs : 0;
    const delay = Math.max(dueIn, waitForFetch);
    if (delay > 0) return delay;
    const node = this.#host.leastLoadedNode(now);
    if (node === undefined) return this.#reconnectBackoffMs;
    if (this.#host.canSendRequest(node.id, now)) {
      this.#inFlight = true;
      this.#host.sendInternal({
        destination: node.id,
        api: MetadataApi,
        body: this.#metadata.newRequest(),
        callback: (response) => this.#handleResponse(response),
      }, now);
      return this.#requestTimeoutMs;
    }
    if (this.#host.isConnecting(node.id)) return this.#reconnectBackoffMs;
    if (this.#host.canConnect(node.id, now)) {
      this.#host.initiateConnect(node.id, now);
      return this.#reconnectBackoffMs;
    }
    // Connected but busy: a completed request will wake the poll.
    return Infinity;
  }

  #handleResponse(response: ClientResponse<MetadataResponse>): void {
    this.#inFlight = false;
    const body = response.body;
    if (response.error !== undefined || body === undefined || body.brokers.length === 0) {
      this.#metadata.failedUpdate(response.receivedMs);
      return;
    }
    this.#metadata.update(body, response.receivedMs);
  }
}
