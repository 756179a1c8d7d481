/**
 * Amazon MSK IAM authentication over SASL/OAUTHBEARER without the AWS SDK: the token is
 * the base64url (unpadded) of a SigV4-presigned `https://kafka.<region>.amazonaws.com/`
 * URL for the action `kafka-cluster:Connect`, valid 15 minutes (or until the
 * credentials expire, if sooner), as aws-msk-iam-sasl-signer-js makes it; signed with
 * WebCrypto, so it runs on Workers, Deno, Bun and Node.
 *
 * The producer asks for a token on every authentication, and re-authenticates each
 * connection before its session ends (KIP-368: MSK bounds the session by the token's
 * expiry): every token is freshly signed, with credentials fetched again.
 *
 * @module
 */
import { ConfigError, KafkaError } from "../errors.ts";
import { describeValue } from "../validation.ts";
import type { AwsCredentials, AwsCredentialsProvider } from "./aws_credentials.ts";
import type { OAuthBearerTokenProvider } from "./sasl_oauthbearer.ts";
import { Secret } from "./secrets.ts";
import { canonicalQuery, presign } from "./sigv4.ts";

/** How long a token is valid at most, as aws-msk-iam-sasl-signer-js signs it. */
const TOKEN_SECONDS = 900;
const DEFAULT_USER_AGENT = "edge-kafka";

/**
 * Settings of {@link mskIamTokenProvider}.
 *
 * @example
 * ```ts
 * import type { MskIamOptions } from "./msk_iam.ts";
 * import { awsCredentialsFromEnv } from "./aws_credentials.ts";
 * const options: MskIamOptions = { region: "eu-west-1", credentials: awsCredentialsFromEnv() };
 * ```
 */
