/**
 * Real sockets on each runtime's own transport, against a local TCP server that
 * speaks just enough Kafka to complete the handshake and then misbehaves.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { awaitMetadata, awaitReady, createNetworkClient, sendAndReceive } from "../../src/client/network_client_utils.ts";
import { MetadataApi } from "../../src/protocol/metadata.ts";
import { CorruptResponseError, NetworkError, TimeoutError } from "../../src/errors.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { apiVersionsResponse, FAKE_BROKER_APIS, metadataResponseV12 } from "../support/responses.ts";
import { frame, frameSplitter } from "../support/helpers.ts";

type Misbehaviour = (socket: net.Socket, correlationId: number, port: number) => void;

/**
 * A broker on a free port that answers ApiVersions properly, answers the first Metadata
 * request properly, and treats every later Metadata request with `misbehave`.
 */
async function fakeBroker(misbehave: Misbehaviour): Promise<{ port: number; close: () => Promise<void>; connections: () => number }> {
  let connections = 0;
  let metadataRequests = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    const split = frameSplitter();
    socket.on("data", (chunk: Uint8Array) => {
      for (const payload of split(chunk)) {
        const request = new Reader(payload);
        const apiKey = request.int16();
        const version = request.int16();
        const correlationId = request.int32();
        const port = (server.address() as net.AddressInfo).port;
        if (apiKey === 18) socket.write(frame(apiVersionsResponse(correlationId, version, FAKE_BROKER_APIS)));
        else if (apiKey === 3 && metadataRequests++ === 0) {
          socket.write(frame(metadataResponseV12(correlationId, [{ nodeId: 1, host: "127.0.0.1", port }])));
        } else misbehave(socket, correlationId, port);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function requestMetadataAfterBootstrap(misbehave: Misbehaviour, requestTimeoutMs = 10_000) {
  const broker = await fakeBroker(misbehave);
  const connected = createNetworkClient({ bootstrapServers: `127.0.0.1:${broker.port}`, requestTimeoutMs, maxResponseSize: 1024 * 1024 });
  try {
    await awaitMetadata(connected, 10_000);
    await awaitReady(connected, 1, 10_000);
    const outcome = await sendAndReceive(connected, { destination: 1, api: MetadataApi, body: { topics: [] } }, 10_000).then(
      () => undefined,
      (error: unknown) => error,
    );
    return { outcome, connected, broker };
  } catch (error) {
    connected.client.close();
    await broker.close();
    throw error;
  }
}

type Bootstrapped = Awaited<ReturnType<typeof requestMetadataAfterBootstrap>>;

/** Runs `check` on a Metadata request the misbehaving broker answered, then closes the client and the broker. */
async function withMisbehavingBroker(misbehave: Misbehaviour, check: (t: Bootstrapped) => void | Promise<void>, requestTimeoutMs?: number) {
  const t = await requestMetadataAfterBootstrap(misbehave, requestTimeoutMs);
  try {
    await check(t);
  } finally {
    t.connected.client.close();
    await t.broker.close();
  }
}

test("a response with a correlation id that matches nothing fails that request and closes the connection", async () => {
  await withMisbehavingBroker((socket, correlationId, port) => {
    socket.write(frame(metadataResponseV12(correlationId + 7, [{ nodeId: 1, host: "127.0.0.1", port }])));
  }, (t) => {
    assert.ok(t.outcome instanceof CorruptResponseError, String(t.outcome));
    assert.match((t.outcome as Error).message, /correlation id/);
  });
});

test("a frame over maxResponseSize fails that request and closes the connection", async () => {
  await withMisbehavingBroker((socket) => {
    socket.write(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
  }, (t) => {
    assert.ok(t.outcome instanceof CorruptResponseError, String(t.outcome));
    assert.match((t.outcome as Error).message, /2147483647 bytes/);
  });
});

test("a truncated frame followed by a close fails that request with NetworkError", async () => {
  await withMisbehavingBroker((socket, correlationId, port) => {
    const whole = frame(metadataResponseV12(correlationId, [{ nodeId: 1, host: "127.0.0.1", port }]));
    socket.end(whole.subarray(0, whole.length - 5));
  }, (t) => {
    assert.ok(t.outcome instanceof NetworkError, String(t.outcome));
  });
});

test("an undecodable response body fails that request with CorruptResponseError", async () => {
  await withMisbehavingBroker((socket, correlationId) => {
    const body = new Uint8Array(40).fill(0xee);
    new DataView(body.buffer).setInt32(0, correlationId);
    body[4] = 0; // empty header tagged fields, then garbage
    socket.write(frame(body));
  }, (t) => {
    assert.ok(t.outcome instanceof CorruptResponseError, String(t.outcome));
  });
});

test("a broker that never answers fails the request with TimeoutError after requestTimeoutMs", async () => {
  await withMisbehavingBroker(() => {}, (t) => {
    assert.ok(t.outcome instanceof TimeoutError, String(t.outcome));
    assert.match((t.outcome as Error).message, /500 ms/);
  }, 500);
});

test("after a bad frame the client reconnects and the next request succeeds", async () => {
  let bad = true;
  await withMisbehavingBroker((socket, correlationId, port) => {
    if (bad) {
      bad = false;
      socket.write(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    } else socket.write(frame(metadataResponseV12(correlationId, [{ nodeId: 1, host: "127.0.0.1", port }])));
  }, async (t) => {
    assert.ok(t.outcome instanceof CorruptResponseError);
    const response = await sendAndReceive(t.connected, { destination: 1, api: MetadataApi, body: { topics: [] } }, 10_000);
    assert.equal(response.brokers[0].nodeId, 1);
    assert.ok(t.broker.connections() >= 2, "a new connection was made");
  });
});

test("a refused connection is reported as a NetworkError on the node", async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const connected = createNetworkClient({ bootstrapServers: `127.0.0.1:${port}` });
  try {
    await assert.rejects(awaitMetadata(connected, 1_000), TimeoutError);
    assert.ok(connected.client.lastError(-1) instanceof NetworkError, String(connected.client.lastError(-1)));
  } finally {
    connected.client.close();
  }
});
