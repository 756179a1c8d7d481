/**
 * The client side of a SASL exchange, and the loop that runs one over SaslAuthenticate.
 *
 * After ApiVersions, a connection to a SASL listener sends SaslHandshake v1 with
 * {@linkcode SaslMechanism.name}, then one SaslAuthenticate request per client message:
 * first {@linkcode SaslMechanism.start}, then {@linkcode SaslMechanism.next} with each
 * server answer until it returns null.
 *
 * @module
 */

import { AuthenticationError } from "../errors.ts";

/**
 * One client-side SASL exchange. An instance is stateful and used for a single
 * authentication; make a new one for every connection (and every re-authentication).
 *
 * Methods throw {@linkcode AuthenticationError} when the server's messages are
 * invalid or prove it does not know the credentials.
 *
 * @example A mechanism that sends one message and accepts an empty answer
 * ```ts
 * import type { SaslMechanism } from "./sasl_mechanism.ts";
 * const anonymous: SaslMechanism = {
 *   name: "ANONYMOUS",
 *   start: () => Promise.resolve(new TextEncoder().encode("trace")),
 *   next: () => Promise.resolve(null),
 * };
 * console.log(anonymous.name);
 * ```
 */
export interface SaslMechanism {
  /** The mechanism's registered name, sent in SaslHandshake, e.g. "SCRAM-SHA-256". */
  readonly name: string;
  /** The client's initial response, sent in the first SaslAuthenticate request. */
  start(): Promise<Uint8Array>;
  /**
   * The client's answer to a server message (the previous SaslAuthenticate response's
   * auth bytes), or null when the exchange is complete and nothing more is sent.
   */
  next(challenge: Uint8Array): Promise<Uint8Array | null>;
}

/** What one SaslAuthenticate round trip returns; a `SaslAuthenticateResponse` fits. */
export interface SaslRoundTripResult {
  /** The error code, or 0. */
  errorCode: number;
  /** The broker's error message, or null. */
  errorMessage: string | null;
  /** The server's SASL message. */
  authBytes: Uint8Array;
  /** The session lifetime in milliseconds (0 = none); the last round's value counts. */
  sessionLifetimeMs: number;
}

/** A bound on rounds, so a confused server cannot keep a connection in SASL forever. */
const MAX_ROUNDS = 16;

/**
 * Runs `mechanism` to completion, sending each client message with `roundTrip` (one
 * SaslAuthenticate request). Resolves with the session lifetime of the last response
 * (KIP-368; 0 means no re-authentication is required). A non-zero error code rejects
 * with {@linkcode AuthenticationError} carrying the broker's message.
 *
 * @example PLAIN against a broker stub that accepts anything
 * ```ts
 * import { runSaslExchange } from "./sasl_mechanism.ts";
 * import { SaslPlain } from "./sasl_plain.ts";
 * const result = await runSaslExchange(new SaslPlain({ username: "u", password: "p" }), () =>
 *   Promise.resolve({ errorCode: 0, errorMessage: null, authBytes: new Uint8Array(), sessionLifetimeMs: 3600000 }));
 * console.log(result.sessionLifetimeMs); // 3600000
 * ```
 */
export async function runSaslExchange(
  mechanism: SaslMechanism,
  roundTrip: (authBytes: Uint8Array) => Promise<SaslRoundTripResult>,
): Promise<{ sessionLifetimeMs: number }> {
  let message: Uint8Array | null = await mechanism.start();
  let sessionLifetimeMs = 0;
  for (let round = 0; message !== null; round++) {
    if (round >= MAX_ROUNDS) throw new AuthenticationError(`${mechanism.name} exchange did not finish after ${MAX_ROUNDS} rounds`);
    const res = await roundTrip(message);
    if (res.errorCode !== 0) {
      const detail = res.errorMessage ?? `error code ${res.errorCode}`;
      throw new AuthenticationError(`${mechanism.name} authentication failed: ${detail}`);
    }
    sessionLifetimeMs = res.sessionLifetimeMs;
    message = await mechanism.next(res.authBytes);
  }
  return { sessionLifetimeMs };
}
