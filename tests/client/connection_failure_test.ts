/**
 * The NetworkClient's record of each node's last failed connection outcome: what the
 * transport, the selector and the handshake reported, sorted into the kinds a timeout
 * message names (refused, DNS, setup timeout, TLS, not Kafka, authentication, closed).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { NetworkClient } from "../../src/client/network_client.ts";
import { Metadata } from "../../src/client/metadata.ts";
import { resolveClientConfig } from "../../src/client/client_config.ts";
import { classifyConnectionFailure, describeConnectionFailure } from "../../src/client/connection_failure.ts";
import { AuthenticationError, CorruptResponseError, NetworkError, SslAuthenticationError, TimeoutError } from "../../src/errors.ts";
import { Selector } from "../../src/net/selector.ts";
import { FakeTransport } from "../support/fake_transport.ts";
import { apiVersionsResponse, FAKE_BROKER_APIS, metadataResponseV12 } from "../support/responses.ts";
import { networkClientSetup } from "../support/network_client_fixture.ts";
import { FakeClock } from "../support/producer_fixtures.ts";

const API_VERSIONS = 18;
const METADATA = 3;

const setup = networkClientSetup;

/** A runtime error as the transport adapters report it: a message and a Node-style code. */
function transportError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** The failure recorded when the first connection to the bootstrap broker fails with `error`. */
async function bootstrapFailure(error: Error, overrides: Parameters<typeof setup>[0] = {}) {
  const t = setup(overrides);
  await t.poll();
  t.selector.failConnection(-1, error);
  await t.poll();
  return { t, failure: t.client.connectionFailure(-1)! };
}

test("a refused connection is recorded as connection_refused, naming the address", async () => {
  const { t, failure } = await bootstrapFailure(transportError("connect ECONNREFUSED 127.0.0.1:1", "ECONNREFUSED"));
  assert.equal(failure.kind, "connection_refused");
  assert.equal(failure.address, "b1:9092");
  assert.equal(describeConnectionFailure(failure), "b1:9092 connection refused (ECONNREFUSED)");
  assert.ok(failure.error instanceof NetworkError);
  assert.equal(failure.error, t.client.lastError(-1));
});

test("an unknown host is recorded as dns_failure with the runtime's code", async () => {
  const { failure } = await bootstrapFailure(transportError("getaddrinfo ENOTFOUND b1", "ENOTFOUND"));
  assert.equal(failure.kind, "dns_failure");
  assert.equal(failure.description, "host name did not resolve (ENOTFOUND)");
});

test("a connection not set up in time is recorded as setup_timeout; its error names the address", async () => {
  const t = setup({ socketConnectionSetupTimeoutMs: 1000, socketConnectionSetupTimeoutMaxMs: 1000 });
  await t.poll();
  t.clock.ms += 1000;
  await t.poll();
  const failure = t.client.connectionFailure(-1)!;
  assert.equal(failure.kind, "setup_timeout");
  assert.ok(failure.error instanceof TimeoutError);
  assert.equal(failure.error.message, "connection to node -1 (b1:9092) was not set up within 1000 ms");
  assert.match(failure.description, /did not accept the connection in time/);
});

test("a TLS handshake failure is recorded as tls_failure, whether typed by the adapter or a hang-up during the handshake", async () => {
  const { failure } = await bootstrapFailure(
    new SslAuthenticationError("TLS handshake with b1:9092 failed: invalid peer certificate: UnknownIssuer"),
    { ssl: true },
  );
  assert.equal(failure.kind, "tls_failure");
  assert.equal(
    failure.description,
    "failed the TLS handshake (TLS handshake with b1:9092 failed: invalid peer certificate: UnknownIssuer)",
  );

  // A plaintext listener reads the ClientHello as an oversized frame and hangs up.
  const { failure: reset } = await bootstrapFailure(
    transportError("Client network socket disconnected before secure TLS connection", "ECONNRESET"),
    { ssl: true },
  );
  assert.equal(reset.kind, "tls_failure");
  assert.match(reset.description, /closed the connection during the TLS handshake .*is it a TLS listener\?/);
});

