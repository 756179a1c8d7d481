import { test } from "node:test";
import assert from "node:assert/strict";
import type { ClientResponse } from "../../src/client/client_request.ts";
import { MetadataApi } from "../../src/protocol/metadata.ts";
import { CorruptResponseError, NetworkError, TimeoutError, UnsupportedVersionError } from "../../src/errors.ts";
import { apiVersionsResponse, FAKE_BROKER_APIS, metadataResponseV12 } from "../support/responses.ts";
import { networkClientSetup } from "../support/network_client_fixture.ts";

const API_VERSIONS = 18;
const METADATA = 3;
const BROKERS = [{ nodeId: 1, host: "b1", port: 9092 }, { nodeId: 2, host: "b2", port: 9093 }];

const setup = networkClientSetup;

/** Opens the node's socket and completes the ApiVersions handshake. */
async function handshake(t: ReturnType<typeof setup>, nodeId: number) {
  t.client.ready(nodeId, t.clock.now());
  t.selector.openConnection(nodeId);
  await t.poll();
  const request = t.selector.lastSent(API_VERSIONS);
  assert.equal(request.nodeId, nodeId);
  t.selector.receive(nodeId, apiVersionsResponse(request.correlationId, request.version, FAKE_BROKER_APIS));
  await t.poll();
}

/** Bootstraps through node -1 and answers the first metadata request with BROKERS. */
async function bootstrap(t: ReturnType<typeof setup>) {
  await t.poll();
  assert.deepEqual(t.selector.connects.map((c) => c.nodeId), [-1]);
  await handshake(t, -1);
  await t.poll();
  const request = t.selector.lastSent(METADATA);
  t.selector.receive(-1, metadataResponseV12(request.correlationId, BROKERS));
  await t.poll();
  assert.deepEqual(t.metadata.cluster.nodes.map((n) => n.id), [1, 2]);
}

function metadataSpec(destination: number, outcomes: ClientResponse[]) {
  return {
    destination,
    api: MetadataApi,
    body: { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false },
    callback: (r: ClientResponse) => outcomes.push(r),
  };
}

/** Bootstraps, readies node 1 and sends it a Metadata request; the request's outcome lands in `outcomes`. */
async function metadataInFlight(t: ReturnType<typeof setup>) {
  await bootstrap(t);
  await handshake(t, 1);
  const outcomes: ClientResponse[] = [];
  const request = t.client.send(metadataSpec(1, outcomes), t.clock.now());
  await t.poll();
  return { request, outcomes };
}

test("NetworkClient bootstraps: connects, sends ApiVersions first, then Metadata at the negotiated version", async () => {
  const t = setup();
  await t.poll();
  assert.deepEqual(t.selector.connects, [{ nodeId: -1, address: { host: "b1", port: 9092, tls: undefined } }]);
  t.selector.openConnection(-1);
  await t.poll();
  assert.deepEqual(t.selector.sent.map((s) => [s.apiKey, s.version]), [[API_VERSIONS, 4]], "ApiVersions before anything else");
  const av = t.selector.lastSent(API_VERSIONS);
  t.selector.receive(-1, apiVersionsResponse(av.correlationId, 4, FAKE_BROKER_APIS));
  await t.poll();
  await t.poll();
  const md = t.selector.lastSent(METADATA);
  assert.equal(md.version, Math.min(12, MetadataApi.maxVersion));
  t.selector.receive(-1, metadataResponseV12(md.correlationId, BROKERS));
  await t.poll();
  assert.equal(t.metadata.updateVersion, 1);
  assert.equal(t.metadata.cluster.controllerId, 1);
  assert.deepEqual(t.client.nodeApiVersions(-1)?.get(METADATA), { minVersion: 0, maxVersion: 12 });
});

test("NetworkClient falls back to the broker's ApiVersions version after UNSUPPORTED_VERSION", async () => {
  const t = setup();
  const first = await t.openBootstrap();
  assert.equal(first.version, 4);
  // An older broker answers in v0 with error 35 and its own ranges.
  t.selector.receive(
    -1,
    apiVersionsResponse(
      first.correlationId,
      0,
      [{ apiKey: 18, minVersion: 0, maxVersion: 2 }, { apiKey: 3, minVersion: 0, maxVersion: 9 }],
      35,
    ),
  );
  await t.poll();
  const second = t.selector.lastSent(API_VERSIONS);
  assert.equal(second.version, 2);
  assert.equal(t.client.isReady(-1, t.clock.now()), false);
  t.selector.receive(
    -1,
    apiVersionsResponse(second.correlationId, 2, [{ apiKey: 18, minVersion: 0, maxVersion: 2 }, {
      apiKey: 3,
      minVersion: 0,
      maxVersion: 9,
    }]),
  );
  await t.poll();
  await t.poll();
  assert.equal(t.selector.lastSent(METADATA).version, 9);
});

