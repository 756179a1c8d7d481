import { test } from "node:test";
import assert from "node:assert/strict";
import { Selector } from "../../src/net/selector.ts";
import { CorruptResponseError, NetworkError } from "../../src/errors.ts";
import { FakeTransport } from "../support/fake_transport.ts";
import { frame } from "../support/helpers.ts";

function openSelector(maxReceiveSize?: number) {
  const transport = new FakeTransport();
  const selector = new Selector(transport, { maxReceiveSize });
  selector.connect(1, { host: "broker", port: 9092 });
  const socket = transport.sockets[0];
  socket.events.onOpen();
  return { transport, selector, socket };
}

test("Selector reports a connection once its socket opens", async () => {
  const transport = new FakeTransport();
  const selector = new Selector(transport);
  selector.connect(7, { host: "b", port: 1 });
  assert.equal(selector.isConnected(7), false);
  transport.sockets[0].events.onOpen();
  await selector.poll(1000);
  assert.deepEqual(selector.connected, [7]);
  assert.equal(selector.isConnected(7), true);
  await selector.poll(0);
  assert.deepEqual(selector.connected, [], "each poll reports only what is new");
});

test("Selector frames responses delivered one byte at a time", async () => {
  const { selector, socket } = openSelector();
  await selector.poll(0);
  const first = frame(new Uint8Array([1, 2, 3]));
  const second = frame(new Uint8Array([4, 5, 6, 7, 8]));
  const stream = new Uint8Array([...first, ...second]);
  for (const byte of stream) socket.events.onData(new Uint8Array([byte]));
  await selector.poll(1000);
  assert.deepEqual(selector.completedReceives.map((r) => [r.nodeId, [...r.payload]]), [[1, [1, 2, 3]], [1, [4, 5, 6, 7, 8]]]);
});

test("Selector frames several responses in one chunk and one split across chunks", async () => {
  const { selector, socket } = openSelector();
  const frames = [frame(new Uint8Array([9])), frame(new Uint8Array(0)), frame(new Uint8Array([1, 2, 3, 4, 5, 6]))];
  const stream = new Uint8Array([...frames[0], ...frames[1], ...frames[2]]);
  socket.events.onData(stream.subarray(0, 11));
  socket.events.onData(stream.subarray(11));
  await selector.poll(1000);
  assert.deepEqual(selector.completedReceives.map((r) => [...r.payload]), [[9], [], [1, 2, 3, 4, 5, 6]]);
});

test("Selector copies received bytes, so a reused read buffer cannot corrupt them", async () => {
  const { selector, socket } = openSelector();
  const buffer = frame(new Uint8Array([1, 2, 3]));
  socket.events.onData(buffer);
  buffer.fill(0);
  await selector.poll(1000);
  assert.deepEqual([...selector.completedReceives[0].payload], [1, 2, 3]);
});

test("Selector keeps the unwritten tail of a partial write and completes it on drain", async () => {
  const { selector, socket } = openSelector();
  await selector.poll(0);
  socket.capacity = 3;
  const request = frame(new Uint8Array([10, 11, 12, 13, 14, 15]));
  selector.send(1, request);
  await selector.poll(0);
  assert.deepEqual(selector.completedSends, [], "3 of 10 bytes written: not complete");
  socket.capacity = 4;
  socket.events.onDrain();
  await selector.poll(0);
  assert.deepEqual(selector.completedSends, []);
  socket.events.onDrain();
  await selector.poll(0);
  assert.deepEqual(selector.completedSends, [1]);
  assert.deepEqual([...socket.bytes()], [...request]);
});

test("Selector coalesces small requests into one write and completes each", async () => {
  const { selector, socket } = openSelector();
  const requests = [1, 2, 3].map((n) => frame(new Uint8Array(100).fill(n)));
  for (const r of requests) selector.send(1, r);
  await selector.poll(0);
  assert.equal(socket.written.length, 1, "one write for three small requests");
  assert.deepEqual(selector.completedSends, [1, 1, 1]);
  assert.deepEqual([...socket.bytes()], requests.flatMap((r) => [...r]));
});

test("Selector writes requests in order across partial writes of coalesced data", async () => {
  const { selector, socket } = openSelector();
  socket.capacity = 7;
  const requests = [frame(new Uint8Array([1, 2])), frame(new Uint8Array([3, 4, 5])), frame(new Uint8Array([6]))];
  for (const r of requests) selector.send(1, r);
  await selector.poll(0);
  assert.deepEqual(selector.completedSends, [1], "first 6-byte frame done, 1 byte of the second");
  while (socket.bytes().length < 6 + 7 + 5) socket.events.onDrain();
  await selector.poll(0);
  assert.deepEqual(selector.completedSends, [1, 1]);
  assert.deepEqual([...socket.bytes()], requests.flatMap((r) => [...r]));
});

