/**
 * MSK IAM tokens, byte for byte against aws-msk-iam-sasl-signer-js (the AWS SDK's SigV4
 * signer underneath) with fixed credentials and a fixed clock: long-term credentials,
 * temporary ones with a session token, credentials expiring before the token's 15
 * minutes; the provider (fresh token per call, credentials from the environment or a
 * function) and the settings it refuses.
 */
import { test } from "node:test";
import process from "node:process";
import assert from "node:assert/strict";
import { generateAuthTokenFromCredentialsProvider } from "aws-msk-iam-sasl-signer-js";
import { ConfigError } from "../../src/errors.ts";
import { type AwsCredentials, awsCredentialsFromEnv } from "../../src/security/aws_credentials.ts";
import { mskIamToken, mskIamTokenProvider } from "../../src/security/msk_iam.ts";
import { oauthBearerInitialResponse } from "../../src/security/sasl_oauthbearer.ts";
import { Secret } from "../../src/security/secrets.ts";

const NOW = Date.UTC(2024, 4, 17, 9, 30, 12, 345);
// aws-msk-iam-sasl-signer-js puts its own name and version in the URL; ours says "edge-kafka" unless told.
const SIGNER_USER_AGENT = "aws-msk-iam-sasl-signer-js/1.0.3";
const LONG_TERM: AwsCredentials = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
const TEMPORARY: AwsCredentials = {
  accessKeyId: "ASIAIOSFODNN7EXAMPLE",
  secretAccessKey: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
  sessionToken: "IQoJb3JpZ2luX2VjEPn//////////wEaCXVzLWVhc3QtMSJGMEQCIBx+test/session+token==",
};

/** What aws-msk-iam-sasl-signer-js makes at the fixed time: its clock is `Date`, replaced meanwhile. */
async function reference(region: string, credentials: AwsCredentials): Promise<{ token: string; expiryTime: number }> {
  const RealDate = globalThis.Date;
  class FixedDate extends RealDate {
    constructor(...args: unknown[]) {
      super(...((args.length === 0 ? [NOW] : args) as [number]));
    }
    static override now(): number {
      return NOW;
    }
  }
  globalThis.Date = FixedDate as DateConstructor;
  try {
    return await generateAuthTokenFromCredentialsProvider({ region, awsCredentialsProvider: () => Promise.resolve(credentials) });
  } finally {
    globalThis.Date = RealDate;
  }
}

function decode(token: string): URL {
  const base64 = token.replace(/-/g, "+").replace(/_/g, "/");
  return new URL(atob(base64 + "=".repeat((4 - base64.length % 4) % 4)));
}

test("MSK IAM tokens are byte for byte those of aws-msk-iam-sasl-signer-js", async () => {
  const cases: [string, AwsCredentials][] = [
    ["us-east-1", LONG_TERM],
    ["eu-central-1", TEMPORARY],
    // Credentials expiring in 10 minutes: the token is valid that long, not 15.
    ["ap-southeast-2", { ...TEMPORARY, expiration: new Date(NOW + 600_000) }],
  ];
  for (const [region, credentials] of cases) {
    const expected = await reference(region, credentials);
    const ours = await mskIamToken(region, credentials, NOW, SIGNER_USER_AGENT);
    assert.equal(ours.token, expected.token, `${region}: ${decode(ours.token)}\n!== ${decode(expected.token)}`);
    assert.equal(ours.expiryTime, expected.expiryTime, region);
  }
  const url = decode((await mskIamToken("eu-central-1", TEMPORARY, NOW, SIGNER_USER_AGENT)).token);
  assert.equal(url.host, "kafka.eu-central-1.amazonaws.com");
  assert.equal(url.searchParams.get("Action"), "kafka-cluster:Connect");
  assert.equal(url.searchParams.get("X-Amz-Security-Token"), TEMPORARY.sessionToken);
  assert.equal(url.searchParams.get("X-Amz-Date"), "20240517T093012Z");
  assert.equal(url.searchParams.get("X-Amz-Expires"), "900");
  assert.equal(
    (await mskIamToken("us-east-1", { ...LONG_TERM, expiration: new Date(NOW + 600_000) }, NOW)).expiryTime,
    NOW - 345 + 600_000,
  );
});

