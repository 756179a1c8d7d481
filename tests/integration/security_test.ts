/**
 * TLS and SASL against the harness broker's secured listeners (`--security all`), on
 * whichever runtime runs this file: every SASL mechanism over plaintext and TLS, mutual
 * TLS, certificates that must not verify, wrong passwords, re-authentication before the
 * broker's 10 s sessions end, and secrets kept out of logs, errors and printed objects.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { AuthenticationError, describeCluster, KafkaProducer, SslAuthenticationError } from "../../mod.ts";
import type { ProducerConfig } from "../../mod.ts";
import type { Logger } from "../../src/logger.ts";
import { securedCluster } from "../support/broker.ts";
import { readTopic } from "../support/reader.ts";
import { createTestTopic } from "../support/topics.ts";
import { unsecuredJwt } from "../../tools/kafka.ts";

const cluster = await securedCluster();
const topic = await createTestTopic("security", 1);
const PASSWORD = "alice-secret";
const WRONG_PASSWORD = "not-alices-password";
const MECHANISMS = ["plain", "scram-sha-256", "scram-sha-512", "oauthbearer"] as const;

/** Collects every line at debug level and above. */
function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push(`${level} ${message}${fields === undefined ? "" : ` ${JSON.stringify(fields)}`}`);
  return { logger: { debug: line("DEBUG"), info: line("INFO"), warn: line("WARN"), error: line("ERROR") }, lines };
}

function saslSettings(mechanism: (typeof MECHANISMS)[number], password = PASSWORD): ProducerConfig["sasl"] {
  if (mechanism === "oauthbearer") {
    return { mechanism, oauthBearerProvider: () => Promise.resolve({ value: unsecuredJwt(60_000), extensions: { traceId: "edge" } }) };
  }
  return { mechanism, username: "alice", password };
}

/** A producer with short timeouts: a failure that is not decided by authentication shows up as a TimeoutError. */
function producer(settings: Partial<ProducerConfig<string, string>>): KafkaProducer<string, string> {
  return new KafkaProducer<string, string>({ bootstrapServers: cluster.listeners.ssl, lingerMs: 0, ...settings });
}

/** Sends `count` records and returns their offsets. */
async function produce(settings: Partial<ProducerConfig<string, string>>, count = 10, label = "r"): Promise<number[]> {
  const p = producer(settings);
  try {
    const sent = await Promise.all(
      Array.from({ length: count }, (_, i) => p.send({ topic, key: `${label}-${i}`, value: `${label} value ${i}` })),
    );
    return sent.map((m) => m.offset);
  } finally {
    await p.close({ timeoutMs: 5_000 });
  }
}

/** Sends five records that must all fail; returns their errors. */
async function failures(settings: Partial<ProducerConfig<string, string>>): Promise<Error[]> {
  // Timeouts far beyond the test's own limits: only an authentication failure ends these sends in time.
  const p = producer({ maxBlockMs: 120_000, deliveryTimeoutMs: 240_000, requestTimeoutMs: 120_000, ...settings });
  try {
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => p.send({ topic, value: `doomed ${i}` })));
    return outcomes.map((o) => {
      assert.equal(o.status, "rejected", "every pending send fails");
      return (o as PromiseRejectedResult).reason as Error;
    });
  } finally {
    await p.close({ timeoutMs: 5_000 });
  }
}

const text = (bytes: Uint8Array | null) => bytes === null ? null : new TextDecoder().decode(bytes);
const contiguous = (offsets: number[]) => offsets.every((o, i) => i === 0 || o === offsets[i - 1] + 1);
/** The Java consumer's properties that trust the harness CA's PEM file. */
const trustHarnessCa = () => ({ "ssl.truststore.type": "PEM", "ssl.truststore.location": cluster.caPath });

test("TLS: produces through the SSL listener trusting the harness CA, and the Java consumer reads the records back over TLS", async () => {
  const offsets = await produce({ ssl: { ca: cluster.ca } }, 10, "tls");
  assert.ok(contiguous(offsets));
  const read = await readTopic(cluster.listeners.ssl, topic, { props: { "security.protocol": "SSL", ...trustHarnessCa() } });
  const ours = read.filter((r) => text(r.key)?.startsWith("tls-"));
  assert.deepEqual(ours.map((r) => r.offset), offsets);
  assert.deepEqual(ours.map((r) => text(r.value)), offsets.map((_, i) => `tls value ${i}`));
});

