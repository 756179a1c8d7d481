/**
 * The NetworkClient: requests to every broker (correlation, in-flight limits, matching
 * answers, timeouts), metadata refresh, and the connections under them (kept by its
 * {@link NodeConnections}, set up by its {@link ConnectionSetup}), over a {@link Selectable}.
 * A port of the Java client's `NetworkClient` to one async loop.
 *
 * @module
 */
import { FREEZE_CHECK_INTERVAL_MS } from "./stale_connections.ts";
import {
  type AuthenticationError,
  ClosedError,
  CorruptResponseError,
  KafkaError,
  NetworkError,
  TimeoutError,
  UnsupportedVersionError,
} from "../errors.ts";
import type { ApiCodec } from "../protocol/api.ts";
import { decodeResponse, encodeRequestChunks, responseCorrelationId } from "../protocol/api.ts";
import { ApiVersionsApi } from "../protocol/api_versions.ts";
import { Writer } from "../protocol/writer.ts";
import type { Clock } from "../clock.ts";
import type { Selectable } from "../net/selector.ts";
import type { ResolvedClientConfig } from "./client_config.ts";
import type { ClientRequest, ClientResponse, RequestSpec } from "./client_request.ts";
import { ClusterConnectionStates, type ConnectionState } from "./cluster_connection_states.ts";
import type { ConnectionFailure } from "./connection_failure.ts";
import { InFlightRequests } from "./in_flight_requests.ts";
import { chooseLeastLoadedNode } from "./least_loaded_node.ts";
import type { NetworkClientSensors } from "./network_client_sensors.ts";
import type { NetworkObserver } from "./network_observer.ts";
import type { BrokerNode, Metadata } from "./metadata.ts";
import { MetadataUpdater } from "./metadata_updater.ts";
import { ConnectionSetup, type NodeApiVersions } from "./connection_setup.ts";
import { NodeConnections } from "./node_connections.ts";

/** The settings the NetworkClient uses, already validated by `resolveClientConfig`. */
export type NetworkClientConfig = Pick<
  ResolvedClientConfig,
  | "clientId"
  | "requestTimeoutMs"
  | "connectionsMaxIdleMs"
  | "reconnectBackoffMs"
  | "reconnectBackoffMaxMs"
  | "socketConnectionSetupTimeoutMs"
  | "socketConnectionSetupTimeoutMaxMs"
  | "maxInFlightRequestsPerConnection"
  | "ssl"
  | "sasl"
  | "logger"
>;

export type { NodeApiVersions } from "./connection_setup.ts";
export type { ConnectionFailure, ConnectionFailureKind } from "./connection_failure.ts";
export type { NetworkClientSensors } from "./network_client_sensors.ts";

/**
 * Talks to the brokers. Not safe to `poll` from two loops at once: one owner (the
 * Sender, or `network_client_utils`) drives it.
 *
 * @example See `examples/cluster_info.ts` for a complete program.
 * ```ts
 * import { NetworkClient } from "./network_client.ts";
 * import { Metadata } from "./metadata.ts";
 * import { Selector } from "../net/selector.ts";
 * import { runtimeTransport } from "../net/runtime_transport.ts";
 * import { systemClock } from "../clock.ts";
 * import { resolveClientConfig } from "./client_config.ts";
 * const config = resolveClientConfig({ bootstrapServers: "127.0.0.1:9092" });
 * const metadata = new Metadata(config.bootstrap, config);
 * const client = new NetworkClient(new Selector(runtimeTransport()), metadata, config, systemClock);
 * ```
 */
