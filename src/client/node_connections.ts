/**
 * The NetworkClient's connection to each broker, apart from the requests it carries:
 * where the node is (the metadata, a registered coordinator, the last address connected
 * to), opening the connection, what a poll reports of its life (closed by the peer,
 * opened, idle past its time or through a freeze, not set up or authenticated in time),
 * closing it, and why it last failed. The client asks these per node; keeping them here
 * leaves the client with its requests: sending, matching answers, timing them out.
 *
 * @module
 */
import { AuthenticationError, ClosedError, KafkaError, NetworkError, TimeoutError } from "../errors.ts";
import { ApiVersionsApi } from "../protocol/api_versions.ts";
import type { Clock } from "../clock.ts";
import type { Selectable } from "../net/selector.ts";
import type { ResolvedClientConfig } from "./client_config.ts";
import type { ClientResponse } from "./client_request.ts";
import type { ClusterConnectionStates, ConnectionState } from "./cluster_connection_states.ts";
import { classifyConnectionFailure, type ConnectionFailure, describeNode } from "./connection_failure.ts";
import type { ConnectionSetup } from "./connection_setup.ts";
import type { InFlightRequests } from "./in_flight_requests.ts";
import type { BrokerNode, Metadata } from "./metadata.ts";
import type { NetworkClientSensors } from "./network_client_sensors.ts";
import { StaleConnections } from "./stale_connections.ts";
import { transportTlsOptions } from "./security_config.ts";

/** What {@link NodeConnections} works with: parts of the NetworkClient that owns it. */
export interface NodeConnectionsParts {
  selector: Selectable;
  metadata: Metadata;
  config: Pick<ResolvedClientConfig, "connectionsMaxIdleMs" | "ssl" | "logger">;
  clock: Clock;
  /** Each node's connection state, shared with the client, which asks it whether a node can take a request. */
  states: ClusterConnectionStates;
  /** The client's unanswered requests: a closed connection fails its own. */
  inFlight: InFlightRequests;
  /** ApiVersions and SASL on each new connection. */
  setup: ConnectionSetup;
  /** Told about connections opened and closed, when someone keeps metrics. */
  sensors: NetworkClientSensors | undefined;
}

/**
 * Each broker's connection, as its NetworkClient keeps it.
 *
 * @example The NetworkClient owns one; see `network_client.ts`.
 * ```ts
 * import type { NodeConnections } from "./node_connections.ts";
 * function whereFailed(nodes: NodeConnections, nodeId: number): string {
 *   return nodes.connectionFailure(nodeId) === undefined ? "nowhere" : nodes.describe(nodeId);
 * }
 * ```
 */
export class NodeConnections {
  readonly #selector: Selectable;
  readonly #metadata: Metadata;
  readonly #config: NodeConnectionsParts["config"];
  readonly #clock: Clock;
  readonly #states: ClusterConnectionStates;
  readonly #inFlight: InFlightRequests;
  readonly #setup: ConnectionSetup;
  readonly #sensors: NetworkClientSensors | undefined;
  readonly #stale: StaleConnections;
  readonly #lastErrors = new Map<number, KafkaError>();
  // Each node's last failed outcome, until it next answers; timeouts quote these.
  readonly #failures = new Map<number, ConnectionFailure>();
  // host:port of every node connected to, kept after a metadata update drops it (bootstrap ids).
  readonly #addresses = new Map<number, string>();
  // Nodes known from elsewhere than the metadata (a coordinator from FindCoordinator), see registerNode.
  readonly #registered = new Map<number, BrokerNode>();
  // The latest refused authentication not yet taken by the owner (see takeAuthenticationFailure).
  #authenticationFailure: AuthenticationError | undefined;