for (const mechanism of MECHANISMS) {
  for (const listener of ["sasl_plaintext", "sasl_ssl"] as const) {
    test(`SASL ${mechanism.toUpperCase()} over ${listener.toUpperCase()}: authenticates and produces`, async () => {
      const { logger, lines } = captureLogger();
      const offsets = await produce(
        {
          bootstrapServers: cluster.listeners[listener],
          ssl: listener === "sasl_ssl" ? { ca: cluster.ca } : undefined,
          sasl: saslSettings(mechanism),
          logger,
        },
        10,
        `${mechanism}-${listener}`,
      );
      assert.equal(offsets.length, 10);
      assert.ok(contiguous(offsets));
      assert.ok(lines.some((l) => l.includes(`authenticated to node 1 with ${mechanism.toUpperCase()}`)), lines.join("\n"));
    });
  }
}

test("SASL_SSL PLAIN: the Java consumer reads back over the same secured listener what we wrote through it", async () => {
  const offsets = await produce(
    { bootstrapServers: cluster.listeners.sasl_ssl, ssl: { ca: cluster.ca }, sasl: saslSettings("plain") },
    5,
    "peer",
  );
  const read = await readTopic(cluster.listeners.sasl_ssl, topic, {
    props: {
      "security.protocol": "SASL_SSL",
      ...trustHarnessCa(),
      "sasl.mechanism": "PLAIN",
      "sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="${PASSWORD}";`,
    },
  });
  assert.deepEqual(read.filter((r) => text(r.key)?.startsWith("peer-")).map((r) => r.offset), offsets);
});

test("mTLS: a client certificate gets through the listener that requires one; without it the handshake is refused", async () => {
  const withCert = await produce(
    { bootstrapServers: cluster.listeners.mtls, ssl: { ca: cluster.ca, cert: cluster.clientCert, key: cluster.clientKey } },
    3,
    "mtls",
  );
  assert.equal(withCert.length, 3);
  // Also with an explicit server name (SNI), which Deno serves through node:tls.
  const withServername = await produce(
    {
      bootstrapServers: cluster.listeners.mtls,
      ssl: { ca: cluster.ca, cert: cluster.clientCert, key: cluster.clientKey, servername: "localhost" },
    },
    3,
    "mtls-sni",
  );
  assert.equal(withServername.length, 3);
  for (const error of await failures({ bootstrapServers: cluster.listeners.mtls, ssl: { ca: cluster.ca } })) {
    assert.ok(error instanceof SslAuthenticationError, `${error}`);
    assert.match(error.message, /TLS handshake with 127\.0\.0\.1:\d+ failed/);
  }
});

test("TLS: an untrusted certificate fails every pending send with SslAuthenticationError, unless verification is off", async () => {
  for (const error of await failures({ ssl: true })) {
    assert.ok(error instanceof SslAuthenticationError, `${error}`);
    assert.equal(error.retriable, false);
  }
  const unverified = await produce({ ssl: { rejectUnauthorized: false } }, 3, "unverified");
  assert.equal(unverified.length, 3);
});

test("TLS: a server name the certificate does not cover fails; one it covers works", async () => {
  for (const error of await failures({ ssl: { ca: cluster.ca, servername: "kafka.wrong.example" } })) {
    assert.ok(error instanceof SslAuthenticationError, `${error}`);
    assert.match(error.message, /kafka\.wrong\.example|not valid for name/);
  }
  assert.equal((await produce({ ssl: { ca: cluster.ca, servername: "localhost" } }, 2, "sni")).length, 2);
});

test("SASL: a wrong password fails every pending send with AuthenticationError, and describeCluster rejects the same way", async () => {
  for (const mechanism of ["plain", "scram-sha-512"] as const) {
    for (
      const error of await failures({ bootstrapServers: cluster.listeners.sasl_plaintext, sasl: saslSettings(mechanism, WRONG_PASSWORD) })
    ) {
      assert.ok(error instanceof AuthenticationError && !(error instanceof SslAuthenticationError), `${mechanism}: ${error}`);
      assert.match(error.message, /Authentication failed|invalid credentials/i);
    }
  }
  await assert.rejects(
    describeCluster({ bootstrapServers: cluster.listeners.sasl_plaintext, sasl: saslSettings("scram-sha-256", WRONG_PASSWORD) }, {
      timeoutMs: 120_000,
    }),
    AuthenticationError,
  );
});

