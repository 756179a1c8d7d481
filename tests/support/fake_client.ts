/**
 * A network client the test answers by hand, in the spirit of the Java client's
 * MockClient: it records each request and completes it with whatever response the
 * test gives, at the next poll.
 */
import type { ClientRequest, ClientResponse, RequestSpec } from "../../src/client/client_request.ts";
import type { SenderClient } from "../../src/producer/sender.ts";
import type { AuthenticationError, KafkaError } from "../../src/errors.ts";
import { UnsupportedVersionError } from "../../src/errors.ts";
import type { ConnectionFailure } from "../../src/client/connection_failure.ts";

export interface Recorded<Req = unknown, Res = unknown> {
  request: ClientRequest<Req, Res>;
  answered: boolean;
}

export class FakeClient implements SenderClient {
  readonly requests: Recorded[] = [];
  readonly readyNodes = new Set<number>([1]);
  wakeups = 0;
  /** The timeout of every poll, in order. */
  readonly pollTimeouts: number[] = [];
  closed = false;
  /** Set by a test: the next turn of the Sender takes it, as from a refused SASL login. */
  authenticationFailure: AuthenticationError | undefined;
  #due: ClientResponse[] = [];

  /** Nodes the metadata no longer lists (a coordinator that went away). */
  readonly goneNodes = new Set<number>();
  /** Set by a test: each node's last failed connection outcome. */
  readonly failures = new Map<number, ConnectionFailure>();

  ready(nodeId: number | { id: number }): boolean {
    return this.readyNodes.has(typeof nodeId === "number" ? nodeId : nodeId.id);
  }

  /** Set by a test: nodes the metadata does not list yet, known (as in the NetworkClient) once registered. */
  readonly unlistedNodes = new Set<number>();

  knowsNode(nodeId: number): boolean {
    return !this.goneNodes.has(nodeId) && (!this.unlistedNodes.has(nodeId) || this.registered.has(nodeId));
  }

  /** Nodes the Sender registered (coordinators from FindCoordinator), by id. */
  readonly registered = new Map<number, { id: number; host: string; port: number }>();

  registerNode(node: { id: number; host: string; port: number; rack: string | null }): void {
    this.registered.set(node.id, node);
  }

  connectionFailed(): boolean {
    return false;
  }

  leastLoadedNode(): { id: number; host: string; port: number; rack: null } | undefined {
    const [id] = this.readyNodes;
    return id === undefined ? undefined : { id, host: "fake", port: 9092, rack: null };
  }

  /** Set by a test: a node's connection delay (Infinity while connecting); 0 when not set. */
  readonly connectionDelays = new Map<number, number>();

  connectionDelay(nodeId: number): number {
    return this.connectionDelays.get(nodeId) ?? 0;
  }

  connectionFailure(nodeId: number): ConnectionFailure | undefined {
    return this.failures.get(nodeId);
  }

  nodeAddress(nodeId: number): string {
    return `b${nodeId}:9092`;
  }

  send<Req, Res>(spec: RequestSpec<Req, Res>, now: number): ClientRequest<Req, Res> {
    const request: ClientRequest<Req, Res> = {
      destination: spec.destination,
      api: spec.api,
      body: spec.body,
      expectResponse: spec.expectResponse ?? true,
      requestTimeoutMs: 30_000,
      callback: spec.callback,
      createdMs: now,
      version: 9,
      correlationId: this.requests.length,
      sendTimeMs: now,
      sendCompleted: true,
    };
    const recorded = { request: request as ClientRequest, answered: false };
    this.requests.push(recorded);
    if (!request.expectResponse) this.#answer(recorded, undefined, undefined, now);
    return request;
  }

  /**
   * Answers the index-th request (default: the oldest unanswered) with a body or an error.
   * An error counts as a disconnection unless `disconnected` says otherwise; as in the
   * NetworkClient, a version mismatch fails the request before it is sent.
   */
  respond(
    body: unknown,
    error?: KafkaError,
    index?: number,
    now = 0,
    disconnected = error !== undefined && !(error instanceof UnsupportedVersionError),
  ): void {
    const recorded = index === undefined ? this.requests.find((r) => !r.answered) : this.requests[index];
    if (recorded === undefined) throw new Error("no request to answer");
    this.#answer(recorded, body, error, now, disconnected);
  }

  #answer(recorded: Recorded, body: unknown, error: KafkaError | undefined, now: number, disconnected = false): void {
    recorded.answered = true;
    this.#due.push({ request: recorded.request, receivedMs: now, body: error ? undefined : body, error, disconnected });
  }

  poll(timeoutMs = 0): Promise<ClientResponse[]> {
    this.pollTimeouts.push(timeoutMs);
    const due = this.#due;
    this.#due = [];
    for (const response of due) response.request.callback?.(response as never);
    return Promise.resolve(due);
  }

  wakeup(): void {
    this.wakeups++;
  }

  inFlightRequestCount(): number {
    return this.requests.filter((r) => !r.answered).length;
  }

  close(): void {
    this.closed = true;
  }

  takeAuthenticationFailure(): AuthenticationError | undefined {
    const failure = this.authenticationFailure;
    this.authenticationFailure = undefined;
    return failure;
  }
}
