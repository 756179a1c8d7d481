/**
 * What happens on a connection between the socket opening and its first request: the
 * ApiVersions exchange (with the fallback to the broker's highest version), then SASL
 * authentication when configured, and later SASL re-authentication (KIP-368). It also
 * keeps what the brokers reported: each node's API versions and the cluster's
 * finalized feature levels.
 *
 * @module
 */
import { KafkaError } from "../errors.ts";
import type { ApiCodec } from "../protocol/api.ts";
import { negotiateVersion } from "../protocol/api.ts";
import type { ApiVersionsResponse } from "../protocol/api_versions.ts";
import { ApiVersionsApi } from "../protocol/api_versions.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import type { ClientRequest, RequestSpec } from "./client_request.ts";
import type { ClusterConnectionStates } from "./cluster_connection_states.ts";
import type { ResolvedClientConfig } from "./client_config.ts";
import { CLIENT_SOFTWARE } from "./client_config.ts";
import { SaslSessions } from "./sasl_authenticator.ts";

/** The versions of each API (by key) that one broker supports. */
export type NodeApiVersions = ReadonlyMap<number, { minVersion: number; maxVersion: number }>;

/** What {@link ConnectionSetup} uses of the NetworkClient. */
export interface ConnectionSetupHost {
  readonly states: ClusterConnectionStates;
  sendInternal<Req, Res>(spec: RequestSpec<Req, Res>, now: number): ClientRequest<Req, Res>;
  inFlightRequestCount(nodeId: number): number;
  /** Closes the node's connection with `error` (or records it, when already closed). */
  failConnection(nodeId: number, error: KafkaError): void;
  /** Makes a waiting poll come round (after a request or state change made outside it). */
  wakeup(): void;
  now(): number;
  /** The node as errors name it, with its address. */
  describeNode(nodeId: number): string;
}

/** The settings the setup uses. */
export type ConnectionSetupConfig = Pick<
  ResolvedClientConfig,
  "sasl" | "requestTimeoutMs" | "logger"
>;

/**
 * Brings each new connection to the ready state.
 *
 * @example The NetworkClient owns one; see `network_client.ts`.
 * ```ts
 * import type { ConnectionSetup } from "./connection_setup.ts";
 * function level(setup: ConnectionSetup): number {
 *   return setup.finalizedFeatureLevel("transaction.version");
 * }
 * ```
 */
export class ConnectionSetup {
  readonly #config: ConnectionSetupConfig;
  readonly #host: ConnectionSetupHost;
  readonly #apiVersions = new Map<number, NodeApiVersions>();
  // The newest cluster-wide finalized feature levels any broker reported (e.g. transaction.version).
  #finalizedFeatures: { epoch: bigint; levels: Map<string, number> } = { epoch: -1n, levels: new Map() };
  readonly #sasl: SaslSessions | undefined;

