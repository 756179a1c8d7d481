import { test } from "node:test";
import assert from "node:assert/strict";
import { SaslPlain } from "../../src/security/sasl_plain.ts";
import { Secret } from "../../src/security/secrets.ts";
import { AuthenticationError } from "../../src/errors.ts";

const text = new TextEncoder();

test("PLAIN sends \\0user\\0password and finishes on an empty answer", async () => {
  const plain = new SaslPlain({ username: "user", password: new Secret("pencil") });
  assert.equal(plain.name, "PLAIN");
  assert.deepEqual(await plain.start(), new Uint8Array([0, 117, 115, 101, 114, 0, 112, 101, 110, 99, 105, 108]));
  assert.equal(await plain.next(new Uint8Array()), null);
});

test("PLAIN with an authorization id and UTF-8 credentials", async () => {
  const plain = new SaslPlain({ username: "ü", password: "pässword", authorizationId: "admin" });
  assert.deepEqual(await plain.start(), text.encode("admin\0ü\0pässword"));
});

test("PLAIN rejects NUL in credentials and an unexpected server challenge", async () => {
  assert.throws(() => new SaslPlain({ username: "a\0b", password: "p" }), AuthenticationError);
  assert.throws(() => new SaslPlain({ username: "a", password: "p\0" }), AuthenticationError);
  const plain = new SaslPlain({ username: "u", password: "p" });
  await plain.start();
  await assert.rejects(plain.next(new Uint8Array([1])), AuthenticationError);
});
