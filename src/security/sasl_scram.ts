/**
 * SASL SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), with Web Crypto.
 *
 * The client proves it knows the password without sending it, and the server proves
 * it knows the salted password by its signature, which is checked in constant time.
 *
 * @module
 */

import { AuthenticationError } from "../errors.ts";
import { constantTimeEqual } from "./constant_time.ts";
import type { SaslMechanism } from "./sasl_mechanism.ts";
import { type Secret, toSecret } from "./secrets.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The hashes this client supports, by SCRAM mechanism name. */
const HASHES = { "SCRAM-SHA-256": { hash: "SHA-256", bits: 256 }, "SCRAM-SHA-512": { hash: "SHA-512", bits: 512 } } as const;

/**
 * The lowest iteration count accepted from a server, as in Kafka (RFC 7677 also
 * recommends at least 4096); fewer makes an offline attack on a stolen exchange cheap.
 */
export const SCRAM_MIN_ITERATIONS: number = 4096;

/** A SCRAM mechanism name. */
export type ScramMechanismName = keyof typeof HASHES;

/**
 * Options of {@linkcode SaslScram}.
 */
export interface SaslScramOptions {
  /** "SCRAM-SHA-256" or "SCRAM-SHA-512". */
  mechanism: ScramMechanismName;
  /** The username (escaped as RFC 5802 requires). */
  username: string;
  /** The password; a plain string is wrapped in a {@linkcode Secret}. */
  password: string | Secret;
  /**
   * Authenticate with a Kafka delegation token (the username is the token id and the
   * password its HMAC): sends the `tokenauth=true` extension.
   */
  tokenAuth?: boolean;
  /** The client nonce; only for tests against fixed vectors. Random by default. */
  clientNonce?: string;
}

/**
 * Escapes a SCRAM username: `=` as `=3D` and `,` as `=2C` (RFC 5802 section 5.1).
 *
 * @example
 * ```ts
 * import { escapeScramUsername } from "./sasl_scram.ts";
 * console.log(escapeScramUsername("a=b,c")); // "a=3Db=2Cc"
 * ```
 */
export function escapeScramUsername(username: string): string {
  return username.replace(/=/g, "=3D").replace(/,/g, "=2C");
}

/** 24 random bytes as base64: printable and comma-free, as a nonce must be. */
function randomNonce(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(24)));
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string, what: string): Uint8Array {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch (e) {
    throw new AuthenticationError(`SCRAM ${what} is not valid base64`, e);
  }
}

/** Parses `k=v,k=v` into a map; the first occurrence of a key wins. */
function parseAttributes(message: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const part of message.split(",")) {
    const eq = part.indexOf("=");
    if (eq !== 1) throw new AuthenticationError(`SCRAM server message has a malformed attribute`);
    if (!attrs.has(part[0])) attrs.set(part[0], part.slice(2));
  }
  return attrs;
}

/** A copy on a plain ArrayBuffer, the only kind Web Crypto's types accept. */
function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

type State = "initial" | "client-first-sent" | "client-final-sent" | "done" | "failed";

/**
 * The SCRAM-SHA-256 / SCRAM-SHA-512 client: client-first, client-final with the proof,
 * then a check of the server signature. Channel binding is not used (`n,,`).
 *
 * The password is used as its UTF-8 bytes without SASLprep normalization, as the Java
 * client does, so non-ASCII passwords must be stored on the broker the same way.
 *
 * @example
 * ```ts
 * import { SaslScram } from "./sasl_scram.ts";
 * const scram = new SaslScram({ mechanism: "SCRAM-SHA-512", username: "alice", password: "pencil" });
 * const first = new TextDecoder().decode(await scram.start());
 * console.log(first.startsWith("n,,n=alice,r=")); // true
 * ```
 */
