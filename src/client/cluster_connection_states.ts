/**
 * The connection state of every node, as the Java client's `ClusterConnectionStates`:
 * whether we may connect now (reconnect backoff), whether a connection attempt has
 * taken too long (setup timeout), and whether a node is ready for requests.
 *
 * @module
 */
import { ExponentialBackoff } from "./exponential_backoff.ts";

/** Where a node's connection is in its life. */
export type ConnectionState = "disconnected" | "connecting" | "checking_api_versions" | "authenticating" | "ready";

interface NodeState {
  state: ConnectionState;
  lastConnectAttemptMs: number;
  // Consecutive failed connections; drives the reconnect backoff.
  failedAttempts: number;
  reconnectBackoffMs: number;
  // Consecutive attempts that timed out while connecting; drives the setup timeout.
  failedConnectAttempts: number;
  connectionSetupTimeoutMs: number;
}

/** Settings for {@link ClusterConnectionStates}, named as the client's configuration. */
export interface ConnectionStatesConfig {
  reconnectBackoffMs: number;
  reconnectBackoffMaxMs: number;
  socketConnectionSetupTimeoutMs: number;
  socketConnectionSetupTimeoutMaxMs: number;
}

/**
 * Tracks each node's connection state with backoff and setup timeouts.
 *
 * @example
 * ```ts
 * import { ClusterConnectionStates } from "./cluster_connection_states.ts";
 * const states = new ClusterConnectionStates({
 *   reconnectBackoffMs: 50, reconnectBackoffMaxMs: 1000,
 *   socketConnectionSetupTimeoutMs: 10000, socketConnectionSetupTimeoutMaxMs: 30000,
 * });
 * states.connecting(1, 0);
 * states.disconnected(1, 5);
 * console.log(states.canConnect(1, 6)); // false: backing off
 * ```
 */
export class ClusterConnectionStates {
  readonly #nodes = new Map<number, NodeState>();
  readonly #reconnectBackoff: ExponentialBackoff;
  readonly #setupTimeout: ExponentialBackoff;

