/**
 * The NetworkClient: connections to every broker, the ApiVersions handshake, request
 * correlation, in-flight limits, timeouts and metadata refresh, over a
 * {@link Selectable}. A port of the Java client's `NetworkClient` to one async loop.
 *
 * @module
 */
import { FREEZE_CHECK_INTERVAL_MS, StaleConnections } from "./stale_connections.ts";
import {
  AuthenticationError,
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
import { classifyConnectionFailure, type ConnectionFailure } from "./connection_failure.ts";
import { InFlightRequests } from "./in_flight_requests.ts";
import { chooseLeastLoadedNode } from "./least_loaded_node.ts";
import type { NetworkClientSensors } from "./network_client_sensors.ts";
import type { NetworkObserver } from "./network_observer.ts";
import type { BrokerNode, Metadata } from "./metadata.ts";
import { MetadataUpdater } from "./metadata_updater.ts";
import { ConnectionSetup, type NodeApiVersions } from "./connection_setup.ts";
import { transportTlsOptions } from "./security_config.ts";

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
  readonly #lastErrors = new Map<number, KafkaError>();
  // Each node's last failed outcome, until it next answers; timeouts quote these.
  readonly #failures = new Map<number, ConnectionFailure>();
  // host:port of every node connected to, kept after a metadata update drops it (bootstrap ids).
  readonly #addresses = new Map<number, string>();
  // Nodes known from elsewhere than the metadata (a coordinator from FindCoordinator), see registerNode.
  readonly #registered = new Map<number, BrokerNode>();
  // ApiVersions, SASL and what the brokers reported on connecting.
  readonly #setup: ConnectionSetup;
  // Failures decided at send time, reported by the next poll.
  #aborted: ClientResponse[] = [];
  // The latest refused authentication not yet taken by the owner (see takeAuthenticationFailure).
  #authenticationFailure: AuthenticationError | undefined;
  // Reused for every request: it grows to the largest frame once, and each frame is one exact-size copy.
  readonly #writer = new Writer();
  readonly #stale: StaleConnections;
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
    this.#stale = new StaleConnections(config.connectionsMaxIdleMs);
    this.#states = new ClusterConnectionStates(config, random);
    this.#inFlight = new InFlightRequests(config.maxInFlightRequestsPerConnection);
    this.#updater = new MetadataUpdater(metadata, this, config.requestTimeoutMs, config.reconnectBackoffMs);
    this.#setup = new ConnectionSetup(config, {
      states: this.#states,
      sendInternal: (spec, now) => this.sendInternal(spec, now),
      inFlightRequestCount: (nodeId) => this.#inFlight.count(nodeId),
      failConnection: (nodeId, error) => this.#failConnection(nodeId, error),
      wakeup: () => this.#selector.wakeup(),
      now: () => clock.now(),
      describeNode: (nodeId) => this.#describeNode(nodeId),
    }, random);
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
    return this.#node(nodeId) !== undefined;
  }

  /**
   * Makes a node connectable that the metadata may not list yet, as Java uses the `Node` of a
   * FindCoordinator answer directly: a coordinator on a broker newer than the cached metadata.
   * The metadata's address wins once it lists the node.
   */
  registerNode(node: BrokerNode): void {
    this.#registered.set(node.id, node);
  }

  #node(nodeId: number): BrokerNode | undefined {
    return this.#metadata.cluster.node(nodeId) ?? this.#registered.get(nodeId);
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
    return this.#lastErrors.get(nodeId);
  }

  /**
   * The node's last failed connection outcome (refused, not Kafka, TLS, ...) with its
   * address, or undefined when it answered since (or was never tried).
   */
  connectionFailure(nodeId: number): ConnectionFailure | undefined {
    return this.#failures.get(nodeId);
  }

  /** `host:port` of the node, from the metadata or from the last connection to it. */
  nodeAddress(nodeId: number): string | undefined {
    const node = this.#node(nodeId);
    return node === undefined ? this.#addresses.get(nodeId) : `${node.host}:${node.port}`;
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
    const failure = this.#authenticationFailure;
    this.#authenticationFailure = undefined;
    return failure;
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
    let count = 0;
    for (const nodeId of this.#states.nodeIds()) if (this.#states.state(nodeId) !== "disconnected") count++;
    return count;
  }

  /** Starts a connection to a known node. */
  initiateConnect(nodeId: number, now: number): void {
    const node = this.#node(nodeId);
    if (node === undefined) throw new Error(`node ${nodeId} is neither in the cluster metadata nor registered`);
    this.#states.connecting(nodeId, now);
    this.#addresses.set(nodeId, `${node.host}:${node.port}`);
    const tls = this.#config.ssl;
    this.#config.logger.debug(`connecting to node ${nodeId} at ${node.host}:${node.port}${tls ? " over TLS" : ""}`);
    this.#selector.connect(nodeId, { host: node.host, port: node.port, tls: tls && transportTlsOptions(tls) });
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
      const deadlineIn = this.#nextDeadline() - now;
      const waitMs = Math.max(0, Math.min(timeoutMs, metadataTimeout, FREEZE_CHECK_INTERVAL_MS, deadlineIn));
      this.#stale.beforePoll(this.#clock.now(), waitMs);
      await this.#selector.poll(waitMs);
      const updatedNow = this.#clock.now();
      const responses: ClientResponse[] = this.#aborted;
      this.#aborted = [];
      this.#handleCompletedSends(responses, updatedNow);
      this.#handleCompletedReceives(responses, updatedNow);
      this.#handleDisconnections(responses, updatedNow);
      this.#handleConnections(updatedNow);
      this.#closeStaleConnections(responses, updatedNow);
      this.#handleTimedOutConnections(responses, updatedNow);
      this.#handleTimedOutAuthentications(responses, updatedNow);
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
    this.#failConnection(nodeId, new NetworkError(`disconnected from node ${nodeId} on request`));
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
      this.#selector.close(nodeId);
      this.#processDisconnection(this.#aborted, nodeId, now, new ClosedError("the network client was closed"));
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

  /** The earliest request or connection-setup deadline, so poll wakes for it. */
  #nextDeadline(): number {
    let deadline = Math.min(this.#inFlight.nextTimeoutMs(), this.#setup.nextDeadline());
    for (const nodeId of this.#states.connectingNodes()) deadline = Math.min(deadline, this.#states.connectionSetupDeadline(nodeId));
    return deadline;
  }

  readonly #idleNodeIds = () => this.#states.nodeIds().filter((id) => this.#states.isReady(id) && this.#inFlight.count(id) === 0);

  /** Replaces idle connections that have expired, or that outlived a freeze of the process, before they carry a request. */
  #closeStaleConnections(responses: ClientResponse[], now: number): void {
    const { nodeIds, frozenMs } = this.#stale.afterPoll(now, this.#idleNodeIds);
    if (frozenMs > 0) this.#config.logger.info(`the process stood still for ${frozenMs} ms; replacing idle connections`);
    for (const nodeId of nodeIds) {
      this.#selector.close(nodeId);
      const why = frozenMs > 0 ? `idle through a ${frozenMs} ms freeze` : `idle for over ${this.#config.connectionsMaxIdleMs} ms`;
      this.#processDisconnection(responses, nodeId, now, new NetworkError(`closed the connection to node ${nodeId}: ${why}`));
    }
  }

  #handleCompletedSends(responses: ClientResponse[], now: number): void {
    for (const nodeId of this.#selector.completedSends) {
      this.#stale.active(nodeId, now);
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
      this.#stale.active(nodeId, now);
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
        this.#selector.close(nodeId);
        this.#processDisconnection(responses, nodeId, now, failure);
        continue;
      }
      this.#inFlight.completeOldest(nodeId);
      this.#observeAnswer(request!, payload.length + 4, now);
      this.#failures.delete(nodeId);
      responses.push({ request: request!, receivedMs: now, body, error: undefined, disconnected: false });
    }
  }

  /** Closes the node's connection with `error`, or only records it when the connection has already gone. */
  #failConnection(nodeId: number, error: KafkaError): void {
    if (this.#states.isConnected(nodeId)) {
      this.#selector.close(nodeId);
      this.#processDisconnection(this.#aborted, nodeId, this.#clock.now(), error);
    } else {
      this.#lastErrors.set(nodeId, error);
      this.#recordFailure(nodeId, error, "disconnected", this.#clock.now());
      if (error instanceof AuthenticationError) this.#authenticationFailure = error;
    }
    this.#selector.wakeup();
  }

  #handleTimedOutAuthentications(responses: ClientResponse[], now: number): void {
    for (const nodeId of this.#setup.timedOutAuthentications(now)) {
      this.#selector.close(nodeId);
      this.#processDisconnection(
        responses,
        nodeId,
        now,
        new TimeoutError(`SASL authentication with ${this.#describeNode(nodeId)} did not finish in time`),
      );
    }
  }

  #handleDisconnections(responses: ClientResponse[], now: number): void {
    for (const { nodeId, error } of this.#selector.disconnected) {
      this.#processDisconnection(responses, nodeId, now, error instanceof KafkaError ? error : new NetworkError(error.message, error));
    }
  }

  #handleConnections(now: number): void {
    for (const nodeId of this.#selector.connected) {
      this.#stale.active(nodeId, now);
      this.#setup.connected(nodeId, now);
      this.sensors?.connectionCreated(now);
    }
  }

  #handleTimedOutConnections(responses: ClientResponse[], now: number): void {
    for (const nodeId of this.#states.nodesWithConnectionSetupTimeout(now)) {
      this.#selector.close(nodeId);
      const timeoutMs = now - this.#states.lastConnectAttemptMs(nodeId);
      const error = new TimeoutError(`connection to ${this.#describeNode(nodeId)} was not set up within ${timeoutMs} ms`);
      this.#processDisconnection(responses, nodeId, now, error, true);
    }
  }

  #handleTimedOutRequests(responses: ClientResponse[], now: number): void {
    for (const nodeId of this.#inFlight.nodesWithTimedOutRequests(now)) {
      const oldest = this.#inFlight.oldest(nodeId);
      if (oldest !== undefined) this.observer?.requestTimedOut(oldest, now, this.nodeAddress(nodeId));
      const what = oldest ? `${oldest.api.name} request` : "a request";
      this.#selector.close(nodeId);
      this.#processDisconnection(
        responses,
        nodeId,
        now,
        new TimeoutError(
          `${what} to ${this.#describeNode(nodeId)} got no response within ${oldest?.requestTimeoutMs ?? this.#config.requestTimeoutMs} ms`,
        ),
      );
    }
  }

  /** Marks the node disconnected, fails its in-flight requests and asks for fresh metadata. */
  #processDisconnection(responses: ClientResponse[], nodeId: number, now: number, error: KafkaError, setupTimedOut = false): void {
    // Classified by the state before the failure: an error before the socket opened means something else than after.
    this.#recordFailure(nodeId, error, this.#states.state(nodeId), now);
    if (this.#states.state(nodeId) !== "disconnected") {
      this.#states.disconnected(nodeId, now, setupTimedOut);
      this.sensors?.connectionClosed(now);
    }
    this.#setup.forget(nodeId);
    this.#stale.forget(nodeId);
    this.#lastErrors.set(nodeId, error);
    if (error instanceof AuthenticationError) this.#authenticationFailure = error;
    this.#config.logger.debug(`disconnected from node ${nodeId}: ${error.message}`);
    for (const request of this.#inFlight.clearAll(nodeId)) {
      // The handshake is internal; a caller never sees it.
      if (request.api === ApiVersionsApi) continue;
      responses.push({ request, receivedMs: now, body: undefined, error, disconnected: true });
    }
    this.#metadata.requestUpdate();
  }

  #observeAnswer(request: ClientRequest, bytes: number, now: number): void {
    if (this.observer === undefined) return;
    this.observer.requestAnswered(request, bytes, now, this.nodeAddress(request.destination));
    this.#observeInFlight(request.destination);
  }

  #observeInFlight(nodeId: number): void {
    this.observer?.inFlightChanged(nodeId, this.#inFlight.count(nodeId), this.nodeAddress(nodeId));
  }

  /** `node 1 (host:port)`, as errors name a node, so a user sees which address failed. */
  #describeNode(nodeId: number): string {
    const address = this.nodeAddress(nodeId);
    return address === undefined ? `node ${nodeId}` : `node ${nodeId} (${address})`;
  }

  #recordFailure(nodeId: number, error: KafkaError, state: ConnectionState, now: number): void {
    // A close we asked for (shutdown, an idle connection replaced) says nothing about the broker.
    if (error instanceof ClosedError || (state === "ready" && error instanceof NetworkError && this.#inFlight.count(nodeId) === 0)) return;
    const address = this.nodeAddress(nodeId) ?? `node ${nodeId}`;
    this.#failures.set(nodeId, classifyConnectionFailure(nodeId, address, error, state, this.#config.ssl !== undefined, now));
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