test("an HTTP server's answer is recorded as not_kafka, quoting its first line (real Selector over a fake transport)", async () => {
  const config = resolveClientConfig({ bootstrapServers: "127.0.0.1:8080", clientId: "test" });
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const metadata = new Metadata(config.bootstrapServers, config);
  const client = new NetworkClient(new Selector(transport), metadata, config, clock, { random: () => 0.5 });
  await client.poll(0, clock.now());
  const socket = transport.sockets[0];
  socket.events.onOpen();
  await client.poll(0, clock.now());
  await client.poll(0, clock.now());
  assert.ok(socket.written.length > 0, "ApiVersions went out");
  socket.events.onData(new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"));
  await client.poll(0, clock.now());
  const failure = client.connectionFailure(-1)!;
  assert.equal(failure.kind, "not_kafka");
  assert.equal(describeConnectionFailure(failure), '127.0.0.1:8080 is not a Kafka broker (it answered "HTTP/1.1 400 Bad Request")');
  assert.ok(failure.error instanceof CorruptResponseError);
  assert.equal(failure.error.received, "HTTP/1.1 400 Bad Request");
  assert.match(failure.error.message, /began with "HTTP\/1\.1 400 Bad Request"/);
});

test("non-printable first bytes are shown as \\xNN", async () => {
  const transport = new FakeTransport();
  const selector = new Selector(transport, { maxReceiveSize: 1024 });
  selector.connect(1, { host: "h", port: 1 });
  transport.sockets[0].events.onOpen();
  transport.sockets[0].events.onData(new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x41]));
  await selector.poll(0);
  const error = selector.disconnected[0].error as CorruptResponseError;
  assert.equal(error.received, "\\x16\\x03\\x01\\x02\\x00A");
});

test("a peer that hangs up before answering ApiVersions is recorded as such, with a hint about TLS", async () => {
  const t = setup();
  await t.openBootstrap();
  t.selector.failConnection(-1, new Error("connection closed by the broker"));
  await t.poll();
  const failure = t.client.connectionFailure(-1)!;
  assert.equal(failure.kind, "disconnected");
  assert.equal(
    failure.description,
    "closed the connection without answering ApiVersions (connection closed by the broker); if it is a TLS listener, set ssl",
  );
});

test("refused credentials are recorded as authentication_failed with the broker's message", () => {
  const error = new AuthenticationError("node 1 (b1:9092): PLAIN authentication failed: Invalid username or password");
  const failure = classifyConnectionFailure(1, "b1:9092", error, "authenticating", false, 0);
  assert.equal(failure.kind, "authentication_failed");
  assert.equal(
    describeConnectionFailure(failure),
    "b1:9092 refused authentication (node 1 (b1:9092): PLAIN authentication failed: Invalid username or password)",
  );
});

test("a ready connection lost with a request in flight is recorded as disconnected, and forgotten once the node answers", async () => {
  const t = setup();
  const av = await t.openBootstrap();
  t.selector.receive(-1, apiVersionsResponse(av.correlationId, av.version, FAKE_BROKER_APIS));
  await t.poll();
  await t.poll();
  assert.equal(t.client.connectionFailure(-1), undefined);
  t.selector.lastSent(METADATA);
  t.selector.failConnection(-1, new Error("connection reset"));
  await t.poll();
  const failure = t.client.connectionFailure(-1)!;
  assert.equal(failure.kind, "disconnected");
  assert.equal(failure.description, "disconnected (connection reset)");

  t.clock.ms += 10_000;
  await t.poll();
  t.selector.openConnection(-1);
  await t.poll();
  const again = t.selector.lastSent(API_VERSIONS);
  t.selector.receive(-1, apiVersionsResponse(again.correlationId, again.version, FAKE_BROKER_APIS));
  await t.poll();
  assert.equal(t.client.connectionFailure(-1), undefined, "the node answered");
  await t.poll();
  const md = t.selector.lastSent(METADATA);
  t.selector.receive(-1, metadataResponseV12(md.correlationId, [{ nodeId: 1, host: "b1", port: 9092 }]));
  await t.poll();
  assert.equal(t.client.nodeAddress(-1), "b1:9092", "a bootstrap address is remembered after the metadata replaced it");
});

test("a request timeout names the node's address", async () => {
  const t = setup({ requestTimeoutMs: 1000 });
  await t.openBootstrap();
  t.clock.ms += 1000;
  await t.poll();
  const failure = t.client.connectionFailure(-1)!;
  assert.equal(failure.kind, "request_timeout");
  assert.equal(failure.error.message, "ApiVersions request to node -1 (b1:9092) got no response within 1000 ms");
});

test("a TLS record where a Kafka frame should be is recorded as tls_failure: a TLS listener got plaintext", () => {
  const alert = new CorruptResponseError(
    "node -1 at b1:9093 sent a frame of 352518912 bytes",
    undefined,
    "\\x15\\x03\\x03\\x00\\x02\\x02P",
  );
  const failure = classifyConnectionFailure(-1, "b1:9093", alert, "checking_api_versions", false, 0);
  assert.equal(failure.kind, "tls_failure");
  assert.equal(
    describeConnectionFailure(failure),
    'b1:9093 expects TLS (it answered with a TLS record, "\\x15\\x03\\x03\\x00\\x02\\x02P"): set ssl',
  );
});