test("SASL: re-authenticates before the broker's 10 s sessions end, on the same connection; OAUTHBEARER tokens are refreshed", async () => {
  const scram = captureLogger();
  const oauth = captureLogger();
  let tokens = 0;
  const producers = [
    producer({ bootstrapServers: cluster.listeners.sasl_plaintext, sasl: saslSettings("scram-sha-256"), logger: scram.logger }),
    producer({
      bootstrapServers: cluster.listeners.sasl_plaintext,
      logger: oauth.logger,
      // Each token expires after 6 s: the broker ends the session then, so only a fresh token keeps the connection.
      sasl: { mechanism: "oauthbearer", oauthBearerProvider: () => Promise.resolve({ value: unsecuredJwt(6_000 + 1_000 * tokens++) }) },
    }),
  ];
  const deadline = Date.now() + 22_000;
  let sent = 0;
  try {
    while (Date.now() < deadline) {
      await Promise.all(producers.map((p) => p.send({ topic, value: `reauth ${sent}` })));
      sent++;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await Promise.all(producers.map((p) => p.close({ timeoutMs: 5_000 })));
  }
  for (const [name, { lines }] of [["SCRAM", scram], ["OAUTHBEARER", oauth]] as const) {
    const beforeClose = lines.slice(0, lines.findIndex((l) => l.includes("the network client was closed")));
    assert.ok(beforeClose.filter((l) => l.includes("re-authenticated to node 1")).length >= 2, `${name}:\n${lines.join("\n")}`);
    assert.equal(
      beforeClose.filter((l) => l.includes("connecting to node 1")).length,
      1,
      `${name} kept one connection:\n${lines.join("\n")}`,
    );
    assert.deepEqual(beforeClose.filter((l) => l.includes("disconnected from node 1")), [], name);
  }
  assert.ok(tokens >= 4, `the token provider was asked ${tokens} times`);
});

test("secrets: no log line at debug level, error, or printed producer shows a password, token or private key", async () => {
  const { logger, lines } = captureLogger();
  const token = unsecuredJwt(60_000);
  const settings: Partial<ProducerConfig<string, string>>[] = [
    { bootstrapServers: cluster.listeners.sasl_ssl, ssl: { ca: cluster.ca }, sasl: saslSettings("scram-sha-512") },
    { bootstrapServers: cluster.listeners.sasl_plaintext, sasl: saslSettings("plain") },
    {
      bootstrapServers: cluster.listeners.sasl_plaintext,
      sasl: { mechanism: "oauthbearer", oauthBearerProvider: () => Promise.resolve({ value: token }) },
    },
    { bootstrapServers: cluster.listeners.mtls, ssl: { ca: cluster.ca, cert: cluster.clientCert, key: cluster.clientKey } },
  ];
  const printed: string[] = [];
  for (const s of settings) {
    const p = producer({ ...s, logger });
    await p.send({ topic, value: "secret-free" });
    printed.push(JSON.stringify(p), inspect(p, { depth: 10, showHidden: true }), String(p));
    await p.close({ timeoutMs: 5_000 });
  }
  const refused = await failures({
    bootstrapServers: cluster.listeners.sasl_plaintext,
    sasl: saslSettings("scram-sha-256", WRONG_PASSWORD),
    logger,
  });
  for (const error of refused) printed.push(String(error), error.stack ?? "", JSON.stringify(error), inspect(error, { depth: 10 }));
  const keyBody = cluster.clientKey.split("\n")[1];
  assert.ok(lines.length > 20, "debug logging was on");
  assert.ok(lines.some((l) => l.includes("[hidden]")), "the logged configuration shows that secrets were hidden");
  for (const text of [...lines, ...printed]) {
    for (const secret of [PASSWORD, WRONG_PASSWORD, token, keyBody]) {
      assert.ok(!text.includes(secret), `a secret appears in: ${text.slice(0, 300)}`);
    }
  }
});