test("NetworkClient keeps requests to a node within maxInFlightRequestsPerConnection", async () => {
  const t = setup({ maxInFlightRequestsPerConnection: 2 });
  await bootstrap(t);
  const outcomes: ClientResponse[] = [];
  assert.equal(t.client.ready(1, t.clock.now()), false, "not connected yet");
  await handshake(t, 1);
  assert.equal(t.client.isReady(1, t.clock.now()), true);
  const a = t.client.send(metadataSpec(1, outcomes), t.clock.now());
  await t.poll();
  t.client.send(metadataSpec(1, outcomes), t.clock.now());
  await t.poll();
  assert.equal(t.client.isReady(1, t.clock.now()), false, "two in flight");
  assert.throws(() => t.client.send(metadataSpec(1, outcomes), t.clock.now()), /not ready/);
  t.selector.receive(1, metadataResponseV12(a.correlationId, BROKERS));
  await t.poll();
  assert.equal(outcomes.length, 1);
  assert.equal(outcomes[0].error, undefined);
  assert.equal(t.client.isReady(1, t.clock.now()), true);
});

test("NetworkClient does not send another request until the last one is fully written", async () => {
  const t = setup();
  await bootstrap(t);
  await handshake(t, 1);
  t.selector.autoCompleteSends = false;
  t.client.send(metadataSpec(1, []), t.clock.now());
  await t.poll();
  assert.equal(t.client.canSendRequest(1, t.clock.now()), false);
  t.selector.autoCompleteSends = true;
  await t.poll();
  assert.equal(t.client.canSendRequest(1, t.clock.now()), true);
});

test("NetworkClient fails a request with TimeoutError after requestTimeoutMs and drops the connection", async () => {
  const t = setup({ requestTimeoutMs: 5000 });
  const { outcomes } = await metadataInFlight(t);
  t.clock.advance(4999);
  await t.poll();
  assert.equal(outcomes.length, 0);
  t.clock.advance(1);
  await t.poll();
  assert.equal(outcomes.length, 1);
  assert.ok(outcomes[0].error instanceof TimeoutError);
  assert.match(outcomes[0].error.message, /5000 ms/);
  assert.ok(t.selector.closed.includes(1));
  assert.equal(t.metadata.updateRequested(), true);
});

test("NetworkClient reconnects only after a backoff that grows to reconnectBackoffMaxMs", async () => {
  const t = setup({ reconnectBackoffMs: 100, reconnectBackoffMaxMs: 400 });
  await bootstrap(t);
  const waits: number[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    assert.equal(t.client.ready(1, t.clock.now()), false);
    t.selector.failConnection(1);
    await t.poll();
    assert.equal(t.client.canConnect(1, t.clock.now()), false);
    const wait = t.client.connectionDelay(1, t.clock.now());
    waits.push(wait);
    t.clock.advance(wait - 1);
    assert.equal(t.client.canConnect(1, t.clock.now()), false);
    t.clock.advance(1);
    assert.equal(t.client.canConnect(1, t.clock.now()), true);
  }
  assert.deepEqual(waits, [100, 200, 400, 400, 400]);
});

test("NetworkClient gives up on a connection not set up within socketConnectionSetupTimeoutMs", async () => {
  const t = setup({ socketConnectionSetupTimeoutMs: 1000, socketConnectionSetupTimeoutMaxMs: 4000 });
  await bootstrap(t);
  t.client.ready(2, t.clock.now());
  t.clock.advance(999);
  await t.poll();
  assert.equal(t.client.isConnecting(2), true);
  t.clock.advance(1);
  await t.poll();
  assert.equal(t.client.isConnecting(2), false);
  assert.ok(t.selector.closed.includes(2));
  assert.ok(t.client.lastError(2) instanceof TimeoutError);
});

test("NetworkClient closes the connection on a response with the wrong correlation id", async () => {
  const t = setup();
  const { request, outcomes } = await metadataInFlight(t);
  t.selector.receive(1, metadataResponseV12(request.correlationId + 1000, BROKERS));
  await t.poll();
  assert.equal(outcomes.length, 1);
  assert.ok(outcomes[0].error instanceof CorruptResponseError);
  assert.match(outcomes[0].error.message, /correlation id/);
  assert.equal(outcomes[0].disconnected, true);
  assert.ok(t.selector.closed.includes(1));
});