  /**
   * @param config Backoff and timeout settings.
   * @param random A source of numbers in [0, 1) for jitter, replaceable in tests.
   */
  constructor(config: ConnectionStatesConfig, random: () => number = Math.random) {
    this.#reconnectBackoff = new ExponentialBackoff(config.reconnectBackoffMs, config.reconnectBackoffMaxMs, 0.2, random);
    this.#setupTimeout = new ExponentialBackoff(
      config.socketConnectionSetupTimeoutMs,
      config.socketConnectionSetupTimeoutMaxMs,
      0.2,
      random,
    );
  }

  /** Whether a connection attempt may start now: never tried, or disconnected and backed off. */
  canConnect(nodeId: number, now: number): boolean {
    const node = this.#nodes.get(nodeId);
    if (node === undefined) return true;
    return node.state === "disconnected" && now - node.lastConnectAttemptMs >= node.reconnectBackoffMs;
  }

  /** Whether the node is disconnected and still inside its reconnect backoff. */
  isBlackedOut(nodeId: number, now: number): boolean {
    const node = this.#nodes.get(nodeId);
    return node !== undefined && node.state === "disconnected" &&
      now - node.lastConnectAttemptMs < node.reconnectBackoffMs;
  }

  /**
   * How long until a request may be sent to this node as far as its connection goes:
   * the rest of the backoff when disconnected, 0 when it may connect, and Infinity
   * while connecting or connected (a state change will wake the caller).
   */
  connectionDelay(nodeId: number, now: number): number {
    const node = this.#nodes.get(nodeId);
    if (node === undefined) return 0;
    if (node.state !== "disconnected") return Infinity;
    return Math.max(node.reconnectBackoffMs - (now - node.lastConnectAttemptMs), 0);
  }

  /** Records the start of a connection attempt. */
  connecting(nodeId: number, now: number): void {
    const node = this.#nodes.get(nodeId);
    if (node === undefined) {
      this.#nodes.set(nodeId, {
        state: "connecting",
        lastConnectAttemptMs: now,
        failedAttempts: 0,
        reconnectBackoffMs: this.#reconnectBackoff.backoff(0),
        failedConnectAttempts: 0,
        connectionSetupTimeoutMs: this.#setupTimeout.backoff(0),
      });
      return;
    }
    node.state = "connecting";
    node.lastConnectAttemptMs = now;
    node.connectionSetupTimeoutMs = this.#setupTimeout.backoff(node.failedConnectAttempts);
  }

  /** The socket opened; the ApiVersions exchange comes next. */
  checkingApiVersions(nodeId: number): void {
    this.#require(nodeId).state = "checking_api_versions";
  }

  /** SASL authentication (or re-authentication) runs; the connection takes no other requests. */
  authenticating(nodeId: number): void {
    this.#require(nodeId).state = "authenticating";
  }

  /** The node is ready for requests; failures are forgiven. */
  ready(nodeId: number): void {
    const node = this.#require(nodeId);
    node.state = "ready";
    node.failedAttempts = 0;
    node.failedConnectAttempts = 0;
    node.reconnectBackoffMs = this.#reconnectBackoff.backoff(0);
  }

  /** The connection closed or failed; the next attempt waits out a longer backoff. */
  disconnected(nodeId: number, now: number, setupTimedOut = false): void {
    const node = this.#require(nodeId);
    node.reconnectBackoffMs = this.#reconnectBackoff.backoff(node.failedAttempts);
    node.failedAttempts++;
    if (setupTimedOut) node.failedConnectAttempts++;
    node.state = "disconnected";
    // The backoff runs from the moment the connection was lost.
    node.lastConnectAttemptMs = now;
  }

  /** The node's state, "disconnected" when never seen. */
  state(nodeId: number): ConnectionState {
    return this.#nodes.get(nodeId)?.state ?? "disconnected";
  }

  /** Whether the node's connection is ready for requests. */
  isReady(nodeId: number): boolean {
    return this.#nodes.get(nodeId)?.state === "ready";
  }

  /** Whether a connection attempt is under way. */
  isConnecting(nodeId: number): boolean {
    return this.#nodes.get(nodeId)?.state === "connecting";
  }

  /** Whether the socket is open (ready, or still checking API versions or authenticating). */
  isConnected(nodeId: number): boolean {
    const state = this.#nodes.get(nodeId)?.state;
    return state === "ready" || state === "checking_api_versions" || state === "authenticating";
  }

  /** When the node's current connection attempt times out, or Infinity when none is under way. */
  connectionSetupDeadline(nodeId: number): number {
    const node = this.#nodes.get(nodeId);
    if (node === undefined || node.state !== "connecting") return Infinity;
    return node.lastConnectAttemptMs + node.connectionSetupTimeoutMs;
  }

  /** Nodes still connecting past their setup timeout. */
  nodesWithConnectionSetupTimeout(now: number): number[] {
    const timedOut: number[] = [];
    for (const [nodeId, node] of this.#nodes) {
      if (node.state === "connecting" && now - node.lastConnectAttemptMs >= node.connectionSetupTimeoutMs) {
        timedOut.push(nodeId);
      }
    }
    return timedOut;
  }

  /** Nodes with a connection attempt under way. */
  connectingNodes(): number[] {
    return [...this.#nodes].filter(([, node]) => node.state === "connecting").map(([nodeId]) => nodeId);
  }

  /** The last time a connection to the node was attempted, or -Infinity. */
  lastConnectAttemptMs(nodeId: number): number {
    return this.#nodes.get(nodeId)?.lastConnectAttemptMs ?? -Infinity;
  }

  /** Every node with a recorded state. */
  nodeIds(): number[] {
    return [...this.#nodes.keys()];
  }

  /** Forgets a node entirely. */
  remove(nodeId: number): void {
    this.#nodes.delete(nodeId);
  }

  #require(nodeId: number): NodeState {
    const node = this.#nodes.get(nodeId);
    if (node === undefined) throw new Error(`no connection state for node ${nodeId}`);
    return node;
  }
}