export class NetworkClient {
  readonly #selector: Selectable;
  readonly #metadata: Metadata;
  readonly #config: NetworkClientConfig;
  readonly #clock: Clock;
  readonly #states: ClusterConnectionStates;
  readonly #inFlight: InFlightRequests;
  readonly #updater: MetadataUpdater;
  // ApiVersions, SASL and what the brokers reported on connecting.
  readonly #setup: ConnectionSetup;
  // Where each node is, its connection's events and last failure.
  readonly #nodes: NodeConnections;
  // Failures decided at send time, reported by the next poll.
  #aborted: ClientResponse[] = [];
  // Reused for every request: it grows to the largest frame once, and each frame is one exact-size copy.
  readonly #writer = new Writer();
  #correlation = 0;
  #polling = false;
  #closed = false;
  /** Told about requests, responses and connections, when someone keeps metrics. */
  readonly sensors: NetworkClientSensors | undefined;
  /** Told about each request answered or timed out, when someone watches (the KafkaJS facade's events). */
  observer: NetworkObserver | undefined;

  /**
   * @param selector The socket event loop.
   * @param metadata The cluster view it keeps fresh.
   * @param config Validated settings.
   * @param clock The time source.
   * @param options Who is told about requests and connections (`sensors`, when someone keeps metrics), and the
   *   jitter source for backoffs (`random`, replaceable in tests).
   */
  constructor(
    selector: Selectable,
    metadata: Metadata,
    config: NetworkClientConfig,
    clock: Clock,
    options: { sensors?: NetworkClientSensors; random?: () => number } = {},
  ) {
    const random = options.random ?? Math.random;
    this.sensors = options.sensors;
    this.#selector = selector;
    this.#metadata = metadata;
    this.#config = config;
    this.#clock = clock;
    this.#states = new ClusterConnectionStates(config, random);
    this.#inFlight = new InFlightRequests(config.maxInFlightRequestsPerConnection);
    this.#updater = new MetadataUpdater(metadata, this, config.requestTimeoutMs, config.reconnectBackoffMs);
    this.#setup = new ConnectionSetup(config, {
      states: this.#states,
      sendInternal: (spec, now) => this.sendInternal(spec, now),
      inFlightRequestCount: (nodeId) => this.#inFlight.count(nodeId),
      failConnection: (nodeId, error) => this.#nodes.fail(this.#aborted, nodeId, error),
      wakeup: () => this.#selector.wakeup(),
      now: () => clock.now(),
      describeNode: (nodeId) => this.#nodes.describe(nodeId),
    }, random);
    const shared = { states: this.#states, inFlight: this.#inFlight, setup: this.#setup, sensors: options.sensors };
    this.#nodes = new NodeConnections({ selector, metadata, config, clock, ...shared });
  }

  /** The metadata this client keeps fresh. */
  get metadata(): Metadata {
    return this.#metadata;
  }

  /**
   * Begins connecting to the node if needed and returns whether it can take a request
   * now, as Java's `ready(node, now)`.
   */
  ready(node: BrokerNode | number, now: number): boolean {
    const nodeId = typeof node === "number" ? node : node.id;
    if (this.isReady(nodeId, now)) return true;
    // A node the metadata no longer lists (a coordinator that went away) cannot be reached.
    if (this.#states.canConnect(nodeId, now) && this.knowsNode(nodeId)) this.initiateConnect(nodeId, now);
    return false;
  }

  /** Whether the node's address is known (the cluster metadata lists it, or it was registered), so a connection to it can be made. */
  knowsNode(nodeId: number): boolean {
    return this.#nodes.knowsNode(nodeId);
  }

  /**
   * Makes a node connectable that the metadata may not list yet, as Java uses the `Node` of a
   * FindCoordinator answer directly: a coordinator on a broker newer than the cached metadata.
   * The metadata's address wins once it lists the node.
   */
  registerNode(node: BrokerNode): void {
    this.#nodes.registerNode(node);
  }

  /**
   * Whether a request can go to the node now. A due metadata refresh comes first, so
   * other requests wait for it, as in the Java client.
   */
  isReady(nodeId: number, now: number): boolean {
    return !this.#updater.isUpdateDue(now) && this.canSendRequest(nodeId, now);
  }

  /** Whether the connection is ready and below its in-flight limit. */
  canSendRequest(nodeId: number, _now: number): boolean {
    return this.#states.isReady(nodeId) && this.#inFlight.canSendMore(nodeId);
  }

  /** How long until the node's connection state might allow a request (Infinity while connecting). */
  connectionDelay(nodeId: number, now: number): number {
    return this.#states.connectionDelay(nodeId, now);
  }

  /** Whether the node is disconnected and waiting out its reconnect backoff. */
  connectionFailed(nodeId: number, now: number): boolean {
    return this.#states.isBlackedOut(nodeId, now);
  }

  /** Whether a connection attempt to the node may start now. */
  canConnect(nodeId: number, now: number): boolean {
    return this.#states.canConnect(nodeId, now);
  }

  /** Whether a connection attempt to the node is under way. */
  isConnecting(nodeId: number): boolean {
    return this.#states.isConnecting(nodeId);
  }

  /** Why the node's connection last closed or failed, if it did. */
  lastError(nodeId: number): KafkaError | undefined {
    return this.#nodes.lastError(nodeId);
  }

  /**
   * The node's last failed connection outcome (refused, not Kafka, TLS, ...) with its
   * address, or undefined when it answered since (or was never tried).
   */
  connectionFailure(nodeId: number): ConnectionFailure | undefined {
    return this.#nodes.connectionFailure(nodeId);
  }

  /** `host:port` of the node, from the metadata or from the last connection to it. */
  nodeAddress(nodeId: number): string | undefined {
    return this.#nodes.nodeAddress(nodeId);
  }

  /** Where the node's connection is in its life ("disconnected" when never tried). */
  connectionState(nodeId: number): ConnectionState {
    return this.#states.state(nodeId);
  }

  /**
   * The latest authentication failure (SASL or TLS) since the last call, then forgets
   * it. The producer fails what waits on the cluster with it instead of retrying
   * until its timeouts, since the same credentials will fail again.
   */
  takeAuthenticationFailure(): AuthenticationError | undefined {
    return this.#nodes.takeAuthenticationFailure();
  }

  /** A cluster-wide finalized feature level (such as "transaction.version"), 0 when none was reported. */
  finalizedFeatureLevel(name: string): number {
    return this.#setup.finalizedFeatureLevel(name);
  }

  /** The API versions the node reported, once its handshake is done. */
  nodeApiVersions(nodeId: number): NodeApiVersions | undefined {
    return this.#setup.nodeApiVersions(nodeId);
  }

  /** The version of `api` this client would use with the node, or undefined when none is common. */
  negotiatedVersion(nodeId: number, api: ApiCodec<unknown, unknown>): number | undefined {
    return this.#setup.negotiatedVersion(nodeId, api);
  }

  /** Unanswered requests to a node, or to all nodes. */
  inFlightRequestCount(nodeId?: number): number {
    return this.#inFlight.count(nodeId);
  }

  /** Connections open or being set up (Java's `connection-count`). */
  connectionCount(): number {
    return this.#nodes.connectionCount();
  }

  /** Starts a connection to a known node. */
  initiateConnect(nodeId: number, now: number): void {
    this.#nodes.connect(nodeId, now);
  }

  /**
   * Queues a request to a ready node. Its outcome arrives through its callback and the
   * list returned by a later {@link NetworkClient.poll}.
   */
  send<Req, Res>(spec: RequestSpec<Req, Res>, now: number): ClientRequest<Req, Res> {
    if (this.#closed) throw new ClosedError("the network client is closed");
    if (!this.canSendRequest(spec.destination, now)) {
      throw new Error(`node ${spec.destination} is not ready for a request; call ready() first`);
    }
    return this.sendInternal(spec, now);
  }

  /** @internal Sends without the readiness check (the handshake and metadata updater use it). */
  sendInternal<Req, Res>(spec: RequestSpec<Req, Res>, now: number): ClientRequest<Req, Res> {
    const request: ClientRequest<Req, Res> = {
      destination: spec.destination,
      api: spec.api,
      body: spec.body,
      expectResponse: spec.expectResponse ?? true,
      requestTimeoutMs: spec.requestTimeoutMs ?? this.#config.requestTimeoutMs,
      callback: spec.callback,
      createdMs: now,
      version: spec.version ?? -1,
      correlationId: -1,
      sendTimeMs: now,
      sendCompleted: false,
    };
    if (request.version < 0) {
      const negotiated = spec.api === ApiVersionsApi ? ApiVersionsApi.maxVersion : this.negotiatedVersion(spec.destination, spec.api);
      const version = negotiated === undefined || spec.maxVersion === undefined ? negotiated : Math.min(negotiated, spec.maxVersion);
      if (version === undefined || version < spec.api.minVersion) {
        this.#abort(request, now, new UnsupportedVersionError(spec.api.name, `node ${spec.destination}`));
        return request;
      }
      request.version = version;
    }
    request.correlationId = this.#nextCorrelationId();
    let frame: Uint8Array[];
    try {
      // Chunks: a produce request's record batches go by reference, not copied (their buffers stay put until answered).
      frame = encodeRequestChunks(spec.api, request.version, request.correlationId, this.#config.clientId, spec.body, this.#writer);
    } catch (error) {
      this.#abort(
        request,
        now,
        error instanceof KafkaError ? error : new KafkaError(`could not encode ${spec.api.name}: ${error}`, { cause: error }),
      );
      return request;
    }
    this.#inFlight.add(request as ClientRequest);
    this.#selector.send(spec.destination, frame);
    if (this.sensors !== undefined) {
      let bytes = 0;
      for (let i = 0; i < frame.length; i++) bytes += frame[i].length;
      this.sensors.requestSent(bytes, now);
    }
    this.#observeInFlight(spec.destination);
    return request;
  }

  /**
   * Does the network work: refreshes metadata when due, writes queued requests, waits
   * up to `timeoutMs` for something to happen, and completes what finished. Returns the
   * responses (and failures) completed by this call; their callbacks have run.
   */
  async poll(timeoutMs: number, now: number): Promise<ClientResponse[]> {
    if (this.#polling) throw new Error("NetworkClient.poll is already running; only one loop may drive it");
    this.#polling = true;
    try {
      if (this.#aborted.length > 0) {
        const aborted = this.#aborted;
        this.#aborted = [];
        return this.#complete(aborted);
      }
      const metadataTimeout = this.#closed ? Infinity : this.#updater.maybeUpdate(now);
      this.#setup.maybeReauthenticate(now);
      // Wakes for the earliest request, connection-setup or authentication deadline.
      const deadlineIn = Math.min(this.#inFlight.nextTimeoutMs(), this.#nodes.nextDeadline()) - now;
      const waitMs = Math.max(0, Math.min(timeoutMs, metadataTimeout, FREEZE_CHECK_INTERVAL_MS, deadlineIn));
      this.#nodes.beforePoll(this.#clock.now(), waitMs);
      await this.#selector.poll(waitMs);
      const updatedNow = this.#clock.now();
      const responses: ClientResponse[] = this.#aborted;
      this.#aborted = [];
      this.#handleCompletedSends(responses, updatedNow);
      this.#handleCompletedReceives(responses, updatedNow);
      this.#nodes.handlePoll(responses, updatedNow);
      this.#setup.maybeReauthenticate(updatedNow);
      this.#handleTimedOutRequests(responses, updatedNow);
      return this.#complete(responses);
    } finally {
      this.#polling = false;
    }
  }

  /** Makes a pending poll return now. */
  wakeup(): void {
    this.#selector.wakeup();
  }

  /** Closes the node's connection and fails its in-flight requests. */
  disconnect(nodeId: number): void {
    this.#nodes.fail(this.#aborted, nodeId, new NetworkError(`disconnected from node ${nodeId} on request`));
  }

  /**
   * The node with the fewest in-flight requests that can take one now, preferring open
   * connections, then nodes we may connect to (longest since the last attempt).
   * Undefined when every node is backing off.
   */
  leastLoadedNode(now: number): BrokerNode | undefined {
    return chooseLeastLoadedNode(this.#metadata.cluster.nodes, this.#states, this.#inFlight, now);
  }

  /** Closes every connection and fails everything in flight. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const now = this.#clock.now();
    for (const nodeId of this.#states.nodeIds()) {
      this.#nodes.close(this.#aborted, nodeId, now, new ClosedError("the network client was closed"));
    }
    this.#selector.wakeup();
  }

  #nextCorrelationId(): number {
    const id = this.#correlation;
    this.#correlation = (this.#correlation + 1) & 0x7fffffff;
    return id;
  }

  #abort(request: ClientRequest<unknown, unknown>, now: number, error: KafkaError): void {
    this.#aborted.push({ request, receivedMs: now, body: undefined, error, disconnected: false });
  }

  #handleCompletedSends(responses: ClientResponse[], now: number): void {
    for (const nodeId of this.#selector.completedSends) {
      this.#nodes.active(nodeId, now);
      const request = this.#inFlight.markNextSent(nodeId);
      if (request !== undefined && !request.expectResponse) {
        this.#inFlight.remove(request);
        this.#observeAnswer(request, 0, now);
        responses.push({ request, receivedMs: now, body: undefined, error: undefined, disconnected: false });
      }
    }
  }

  #handleCompletedReceives(responses: ClientResponse[], now: number): void {
    for (const { nodeId, payload } of this.#selector.completedReceives) {
      this.sensors?.responseReceived(payload.length + 4, now);
      // An earlier frame on this connection may already have closed it.
      if (!this.#states.isConnected(nodeId)) continue;
      this.#nodes.active(nodeId, now);
      const request = this.#inFlight.oldest(nodeId);
      let failure: CorruptResponseError | undefined;
      let body: unknown;
      if (request === undefined || !request.expectResponse) {
        failure = new CorruptResponseError(`node ${nodeId} sent a response when none was expected`);
      } else {
        try {
          const correlationId = responseCorrelationId(payload);
          if (correlationId !== request.correlationId) {
            failure = new CorruptResponseError(
              `node ${nodeId} answered correlation id ${correlationId}, expected ${request.correlationId} (${request.api.name})`,
            );
          } else {
            body = decodeResponse(request.api, request.version, payload).body;
          }
        } catch (error) {
          failure = error instanceof CorruptResponseError
            ? error
            : new CorruptResponseError(`could not decode ${request.api.name} v${request.version} from node ${nodeId}`, error);
        }
      }
      if (failure !== undefined) {
        this.#nodes.close(responses, nodeId, now, failure);
        continue;
      }
      this.#inFlight.completeOldest(nodeId);
      this.#observeAnswer(request!, payload.length + 4, now);
      this.#nodes.answered(nodeId);
      responses.push({ request: request!, receivedMs: now, body, error: undefined, disconnected: false });
    }
  }

  #handleTimedOutRequests(responses: ClientResponse[], now: number): void {
    for (const nodeId of this.#inFlight.nodesWithTimedOutRequests(now)) {
      const oldest = this.#inFlight.oldest(nodeId);
      if (oldest !== undefined) this.observer?.requestTimedOut(oldest, now, this.nodeAddress(nodeId));
      const what = oldest ? `${oldest.api.name} request` : "a request";
      const timeoutMs = oldest?.requestTimeoutMs ?? this.#config.requestTimeoutMs;
      const error = new TimeoutError(`${what} to ${this.#nodes.describe(nodeId)} got no response within ${timeoutMs} ms`);
      this.#nodes.close(responses, nodeId, now, error);
    }
  }

  #observeAnswer(request: ClientRequest, bytes: number, now: number): void {
    if (this.observer === undefined) return;
    this.observer.requestAnswered(request, bytes, now, this.nodeAddress(request.destination));
    this.#observeInFlight(request.destination);
  }

  #observeInFlight(nodeId: number): void {
    this.observer?.inFlightChanged(nodeId, this.#inFlight.count(nodeId), this.nodeAddress(nodeId));
  }

  #complete(responses: ClientResponse[]): ClientResponse[] {
    for (const response of responses) {
      if (response.request.callback === undefined) continue;
      try {
        response.request.callback(response as never);
      } catch (error) {
        // A caller's callback must not break the loop for everyone else; surface it later.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    return responses;
  }
}