test("NetworkClient closes the connection on a response that does not decode", async () => {
  const t = setup();
  const { request, outcomes } = await metadataInFlight(t);
  const garbage = new Uint8Array(12);
  new DataView(garbage.buffer).setInt32(0, request.correlationId);
  garbage.fill(0xff, 4);
  t.selector.receive(1, garbage);
  await t.poll();
  assert.ok(outcomes[0].error instanceof CorruptResponseError);
  assert.ok(t.selector.closed.includes(1));
  assert.equal(t.client.isReady(1, t.clock.now()), false);
});

test("NetworkClient fails in-flight requests with NetworkError when the connection drops", async () => {
  const t = setup();
  const { outcomes } = await metadataInFlight(t);
  t.client.send(metadataSpec(1, outcomes), t.clock.now());
  t.selector.failConnection(1, new Error("ECONNRESET"));
  await t.poll();
  assert.equal(outcomes.length, 2);
  for (const outcome of outcomes) {
    assert.ok(outcome.error instanceof NetworkError);
    assert.equal(outcome.disconnected, true);
  }
  assert.equal(t.client.inFlightRequestCount(1), 0);
});

test("NetworkClient rejects an API the broker does not support with UnsupportedVersionError", async () => {
  const t = setup();
  await bootstrap(t);
  t.selector.openConnection(2);
  t.client.ready(2, t.clock.now());
  await t.poll();
  const av = t.selector.lastSent(API_VERSIONS);
  t.selector.receive(2, apiVersionsResponse(av.correlationId, av.version, [{ apiKey: 18, minVersion: 0, maxVersion: 4 }]));
  await t.poll();
  const outcomes: ClientResponse[] = [];
  t.client.send(metadataSpec(2, outcomes), t.clock.now());
  await t.poll();
  assert.equal(outcomes.length, 1);
  assert.ok(outcomes[0].error instanceof UnsupportedVersionError);
  assert.equal(t.client.inFlightRequestCount(2), 0);
});

test("NetworkClient completes a request that expects no response once it is written", async () => {
  const t = setup();
  await bootstrap(t);
  await handshake(t, 1);
  const outcomes: ClientResponse[] = [];
  t.client.send({ ...metadataSpec(1, outcomes), expectResponse: false }, t.clock.now());
  await t.poll();
  assert.equal(outcomes.length, 1);
  assert.equal(outcomes[0].error, undefined);
  assert.equal(t.client.inFlightRequestCount(1), 0);
});

test("NetworkClient.leastLoadedNode prefers a ready node with the fewest requests in flight", async () => {
  const t = setup();
  await bootstrap(t);
  await handshake(t, 1);
  await handshake(t, 2);
  t.client.send(metadataSpec(1, []), t.clock.now());
  await t.poll();
  for (let i = 0; i < 10; i++) assert.equal(t.client.leastLoadedNode(t.clock.now())?.id, 2);
});

test("NetworkClient holds other requests while a metadata refresh is due", async () => {
  const t = setup({ metadataMaxAgeMs: 60_000 });
  await bootstrap(t);
  await handshake(t, 1);
  assert.equal(t.client.isReady(1, t.clock.now()), true);
  t.clock.advance(60_000);
  assert.equal(t.client.isReady(1, t.clock.now()), false, "metadata is due");
  await t.poll();
  assert.equal(t.selector.lastSent(METADATA).nodeId !== undefined, true);
  assert.equal(t.client.isReady(1, t.clock.now()) || t.client.isReady(2, t.clock.now()), true, "refresh in flight, others may go");
});

test("NetworkClient.close fails everything in flight and closes every connection", async () => {
  const t = setup();
  await bootstrap(t);
  await handshake(t, 1);
  const outcomes: ClientResponse[] = [];
  t.client.send(metadataSpec(1, outcomes), t.clock.now());
  t.client.close();
  await t.poll();
  assert.equal(outcomes.length, 1);
  assert.match(String(outcomes[0].error), /closed/);
  assert.ok(t.selector.closed.includes(1));
});

test("an ApiVersions answer that arrives with the connection's close does not mark the dead connection ready", async () => {
  const t = setup();
  t.client.ready(-1, t.clock.now());
  t.selector.openConnection(-1);
  await t.poll();
  const request = t.selector.lastSent(API_VERSIONS);
  t.selector.receive(-1, apiVersionsResponse(request.correlationId, request.version, FAKE_BROKER_APIS));
  t.selector.failConnection(-1);
  await t.poll();
  assert.equal(t.client.isReady(-1, t.clock.now()), false);
  assert.equal(t.client.nodeApiVersions(-1), undefined);
  assert.ok(t.client.lastError(-1) instanceof NetworkError);
});

