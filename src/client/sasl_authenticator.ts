/**
 * SASL authentication of one connection, as the Java client's
 * `SaslClientAuthenticator`: SaslHandshake v1 names the mechanism, then
 * SaslAuthenticate requests carry the exchange. The same steps re-authenticate an
 * open connection before the broker's session lifetime ends (KIP-368).
 *
 * @module
 */
import { AuthenticationError, KafkaError } from "../errors.ts";
import type { ApiCodec } from "../protocol/api.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import { SaslAuthenticateApi } from "../protocol/sasl_authenticate.ts";
import { SaslHandshakeApi } from "../protocol/sasl_handshake.ts";
import { createSaslMechanism, runSaslExchange, type SaslConfig } from "../security/mod.ts";
import { type Logger, silentLogger } from "../logger.ts";

/** Sends one request on the connection being authenticated and resolves with its response. */
export interface SaslChannel {
  /** `version` pins the API version; absent, the highest both sides support is used. */
  request<Req, Res>(api: ApiCodec<Req, Res>, body: Req, version?: number): Promise<Res>;
}

/**
 * Authenticates the connection behind `channel` with a fresh mechanism instance and
 * resolves with the broker's session lifetime in ms (0: no re-authentication needed).
 * Rejects with {@link AuthenticationError} when the broker refuses the mechanism or
 * the credentials, or with the channel's error when the connection fails.
 *
 * @example
 * ```ts
 * import { authenticate } from "./sasl_authenticator.ts";
 * import type { SaslChannel } from "./sasl_authenticator.ts";
 * const accepting: SaslChannel = {
 *   request: (api) => Promise.resolve(
 *     (api.name === "SaslHandshake"
 *       ? { errorCode: 0, mechanisms: ["PLAIN"] }
 *       : { errorCode: 0, errorMessage: null, authBytes: new Uint8Array(), sessionLifetimeMs: 60000 }) as never,
 *   ),
 * };
 * const { sessionLifetimeMs } = await authenticate({ mechanism: "PLAIN", username: "u", password: "p" }, accepting, "node 1");
 * console.log(sessionLifetimeMs); // 60000
 * ```
 */
export async function authenticate(config: SaslConfig, channel: SaslChannel, peer: string): Promise<{ sessionLifetimeMs: number }> {
  const mechanism = createSaslMechanism(config);
  // v1: the exchange goes in SaslAuthenticate requests, which carry errors and the session lifetime.
  const handshake = await channel.request(SaslHandshakeApi, { mechanism: mechanism.name }, 1);
  if (handshake.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
    throw new AuthenticationError(
      `${peer} does not enable SASL mechanism ${mechanism.name}; it enables ${handshake.mechanisms.join(", ") || "none"}`,
    );
  }
  if (handshake.errorCode !== ErrorCode.NONE) {
    throw new AuthenticationError(`${peer} refused SaslHandshake with error code ${handshake.errorCode}`);
  }
  try {
    return await runSaslExchange(mechanism, (authBytes) => channel.request(SaslAuthenticateApi, { authBytes }));
  } catch (error) {
    if (error instanceof AuthenticationError) throw new AuthenticationError(`${peer}: ${error.message}`, error);
    throw error instanceof KafkaError ? error : new AuthenticationError(`${mechanism.name} exchange with ${peer} failed`, error);
  }
}

/**
 * When to re-authenticate: at 85 to 95% of the session lifetime after `startMs`, as
 * the Java client does, so that the network's delay and clock drift fit in the margin
 * and many connections do not re-authenticate at once. Infinity when the lifetime is 0.
 *
 * @example
 * ```ts
 * import { reauthenticationTime } from "./sasl_authenticator.ts";
 * console.log(reauthenticationTime(1000, 10000, () => 0.5)); // 10000
 * console.log(reauthenticationTime(1000, 0, Math.random)); // Infinity
 * ```
 */
export function reauthenticationTime(startMs: number, sessionLifetimeMs: number, random: () => number): number {
  if (sessionLifetimeMs <= 0) return Infinity;
  return startMs + Math.floor(sessionLifetimeMs * (0.85 + 0.1 * random()));
}

/** What {@link SaslSessions} needs from the NetworkClient that owns the connections. */
export interface SaslSessionHost {
  /** Sends an authentication request on the node's connection now. */
  send<Req, Res>(
    nodeId: number,
    api: ApiCodec<Req, Res>,
    body: Req,
    version: number | undefined,
    done: (error: KafkaError | undefined, body: Res | undefined) => void,
  ): void;
  /** The node's connection is (re-)authenticated and may carry requests. */
  authenticated(nodeId: number): void;
  /**
   * Authentication failed: close the connection with `error`. It may have gone already
   * (the broker closes it right after refusing the credentials).
   */
  failed(nodeId: number, error: KafkaError): void;
  /** The node as errors name it, with its address (`node 1 (b1:9092)`); default `node 1`. */
  describeNode?(nodeId: number): string;
}

interface Session {
  // Identifies one authentication run; outcomes of older runs are stale.
  run: number;
  running: boolean;
  deadlineMs: number;
  reauthAtMs: number;
}

