/**
 * Java's `leastLoadedNode`: where a request that may go to any broker (metadata, a
 * coordinator lookup) should go.
 *
 * @module
 */
import type { ClusterConnectionStates } from "./cluster_connection_states.ts";
import type { InFlightRequests } from "./in_flight_requests.ts";
import type { BrokerNode } from "./metadata.ts";

/**
 * The node with the fewest in-flight requests that can take one now, preferring open
 * connections, then connections being set up, then nodes we may connect to (longest
 * since the last attempt). Starts at a random node, so load spreads. Undefined when
 * every node is backing off.
 *
 * @example
 * ```ts
 * import { chooseLeastLoadedNode } from "./least_loaded_node.ts";
 * import { ClusterConnectionStates } from "./cluster_connection_states.ts";
 * import { InFlightRequests } from "./in_flight_requests.ts";
 * const states = new ClusterConnectionStates({ reconnectBackoffMs: 50, reconnectBackoffMaxMs: 1000, socketConnectionSetupTimeoutMs: 10000, socketConnectionSetupTimeoutMaxMs: 30000 });
 * const node = chooseLeastLoadedNode([{ id: 1, host: "b1", port: 9092, rack: null }], states, new InFlightRequests(5), 0);
 * console.log(node?.id); // 1: never tried, so it may be connected to
 * ```
 */
export function chooseLeastLoadedNode(
  nodes: readonly BrokerNode[],
  states: ClusterConnectionStates,
  inFlight: InFlightRequests,
  now: number,
): BrokerNode | undefined {
  if (nodes.length === 0) return undefined;
  let best: BrokerNode | undefined;
  let bestLoad = Infinity;
  let connectable: BrokerNode | undefined;
  let connecting: BrokerNode | undefined;
  const offset = Math.floor(Math.random() * nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[(offset + i) % nodes.length];
    const load = inFlight.count(node.id);
    if (states.isReady(node.id) && inFlight.canSendMore(node.id)) {
      if (load === 0) return node;
      if (load < bestLoad) {
        best = node;
        bestLoad = load;
      }
    } else if (states.isConnecting(node.id) || states.isConnected(node.id)) {
      connecting ??= node;
    } else if (states.canConnect(node.id, now)) {
      if (connectable === undefined || states.lastConnectAttemptMs(node.id) < states.lastConnectAttemptMs(connectable.id)) {
        connectable = node;
      }
    }
  }
  return best ?? connecting ?? connectable;
}