export interface MskIamOptions {
  /** The cluster's AWS region (`us-east-1`). */
  region: string;
  /** The credentials, or a provider of them called for every token (`awsCredentialsFromEnv()`, an AWS SDK provider). */
  credentials: AwsCredentials | AwsCredentialsProvider;
  /** The `User-Agent` parameter of the URL, which MSK logs (default "edge-kafka"). */
  userAgent?: string;
  /** The clock tokens are signed by, in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

/**
 * A token and when it expires, as aws-msk-iam-sasl-signer-js returns them.
 *
 * @example
 * ```ts
 * import type { MskIamToken } from "./msk_iam.ts";
 * const token: MskIamToken = { token: "aHR0cHM6Ly9rYWZrYS51cy1lYXN0LTEuYW1hem9uYXdzLmNvbS8_...", expiryTime: Date.now() + 900_000 };
 * ```
 */
export interface MskIamToken {
  /** The base64url (unpadded) presigned URL. */
  token: string;
  /** When it expires, in milliseconds since the epoch (the signing second plus its validity). */
  expiryTime: number;
}

/**
 * Signs one MSK IAM token at `nowMs` with `credentials`.
 *
 * @example
 * ```ts
 * import { mskIamToken } from "./msk_iam.ts";
 * const { token, expiryTime } = await mskIamToken("us-east-1", { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" }, Date.UTC(2024, 0, 1));
 * console.log(atob(token.replace(/-/g, "+").replace(/_/g, "/")).slice(0, 39)); // "https://kafka.us-east-1.amazonaws.com/?"
 * console.log(new Date(expiryTime).toISOString()); // "2024-01-01T00:15:00.000Z"
 * ```
 */
export async function mskIamToken(
  region: string,
  credentials: AwsCredentials,
  nowMs: number,
  userAgent = DEFAULT_USER_AGENT,
): Promise<MskIamToken> {
  checkCredentials(credentials);
  const signingTimeMs = Math.floor(nowMs / 1000) * 1000;
  let seconds = TOKEN_SECONDS;
  if (credentials.expiration !== undefined) {
    const left = Math.floor((credentials.expiration.getTime() - nowMs) / 1000);
    if (!(left > 0)) throw new KafkaError(`the AWS credentials expired at ${credentials.expiration.toISOString()}`);
    seconds = Math.min(seconds, left);
  }
  const host = `kafka.${region}.amazonaws.com`;
  const query = await presign(
    { host, query: { Action: "kafka-cluster:Connect" }, region, service: "kafka-cluster", signingTimeMs, expiresSeconds: seconds },
    credentials,
  );
  // Not signed: added after, as the AWS signers do.
  query["User-Agent"] = userAgent;
  const url = `https://${host}/?${canonicalQuery(query)}`;
  return { token: base64url(url), expiryTime: signingTimeMs + seconds * 1000 };
}

/**
 * An OAUTHBEARER token provider for Amazon MSK IAM (`sasl: { mechanism: "oauthbearer",
 * oauthBearerProvider }`, port 9098 with `ssl: true`). Each call fetches the credentials
 * (when given a provider) and signs a new token; the token is kept in a `Secret`.
 *
 * @example
 * ```ts
 * import { mskIamTokenProvider } from "./msk_iam.ts";
 * import { awsCredentialsFromEnv } from "./aws_credentials.ts";
 * const oauthBearerProvider = mskIamTokenProvider({ region: "us-east-1", credentials: awsCredentialsFromEnv() });
 * // new KafkaProducer({ bootstrapServers: "b-1.mycluster.abc123.c2.kafka.us-east-1.amazonaws.com:9098", ssl: true,
 * //   sasl: { mechanism: "oauthbearer", oauthBearerProvider } })
 * ```
 */
export function mskIamTokenProvider(options: MskIamOptions): OAuthBearerTokenProvider {
  if (options === null || typeof options !== "object") {
    throw new ConfigError("mskIamTokenProvider", `takes { region, credentials }, not ${describeValue(options)}`);
  }
  const { region, credentials, userAgent = DEFAULT_USER_AGENT, now = Date.now } = options;
  if (typeof region !== "string" || !/^[a-z]{2}(-[a-z0-9]+)+$/.test(region)) {
    throw new ConfigError("mskIamTokenProvider.region", `must be an AWS region such as "us-east-1", not ${describeValue(region)}`);
  }
  if (typeof credentials !== "function") checkCredentials(credentials, "mskIamTokenProvider.credentials");
  if (typeof userAgent !== "string" || userAgent.length === 0) {
    throw new ConfigError("mskIamTokenProvider.userAgent", `must be a non-empty string, not ${describeValue(userAgent)}`);
  }
  if (typeof now !== "function") throw new ConfigError("mskIamTokenProvider.now", `must be a function, not ${describeValue(now)}`);
  return async () => {
    const resolved = typeof credentials === "function" ? await credentials() : credentials;
    const { token, expiryTime } = await mskIamToken(region, resolved, now(), userAgent);
    return { value: new Secret(token), lifetimeMs: expiryTime };
  };
}

/** Throws when `credentials` lacks a key id or secret (a ConfigError naming `key` when given). */
function checkCredentials(credentials: unknown, key?: string): asserts credentials is AwsCredentials {
  const given = credentials as Partial<AwsCredentials> | null;
  const problem = given === null || typeof given !== "object"
    ? `must be credentials { accessKeyId, secretAccessKey, sessionToken? } or a function returning them, not ${describeValue(given)}`
    : typeof given.accessKeyId !== "string" || given.accessKeyId.length === 0
    ? "have no accessKeyId"
    : typeof given.secretAccessKey !== "string" || given.secretAccessKey.length === 0
    ? "have no secretAccessKey"
    : given.sessionToken !== undefined && typeof given.sessionToken !== "string"
    ? "have a sessionToken that is not a string"
    : given.expiration !== undefined && !(given.expiration instanceof Date)
    ? "have an expiration that is not a Date"
    : undefined;
  if (problem === undefined) return;
  if (key !== undefined) throw new ConfigError(key, problem);
  throw new KafkaError(`the AWS credentials ${problem}`);
}

/** Base64url without padding, of an ASCII string (a URL). */
function base64url(ascii: string): string {
  return btoa(ascii).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