export class SaslScram implements SaslMechanism {
  /** The mechanism name, "SCRAM-SHA-256" or "SCRAM-SHA-512". */
  readonly name: ScramMechanismName;
  readonly #username: string;
  readonly #password: Secret;
  readonly #tokenAuth: boolean;
  readonly #clientNonce: string;
  #state: State = "initial";
  #clientFirstBare = "";
  #expectedServerSignature: Uint8Array = new Uint8Array();

  /** @param options The mechanism and credentials. */
  constructor(options: SaslScramOptions) {
    if (!(options.mechanism in HASHES)) throw new AuthenticationError(`unsupported SCRAM mechanism ${options.mechanism}`);
    this.name = options.mechanism;
    this.#username = options.username;
    this.#password = toSecret(options.password);
    this.#tokenAuth = options.tokenAuth ?? false;
    this.#clientNonce = options.clientNonce ?? randomNonce();
    if (!/^[\x21-\x2b\x2d-\x7e]+$/.test(this.#clientNonce)) {
      throw new AuthenticationError("SCRAM client nonce must be printable ASCII without commas");
    }
  }

  /**
   * The client-first message: `n,,n=<user>,r=<nonce>[,tokenauth=true]`.
   *
   * @example
   * ```ts
   * import { SaslScram } from "./sasl_scram.ts";
   * const scram = new SaslScram({ mechanism: "SCRAM-SHA-256", username: "user", password: "pencil", clientNonce: "abc" });
   * console.log(new TextDecoder().decode(await scram.start())); // "n,,n=user,r=abc"
   * ```
   */
  start(): Promise<Uint8Array> {
    if (this.#state !== "initial") return Promise.reject(new AuthenticationError("SCRAM exchange already started"));
    const extensions = this.#tokenAuth ? ",tokenauth=true" : "";
    this.#clientFirstBare = `n=${escapeScramUsername(this.#username)},r=${this.#clientNonce}${extensions}`;
    this.#state = "client-first-sent";
    return Promise.resolve(encoder.encode(`n,,${this.#clientFirstBare}`));
  }

  /**
   * Answers the server-first message with the client-final message, then checks the
   * server-final message and returns null. Throws {@linkcode AuthenticationError} on a
   * server error (`e=`), a nonce that does not extend the client's, fewer than
   * {@linkcode SCRAM_MIN_ITERATIONS} iterations, or a server signature that does not match.
   *
   * @example See the module tests for a full exchange against RFC 7677's vector.
   * ```ts
   * import { SaslScram } from "./sasl_scram.ts";
   * const scram = new SaslScram({ mechanism: "SCRAM-SHA-256", username: "user", password: "pencil", clientNonce: "abc" });
   * await scram.start();
   * const serverFirst = new TextEncoder().encode("r=abcdef,s=QSXCR+Q6sek8bf92,i=4096");
   * console.log(new TextDecoder().decode((await scram.next(serverFirst))!).startsWith("c=biws,r=abcdef,p=")); // true
   * ```
   */
  async next(challenge: Uint8Array): Promise<Uint8Array | null> {
    try {
      switch (this.#state) {
        case "client-first-sent":
          return await this.#clientFinal(this.#text(challenge));
        case "client-final-sent":
          this.#verifyServerFinal(this.#text(challenge));
          this.#state = "done";
          return null;
        default:
          throw new AuthenticationError(`SCRAM got a server message in state ${this.#state}`);
      }
    } catch (e) {
      this.#state = "failed";
      throw e instanceof AuthenticationError ? e : new AuthenticationError("SCRAM exchange failed", e);
    }
  }

  #text(challenge: Uint8Array): string {
    try {
      return decoder.decode(challenge);
    } catch (e) {
      throw new AuthenticationError("SCRAM server message is not UTF-8", e);
    }
  }

  async #clientFinal(serverFirst: string): Promise<Uint8Array> {
    const attrs = parseAttributes(serverFirst);
    if (attrs.has("e")) throw new AuthenticationError(`SCRAM server error: ${attrs.get("e")}`);
    // A mandatory extension (RFC 5802 "m=") this client does not know must fail the exchange.
    if (attrs.has("m")) throw new AuthenticationError("SCRAM server requires an unsupported extension");
    const nonce = attrs.get("r");
    const salt = attrs.get("s");
    const iterationsText = attrs.get("i");
    if (nonce === undefined || salt === undefined || iterationsText === undefined) {
      throw new AuthenticationError("SCRAM server-first message lacks r, s or i");
    }
    if (!nonce.startsWith(this.#clientNonce) || nonce.length === this.#clientNonce.length) {
      throw new AuthenticationError("SCRAM server nonce does not extend the client nonce");
    }
    if (!/^[0-9]{1,10}$/.test(iterationsText)) throw new AuthenticationError("SCRAM iteration count is not a number");
    const iterations = Number(iterationsText);
    if (iterations < SCRAM_MIN_ITERATIONS) {
      throw new AuthenticationError(`SCRAM iteration count ${iterations} is below the minimum ${SCRAM_MIN_ITERATIONS}`);
    }
    const keys = await scramKeys(this.name, this.#password.reveal(), fromBase64(salt, "salt"), iterations);
    // c=biws is base64("n,,"): no channel binding, no authzid.
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = encoder.encode(`${this.#clientFirstBare},${serverFirst},${withoutProof}`);
    const clientSignature = await hmac(this.name, keys.storedKey, authMessage);
    this.#expectedServerSignature = await hmac(this.name, keys.serverKey, authMessage);
    this.#state = "client-final-sent";
    return encoder.encode(`${withoutProof},p=${toBase64(xor(keys.clientKey, clientSignature))}`);
  }

  #verifyServerFinal(serverFinal: string): void {
    const attrs = parseAttributes(serverFinal);
    if (attrs.has("e")) throw new AuthenticationError(`SCRAM server error: ${attrs.get("e")}`);
    const v = attrs.get("v");
    if (v === undefined) throw new AuthenticationError("SCRAM server-final message lacks v");
    if (!constantTimeEqual(fromBase64(v, "server signature"), this.#expectedServerSignature)) {
      throw new AuthenticationError("SCRAM server signature does not match: the server does not know the credentials");
    }
  }
}

/**
 * The keys RFC 5802 derives from a password: ClientKey, StoredKey and ServerKey.
 * Exported for tests and for tools that provision SCRAM credentials.
 *
 * @example
 * ```ts
 * import { scramKeys } from "./sasl_scram.ts";
 * const keys = await scramKeys("SCRAM-SHA-256", "pencil", new Uint8Array(16), 4096);
 * console.log(keys.storedKey.length); // 32
 * ```
 */
export async function scramKeys(
  mechanism: ScramMechanismName,
  password: string,
  salt: Uint8Array,
  iterations: number,
): Promise<{ clientKey: Uint8Array; storedKey: Uint8Array; serverKey: Uint8Array }> {
  const { hash, bits } = HASHES[mechanism];
  const base = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const salted = new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash, salt: copy(salt), iterations }, base, bits));
  const clientKey = await hmac(mechanism, salted, encoder.encode("Client Key"));
  const serverKey = await hmac(mechanism, salted, encoder.encode("Server Key"));
  const storedKey = new Uint8Array(await crypto.subtle.digest(hash, copy(clientKey)));
  return { clientKey, storedKey, serverKey };
}

/**
 * HMAC with the mechanism's hash.
 *
 * @example
 * ```ts
 * import { hmac } from "./sasl_scram.ts";
 * console.log((await hmac("SCRAM-SHA-512", new Uint8Array([1]), new Uint8Array([2]))).length); // 64
 * ```
 */
export async function hmac(mechanism: ScramMechanismName, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", copy(key), { name: "HMAC", hash: HASHES[mechanism].hash }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, copy(data)));
}
