/**
 * Blocking-style helpers over the NetworkClient for code that owns it outright (admin
 * tools, tests, examples), as the Java client's `NetworkClientUtils`: each drives
 * `poll` itself until its answer arrives, so none may run beside another poll loop.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import { type KafkaError, TimeoutError } from "../errors.ts";
import { Selector } from "../net/selector.ts";
import { runtimeTransport } from "../net/runtime_transport.ts";
import type { ClientResponse, RequestSpec } from "./client_request.ts";
import type { ClientConfig, ResolvedClientConfig } from "./client_config.ts";
import { resolveClientConfig } from "./client_config.ts";
import type { Cluster } from "./metadata.ts";
import { Metadata } from "./metadata.ts";
import { NetworkClient } from "./network_client.ts";

/** A NetworkClient with the metadata it keeps fresh. */
export interface ConnectedClient {
  client: NetworkClient;
  metadata: Metadata;
  config: ResolvedClientConfig;
  clock: Clock;
}

/**
 * Builds a NetworkClient over the runtime's sockets from user settings.
 *
 * @example
 * ```ts
 * import { createNetworkClient, awaitMetadata } from "./network_client_utils.ts";
 * const connected = createNetworkClient({ bootstrapServers: "127.0.0.1:9092" });
 * const cluster = await awaitMetadata(connected, 10000);
 * console.log(cluster.nodes);
 * connected.client.close();
 * ```
 */
export function createNetworkClient(settings: ClientConfig, clock: Clock = systemClock): ConnectedClient {
  const config = resolveClientConfig(settings);
  const transport = typeof config.transport === "object" ? config.transport : runtimeTransport(config.transport);
  const selector = new Selector(transport, { maxReceiveSize: config.maxResponseSize });
  const metadata = new Metadata(config.bootstrapServers, config);
  const client = new NetworkClient(selector, metadata, config, clock);
  return { client, metadata, config, clock };
}

/**
 * Polls until a metadata update newer than the current one arrives.
 *
 * @example
 * ```ts
 * import { createNetworkClient, awaitMetadata } from "./network_client_utils.ts";
 * const connected = createNetworkClient({ bootstrapServers: "127.0.0.1:9092" });
 * connected.metadata.fetchAllTopics();
 * const cluster = await awaitMetadata(connected, 10000);
 * console.log([...cluster.topics.keys()]);
 * ```
 */
export async function awaitMetadata(connected: ConnectedClient, timeoutMs: number): Promise<Cluster> {
  const { client, metadata, clock } = connected;
  const version = metadata.requestUpdate();
  const deadline = clock.now() + timeoutMs;
  while (metadata.updateVersion === version) {
    const now = clock.now();
    if (now >= deadline) {
      const cause = lastError(connected);
      throw new TimeoutError(`no metadata within ${timeoutMs} ms${cause ? `: ${cause.message}` : ""}`, cause);
    }
    await client.poll(deadline - now, now);
    // Refused credentials do not get better by waiting.
    const refused = client.takeAuthenticationFailure();
    if (refused !== undefined) throw refused;
  }
  return metadata.cluster;
}

/**
 * Polls until the node is ready for requests (connected, ApiVersions done).
 *
 * @example
 * ```ts
 * import { createNetworkClient, awaitMetadata, awaitReady } from "./network_client_utils.ts";
 * const connected = createNetworkClient({ bootstrapServers: "127.0.0.1:9092" });
 * const cluster = await awaitMetadata(connected, 10000);
 * await awaitReady(connected, cluster.nodes[0].id, 10000);
 * ```
 */
export async function awaitReady(connected: ConnectedClient, nodeId: number, timeoutMs: number): Promise<void> {
  const { client, clock } = connected;
  const deadline = clock.now() + timeoutMs;
  while (!client.ready(nodeId, clock.now())) {
    const now = clock.now();
    if (now >= deadline) {
      const cause = client.lastError(nodeId);
      throw new TimeoutError(`node ${nodeId} was not ready within ${timeoutMs} ms${cause ? `: ${cause.message}` : ""}`, cause);
    }
    await client.poll(Math.min(deadline - now, client.connectionDelay(nodeId, now)), now);
    const refused = client.takeAuthenticationFailure();
    if (refused !== undefined) throw refused;
  }
}

/**
 * Waits for the node, sends one request and polls until its response, which it
 * returns; a failed request rejects with its typed error.
 *
 * @example
 * ```ts
 * import { createNetworkClient, awaitMetadata, sendAndReceive } from "./network_client_utils.ts";
 * import { MetadataApi } from "../protocol/metadata.ts";
 * const connected = createNetworkClient({ bootstrapServers: "127.0.0.1:9092" });
 * const cluster = await awaitMetadata(connected, 10000);
 * const body = connected.metadata.newRequest();
 * const response = await sendAndReceive(connected, { destination: cluster.nodes[0].id, api: MetadataApi, body }, 10000);
 * console.log(response.brokers.length);
 * ```
 */
export async function sendAndReceive<Req, Res>(
  connected: ConnectedClient,
  spec: RequestSpec<Req, Res>,
  timeoutMs: number,
): Promise<Res> {
  const { client, clock } = connected;
  await awaitReady(connected, spec.destination, timeoutMs);
  let outcome: ClientResponse<Res> | undefined;
  client.send({ ...spec, callback: (response) => outcome = response }, clock.now());
  while (outcome === undefined) {
    const now = clock.now();
    await client.poll(timeoutMs, now);
  }
  if (outcome.error !== undefined) throw outcome.error;
  return outcome.body as Res;
}

function lastError(connected: ConnectedClient): KafkaError | undefined {
  for (const node of connected.metadata.cluster.nodes) {
    const error = connected.client.lastError(node.id);
    if (error !== undefined) return error;
  }
  return undefined;
}
