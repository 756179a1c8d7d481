/**
 * SASL OAUTHBEARER (RFC 7628, KIP-255, KIP-342): a bearer token from a user-supplied
 * provider, plus optional SASL extensions.
 *
 * @module
 */

import { AuthenticationError } from "../errors.ts";
import type { SaslMechanism } from "./sasl_mechanism.ts";
import type { Secret } from "./secrets.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A token from an {@linkcode OAuthBearerTokenProvider}.
 *
 * @example
 * ```ts
 * import type { OAuthBearerToken } from "./sasl_oauthbearer.ts";
 * const token: OAuthBearerToken = { value: "eyJhbGciOi...", lifetimeMs: Date.now() + 3600000, extensions: { traceId: "abc" } };
 * console.log(token.extensions);
 * ```
 */
export interface OAuthBearerToken {
  /** The compact token (e.g. a JWT); a {@linkcode Secret} keeps it out of logs. */
  value: string | Secret;
  /** When the token expires, in milliseconds since the epoch, if known. */
  lifetimeMs?: number;
  /** SASL extensions (KIP-342): keys are letters only, and "auth" is reserved. */
  extensions?: Record<string, string>;
}

/**
 * Returns a valid token; called once per authentication, so it may refresh or cache.
 *
 * @example
 * ```ts
 * import type { OAuthBearerTokenProvider } from "./sasl_oauthbearer.ts";
 * const provider: OAuthBearerTokenProvider = () => Promise.resolve({ value: "token" });
 * console.log((await provider()).value);
 * ```
 */
export type OAuthBearerTokenProvider = () => Promise<OAuthBearerToken>;

/** RFC 7628 section 3.1: key = 1*ALPHA, value = *(VCHAR / SP / HTAB / CR / LF). */
const KEY = /^[A-Za-z]+$/;
const VALUE = /^[\x21-\x7e \t\r\n]*$/;
/** RFC 6750 b64token. */
const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Builds the RFC 7628 client initial response:
 * `n,,\x01auth=Bearer <token>\x01[key=value\x01]*\x01`. Throws
 * {@linkcode AuthenticationError} on a token or extension the syntax does not allow.
 *
 * @example
 * ```ts
 * import { oauthBearerInitialResponse } from "./sasl_oauthbearer.ts";
 * const bytes = oauthBearerInitialResponse("abc", { traceId: "1" });
 * console.log(JSON.stringify(new TextDecoder().decode(bytes))); // "n,,\u0001auth=Bearer abc\u0001traceId=1\u0001\u0001"
 * ```
 */
export function oauthBearerInitialResponse(token: string, extensions: Record<string, string> = {}): Uint8Array {
  if (!TOKEN.test(token)) throw new AuthenticationError("OAUTHBEARER token is not a valid bearer token (RFC 6750 b64token)");
  let kvpairs = `\x01auth=Bearer ${token}\x01`;
  // Sorted, so the same extensions always produce the same bytes.
  for (const key of Object.keys(extensions).sort()) {
    const value = extensions[key];
    if (!KEY.test(key) || key === "auth") throw new AuthenticationError(`OAUTHBEARER extension key ${JSON.stringify(key)} is not allowed`);
    if (typeof value !== "string" || !VALUE.test(value)) {
      throw new AuthenticationError(`OAUTHBEARER extension ${key} has a value with characters RFC 7628 does not allow`);
    }
    kvpairs += `${key}=${value}\x01`;
  }
  return encoder.encode(`n,,${kvpairs}\x01`);
}

/**
 * The OAUTHBEARER mechanism. The token's lifetime is kept in
 * {@linkcode SaslOAuthBearer.tokenLifetimeMs} for re-authentication scheduling.
 *
 * When the server answers with an error (a JSON challenge instead of success), the
 * client replies with the single byte `\x01` as RFC 7628 section 3.2.3 requires; the
 * broker then fails the exchange with its error, and any further call throws
 * {@linkcode AuthenticationError} with the server's JSON.
 *
 * @example
 * ```ts
 * import { SaslOAuthBearer } from "./sasl_oauthbearer.ts";
 * const oauth = new SaslOAuthBearer(() => Promise.resolve({ value: "abc" }));
 * console.log(JSON.stringify(new TextDecoder().decode(await oauth.start()))); // "n,,\u0001auth=Bearer abc\u0001\u0001"
 * ```
 */
export class SaslOAuthBearer implements SaslMechanism {
  /** "OAUTHBEARER". */
  readonly name = "OAUTHBEARER";
  readonly #provider: OAuthBearerTokenProvider;
  #started = false;
  #serverError: string | null = null;
  #lifetimeMs: number | undefined;

  /** @param provider Supplies the token. */
  constructor(provider: OAuthBearerTokenProvider) {
    this.#provider = provider;
  }

  /**
   * The expiry of the token sent, in milliseconds since the epoch, if the provider gave one.
   *
   * @example
   * ```ts
   * import { SaslOAuthBearer } from "./sasl_oauthbearer.ts";
   * const oauth = new SaslOAuthBearer(() => Promise.resolve({ value: "abc", lifetimeMs: 1000 }));
   * await oauth.start();
   * console.log(oauth.tokenLifetimeMs); // 1000
   * ```
   */
  get tokenLifetimeMs(): number | undefined {
    return this.#lifetimeMs;
  }

  /**
   * Asks the provider for a token and returns the client initial response.
   *
   * @example
   * ```ts
   * import { SaslOAuthBearer } from "./sasl_oauthbearer.ts";
   * console.log((await new SaslOAuthBearer(() => Promise.resolve({ value: "t" })).start()).length); // 19
   * ```
   */
  async start(): Promise<Uint8Array> {
    if (this.#started) throw new AuthenticationError("OAUTHBEARER exchange already started");
    this.#started = true;
    let token: OAuthBearerToken;
    try {
      token = await this.#provider();
    } catch (e) {
      throw new AuthenticationError("OAUTHBEARER token provider failed", e);
    }
    this.#lifetimeMs = token.lifetimeMs;
    const value = typeof token.value === "string" ? token.value : token.value.reveal();
    return oauthBearerInitialResponse(value, token.extensions);
  }

  /**
   * Empty server message: success, returns null. Otherwise the server sent an error:
   * returns `\x01` once, then throws.
   *
   * @example
   * ```ts
   * import { SaslOAuthBearer } from "./sasl_oauthbearer.ts";
   * const oauth = new SaslOAuthBearer(() => Promise.resolve({ value: "t" }));
   * await oauth.start();
   * console.log(await oauth.next(new Uint8Array())); // null
   * ```
   */
  next(challenge: Uint8Array): Promise<Uint8Array | null> {
    if (!this.#started) return Promise.reject(new AuthenticationError("OAUTHBEARER got a server message before start"));
    if (this.#serverError !== null) {
      return Promise.reject(new AuthenticationError(`OAUTHBEARER authentication failed: ${this.#serverError}`));
    }
    if (challenge.length === 0) return Promise.resolve(null);
    this.#serverError = decoder.decode(challenge);
    return Promise.resolve(new Uint8Array([1]));
  }
}