test("NetworkClient closes a connection idle longer than connectionsMaxIdleMs, and connects afresh for the next request", async () => {
  const t = setup({ connectionsMaxIdleMs: 60_000 });
  await bootstrap(t);
  await handshake(t, 1);
  assert.equal(t.client.isReady(1, t.clock.now()), true);
  // Time passes while the loop sleeps in its polls (a jump between polls would be a freeze).
  const realPoll = t.selector.poll.bind(t.selector);
  t.selector.poll = (ms: number) => {
    t.clock.advance(ms);
    return realPoll(ms);
  };
  const idleFor = async (ms: number) => {
    for (const until = t.clock.now() + ms; t.clock.now() < until;) await t.client.poll(until - t.clock.now(), t.clock.now());
  };
  await idleFor(59_000);
  assert.equal(t.client.isReady(1, t.clock.now()), true, "not idle long enough yet");
  await idleFor(2_000);
  assert.ok(t.selector.closed.includes(1), "the idle connection is closed");
  assert.equal(t.client.isReady(1, t.clock.now()), false);
  t.clock.advance(1_000);
  const connects = t.selector.connects.length;
  t.client.ready(1, t.clock.now());
  assert.equal(t.selector.connects.length, connects + 1, "ready() opens a new connection");
});

test("NetworkClient replaces idle connections after the process stood still, keeping those with requests in flight", async () => {
  const t = setup();
  await bootstrap(t);
  await handshake(t, 1);
  await handshake(t, 2);
  const outcomes: ClientResponse[] = [];
  t.client.send(metadataSpec(2, outcomes), t.clock.now());
  await t.poll();
  assert.equal(t.metadata.updateRequested(), false);
  // The poll asked to wait 0 ms and came back 20 s later: a frozen process.
  const realPoll = t.selector.poll.bind(t.selector);
  t.selector.poll = (ms: number) => {
    t.clock.advance(ms + 20_000);
    return realPoll(ms);
  };
  await t.poll();
  t.selector.poll = realPoll;
  assert.ok(t.selector.closed.includes(1), "node 1 was idle through the freeze: replaced");
  assert.equal(t.selector.closed.includes(2), false, "node 2 has a request in flight: kept");
  assert.equal(t.metadata.updateRequested(), true, "metadata is refreshed too");
  assert.equal(outcomes.length, 0);
});

test("NetworkClient sleeps at most a second per poll, and keeps idle connections when a poll returns on time", async () => {
  const t = setup();
  await bootstrap(t);
  await handshake(t, 1);
  const realPoll = t.selector.poll.bind(t.selector);
  const asked: number[] = [];
  t.selector.poll = (ms: number) => {
    asked.push(ms);
    t.clock.advance(ms + 4_000);
    return realPoll(ms);
  };
  await t.client.poll(25_000, t.clock.now());
  t.selector.poll = realPoll;
  assert.deepEqual(asked, [1_000]);
  assert.equal(t.selector.closed.includes(1), false);
  assert.equal(t.client.isReady(1, t.clock.now()), true);
});

test("NetworkClient.ready for a node the metadata no longer lists answers false and connects nowhere", async () => {
  const t = setup();
  await bootstrap(t);
  const connects = t.selector.connects.length;
  assert.equal(t.client.knowsNode(7), false);
  assert.equal(t.client.ready(7, t.clock.now()), false);
  assert.equal(t.selector.connects.length, connects);
  assert.equal(t.client.knowsNode(1), true);
});

test("NetworkClient connects to a registered node the metadata does not list yet (a coordinator from FindCoordinator)", async () => {
  const t = setup();
  await bootstrap(t);
  t.client.registerNode({ id: 7, host: "b7", port: 9097, rack: null });
  assert.equal(t.client.knowsNode(7), true);
  assert.equal(t.client.nodeAddress(7), "b7:9097");
  assert.equal(t.client.ready(7, t.clock.now()), false, "connecting");
  assert.deepEqual(t.selector.connects.at(-1), { nodeId: 7, address: { host: "b7", port: 9097, tls: undefined } });
  await handshake(t, 7);
  assert.equal(t.client.isReady(7, t.clock.now()), true);
});

test("NetworkClient also counts a long gap between two polls as a freeze (the process stopped while the loop was busy)", async () => {
  const t = setup();
  await bootstrap(t);
  await handshake(t, 1);
  t.clock.advance(9_000);
  await t.poll();
  assert.ok(t.selector.closed.includes(1), "the idle connection is replaced");
});