test("Selector writes a frame given as chunks in order, large ones on their own, and completes it once", async () => {
  const { selector, socket } = openSelector();
  const large = new Uint8Array(70 * 1024).fill(7);
  const chunks = [new Uint8Array([0, 0, 0, 9]), new Uint8Array([1, 2]), large, new Uint8Array([3])];
  selector.send(1, chunks);
  selector.send(1, frame(new Uint8Array([4, 5])));
  await selector.poll(0);
  assert.deepEqual(selector.completedSends, [1, 1], "one completion per frame, not per chunk");
  assert.deepEqual(socket.written.map((w) => w.length), [6, large.length, 1 + 6], "small chunks joined, the large one alone");
  assert.deepEqual([...socket.bytes()], [...chunks.flatMap((c) => [...c]), ...frame(new Uint8Array([4, 5]))]);
});

test("Selector completes a chunked frame only when its last chunk is written, across partial writes", async () => {
  const { selector, socket } = openSelector();
  socket.capacity = 100 * 1024;
  const large = new Uint8Array(150 * 1024).fill(1);
  selector.send(1, [new Uint8Array([0, 0, 0, 1]), large, new Uint8Array([2])]);
  await selector.poll(0);
  assert.deepEqual(selector.completedSends, []);
  while (socket.bytes().length < 4 + large.length + 1) socket.events.onDrain();
  await selector.poll(0);
  assert.deepEqual(selector.completedSends, [1]);
});

test("Selector closes a connection whose frame is over the size limit", async () => {
  const { selector, socket } = openSelector(1024);
  socket.events.onData(new Uint8Array([0, 0, 4, 1]));
  await selector.poll(1000);
  assert.equal(selector.disconnected.length, 1);
  assert.ok(selector.disconnected[0].error instanceof CorruptResponseError);
  assert.match(selector.disconnected[0].error.message, /1025 bytes/);
  assert.equal(socket.closed, true);
  assert.equal(selector.isConnected(1), false);
});

test("Selector closes a connection that sends a negative frame size", async () => {
  const { selector, socket } = openSelector();
  socket.events.onData(new Uint8Array([0xff, 0xff, 0xff, 0xfe, 1, 2, 3]));
  await selector.poll(1000);
  assert.ok(selector.disconnected[0].error instanceof CorruptResponseError);
  assert.equal(socket.closed, true);
});

test("Selector reports a socket failure as a NetworkError and forgets the channel", async () => {
  const { selector, socket } = openSelector();
  socket.events.onClose(new Error("ECONNRESET"));
  await selector.poll(1000);
  assert.equal(selector.disconnected.length, 1);
  assert.ok(selector.disconnected[0].error instanceof NetworkError);
  assert.match(selector.disconnected[0].error.message, /ECONNRESET/);
});

test("Selector reports a send to a closed connection as a disconnection instead of throwing", async () => {
  const { selector, socket } = openSelector();
  socket.events.onClose(new Error("ECONNRESET"));
  await selector.poll(1000);
  selector.send(1, frame(new Uint8Array(1)));
  await selector.poll(1000);
  assert.equal(selector.disconnected.length, 1);
  assert.ok(selector.disconnected[0].error instanceof NetworkError);
  assert.match(selector.disconnected[0].error.message, /cannot send to node 1/);
});

test("Selector.close is silent and ignores the socket's late events", async () => {
  const { selector, socket } = openSelector();
  await selector.poll(0);
  selector.close(1);
  socket.events.onData(frame(new Uint8Array([1])));
  await selector.poll(0);
  assert.deepEqual(selector.disconnected, []);
  assert.deepEqual(selector.completedReceives, []);
});

test("Selector.poll returns on wakeup long before its timeout", async () => {
  const selector = new Selector(new FakeTransport());
  const started = Date.now();
  setTimeout(() => selector.wakeup(), 5);
  await selector.poll(60_000);
  assert.ok(Date.now() - started < 30_000);
});

test("Selector.poll waits out its timeout when nothing happens", async () => {
  const selector = new Selector(new FakeTransport());
  const started = Date.now();
  await selector.poll(30);
  assert.ok(Date.now() - started >= 25);
});