  /**
   * @param config Settings.
   * @param host The NetworkClient's side.
   * @param random Jitter source for re-authentication.
   */
  constructor(config: ConnectionSetupConfig, host: ConnectionSetupHost, random: () => number) {
    this.#config = config;
    this.#host = host;
    this.#sasl = config.sasl && new SaslSessions(
      config.sasl,
      {
        send: (nodeId, api, body, version, done) => {
          host.sendInternal({ destination: nodeId, api, body, version, callback: (r) => done(r.error, r.body) }, host.now());
          host.wakeup();
        },
        authenticated: (nodeId) => {
          host.states.ready(nodeId);
          host.wakeup();
        },
        failed: (nodeId, error) => host.failConnection(nodeId, error),
        describeNode: (nodeId) => host.describeNode(nodeId),
      },
      config.requestTimeoutMs,
      config.logger,
      random,
    );
  }

  /** The socket to the node opened: ask for its API versions. */
  connected(nodeId: number, now: number): void {
    this.#host.states.checkingApiVersions(nodeId);
    this.#sendApiVersions(nodeId, now, ApiVersionsApi.maxVersion);
  }

  /** The node's connection closed: forget what it reported. */
  forget(nodeId: number): void {
    this.#apiVersions.delete(nodeId);
    this.#sasl?.forget(nodeId);
  }

  /** The API versions the node reported, once its handshake is done. */
  nodeApiVersions(nodeId: number): NodeApiVersions | undefined {
    return this.#apiVersions.get(nodeId);
  }

  /** The version of `api` to use with the node, or undefined when none is common. */
  negotiatedVersion(nodeId: number, api: ApiCodec<unknown, unknown>): number | undefined {
    const range = this.#apiVersions.get(nodeId)?.get(api.key);
    if (range === undefined) return undefined;
    return negotiateVersion(api, range.minVersion, range.maxVersion) ?? undefined;
  }

  /** A cluster-wide finalized feature level (such as "transaction.version"), 0 when none was reported. */
  finalizedFeatureLevel(name: string): number {
    return this.#finalizedFeatures.levels.get(name) ?? 0;
  }

  /**
   * KIP-368: once a session is due for renewal the connection takes no new requests;
   * when its in-flight requests have been answered it authenticates again.
   */
  maybeReauthenticate(now: number): void {
    if (this.#sasl === undefined) return;
    const states = this.#host.states;
    for (const nodeId of this.#sasl.dueForReauthentication(now)) {
      if (states.isReady(nodeId)) states.authenticating(nodeId);
      if (this.#host.inFlightRequestCount(nodeId) === 0) this.#sasl.start(nodeId, now);
    }
  }

  /** Nodes whose authentication has run past its deadline. */
  timedOutAuthentications(now: number): number[] {
    return this.#sasl?.timedOut(now) ?? [];
  }

  /** When poll must next look here (an authentication deadline or a re-authentication). */
  nextDeadline(): number {
    return this.#sasl?.nextDeadline() ?? Infinity;
  }

  #sendApiVersions(nodeId: number, now: number, version: number): void {
    this.#host.sendInternal({
      destination: nodeId,
      api: ApiVersionsApi,
      version,
      body: { clientSoftwareName: CLIENT_SOFTWARE.name, clientSoftwareVersion: CLIENT_SOFTWARE.version },
      // A failed handshake needs nothing here: the disconnection is already handled.
      callback: (response) => {
        if (response.body !== undefined) this.#handleApiVersions(nodeId, version, response.body, response.receivedMs);
      },
    }, now);
  }

  #handleApiVersions(nodeId: number, sentVersion: number, response: ApiVersionsResponse, now: number): void {
    // The connection may have closed in the same poll that brought the answer.
    if (this.#host.states.state(nodeId) !== "checking_api_versions") return;
    if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      // The broker answered in v0 with what it supports; ask again in its highest version.
      const range = response.apiKeys.find((k) => k.apiKey === ApiVersionsApi.key);
      const version = range && negotiateVersion(ApiVersionsApi, range.minVersion, range.maxVersion);
      if (version !== null && version !== undefined && version < sentVersion) {
        this.#sendApiVersions(nodeId, now, version);
        return;
      }
    }
    if (response.errorCode !== ErrorCode.NONE) {
      this.#host.failConnection(
        nodeId,
        new KafkaError(`${this.#host.describeNode(nodeId)} refused ApiVersions with error code ${response.errorCode}`),
      );
      return;
    }
    this.#apiVersions.set(nodeId, new Map(response.apiKeys.map((k) => [k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion }])));
    if (response.finalizedFeaturesEpoch > this.#finalizedFeatures.epoch) {
      this.#finalizedFeatures = {
        epoch: response.finalizedFeaturesEpoch,
        levels: new Map(response.finalizedFeatures.map((f) => [f.name, f.maxVersionLevel])),
      };
    }
    if (this.#sasl === undefined) {
      this.#host.states.ready(nodeId);
      return;
    }
    this.#host.states.authenticating(nodeId);
    this.#sasl.start(nodeId, now);
  }
}
