import { test } from "node:test";
import assert from "node:assert/strict";
import type { ClientConfig } from "../../src/client/client_config.ts";
import type { ClientResponse } from "../../src/client/client_request.ts";
import { MetadataApi } from "../../src/protocol/metadata.ts";
import { AuthenticationError, TimeoutError } from "../../src/errors.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { networkClientSetup } from "../support/network_client_fixture.ts";
import { mskIamTokenProvider } from "../../src/security/msk_iam.ts";
import { apiVersionsResponse, metadataResponseV12, saslAuthenticateResponse, saslHandshakeResponse } from "../support/responses.ts";

const API_VERSIONS = 18;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;
const METADATA = 3;
const BROKER_APIS = [
  { apiKey: API_VERSIONS, minVersion: 0, maxVersion: 4 },
  { apiKey: METADATA, minVersion: 0, maxVersion: 12 },
  { apiKey: SASL_HANDSHAKE, minVersion: 0, maxVersion: 1 },
  { apiKey: SASL_AUTHENTICATE, minVersion: 0, maxVersion: 2 },
];
const PLAIN = { mechanism: "plain", username: "alice", password: "alice-secret" } as const;

/** The fixture's client with SASL PLAIN; its random() = 0.5 puts re-authentication at exactly 90% of the session lifetime. */
function setup(overrides: Partial<ClientConfig> = {}) {
  const t = networkClientSetup({ sasl: PLAIN, ...overrides });
  // Lets the mechanism's promise steps run, then polls so their requests are seen.
  const poll = async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    return t.client.poll(0, t.clock.now());
  };
  return { ...t, poll };
}

type Setup = ReturnType<typeof setup>;

/** Connects node -1 and answers ApiVersions. */
async function connect(t: Setup) {
  t.client.ready(-1, t.clock.now());
  t.selector.openConnection(-1);
  await t.poll();
  const request = t.selector.lastSent(API_VERSIONS);
  t.selector.receive(-1, apiVersionsResponse(request.correlationId, request.version, BROKER_APIS));
  await t.poll();
}

/** Answers the handshake and the one round of PLAIN (or OAUTHBEARER); returns the auth bytes the client sent. */
async function authenticate(t: Setup, sessionLifetimeMs = 0, mechanisms = ["PLAIN", "SCRAM-SHA-512"]): Promise<string> {
  await t.poll();
  const handshake = t.selector.lastSent(SASL_HANDSHAKE);
  const rounds = () => t.selector.sent.filter((s) => s.apiKey === SASL_AUTHENTICATE).length;
  const before = rounds();
  t.selector.receive(-1, saslHandshakeResponse(handshake.correlationId, 0, mechanisms));
  // The mechanism's first message may take a few turns (a token signed with WebCrypto).
  for (let turns = 0; turns < 2 || (rounds() === before && turns < 100); turns++) await t.poll();
  const auth = t.selector.lastSent(SASL_AUTHENTICATE);
  t.selector.receive(-1, saslAuthenticateResponse(auth.correlationId, 0, null, new Uint8Array(), sessionLifetimeMs));
  await t.poll();
  await t.poll();
  return authBytesOf(auth.frame);
}

/** The auth bytes of a SaslAuthenticate v2 request frame (size, header v2, flexible body). */
function authBytesOf(frame: Uint8Array): string {
  const r = new Reader(frame, 4 + 8);
  r.string(); // client id
  r.taggedFields();
  return new TextDecoder().decode(r.compactBytes()!);
}

