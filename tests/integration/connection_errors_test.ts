/**
 * What a producer pointed at the wrong place says, on whichever runtime runs this file:
 * a port where nothing listens, an HTTP server, TLS against a plaintext listener, and
 * a wrong SASL password. Each error names the address and what happened there.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import * as net from "node:net";
import { AuthenticationError, CorruptResponseError, KafkaProducer, NetworkError, SslAuthenticationError, TimeoutError } from "../../mod.ts";
import type { ProducerConfig } from "../../mod.ts";
import { bootstrapServers, securedCluster } from "../support/broker.ts";

const MAX_BLOCK_MS = 1500;

/** Sends one record that must fail; returns its error. */
async function sendFails(settings: Partial<ProducerConfig<string, string>> & { bootstrapServers: string }): Promise<Error> {
  const producer = new KafkaProducer<string, string>({ maxBlockMs: MAX_BLOCK_MS, lingerMs: 0, ...settings });
  try {
    return await producer.send({ topic: "connection-errors", value: "doomed" }).then(
      () => assert.fail("the send should fail"),
      (error: Error) => error,
    );
  } finally {
    await producer.close({ timeoutMs: 1000 });
  }
}

/** The TimeoutError's per-address errors (its cause is an AggregateError of them). */
function addressErrors(error: Error): unknown[] {
  assert.ok(error instanceof TimeoutError, `${error}`);
  assert.ok(error.cause instanceof AggregateError, `cause: ${error.cause}`);
  assert.equal(error.cause.message, error.message.slice(error.message.indexOf(": ") + 2));
  return error.cause.errors;
}

/** A loopback port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test("nothing listening: the metadata timeout names the address and says the connection was refused", async () => {
  const port = await closedPort();
  const error = await sendFails({ bootstrapServers: `127.0.0.1:${port}` });
  assert.match(
    error.message,
    new RegExp(
      `^Topic connection-errors not present in metadata after ${MAX_BLOCK_MS} ms: no broker answered\\. ` +
        `127\\.0\\.0\\.1:${port} connection refused \\(ECONNREFUSED\\)$`,
    ),
  );
  const [refused] = addressErrors(error);
  assert.ok(refused instanceof NetworkError, `${refused}`);
  assert.match(refused.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
});

test("an HTTP server: the metadata timeout says it is not a Kafka broker and quotes what it answered", async () => {
  const server = http.createServer((_request, response) => response.end("hello"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const error = await sendFails({ bootstrapServers: `127.0.0.1:${port}` });
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port} is not a Kafka broker \\(it answered "HTTP/1\\.1 400 Bad Request"\\)`));
    const [notKafka] = addressErrors(error);
    assert.ok(notKafka instanceof CorruptResponseError, `${notKafka}`);
    assert.equal(notKafka.received, "HTTP/1.1 400 Bad Request");
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test("TLS against the plaintext listener: the error names the address and the failed TLS handshake", async () => {
  const address = (await bootstrapServers()).split(",")[0];
  const error = await sendFails({ bootstrapServers: address, ssl: true });
  const escaped = address.replaceAll(".", "\\.");
  // The broker hangs up on the ClientHello: retriable (a restarting broker does the same), so the send waits out maxBlockMs.
  assert.match(
    error.message,
    new RegExp(`no broker answered\\. ${escaped} closed the connection during the TLS handshake \\(.+\\); is it a TLS listener\\?$`),
  );
  const [failed] = addressErrors(error);
  assert.ok(failed instanceof NetworkError, `${failed}`);
  assert.match(failed.message, new RegExp(`connection to node -1 at ${escaped} failed`));
});

test("a wrong SASL password: AuthenticationError at once, naming the broker's address and the broker's refusal", async () => {
  const address = (await securedCluster()).listeners.sasl_plaintext.split(",")[0];
  const error = await sendFails({
    bootstrapServers: address,
    sasl: { mechanism: "plain", username: "alice", password: "not-alices-password" },
    // Only the authentication failure can end the send this early.
    maxBlockMs: 120_000,
  });
  assert.ok(error instanceof AuthenticationError && !(error instanceof SslAuthenticationError), `${error}`);
  assert.match(error.message, new RegExp(`^node -1 \\(${address.replaceAll(".", "\\.")}\\): PLAIN authentication failed`));
  assert.match(error.message, /Authentication failed|invalid credentials/i);
});

test("plaintext against the TLS listener: the metadata timeout says the broker expects TLS, quoting its TLS alert", async () => {
  const address = (await securedCluster()).listeners.ssl.split(",")[0];
  const error = await sendFails({ bootstrapServers: address });
  const escaped = address.replaceAll(".", "\\.");
  assert.match(
    error.message,
    new RegExp(`no broker answered\\. ${escaped} expects TLS \\(it answered with a TLS record, "\\\\x15\\\\x03.*"\\): set ssl$`),
  );
  const [alert] = addressErrors(error);
  assert.ok(alert instanceof CorruptResponseError, `${alert}`);
  assert.match(alert.received!, /^\\x15\\x03/);
});