  /** @param parts The client's parts it works with. */
  constructor(parts: NodeConnectionsParts) {
    this.#selector = parts.selector;
    this.#metadata = parts.metadata;
    this.#config = parts.config;
    this.#clock = parts.clock;
    this.#states = parts.states;
    this.#inFlight = parts.inFlight;
    this.#setup = parts.setup;
    this.#sensors = parts.sensors;
    this.#stale = new StaleConnections(parts.config.connectionsMaxIdleMs);
  }

  /** Whether the node's address is known (the cluster metadata lists it, or it was registered). */
  knowsNode(nodeId: number): boolean {
    return this.#node(nodeId) !== undefined;
  }

  /** Makes a node connectable that the metadata may not list yet; the metadata's address wins once it lists it. */
  registerNode(node: BrokerNode): void {
    this.#registered.set(node.id, node);
  }

  #node(nodeId: number): BrokerNode | undefined {
    return this.#metadata.cluster.node(nodeId) ?? this.#registered.get(nodeId);
  }

  /** `host:port` of the node, from the metadata or from the last connection to it. */
  nodeAddress(nodeId: number): string | undefined {
    const node = this.#node(nodeId);
    return node === undefined ? this.#addresses.get(nodeId) : `${node.host}:${node.port}`;
  }

  /** `node 1 (host:port)`, as errors name a node, so a user sees which address failed. */
  describe(nodeId: number): string {
    return describeNode(nodeId, this.nodeAddress(nodeId));
  }

  /** Why the node's connection last closed or failed, if it did. */
  lastError(nodeId: number): KafkaError | undefined {
    return this.#lastErrors.get(nodeId);
  }

  /** The node's last failed connection outcome, or undefined when it answered since (or was never tried). */
  connectionFailure(nodeId: number): ConnectionFailure | undefined {
    return this.#failures.get(nodeId);
  }

  /** The latest authentication failure (SASL or TLS) since the last call, then forgets it. */
  takeAuthenticationFailure(): AuthenticationError | undefined {
    const failure = this.#authenticationFailure;
    this.#authenticationFailure = undefined;
    return failure;
  }

  /** Connections open or being set up. */
  connectionCount(): number {
    let count = 0;
    for (const nodeId of this.#states.nodeIds()) if (this.#states.state(nodeId) !== "disconnected") count++;
    return count;
  }

  /** Starts a connection to a known node. */
  connect(nodeId: number, now: number): void {
    const node = this.#node(nodeId);
    if (node === undefined) throw new Error(`node ${nodeId} is neither in the cluster metadata nor registered`);
    this.#states.connecting(nodeId, now);
    this.#addresses.set(nodeId, `${node.host}:${node.port}`);
    const tls = this.#config.ssl;
    this.#config.logger.debug(`connecting to node ${nodeId} at ${node.host}:${node.port}${tls ? " over TLS" : ""}`);
    this.#selector.connect(nodeId, { host: node.host, port: node.port, tls: tls && transportTlsOptions(tls) });
  }

  /** The connection moved bytes at `now`, so it is not idle. */
  active(nodeId: number, now: number): void {
    this.#stale.active(nodeId, now);
  }

  /** The node answered a request: its last failure no longer describes it. */
  answered(nodeId: number): void {
    this.#failures.delete(nodeId);
  }

  /** A poll starts at `now`, waiting at most `waitMs`: a far later return means the process stood still. */
  beforePoll(now: number, waitMs: number): void {
    this.#stale.beforePoll(now, waitMs);
  }

  /** The earliest connection-setup or authentication deadline, so the poll wakes for it. */
  nextDeadline(): number {
    let deadline = this.#setup.nextDeadline();
    for (const nodeId of this.#states.connectingNodes()) deadline = Math.min(deadline, this.#states.connectionSetupDeadline(nodeId));
    return deadline;
  }

  /**
   * Takes in what the last poll reported of the connections: closed by the peer, opened (the
   * handshake starts), then closes those idle too long and those not set up or authenticated in
   * time. The requests a closed connection carried fail into `responses`.
   */
  handlePoll(responses: ClientResponse[], now: number): void {
    for (const { nodeId, error } of this.#selector.disconnected) {
      this.#disconnected(responses, nodeId, now, error instanceof KafkaError ? error : new NetworkError(error.message, error));
    }
    for (const nodeId of this.#selector.connected) {
      this.#stale.active(nodeId, now);
      this.#setup.connected(nodeId, now);
      this.#sensors?.connectionCreated(now);
    }
    this.#closeStaleConnections(responses, now);
    for (const nodeId of this.#states.nodesWithConnectionSetupTimeout(now)) {
      const timeoutMs = now - this.#states.lastConnectAttemptMs(nodeId);
      const error = new TimeoutError(`connection to ${this.describe(nodeId)} was not set up within ${timeoutMs} ms`);
      this.close(responses, nodeId, now, error, true);
    }
    for (const nodeId of this.#setup.timedOutAuthentications(now)) {
      this.close(responses, nodeId, now, new TimeoutError(`SASL authentication with ${this.describe(nodeId)} did not finish in time`));
    }
  }

  /** Closes the node's connection with `error`; its in-flight requests fail into `responses`. */
  close(responses: ClientResponse[], nodeId: number, now: number, error: KafkaError, setupTimedOut = false): void {
    this.#selector.close(nodeId);
    this.#disconnected(responses, nodeId, now, error, setupTimedOut);
  }

  /** Closes the node's connection with `error` (as {@link NodeConnections.close}), or only records it when it has already gone. */
  fail(responses: ClientResponse[], nodeId: number, error: KafkaError): void {
    if (this.#states.isConnected(nodeId)) {
      this.#selector.close(nodeId);
      this.#disconnected(responses, nodeId, this.#clock.now(), error);
    } else {
      this.#lastErrors.set(nodeId, error);
      this.#recordFailure(nodeId, error, "disconnected", this.#clock.now());
      if (error instanceof AuthenticationError) this.#authenticationFailure = error;
    }
    this.#selector.wakeup();
  }

  readonly #idleNodeIds = () => this.#states.nodeIds().filter((id) => this.#states.isReady(id) && this.#inFlight.count(id) === 0);

  /** Replaces idle connections that have expired, or that outlived a freeze of the process, before they carry a request. */
  #closeStaleConnections(responses: ClientResponse[], now: number): void {
    const { nodeIds, frozenMs } = this.#stale.afterPoll(now, this.#idleNodeIds);
    if (frozenMs > 0) this.#config.logger.info(`the process stood still for ${frozenMs} ms; replacing idle connections`);
    for (const nodeId of nodeIds) {
      const why = frozenMs > 0 ? `idle through a ${frozenMs} ms freeze` : `idle for over ${this.#config.connectionsMaxIdleMs} ms`;
      this.close(responses, nodeId, now, new NetworkError(`closed the connection to node ${nodeId}: ${why}`));
    }
  }

  /** Marks the node disconnected, fails its in-flight requests and asks for fresh metadata. */
  #disconnected(responses: ClientResponse[], nodeId: number, now: number, error: KafkaError, setupTimedOut = false): void {
    // Classified by the state before the failure: an error before the socket opened means something else than after.
    this.#recordFailure(nodeId, error, this.#states.state(nodeId), now);
    if (this.#states.state(nodeId) !== "disconnected") {
      this.#states.disconnected(nodeId, now, setupTimedOut);
      this.#sensors?.connectionClosed(now);
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

  #recordFailure(nodeId: number, error: KafkaError, state: ConnectionState, now: number): void {
    // A close we asked for (shutdown, an idle connection replaced) says nothing about the broker.
    if (error instanceof ClosedError || (state === "ready" && error instanceof NetworkError && this.#inFlight.count(nodeId) === 0)) return;
    const address = this.nodeAddress(nodeId) ?? `node ${nodeId}`;
    this.#failures.set(nodeId, classifyConnectionFailure(nodeId, address, error, state, this.#config.ssl !== undefined, now));
  }
}
