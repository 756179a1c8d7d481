import { test } from "node:test";
import assert from "node:assert/strict";
import { oauthBearerInitialResponse, SaslOAuthBearer } from "../../src/security/sasl_oauthbearer.ts";
import { Secret } from "../../src/security/secrets.ts";
import { AuthenticationError } from "../../src/errors.ts";

const text = new TextEncoder();
const token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.";

test("OAUTHBEARER initial response without extensions (RFC 7628 section 3.1)", async () => {
  const oauth = new SaslOAuthBearer(() => Promise.resolve({ value: token }));
  assert.equal(oauth.name, "OAUTHBEARER");
  assert.deepEqual(await oauth.start(), text.encode(`n,,\x01auth=Bearer ${token}\x01\x01`));
  assert.equal(await oauth.next(new Uint8Array()), null);
});

test("OAUTHBEARER initial response with extensions, sorted by key (KIP-342)", async () => {
  const oauth = new SaslOAuthBearer(() =>
    Promise.resolve({ value: new Secret("abc"), lifetimeMs: 1700000000000, extensions: { traceId: "t 1", logicalCluster: "lkc-1" } })
  );
  const bytes = await oauth.start();
  assert.deepEqual(
    bytes,
    new Uint8Array([
      ...text.encode("n,,"),
      0x01,
      ...text.encode("auth=Bearer abc"),
      0x01,
      ...text.encode("logicalCluster=lkc-1"),
      0x01,
      ...text.encode("traceId=t 1"),
      0x01,
      0x01,
    ]),
  );
  assert.equal(oauth.tokenLifetimeMs, 1700000000000);
});

test("OAUTHBEARER rejects bad tokens and extension keys or values", () => {
  assert.throws(() => oauthBearerInitialResponse("has space"), AuthenticationError);
  assert.throws(() => oauthBearerInitialResponse("a\x01b"), AuthenticationError);
  assert.throws(() => oauthBearerInitialResponse(""), AuthenticationError);
  assert.throws(() => oauthBearerInitialResponse("t", { auth: "x" }), AuthenticationError);
  assert.throws(() => oauthBearerInitialResponse("t", { "k1": "x" }), AuthenticationError);
  assert.throws(() => oauthBearerInitialResponse("t", { k: "a\x01b" }), AuthenticationError);
});

test("OAUTHBEARER answers a server error with \\x01, then fails with the server's message", async () => {
  const oauth = new SaslOAuthBearer(() => Promise.resolve({ value: "abc" }));
  await oauth.start();
  const error = '{"status":"invalid_token"}';
  assert.deepEqual(await oauth.next(text.encode(error)), new Uint8Array([1]));
  await assert.rejects(
    oauth.next(new Uint8Array()),
    (e: unknown) => e instanceof AuthenticationError && e.message.includes("invalid_token"),
  );
});

test("OAUTHBEARER wraps a failing token provider in AuthenticationError and starts only once", async () => {
  const failing = new SaslOAuthBearer(() => Promise.reject(new Error("idp down")));
  await assert.rejects(failing.start(), (e: unknown) => e instanceof AuthenticationError && (e.cause as Error).message === "idp down");
  const oauth = new SaslOAuthBearer(() => Promise.resolve({ value: "abc" }));
  await assert.rejects(oauth.next(new Uint8Array()), AuthenticationError);
  await oauth.start();
  await assert.rejects(oauth.start(), AuthenticationError);
});