test("the provider signs a new token per call, from credentials it fetches each time, kept out of logs", async () => {
  let now = NOW;
  let fetched = 0;
  const provider = mskIamTokenProvider({
    region: "us-east-1",
    credentials: () => Promise.resolve({ ...TEMPORARY, sessionToken: `token-${++fetched}` }),
    now: () => now,
  });
  const first = await provider();
  now += 810_000;
  const second = await provider();
  assert.equal(fetched, 2);
  assert.ok(first.value instanceof Secret && second.value instanceof Secret);
  assert.equal(JSON.stringify(first), `{"value":"[hidden]","lifetimeMs":${NOW - 345 + 900_000}}`);
  assert.equal(second.lifetimeMs, first.lifetimeMs! + 810_000, "the new token expires 810 s later");
  const firstUrl = decode(first.value.reveal());
  const secondUrl = decode(second.value.reveal());
  assert.equal(firstUrl.searchParams.get("User-Agent"), "edge-kafka");
  assert.equal(secondUrl.searchParams.get("X-Amz-Security-Token"), "token-2");
  assert.equal(secondUrl.searchParams.get("X-Amz-Date"), "20240517T094342Z");
  // The token is a valid OAUTHBEARER bearer token (RFC 6750 b64token).
  assert.ok(oauthBearerInitialResponse(second.value.reveal()).length > 100);
});

test("credentials from the environment: the process's, or an object or function given (a Worker's env)", async () => {
  const env = { AWS_ACCESS_KEY_ID: TEMPORARY.accessKeyId, AWS_SECRET_ACCESS_KEY: TEMPORARY.secretAccessKey, AWS_SESSION_TOKEN: "s" };
  const expected = { accessKeyId: TEMPORARY.accessKeyId, secretAccessKey: TEMPORARY.secretAccessKey, sessionToken: "s" };
  assert.deepEqual(await awsCredentialsFromEnv(env)(), expected);
  const withExpiry: Record<string, string> = { ...env, AWS_CREDENTIAL_EXPIRATION: "2024-05-17T10:00:00Z" };
  const expiring = await awsCredentialsFromEnv((name) => withExpiry[name])();
  assert.equal(expiring.expiration?.toISOString(), "2024-05-17T10:00:00.000Z");
  await assert.rejects(awsCredentialsFromEnv({ AWS_ACCESS_KEY_ID: "x" })(), /AWS_SECRET_ACCESS_KEY not set/);
  await assert.rejects(awsCredentialsFromEnv({ ...env, AWS_CREDENTIAL_EXPIRATION: "soon" })(), /not a date/);
  // The process's own environment (Deno.env on Deno, process.env on Bun and Node), read at each call.
  const saved = Object.keys(env).map((name) => [name, process.env[name]] as const);
  const fromProcess = awsCredentialsFromEnv();
  try {
    for (const name of Object.keys(env)) delete process.env[name];
    await assert.rejects(fromProcess(), /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set/);
    Object.assign(process.env, env);
    assert.deepEqual(await fromProcess(), expected);
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

test("expired credentials and bad settings are refused, naming what is wrong", async () => {
  await assert.rejects(
    mskIamToken("us-east-1", { ...LONG_TERM, expiration: new Date(NOW - 1) }, NOW),
    /expired at 2024-05-17T09:30:12.344Z/,
  );
  const refused = (options: unknown, key: string) =>
    assert.throws(() => mskIamTokenProvider(options as never), (e) => e instanceof ConfigError && e.key === key);
  refused({ region: "US East", credentials: LONG_TERM }, "mskIamTokenProvider.region");
  refused({ region: "us-east-1" }, "mskIamTokenProvider.credentials");
  refused({ region: "us-east-1", credentials: { accessKeyId: "AKID" } }, "mskIamTokenProvider.credentials");
  refused({ region: "us-east-1", credentials: LONG_TERM, userAgent: "" }, "mskIamTokenProvider.userAgent");
  refused(undefined, "mskIamTokenProvider");
  const provider = mskIamTokenProvider({
    region: "us-east-1",
    credentials: () => Promise.resolve({ accessKeyId: "AKID" } as AwsCredentials),
  });
  await assert.rejects(provider(), /the AWS credentials have no secretAccessKey/);
});