test("SASL: the connection is ready only after SaslHandshake v1 and SaslAuthenticate succeed", async () => {
  const t = setup();
  await connect(t);
  assert.equal(t.client.isReady(-1, t.clock.now()), false, "not ready before authenticating");
  await t.poll();
  const handshake = t.selector.lastSent(SASL_HANDSHAKE);
  assert.equal(handshake.version, 1);
  assert.equal(t.client.isReady(-1, t.clock.now()), false);
  t.selector.receive(-1, saslHandshakeResponse(handshake.correlationId, 0, ["PLAIN"]));
  await t.poll();
  await t.poll();
  const auth = t.selector.lastSent(SASL_AUTHENTICATE);
  assert.equal(auth.version, 2);
  assert.equal(authBytesOf(auth.frame), "\0alice\0alice-secret");
  t.selector.receive(-1, saslAuthenticateResponse(auth.correlationId, 0, null, new Uint8Array(), 0));
  await t.poll();
  await t.poll();
  assert.equal(t.client.canSendRequest(-1, t.clock.now()), true);
  assert.equal(t.client.takeAuthenticationFailure(), undefined);
});

test("SASL: refused credentials close the connection and surface one AuthenticationError with the broker's message", async () => {
  const t = setup();
  await connect(t);
  await t.poll();
  const handshake = t.selector.lastSent(SASL_HANDSHAKE);
  t.selector.receive(-1, saslHandshakeResponse(handshake.correlationId, 0, ["PLAIN"]));
  await t.poll();
  await t.poll();
  const auth = t.selector.lastSent(SASL_AUTHENTICATE);
  // The broker answers with the error and closes at once, as Kafka does.
  t.selector.receive(-1, saslAuthenticateResponse(auth.correlationId, 58, "Invalid username or password", new Uint8Array(), 0));
  t.selector.failConnection(-1);
  await t.poll();
  await t.poll();
  const failure = t.client.takeAuthenticationFailure();
  assert.ok(failure instanceof AuthenticationError, `got ${failure}`);
  assert.match(failure.message, /Invalid username or password/);
  assert.doesNotMatch(failure.message, /alice-secret/);
  assert.ok(t.client.lastError(-1) instanceof AuthenticationError);
  assert.equal(t.client.takeAuthenticationFailure(), undefined, "taken once");
  assert.equal(t.client.isReady(-1, t.clock.now()), false);
});

test("SASL: a mechanism the broker does not enable is an AuthenticationError naming the ones it does", async () => {
  const t = setup();
  await connect(t);
  await t.poll();
  const handshake = t.selector.lastSent(SASL_HANDSHAKE);
  t.selector.receive(-1, saslHandshakeResponse(handshake.correlationId, 33, ["SCRAM-SHA-512", "OAUTHBEARER"]));
  await t.poll();
  await t.poll();
  const failure = t.client.takeAuthenticationFailure();
  assert.ok(failure instanceof AuthenticationError);
  assert.match(failure.message, /does not enable SASL mechanism PLAIN; it enables SCRAM-SHA-512, OAUTHBEARER/);
  assert.deepEqual(t.selector.closed, [-1]);
});

test("SASL: re-authenticates on the same connection at 90% of the session, after its in-flight requests are answered", async () => {
  const t = setup();
  await connect(t);
  await authenticate(t, 10_000);
  assert.equal(t.client.canSendRequest(-1, t.clock.now()), true);
  const outcomes: ClientResponse[] = [];
  t.client.send({
    destination: -1,
    api: MetadataApi,
    body: { topics: [], allowAutoTopicCreation: false },
    callback: (r) => outcomes.push(r),
  }, t.clock.now());
  t.clock.advance(9_000);
  await t.poll();
  assert.equal(t.client.isReady(-1, t.clock.now()), false, "no new requests once the session is due");
  const handshakes = () => t.selector.sent.filter((s) => s.apiKey === SASL_HANDSHAKE).length;
  assert.equal(handshakes(), 1, "waits for the metadata request in flight");
  // The answers to what is in flight (ours and the metadata updater's) go through, then the renewal starts.
  for (const request of t.selector.sent.filter((s) => s.apiKey === METADATA)) {
    t.selector.receive(-1, metadataResponseV12(request.correlationId, [{ nodeId: 1, host: "b1", port: 9092 }]));
  }
  await t.poll();
  assert.equal(outcomes.length, 1);
  assert.equal(outcomes[0].error, undefined);
  await t.poll();
  assert.equal(handshakes(), 2, "re-authentication started");
  const bytes = await authenticate(t, 10_000);
  assert.equal(bytes, "\0alice\0alice-secret");
  assert.equal(t.client.canSendRequest(-1, t.clock.now()), true);
  assert.deepEqual(t.selector.closed, [], "the connection was never replaced");
  assert.equal(t.selector.connects.length, 1);
});

