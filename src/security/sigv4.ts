/**
 * AWS Signature Version 4 query-string signing (a presigned URL) with WebCrypto, for the
 * requests of AWS services that take one, such as MSK IAM's `kafka-cluster:Connect`. No
 * AWS SDK: HMAC-SHA256 and SHA-256 come from `crypto.subtle`, so this runs on Workers,
 * Deno, Bun and Node alike.
 *
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 *
 * @module
 */

const encoder = new TextEncoder();
const ALGORITHM = "AWS4-HMAC-SHA256";
/** SHA-256 of an empty body: a GET's payload hash. */
const EMPTY_PAYLOAD_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/**
 * The credentials a request is signed with.
 *
 * @example
 * ```ts
 * import type { AwsSigningCredentials } from "./sigv4.ts";
 * const credentials: AwsSigningCredentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token" };
 * ```
 */
export interface AwsSigningCredentials {
  /** The access key id (`AKIA...`, or `ASIA...` for temporary credentials). */
  accessKeyId: string;
  /** The secret access key. */
  secretAccessKey: string;
  /** The session token of temporary credentials, signed into the URL as `X-Amz-Security-Token`. */
  sessionToken?: string;
}

/**
 * What to presign: a GET of `https://<host>/` with these query parameters, and how.
 *
 * @example
 * ```ts
 * import type { PresignRequest } from "./sigv4.ts";
 * const request: PresignRequest = {
 *   host: "kafka.us-east-1.amazonaws.com", query: { Action: "kafka-cluster:Connect" },
 *   region: "us-east-1", service: "kafka-cluster", signingTimeMs: Date.now(), expiresSeconds: 900,
 * };
 * ```
 */
export interface PresignRequest {
  /** The host name, signed as the only header (`host`). */
  host: string;
  /** The query parameters before signing. */
  query: Readonly<Record<string, string>>;
  /** The region in the credential scope. */
  region: string;
  /** The service in the credential scope. */
  service: string;
  /** The signing time, in milliseconds since the epoch (its second is what is signed). */
  signingTimeMs: number;
  /** How long the URL is valid, in whole seconds (`X-Amz-Expires`). */
  expiresSeconds: number;
}

/**
 * URI-encodes as SigV4 wants (RFC 3986 unreserved characters stay; everything else,
 * `!'()*` included, becomes `%XX` with upper-case hex).
 *
 * @example
 * ```ts
 * import { uriEncode } from "./sigv4.ts";
 * console.log(uriEncode("kafka-cluster:Connect")); // "kafka-cluster%3AConnect"
 * ```
 */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The query string of `query`: each pair URI-encoded, sorted by name.
 *
 * @example
 * ```ts
 * import { canonicalQuery } from "./sigv4.ts";
 * console.log(canonicalQuery({ b: "2", a: "x y" })); // "a=x%20y&b=2"
 * ```
 */
export function canonicalQuery(query: Readonly<Record<string, string>>): string {
  return Object.keys(query).sort().map((name) => `${uriEncode(name)}=${uriEncode(query[name])}`).join("&");
}

/**
 * `YYYYMMDDTHHMMSSZ`, the signing time's second in UTC (`X-Amz-Date`).
 *
 * @example
 * ```ts
 * import { amzDate } from "./sigv4.ts";
 * console.log(amzDate(Date.UTC(2024, 0, 2, 3, 4, 5, 678))); // "20240102T030405Z"
 * ```
 */
export function amzDate(timeMs: number): string {
  return new Date(timeMs).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/**
 * Presigns a GET of `https://<host>/?<query>`: returns the query with `X-Amz-Algorithm`,
 * `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-Security-Token` (temporary
 * credentials), `X-Amz-SignedHeaders` and `X-Amz-Signature` added.
 *
 * @example
 * ```ts
 * import { presign } from "./sigv4.ts";
 * const query = await presign({
 *   host: "kafka.us-east-1.amazonaws.com", query: { Action: "kafka-cluster:Connect" },
 *   region: "us-east-1", service: "kafka-cluster", signingTimeMs: Date.UTC(2024, 0, 1), expiresSeconds: 900,
 * }, { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" });
 * console.log(query["X-Amz-Signature"].length); // 64
 * ```
 */
export async function presign(request: PresignRequest, credentials: AwsSigningCredentials): Promise<Record<string, string>> {
  const longDate = amzDate(request.signingTimeMs);
  const shortDate = longDate.slice(0, 8);
  const scope = `${shortDate}/${request.region}/${request.service}/aws4_request`;
  const query: Record<string, string> = {
    ...request.query,
    "X-Amz-Algorithm": ALGORITHM,
    "X-Amz-Credential": `${credentials.accessKeyId}/${scope}`,
    "X-Amz-Date": longDate,
    "X-Amz-Expires": String(request.expiresSeconds),
    "X-Amz-SignedHeaders": "host",
  };
  if (credentials.sessionToken) query["X-Amz-Security-Token"] = credentials.sessionToken;
  const canonicalRequest = ["GET", "/", canonicalQuery(query), `host:${request.host}`, "", "host", EMPTY_PAYLOAD_SHA256].join("\n");
  const stringToSign = [ALGORITHM, longDate, scope, hex(await sha256(canonicalRequest))].join("\n");
  let key: Uint8Array = encoder.encode(`AWS4${credentials.secretAccessKey}`);
  for (const part of [shortDate, request.region, request.service, "aws4_request"]) key = await hmacSha256(key, part);
  query["X-Amz-Signature"] = hex(await hmacSha256(key, stringToSign));
  return query;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

async function hmacSha256(key: Uint8Array, text: string): Promise<Uint8Array> {
  const imported = await crypto.subtle.importKey("raw", key.slice(), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", imported, encoder.encode(text)));
}

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}
