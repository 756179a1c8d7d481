import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeScramUsername, SaslScram, SCRAM_MIN_ITERATIONS } from "../../src/security/sasl_scram.ts";
import { AuthenticationError } from "../../src/errors.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const str = (b: Uint8Array | null) => dec.decode(b!);
const isAuthError = (pattern: RegExp) => (e: unknown) => e instanceof AuthenticationError && pattern.test(e.message);

// RFC 7677 section 3.
const RFC_NONCE = "rOprNGfwEbeRWgbNEkqO";
const RFC_SERVER_FIRST = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const RFC_CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const RFC_SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

function rfcClient(password = "pencil"): SaslScram {
  return new SaslScram({ mechanism: "SCRAM-SHA-256", username: "user", password, clientNonce: RFC_NONCE });
}

test("SCRAM-SHA-256 matches the RFC 7677 test vector", async () => {
  const scram = rfcClient();
  assert.equal(scram.name, "SCRAM-SHA-256");
  assert.equal(str(await scram.start()), `n,,n=user,r=${RFC_NONCE}`);
  assert.equal(str(await scram.next(enc.encode(RFC_SERVER_FIRST))), RFC_CLIENT_FINAL);
  assert.equal(await scram.next(enc.encode(RFC_SERVER_FINAL)), null);
});

test("SCRAM with a wrong password rejects the server signature of the RFC 7677 vector", async () => {
  const scram = rfcClient("pencil2");
  await scram.start();
  assert.notEqual(str(await scram.next(enc.encode(RFC_SERVER_FIRST))), RFC_CLIENT_FINAL);
  await assert.rejects(scram.next(enc.encode(RFC_SERVER_FINAL)), isAuthError(/server signature does not match/));
  await assert.rejects(scram.next(enc.encode(RFC_SERVER_FINAL)), isAuthError(/state failed/));
});

// A tiny SCRAM server (RFC 5802 section 3), computed with Web Crypto independently of the client.
const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

async function hmacSha512(key: Uint8Array, data: string): Promise<Uint8Array<ArrayBuffer>> {
  const k = await crypto.subtle.importKey("raw", new Uint8Array(key), { name: "HMAC", hash: "SHA-512" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(data)));
}

async function sha512Server(password: string, iterations: number) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const base = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  const salted = new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-512", salt, iterations }, base, 512));
  const storedKey = new Uint8Array(await crypto.subtle.digest("SHA-512", await hmacSha512(salted, "Client Key")));
  const serverKey = await hmacSha512(salted, "Server Key");
  let clientFirstBare = "";
  let serverFirst = "";
  return {
    first(clientFirst: string, nonceSuffix = "srvNONCE"): string {
      assert.ok(clientFirst.startsWith("n,,"));
      clientFirstBare = clientFirst.slice(3);
      const nonce = /(?:^|,)r=([^,]*)/.exec(clientFirstBare)![1];
      serverFirst = `r=${nonce}${nonceSuffix},s=${b64(salt)},i=${iterations}`;
      return serverFirst;
    },
    /** The server-final message, and whether the client's proof was right. */
    async final(clientFinal: string): Promise<{ message: string; proofOk: boolean }> {
      const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(",p="));
      const proof = unb64(clientFinal.slice(clientFinal.lastIndexOf(",p=") + 3));
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const clientSignature = await hmacSha512(storedKey, authMessage);
      const clientKey = proof.map((b, i) => b ^ clientSignature[i]);
      const candidate = new Uint8Array(await crypto.subtle.digest("SHA-512", clientKey));
      const proofOk = b64(candidate) === b64(storedKey);
      return { message: `v=${b64(await hmacSha512(serverKey, authMessage))}`, proofOk };
    },
  };
}

