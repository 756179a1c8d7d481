/**
 * The `ssl` and `sasl` settings, in the shape KafkaJS users know, checked and turned
 * into what the transports and the SASL authenticator take. Passwords, tokens and
 * private keys become {@link Secret}s here, so a resolved configuration can be logged
 * or serialized without revealing them.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { SaslConfig } from "../security/mod.ts";
import type { OAuthBearerTokenProvider } from "../security/sasl_oauthbearer.ts";
import { Secret, toSecret } from "../security/secrets.ts";
import type { TlsOptions } from "../net/transport.ts";
import { describeType, describeValue, rejectUnknownKeys } from "../validation.ts";

/** PEM text, as a string or as bytes (such as a file's contents). */
export type Pem = string | Uint8Array;

/**
 * TLS settings (`security.protocol=SSL` / `SASL_SSL`): `ssl: true` uses the
 * runtime's trusted CAs; an object adds to or changes that.
 */
export interface SslOptions {
  /** CA certificates to trust in addition to the runtime's (`ssl.truststore.*`). */
  ca?: Pem | Pem[];
  /** Client certificate chain for mutual TLS (`ssl.keystore.*`). */
  cert?: Pem;
  /** The client certificate's private key, unencrypted PEM; kept as a {@link Secret}. */
  key?: Pem | Secret;
  /** Server name for SNI and host name verification (default: the broker's host). */
  servername?: string;
  /**
   * Verify the broker's certificate chain and host name (default true;
   * `ssl.endpoint.identification.algorithm=""` turns off only the host name in Java).
   */
  rejectUnauthorized?: boolean;
}

/** The SASL mechanisms, in the spelling of the `sasl.mechanism` setting (any case). */
export type SaslMechanismSetting = "plain" | "scram-sha-256" | "scram-sha-512" | "oauthbearer";

/** SASL settings (`security.protocol=SASL_SSL` / `SASL_PLAINTEXT`). */
export interface SaslOptions {
  /** `sasl.mechanism`. */
  mechanism: SaslMechanismSetting | Uppercase<SaslMechanismSetting>;
  /** The user (PLAIN and SCRAM). */
  username?: string;
  /** The password (PLAIN and SCRAM); kept as a {@link Secret}. */
  password?: string | Secret;
  /** PLAIN only: an identity to act as. */
  authorizationId?: string;
  /** SCRAM only: authenticate with a delegation token (`tokenauth=true`). */
  tokenAuth?: boolean;
  /**
   * OAUTHBEARER: returns a token `{ value, lifetimeMs?, extensions? }`; called for
   * every authentication and re-authentication, so it should return a fresh token.
   */
  oauthBearerProvider?: OAuthBearerTokenProvider;
}

/** {@link SslOptions} after validation: PEM as text, the key a {@link Secret}. */
export interface ResolvedTls {
  ca: string[] | undefined;
  cert: string | undefined;
  key: Secret | undefined;
  servername: string | undefined;
  rejectUnauthorized: boolean;
}

// The keys of each options object, once (the types make the lists complete); unknown keys are refused against them.
const SSL_KEYS: Readonly<Record<keyof SslOptions, true>> = { ca: true, cert: true, key: true, servername: true, rejectUnauthorized: true };
const SASL_KEYS: Readonly<Record<keyof SaslOptions, true>> = {
  mechanism: true,
  username: true,
  password: true,
  authorizationId: true,
  tokenAuth: true,
  oauthBearerProvider: true,
};
/** The keys an `ssl` object takes. */
export const SSL_OPTION_KEYS: readonly string[] = Object.keys(SSL_KEYS);
/** The keys a `sasl` object takes. */
export const SASL_OPTION_KEYS: readonly string[] = Object.keys(SASL_KEYS);

const decoder = new TextDecoder();

// A private key's contents must not reach a message, so only its type is shown.
function pemText(value: unknown, key: string): string {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return decoder.decode(value);
  throw new ConfigError(key, `must be PEM text (a string or the bytes of a PEM file), not ${describeType(value)}`);
}

/**
 * Checks `ssl` and returns the settings the transports need, or undefined for plaintext.
 *
 * @example
 * ```ts
 * import { resolveTls } from "./security_config.ts";
 * console.log(resolveTls(true)?.rejectUnauthorized); // true
 * console.log(resolveTls(undefined)); // undefined
 * ```
 */
