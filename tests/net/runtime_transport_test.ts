/**
 * The current runtime's own transport over real loopback sockets: big writes that the
 * socket takes in parts, big reads that arrive in many chunks, and closes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { Selector } from "../../src/net/selector.ts";
import { detectRuntime, runtimeTransport } from "../../src/net/runtime_transport.ts";
import { NetworkError } from "../../src/errors.ts";
import { frame } from "../support/helpers.ts";

async function pollUntil(selector: Selector, done: () => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the selector");
    await selector.poll(100);
  }
}

/** A server that, for each frame it receives, answers with a frame of `replySize` bytes holding the byte sum. */
async function echoServer(replySize: number) {
  const server = net.createServer((socket) => {
    let expected = -1;
    let received = 0;
    let sum = 0;
    const head: number[] = [];
    socket.on("data", (chunk: Uint8Array) => {
      for (const byte of chunk) {
        if (expected < 0) {
          head.push(byte);
          if (head.length === 4) {
            expected = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
            head.length = 0;
          }
          continue;
        }
        sum = (sum + byte) >>> 0;
        if (++received === expected) {
          const reply = new Uint8Array(replySize);
          new DataView(reply.buffer).setUint32(0, sum);
          for (let i = 4; i < replySize; i++) reply[i] = i & 0xff;
          socket.write(frame(reply));
          expected = -1;
          received = 0;
          sum = 0;
        }
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as net.AddressInfo).port };
}

test(`the ${detectRuntime()} transport writes 8 MiB requests and reads 4 MiB responses intact`, async () => {
  const { server, port } = await echoServer(4 * 1024 * 1024);
  const selector = new Selector(runtimeTransport());
  try {
    selector.connect(1, { host: "127.0.0.1", port });
    await pollUntil(selector, () => selector.connected.includes(1));
    const payload = new Uint8Array(8 * 1024 * 1024);
    let sum = 0;
    for (let i = 0; i < payload.length; i++) {
      payload[i] = (i * 31) & 0xff;
      sum = (sum + payload[i]) >>> 0;
    }
    // Two big requests and some small ones queued together: order and framing must hold.
    for (const p of [payload, new Uint8Array([1, 2, 3]), payload, new Uint8Array([4])]) selector.send(1, frame(p));
    const receives: Uint8Array[] = [];
    let sends = 0;
    await pollUntil(selector, () => {
      sends += selector.completedSends.length;
      receives.push(...selector.completedReceives.map((r) => r.payload));
      return receives.length === 4;
    }, 60_000);
    assert.equal(sends, 4);
    const sums = receives.map((r) => new DataView(r.buffer, r.byteOffset).getUint32(0));
    assert.deepEqual(sums, [sum, 6, sum, 4]);
    for (const r of receives) {
      assert.equal(r.length, 4 * 1024 * 1024);
      assert.equal(r[1234567], 1234567 & 0xff);
    }
  } finally {
    selector.closeAll();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test(`the ${detectRuntime()} transport reports a peer's close as a disconnection`, async () => {
  const server = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const selector = new Selector(runtimeTransport());
  try {
    selector.connect(3, { host: "127.0.0.1", port: (server.address() as net.AddressInfo).port });
    await pollUntil(selector, () => selector.disconnected.length > 0);
    assert.equal(selector.disconnected[0].nodeId, 3);
    assert.ok(selector.disconnected[0].error instanceof NetworkError);
  } finally {
    selector.closeAll();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test(`the ${detectRuntime()} transport reports a refused connection as a disconnection`, async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const selector = new Selector(runtimeTransport());
  selector.connect(4, { host: "127.0.0.1", port });
  await pollUntil(selector, () => selector.disconnected.length > 0);
  assert.ok(selector.disconnected[0].error instanceof NetworkError);
  assert.equal(selector.isConnected(4), false);
});
