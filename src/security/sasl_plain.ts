/**
 * SASL PLAIN (RFC 4616): the username and password in one message. Use it only over
 * TLS, since the password travels as it is.
 *
 * @module
 */

import { AuthenticationError } from "../errors.ts";
import type { SaslMechanism } from "./sasl_mechanism.ts";
import { type Secret, toSecret } from "./secrets.ts";

const encoder = new TextEncoder();

/**
 * Options of {@linkcode SaslPlain}.
 */
export interface SaslPlainOptions {
  /** The authentication identity. */
  username: string;
  /** The password; a plain string is wrapped in a {@linkcode Secret}. */
  password: string | Secret;
  /** An identity to act as (authzid); empty or absent means the username itself. */
  authorizationId?: string;
}

/**
 * The PLAIN mechanism: the single message `authzid \0 username \0 password`.
 *
 * @example
 * ```ts
 * import { SaslPlain } from "./sasl_plain.ts";
 * const plain = new SaslPlain({ username: "user", password: "pencil" });
 * console.log(await plain.start()); // the bytes of "\0user\0pencil"
 * ```
 */
export class SaslPlain implements SaslMechanism {
  /** "PLAIN". */
  readonly name = "PLAIN";
  readonly #username: string;
  readonly #password: Secret;
  readonly #authorizationId: string;

  /** @param options The credentials. */
  constructor(options: SaslPlainOptions) {
    for (const [what, value] of [["username", options.username], ["authorizationId", options.authorizationId ?? ""]]) {
      // A NUL would split the message into different fields (RFC 4616 section 2).
      if (value.includes("\0")) throw new AuthenticationError(`PLAIN ${what} must not contain NUL`);
    }
    this.#username = options.username;
    this.#password = toSecret(options.password);
    this.#authorizationId = options.authorizationId ?? "";
    if (this.#password.reveal().includes("\0")) throw new AuthenticationError("PLAIN password must not contain NUL");
  }

  /**
   * The one client message.
   *
   * @example
   * ```ts
   * import { SaslPlain } from "./sasl_plain.ts";
   * console.log((await new SaslPlain({ username: "u", password: "p" }).start()).length); // 4
   * ```
   */
  start(): Promise<Uint8Array> {
    return Promise.resolve(encoder.encode(`${this.#authorizationId}\0${this.#username}\0${this.#password.reveal()}`));
  }

  /**
   * Ends the exchange; the server answers PLAIN with no bytes.
   *
   * @example
   * ```ts
   * import { SaslPlain } from "./sasl_plain.ts";
   * console.log(await new SaslPlain({ username: "u", password: "p" }).next(new Uint8Array())); // null
   * ```
   */
  next(challenge: Uint8Array): Promise<Uint8Array | null> {
    if (challenge.length > 0) return Promise.reject(new AuthenticationError("PLAIN server sent an unexpected challenge"));
    return Promise.resolve(null);
  }
}