test("SASL: MSK IAM re-authenticates before the session the token bounds ends, with a newly signed token", async () => {
  let signed = 0;
  const t = setup({
    // No traffic in this test: the connection must outlive the 15-minute session without being closed as idle.
    connectionsMaxIdleMs: 3_600_000,
    sasl: {
      mechanism: "oauthbearer",
      oauthBearerProvider: mskIamTokenProvider({
        region: "us-east-1",
        credentials: () => Promise.resolve({ accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: `session-${++signed}` }),
        now: () => t.clock.now(),
      }),
    },
  });
  const token = (bytes: string) => {
    const base64 = bytes.split("\x01").find((part) => part.startsWith("auth=Bearer "))!.slice(12).replace(/-/g, "+").replace(/_/g, "/");
    return new URL(atob(base64 + "=".repeat((4 - base64.length % 4) % 4))).searchParams;
  };
  // The metadata updater's requests are answered as they come, so none is in flight when the renewal is due.
  const answered = new Set<number>();
  const answerMetadata = async () => {
    for (const request of t.selector.sent.filter((s) => s.apiKey === METADATA && !answered.has(s.correlationId))) {
      answered.add(request.correlationId);
      t.selector.receive(-1, metadataResponseV12(request.correlationId, [{ nodeId: 1, host: "b1", port: 9092 }]));
    }
    await t.poll();
  };
  const handshakes = () => t.selector.sent.filter((s) => s.apiKey === SASL_HANDSHAKE).length;
  await connect(t);
  // MSK answers with a session no longer than the token is valid (900 s).
  const first = token(await authenticate(t, 900_000, ["OAUTHBEARER"]));
  assert.equal(first.get("X-Amz-Security-Token"), "session-1");
  // Time passes in steps a poll apart (one jump of minutes would look like a frozen process).
  for (let elapsed = 0; elapsed < 808_000; elapsed += 4_000) {
    t.clock.advance(4_000);
    await answerMetadata();
  }
  t.clock.advance(1_000);
  await answerMetadata();
  assert.equal(handshakes(), 1, "not yet");
  t.clock.advance(1_000);
  await answerMetadata();
  await answerMetadata();
  assert.equal(handshakes(), 2, "re-authentication started at 90% of the session");
  const second = token(await authenticate(t, 900_000, ["OAUTHBEARER"]));
  assert.equal(second.get("X-Amz-Security-Token"), "session-2", "credentials fetched again");
  const signedAt = (query: URLSearchParams) =>
    Date.parse(query.get("X-Amz-Date")!.replace(/^(....)(..)(..)T(..)(..)(..)Z$/, "$1-$2-$3T$4:$5:$6Z"));
  assert.equal(signedAt(second) - signedAt(first), 810_000, "signed 810 s later, 90 s before the first token expired");
  assert.equal(t.client.canSendRequest(-1, t.clock.now()), true);
  assert.equal(t.selector.closed.includes(-1), false, "the same connection");
});

test("SASL: an authentication that never finishes (a token provider that hangs) times out and closes the connection", async () => {
  const t = setup({
    requestTimeoutMs: 5_000,
    sasl: { mechanism: "oauthbearer", oauthBearerProvider: () => new Promise(() => {}) },
  });
  await connect(t);
  await t.poll();
  const handshake = t.selector.lastSent(SASL_HANDSHAKE);
  t.selector.receive(-1, saslHandshakeResponse(handshake.correlationId, 0, ["OAUTHBEARER"]));
  await t.poll();
  t.clock.advance(5_001);
  await t.poll();
  assert.deepEqual(t.selector.closed, [-1]);
  assert.ok(t.client.lastError(-1) instanceof TimeoutError);
});
