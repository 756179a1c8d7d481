/**
 * What went wrong with the last connection to a broker address, in a few words a user
 * can act on: refused, unresolvable, too slow, not TLS, not Kafka, bad credentials, or
 * closed. The NetworkClient keeps one per node; timeouts further up quote them, so a
 * producer pointed at the wrong port says so instead of only "not present in metadata".
 *
 * @module
 */
import { AuthenticationError, CorruptResponseError, type KafkaError, SslAuthenticationError, TimeoutError } from "../errors.ts";
import type { ConnectionState } from "./cluster_connection_states.ts";

/** The kinds of connection outcome worth telling apart. */
export type ConnectionFailureKind =
  | "connection_refused"
  | "dns_failure"
  | "setup_timeout"
  | "tls_failure"
  | "not_kafka"
  | "authentication_failed"
  | "request_timeout"
  | "disconnected";

/** The last failed connection outcome of one node. */
export interface ConnectionFailure {
  /** The node id (negative for a bootstrap address). */
  readonly nodeId: number;
  /** `host:port` that was tried. */
  readonly address: string;
  /** What kind of failure it was. */
  readonly kind: ConnectionFailureKind;
  /** The outcome in a few words, to follow the address: `connection refused (ECONNREFUSED)`. */
  readonly description: string;
  /** The error the connection (and its requests) failed with. */
  readonly error: KafkaError;
  /** When it happened, on the client's clock. */
  readonly atMs: number;
}

// Node-style codes the transport adapters report (see src/net/transport.ts).
const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "EAI_NODATA"]);

/** The Node-style `code` of an error or of its cause, if any. */
function errorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/** The innermost message: the runtime's own words, without our "connection to node ..." prefix. */
function rootMessage(error: Error): string {
  let e: unknown = error;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return (e as Error).message;
}

/**
 * Classifies a connection's failure from its error and the state the connection was in
 * when it failed (an error before the socket opened means something else than after).
 *
 * @example
 * ```ts
 * import { classifyConnectionFailure } from "./connection_failure.ts";
 * import { NetworkError } from "../errors.ts";
 * const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
 * const failure = classifyConnectionFailure(-1, "127.0.0.1:1", new NetworkError("connection failed", refused), "connecting", false, 0);
 * console.log(failure.kind, failure.description); // connection_refused connection refused (ECONNREFUSED)
 * ```
 */
export function classifyConnectionFailure(
  nodeId: number,
  address: string,
  error: KafkaError,
  state: ConnectionState,
  tls: boolean,
  now: number,
): ConnectionFailure {
  const [kind, description] = classify(error, state, tls);
  return { nodeId, address, kind, description, error, atMs: now };
}

function classify(error: KafkaError, state: ConnectionState, tls: boolean): [ConnectionFailureKind, string] {
  if (error instanceof SslAuthenticationError) return ["tls_failure", `failed the TLS handshake (${rootMessage(error)})`];
  if (error instanceof AuthenticationError) return ["authentication_failed", `refused authentication (${error.message})`];
  const code = errorCode(error);
  if (code === "ECONNREFUSED") return ["connection_refused", "connection refused (ECONNREFUSED)"];
  if (code !== undefined && DNS_CODES.has(code)) return ["dns_failure", `host name did not resolve (${code})`];
  if (error instanceof TimeoutError) {
    return state === "connecting" ? ["setup_timeout", `did not accept the connection in time (${error.message})`] : [
      "request_timeout",
      error.message,
    ];
  }
  if (state === "connecting" && tls) {
    // The peer hung up on our ClientHello: most often a plaintext listener.
    return ["tls_failure", `closed the connection during the TLS handshake (${rootMessage(error)}); is it a TLS listener?`];
  }
  if (state === "checking_api_versions") {
    if (error instanceof CorruptResponseError) {
      // A TLS record (an alert, a handshake) where a Kafka frame should be: a TLS listener got plaintext.
      if (!tls && error.received !== undefined && /^\\x1[4-7]\\x03/.test(error.received)) {
        return ["tls_failure", `expects TLS (it answered with a TLS record, "${error.received}"): set ssl`];
      }
      const what = error.received === undefined ? error.message : `it answered "${error.received}"`;
      return ["not_kafka", `is not a Kafka broker (${what})`];
    }
    const hint = tls ? "" : "; if it is a TLS listener, set ssl";
    return ["disconnected", `closed the connection without answering ApiVersions (${rootMessage(error)})${hint}`];
  }
  if (state === "connecting") return ["disconnected", `could not connect (${code ? `${code}: ` : ""}${rootMessage(error)})`];
  return ["disconnected", `disconnected (${error.message})`];
}

/**
 * How errors name a node: `node 1 (host:port)`, or `node 1` when its address is not known,
 * so a user sees which address failed.
 *
 * @example
 * ```ts
 * import { describeNode } from "./connection_failure.ts";
 * console.log(describeNode(1, "10.0.0.7:9092")); // node 1 (10.0.0.7:9092)
 * ```
 */
export function describeNode(nodeId: number, address: string | undefined): string {
  return address === undefined ? `node ${nodeId}` : `node ${nodeId} (${address})`;
}

/**
 * One line for a failure: the address, then what happened there.
 *
 * @example
 * ```ts
 * import { describeConnectionFailure } from "./connection_failure.ts";
 * import { NetworkError } from "../errors.ts";
 * console.log(describeConnectionFailure({
 *   nodeId: -1, address: "127.0.0.1:1", kind: "connection_refused",
 *   description: "connection refused (ECONNREFUSED)", error: new NetworkError("refused"), atMs: 0,
 * })); // 127.0.0.1:1 connection refused (ECONNREFUSED)
 * ```
 */
export function describeConnectionFailure(failure: ConnectionFailure): string {
  return `${failure.address} ${failure.description}`;
}