/**
 * The authentication state of every connection: runs the exchange after ApiVersions,
 * knows when each session must be renewed, and bounds each run by a deadline (a token
 * provider that never answers must not hold a connection forever).
 *
 * @example
 * ```ts
 * import { SaslSessions } from "./sasl_authenticator.ts";
 * import type { SaslSessionHost } from "./sasl_authenticator.ts";
 * const host: SaslSessionHost = {
 *   send: (_node, api, _body, _version, done) =>
 *     done(undefined, (api.name === "SaslHandshake"
 *       ? { errorCode: 0, mechanisms: ["PLAIN"] }
 *       : { errorCode: 0, errorMessage: null, authBytes: new Uint8Array(), sessionLifetimeMs: 0 }) as never),
 *   authenticated: (nodeId) => console.log(`node ${nodeId} authenticated`),
 *   failed: (nodeId, error) => console.log(`node ${nodeId}: ${error.message}`),
 * };
 * const sessions = new SaslSessions({ mechanism: "PLAIN", username: "u", password: "p" }, host, 30000);
 * sessions.start(1, Date.now());
 * ```
 */
export class SaslSessions {
  readonly #config: SaslConfig;
  readonly #host: SaslSessionHost;
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  readonly #random: () => number;
  readonly #sessions = new Map<number, Session>();
  #runs = 0;

  /**
   * @param config The mechanism and credentials.
   * @param host The NetworkClient's side.
   * @param timeoutMs How long one authentication may take.
   * @param logger Where outcomes are reported.
   * @param random Jitter source for re-authentication times.
   */
  constructor(
    config: SaslConfig,
    host: SaslSessionHost,
    timeoutMs: number,
    logger: Logger = silentLogger,
    random: () => number = Math.random,
  ) {
    this.#config = config;
    this.#host = host;
    this.#timeoutMs = timeoutMs;
    this.#logger = logger;
    this.#random = random;
  }

  /** Authenticates (or re-authenticates) the node's connection. */
  start(nodeId: number, now: number): void {
    const reauthentication = this.#sessions.has(nodeId);
    const session: Session = { run: ++this.#runs, running: true, deadlineMs: now + this.#timeoutMs, reauthAtMs: Infinity };
    this.#sessions.set(nodeId, session);
    const current = () => this.#sessions.get(nodeId)?.run === session.run;
    const channel: SaslChannel = {
      request: (api, body, version) =>
        new Promise((resolve, reject) => {
          if (!current()) return reject(new AuthenticationError(`the connection to node ${nodeId} was replaced`));
          this.#host.send(nodeId, api, body, version, (error, response) => error ? reject(error) : resolve(response!));
        }),
    };
    authenticate(this.#config, channel, this.#host.describeNode?.(nodeId) ?? `node ${nodeId}`).then(
      ({ sessionLifetimeMs }) => {
        if (!current()) return;
        session.running = false;
        session.reauthAtMs = reauthenticationTime(now, sessionLifetimeMs, this.#random);
        this.#logger.debug(
          `${reauthentication ? "re-authenticated" : "authenticated"} to node ${nodeId} with ${this.#config.mechanism}` +
            (sessionLifetimeMs > 0 ? `; the session lasts ${sessionLifetimeMs} ms` : ""),
        );
        this.#host.authenticated(nodeId);
      },
      (error) => {
        const failure = error instanceof KafkaError ? error : new AuthenticationError(`authentication with node ${nodeId} failed`, error);
        const isCurrent = current();
        if (isCurrent) this.#sessions.delete(nodeId);
        // A refusal is worth reporting even after the broker closed the connection.
        if (!isCurrent && !(failure instanceof AuthenticationError)) return;
        this.#logger.error(`authentication to node ${nodeId} failed: ${failure.message}`);
        this.#host.failed(nodeId, failure);
      },
    );
  }

  /** The node's connection closed: its session, and any run under way, are void. */
  forget(nodeId: number): void {
    this.#sessions.delete(nodeId);
  }

  /** Whether an authentication run is under way on the node's connection. */
  isRunning(nodeId: number): boolean {
    return this.#sessions.get(nodeId)?.running ?? false;
  }

  /** Authenticated nodes whose session is due for renewal. */
  dueForReauthentication(now: number): number[] {
    const due: number[] = [];
    for (const [nodeId, session] of this.#sessions) if (!session.running && session.reauthAtMs <= now) due.push(nodeId);
    return due;
  }

  /** Nodes whose authentication run has passed its deadline. */
  timedOut(now: number): number[] {
    const late: number[] = [];
    for (const [nodeId, session] of this.#sessions) if (session.running && session.deadlineMs <= now) late.push(nodeId);
    return late;
  }

  /** The next time something here needs the poll loop: a deadline or a renewal. */
  nextDeadline(): number {
    let next = Infinity;
    for (const session of this.#sessions.values()) next = Math.min(next, session.running ? session.deadlineMs : session.reauthAtMs);
    return next;
  }
}
