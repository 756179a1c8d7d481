/** The chaos suite's proxy, over real loopback sockets: each fault does what it says. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { FaultyProxy } from "../../tools/chaos/proxy.ts";

/** An echo server, a proxy in front of it, and a client connected through the proxy. */
async function echoThroughProxy() {
  const server: Server = createServer((socket) => socket.on("data", (chunk) => socket.write(chunk)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxy = new FaultyProxy({ host: "127.0.0.1", port: (server.address() as { port: number }).port });
  const port = await proxy.listen();
  const client: Socket = createConnection({ host: "127.0.0.1", port });
  client.setNoDelay(true);
  await new Promise((resolve) => client.once("connect", resolve));
  const chunks: Uint8Array[] = [];
  client.on("data", (chunk: Uint8Array) => chunks.push(chunk));
  const received = () => new TextDecoder().decode(Buffer.concat(chunks));
  const closed = new Promise<void>((resolve) => client.on("close", () => resolve()));
  client.on("error", () => {});
  const stop = async () => {
    client.destroy();
    await proxy.close();
    await new Promise((resolve) => server.close(resolve));
  };
  return { proxy, port, client, chunks, received, closed, stop };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await sleep(5);
  }
}

test("proxy: passes bytes both ways unchanged", async () => {
  const t = await echoThroughProxy();
  t.client.write("hello");
  await until(() => t.received() === "hello");
  await t.stop();
});

test("proxy: a black hole holds every byte on the open connection, then delivers them in order", async () => {
  const t = await echoThroughProxy();
  t.proxy.setFault({ kind: "blackhole" });
  t.client.write("one ");
  t.client.write("two");
  await sleep(200);
  assert.equal(t.received(), "");
  t.proxy.setFault({ kind: "pass" });
  await until(() => t.received() === "one two");
  await t.stop();
});

test("proxy: latency holds each chunk for the time asked, each way", async () => {
  const t = await echoThroughProxy();
  t.proxy.setFault({ kind: "latency", ms: 100 });
  const started = Date.now();
  t.client.write("slow");
  await until(() => t.received() === "slow");
  // Two trips through the proxy, each held 100 ms (timers may fire a little early).
  assert.ok(Date.now() - started >= 190, `arrived after ${Date.now() - started} ms`);
  await t.stop();
});

test("proxy: slicing hands bytes on one at a time", async () => {
  const t = await echoThroughProxy();
  t.proxy.setFault({ kind: "slice" });
  t.client.write("sliced bytes");
  await until(() => t.received() === "sliced bytes");
  assert.ok(t.chunks.length > 1, `arrived in ${t.chunks.length} chunk(s)`);
  await t.stop();
});

test("proxy: a bandwidth limit lets through at most about the rate asked", async () => {
  const t = await echoThroughProxy();
  t.proxy.setFault({ kind: "bandwidth", bytesPerSecond: 10_000 });
  const started = Date.now();
  t.client.write("x".repeat(5_000));
  await until(() => t.received().length === 5_000);
  // At most a tenth of a second's bytes go at once; the other 4,000 need 0.4 s.
  assert.ok(Date.now() - started >= 350, `arrived after ${Date.now() - started} ms`);
  await t.stop();
});

test("proxy: resetAll drops open connections, and refuse drops new ones at once", async () => {
  const t = await echoThroughProxy();
  t.proxy.resetAll();
  await t.closed;
  t.proxy.setFault({ kind: "refuse" });
  const refused = createConnection({ host: "127.0.0.1", port: t.port });
  refused.on("error", () => {});
  let bytes = 0;
  refused.on("data", (chunk: Uint8Array) => bytes += chunk.length);
  refused.write("anyone?");
  await new Promise((resolve) => refused.on("close", resolve));
  assert.equal(bytes, 0);
  await t.stop();
});
