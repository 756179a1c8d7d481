import { test } from "node:test";
import assert from "node:assert/strict";
import { runSaslExchange, type SaslRoundTripResult } from "../../src/security/sasl_mechanism.ts";
import { createSaslMechanism, SaslOAuthBearer, SaslPlain, SaslScram } from "../../src/security/mod.ts";
import { AuthenticationError, KafkaError } from "../../src/errors.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const ok = (authBytes = new Uint8Array(), sessionLifetimeMs = 0): SaslRoundTripResult => ({
  errorCode: 0,
  errorMessage: null,
  authBytes,
  sessionLifetimeMs,
});

test("runSaslExchange runs the RFC 7677 SCRAM exchange and returns the last session lifetime", async () => {
  const scram = new SaslScram({ mechanism: "SCRAM-SHA-256", username: "user", password: "pencil", clientNonce: "rOprNGfwEbeRWgbNEkqO" });
  const answers = [
    ok(enc.encode("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")),
    ok(enc.encode("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), 3600000),
  ];
  const sent: string[] = [];
  const result = await runSaslExchange(scram, (bytes) => {
    sent.push(dec.decode(bytes));
    return Promise.resolve(answers.shift()!);
  });
  assert.deepEqual(result, { sessionLifetimeMs: 3600000 });
  assert.equal(sent.length, 2);
  assert.equal(sent[0], "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
});

test("runSaslExchange turns a broker error code into a non-retriable AuthenticationError", async () => {
  const plain = new SaslPlain({ username: "u", password: "p" });
  const failure = {
    errorCode: 58,
    errorMessage: "Authentication failed: Invalid username or password",
    authBytes: new Uint8Array(),
    sessionLifetimeMs: 0,
  };
  await assert.rejects(runSaslExchange(plain, () => Promise.resolve(failure)), (e: unknown) => {
    assert.ok(e instanceof AuthenticationError && e instanceof KafkaError);
    assert.equal(e.retriable, false);
    assert.match(e.message, /PLAIN authentication failed: Authentication failed: Invalid username/);
    return true;
  });
  const noMessage = { ...failure, errorMessage: null };
  await assert.rejects(runSaslExchange(new SaslPlain({ username: "u", password: "p" }), () => Promise.resolve(noMessage)), /error code 58/);
});

test("runSaslExchange: OAUTHBEARER error challenge is answered with \\x01 before the broker's failure", async () => {
  const oauth = new SaslOAuthBearer(() => Promise.resolve({ value: "abc" }));
  const sent: Uint8Array[] = [];
  const answers = [ok(enc.encode('{"status":"invalid_token"}')), { ...ok(), errorCode: 58, errorMessage: "invalid token" }];
  await assert.rejects(
    runSaslExchange(oauth, (bytes) => {
      sent.push(bytes);
      return Promise.resolve(answers.shift()!);
    }),
    AuthenticationError,
  );
  assert.deepEqual(sent[1], new Uint8Array([1]));
});

test("runSaslExchange gives up on a server that never finishes", async () => {
  const endless = { name: "ENDLESS", start: () => Promise.resolve(new Uint8Array([1])), next: () => Promise.resolve(new Uint8Array([1])) };
  await assert.rejects(runSaslExchange(endless, () => Promise.resolve(ok())), /did not finish after 16 rounds/);
});

test("createSaslMechanism builds a fresh mechanism per call", () => {
  const a = createSaslMechanism({ mechanism: "SCRAM-SHA-512", username: "u", password: "p" });
  const b = createSaslMechanism({ mechanism: "SCRAM-SHA-512", username: "u", password: "p" });
  assert.ok(a instanceof SaslScram && a !== b);
  assert.equal(a.name, "SCRAM-SHA-512");
  assert.ok(createSaslMechanism({ mechanism: "PLAIN", username: "u", password: "p" }) instanceof SaslPlain);
  assert.ok(
    createSaslMechanism({ mechanism: "OAUTHBEARER", tokenProvider: () => Promise.resolve({ value: "t" }) }) instanceof SaslOAuthBearer,
  );
});
