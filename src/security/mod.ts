/**
 * SASL authentication (PLAIN, SCRAM-SHA-256/512, OAUTHBEARER) and secret handling.
 *
 * @example Pick a mechanism from configuration
 * ```ts
 * import { createSaslMechanism, Secret } from "./mod.ts";
 * const mechanism = createSaslMechanism({ mechanism: "SCRAM-SHA-256", username: "alice", password: new Secret("pencil") });
 * console.log(mechanism.name); // "SCRAM-SHA-256"
 * ```
 *
 * @module
 */

import { SaslOAuthBearer } from "./sasl_oauthbearer.ts";
import type { OAuthBearerTokenProvider } from "./sasl_oauthbearer.ts";
import { SaslPlain } from "./sasl_plain.ts";
import type { SaslPlainOptions } from "./sasl_plain.ts";
import { SaslScram } from "./sasl_scram.ts";
import type { SaslScramOptions } from "./sasl_scram.ts";
import type { SaslMechanism } from "./sasl_mechanism.ts";

export { Secret, toSecret } from "./secrets.ts";
export { constantTimeEqual } from "./constant_time.ts";
export { runSaslExchange } from "./sasl_mechanism.ts";
export type { SaslMechanism, SaslRoundTripResult } from "./sasl_mechanism.ts";
export { SaslPlain } from "./sasl_plain.ts";
export type { SaslPlainOptions } from "./sasl_plain.ts";
export { escapeScramUsername, hmac, SaslScram, SCRAM_MIN_ITERATIONS, scramKeys } from "./sasl_scram.ts";
export type { SaslScramOptions, ScramMechanismName } from "./sasl_scram.ts";
export { oauthBearerInitialResponse, SaslOAuthBearer } from "./sasl_oauthbearer.ts";
export type { OAuthBearerToken, OAuthBearerTokenProvider } from "./sasl_oauthbearer.ts";

/**
 * SASL client configuration: the mechanism name and what it needs.
 *
 * @example
 * ```ts
 * import type { SaslConfig } from "./mod.ts";
 * const sasl: SaslConfig = { mechanism: "OAUTHBEARER", tokenProvider: () => Promise.resolve({ value: "t" }) };
 * console.log(sasl.mechanism);
 * ```
 */
export type SaslConfig =
  | ({ mechanism: "PLAIN" } & SaslPlainOptions)
  | Omit<SaslScramOptions, "clientNonce">
  | { mechanism: "OAUTHBEARER"; tokenProvider: OAuthBearerTokenProvider };

/**
 * A fresh mechanism instance for one authentication; call it per connection.
 *
 * @example
 * ```ts
 * import { createSaslMechanism } from "./mod.ts";
 * console.log(createSaslMechanism({ mechanism: "PLAIN", username: "u", password: "p" }).name); // "PLAIN"
 * ```
 */
export function createSaslMechanism(config: SaslConfig): SaslMechanism {
  switch (config.mechanism) {
    case "PLAIN":
      return new SaslPlain(config);
    case "SCRAM-SHA-256":
    case "SCRAM-SHA-512":
      return new SaslScram(config);
    case "OAUTHBEARER":
      return new SaslOAuthBearer(config.tokenProvider);
  }
}