export function resolveTls(ssl: unknown): ResolvedTls | undefined {
  if (ssl === undefined || ssl === false) return undefined;
  if (ssl === true) return { ca: undefined, cert: undefined, key: undefined, servername: undefined, rejectUnauthorized: true };
  if (ssl === null || typeof ssl !== "object" || Array.isArray(ssl)) {
    throw new ConfigError("ssl", `must be true, false or an object of TLS options, not ${describeValue(ssl)}`);
  }
  const options = ssl as Record<string, unknown>;
  rejectUnknownKeys(options, SSL_OPTION_KEYS, "ssl.");
  const ca = options.ca === undefined
    ? undefined
    : (Array.isArray(options.ca) ? options.ca : [options.ca]).map((pem, i) =>
      pemText(pem, Array.isArray(options.ca) ? `ssl.ca[${i}]` : "ssl.ca")
    );
  const cert = options.cert === undefined ? undefined : pemText(options.cert, "ssl.cert");
  const key = options.key === undefined
    ? undefined
    : options.key instanceof Secret
    ? options.key
    : new Secret(pemText(options.key, "ssl.key"));
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError(cert === undefined ? "ssl.cert" : "ssl.key", "mutual TLS needs both ssl.cert and ssl.key");
  }
  if (options.servername !== undefined && (typeof options.servername !== "string" || options.servername.length === 0)) {
    throw new ConfigError("ssl.servername", `must be a non-empty host name, not ${describeValue(options.servername)}`);
  }
  if (options.rejectUnauthorized !== undefined && typeof options.rejectUnauthorized !== "boolean") {
    throw new ConfigError("ssl.rejectUnauthorized", `must be true or false, not ${describeValue(options.rejectUnauthorized)}`);
  }
  return { ca, cert, key, servername: options.servername as string | undefined, rejectUnauthorized: options.rejectUnauthorized !== false };
}

/**
 * The options a transport takes for one connection; the only place the key is revealed.
 *
 * @example
 * ```ts
 * import { resolveTls, transportTlsOptions } from "./security_config.ts";
 * console.log(transportTlsOptions(resolveTls({ servername: "broker.example" })!).servername); // "broker.example"
 * ```
 */
export function transportTlsOptions(tls: ResolvedTls): TlsOptions {
  const options: TlsOptions = { rejectUnauthorized: tls.rejectUnauthorized };
  if (tls.ca !== undefined) options.ca = tls.ca;
  if (tls.cert !== undefined) options.cert = tls.cert;
  if (tls.key !== undefined) options.key = tls.key.reveal();
  if (tls.servername !== undefined) options.servername = tls.servername;
  return options;
}

// `describe` is describeType for the password, so its contents never reach a message.
function requiredString(value: unknown, key: string, mechanism: string, describe = describeValue): string {
  if (value === undefined) throw new ConfigError(key, `is required for ${mechanism}`);
  if (typeof value !== "string" || value.length === 0) {
    throw new ConfigError(key, `must be a non-empty string for ${mechanism}, not ${describe(value)}`);
  }
  return value;
}

/**
 * Checks `sasl` and returns the configuration of the mechanism, or undefined for none.
 * Errors name the key and never include the password.
 *
 * @example
 * ```ts
 * import { resolveSasl } from "./security_config.ts";
 * const sasl = resolveSasl({ mechanism: "scram-sha-512", username: "alice", password: "alice-secret" });
 * console.log(JSON.stringify(sasl)); // {"mechanism":"SCRAM-SHA-512","username":"alice","password":"[hidden]"}
 * ```
 */
export function resolveSasl(sasl: unknown): SaslConfig | undefined {
  if (sasl === undefined) return undefined;
  if (sasl === null || typeof sasl !== "object" || Array.isArray(sasl)) {
    throw new ConfigError("sasl", `must be an object with a mechanism, not ${describeValue(sasl)}`);
  }
  const options = sasl as Record<string, unknown>;
  rejectUnknownKeys(options, SASL_OPTION_KEYS, "sasl.");
  const mechanism = typeof options.mechanism === "string" ? options.mechanism.toUpperCase() : "";
  const password = (name: string) => {
    const value = options.password;
    if (value instanceof Secret) return value;
    return toSecret(requiredString(value, "sasl.password", name, describeType));
  };
  switch (mechanism) {
    case "PLAIN": {
      const authorizationId = options.authorizationId;
      if (authorizationId !== undefined && typeof authorizationId !== "string") {
        throw new ConfigError("sasl.authorizationId", `must be a string, not ${describeValue(authorizationId)}`);
      }
      return {
        mechanism,
        username: requiredString(options.username, "sasl.username", mechanism),
        password: password(mechanism),
        ...(authorizationId === undefined ? {} : { authorizationId }),
      };
    }
    case "SCRAM-SHA-256":
    case "SCRAM-SHA-512": {
      if (options.tokenAuth !== undefined && typeof options.tokenAuth !== "boolean") {
        throw new ConfigError("sasl.tokenAuth", `must be true or false, not ${describeValue(options.tokenAuth)}`);
      }
      return {
        mechanism,
        username: requiredString(options.username, "sasl.username", mechanism),
        password: password(mechanism),
        ...(options.tokenAuth ? { tokenAuth: true } : {}),
      };
    }
    case "OAUTHBEARER": {
      if (typeof options.oauthBearerProvider !== "function") {
        throw new ConfigError(
          "sasl.oauthBearerProvider",
          `is required for oauthbearer: a function returning a Promise of { value }, not ${describeValue(options.oauthBearerProvider)}`,
        );
      }
      return { mechanism, tokenProvider: options.oauthBearerProvider as OAuthBearerTokenProvider };
    }
    default:
      throw new ConfigError(
        "sasl.mechanism",
        `must be "plain", "scram-sha-256", "scram-sha-512" or "oauthbearer", not ${describeValue(options.mechanism)}`,
      );
  }
}