test("SCRAM-SHA-512 round trip against an in-test server", async () => {
  const server = await sha512Server("s3cr3t", 4096);
  const scram = new SaslScram({ mechanism: "SCRAM-SHA-512", username: "alice", password: "s3cr3t" });
  const clientFirst = str(await scram.start());
  assert.match(clientFirst, /^n,,n=alice,r=[\x21-\x2b\x2d-\x7e]+$/);
  const clientFinal = str(await scram.next(enc.encode(server.first(clientFirst))));
  assert.match(clientFinal, /^c=biws,r=[^,]+srvNONCE,p=[A-Za-z0-9+/]+=*$/);
  const { message, proofOk } = await server.final(clientFinal);
  assert.equal(proofOk, true);
  assert.equal(await scram.next(enc.encode(message)), null);
});

test("SCRAM-SHA-512 with a wrong password: the server rejects the proof and the client the signature", async () => {
  const server = await sha512Server("s3cr3t", 4096);
  const scram = new SaslScram({ mechanism: "SCRAM-SHA-512", username: "alice", password: "wrong" });
  const clientFinal = str(await scram.next(enc.encode(server.first(str(await scram.start())))));
  const { message, proofOk } = await server.final(clientFinal);
  assert.equal(proofOk, false);
  await assert.rejects(scram.next(enc.encode(message)), isAuthError(/server signature does not match/));
});

test("SCRAM rejects a server nonce that does not extend the client nonce", async () => {
  for (
    const serverFirst of [
      "r=XXXXNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
      `r=${RFC_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`,
    ]
  ) {
    const scram = rfcClient();
    await scram.start();
    await assert.rejects(scram.next(enc.encode(serverFirst)), isAuthError(/nonce/), serverFirst);
  }
});

test("SCRAM rejects fewer than 4096 iterations and malformed server-first messages", async () => {
  assert.equal(SCRAM_MIN_ITERATIONS, 4096);
  const server = await sha512Server("s3cr3t", 4095);
  const scram = new SaslScram({ mechanism: "SCRAM-SHA-512", username: "alice", password: "s3cr3t" });
  await assert.rejects(scram.next(enc.encode(server.first(str(await scram.start())))), isAuthError(/iteration count 4095/));
  const bad = [
    `r=${RFC_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==`,
    `r=${RFC_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1`,
    `r=${RFC_NONCE}x,s=!!!,i=4096`,
    `m=ext,r=${RFC_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`,
    "garbage",
  ];
  for (const serverFirst of bad) {
    const c = rfcClient();
    await c.start();
    await assert.rejects(c.next(enc.encode(serverFirst)), AuthenticationError, serverFirst);
  }
});

test("SCRAM server errors (e=) become AuthenticationError", async () => {
  const first = rfcClient();
  await first.start();
  await assert.rejects(first.next(enc.encode("e=unknown-user")), isAuthError(/server error: unknown-user/));
  const final = rfcClient();
  await final.start();
  await final.next(enc.encode(RFC_SERVER_FIRST));
  await assert.rejects(final.next(enc.encode("e=invalid-proof")), isAuthError(/server error: invalid-proof/));
});

test("SCRAM escapes = and , in the username and sends tokenauth=true for delegation tokens", async () => {
  assert.equal(escapeScramUsername("a=b,c"), "a=3Db=2Cc");
  const scram = new SaslScram({ mechanism: "SCRAM-SHA-256", username: "u=1,2", password: "p", clientNonce: "abc", tokenAuth: true });
  assert.equal(str(await scram.start()), "n,,n=u=3D1=2C2,r=abc,tokenauth=true");
  await assert.rejects(scram.start(), AuthenticationError);
});

test("SCRAM client nonces are random, printable and comma-free; bad injected nonces are refused", async () => {
  const nonces = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const first = str(await new SaslScram({ mechanism: "SCRAM-SHA-256", username: "u", password: "p" }).start());
    const nonce = first.slice("n,,n=u,r=".length);
    assert.match(nonce, /^[\x21-\x2b\x2d-\x7e]{24,}$/);
    nonces.add(nonce);
  }
  assert.equal(nonces.size, 20);
  assert.throws(() => new SaslScram({ mechanism: "SCRAM-SHA-256", username: "u", password: "p", clientNonce: "a,b" }), AuthenticationError);
  assert.throws(() => new SaslScram({ mechanism: "SCRAM-SHA-1" as "SCRAM-SHA-256", username: "u", password: "p" }), AuthenticationError);
});
