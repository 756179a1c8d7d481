/**
 * The workerd adapter (src/net/cloudflare.ts) over a stand-in for `cloudflare:sockets`'
 * `connect()` built from web streams: events, write backpressure, closes and TLS options.
 * tests/integration/workerd_test.ts runs it for real inside workerd.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type CloudflareConnect, type CloudflareSocket, cloudflareTransport, WRITE_HIGH_WATER_BYTES } from "../../src/net/cloudflare.ts";
import { runtimeTransport } from "../../src/net/runtime_transport.ts";
import type { TransportAddress, TransportEvents } from "../../src/net/transport.ts";
import { ConfigError, SslAuthenticationError } from "../../src/errors.ts";

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A fake socket: the test pushes incoming bytes and acknowledges writes one by one. */
function fakeSocket() {
  let incoming!: ReadableStreamDefaultController<Uint8Array>;
  const opened = deferred<unknown>();
  const written: Uint8Array[] = [];
  const acks: (() => void)[] = [];
  const calls: { options?: unknown; startTls?: unknown; closes: number } = { closes: 0 };
  const socket: CloudflareSocket = {
    readable: new ReadableStream<Uint8Array>({ start: (c) => void (incoming = c) }),
    writable: new WritableStream<Uint8Array>({
      write(chunk) {
        written.push(chunk);
        return new Promise<void>((resolve) => acks.push(resolve));
      },
    }),
    opened: opened.promise,
    closed: Promise.resolve(),
    close() {
      calls.closes++;
      return Promise.resolve();
    },
    startTls(options) {
      calls.startTls = options;
      return socket;
    },
  };
  const connect: CloudflareConnect = (_address, options) => {
    calls.options = options;
    return socket;
  };
  return { socket, connect, opened, incoming: () => incoming, written, acks, calls };
}

function recorder() {
  const log: string[] = [];
  const closes: (Error | undefined)[] = [];
  const events: TransportEvents = {
    onOpen: () => log.push("open"),
    onData: (chunk) => log.push(`data ${chunk.length}`),
    onDrain: () => log.push("drain"),
    onClose: (error) => {
      log.push("close");
      closes.push(error);
    },
  };
  return { log, closes, events };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const address: TransportAddress = { host: "broker.example", port: 9092 };

test("the workerd adapter opens, hands over data and reports the broker's close once", async () => {
  const fake = fakeSocket();
  const { log, closes, events } = recorder();
  const socket = cloudflareTransport(fake.connect).connect(address, events);
  assert.deepEqual(fake.calls.options, { secureTransport: "off" });
  assert.equal(socket.write(new Uint8Array(3)), 0, "nothing is written before open");
  fake.opened.resolve({});
  await tick();
  fake.incoming().enqueue(new Uint8Array(5));
  fake.incoming().enqueue(new Uint8Array(0));
  await tick();
  fake.incoming().close();
  await tick();
  socket.close();
  await tick();
  assert.deepEqual(log, ["open", "data 5", "close"]);
  assert.match(String(closes[0]), /closed by the broker/);
  assert.equal(fake.calls.closes, 1);
});

test("the workerd adapter takes whole writes until a megabyte waits, then drains once when all is written", async () => {
  const fake = fakeSocket();
  const { log, events } = recorder();
  const socket = cloudflareTransport(fake.connect).connect(address, events);
  fake.opened.resolve({});
  await tick();
  const half = WRITE_HIGH_WATER_BYTES / 2;
  const chunks = [new Uint8Array(half).fill(1), new Uint8Array(half).fill(2)];
  assert.equal(socket.write(chunks[0]), half);
  assert.equal(socket.write(chunks[1]), half);
  assert.equal(socket.write(new Uint8Array(1)), 0, "a full queue takes nothing");
  await tick();
  fake.acks.shift()!();
  await tick();
  assert.equal(socket.write(new Uint8Array(1)), 0, "still blocked until the queue is empty");
  assert.deepEqual(log, ["open"]);
  fake.acks.shift()!();
  await tick();
  assert.deepEqual(log, ["open", "drain"]);
  assert.equal(socket.write(new Uint8Array(7)), 7);
  await tick();
  assert.deepEqual(fake.written.map((c) => [c.length, c[0]]), [[half, 1], [half, 2], [7, 0]]);
  assert.equal(fake.written[0], chunks[0], "the bytes go as they are, not copied");
  socket.close();
});

test("the workerd adapter closes on request without an error and then stays quiet", async () => {
  const fake = fakeSocket();
  const { log, closes, events } = recorder();
  const socket = cloudflareTransport(fake.connect).connect(address, events);
  fake.opened.resolve({});
  await tick();
  socket.close();
  socket.close();
  fake.incoming().enqueue(new Uint8Array(4));
  await tick();
  assert.deepEqual(log, ["open", "close"]);
  assert.deepEqual(closes, [undefined]);
  assert.equal(socket.write(new Uint8Array(1)), 0);
});

test("the workerd adapter reports a failed connect as a close with the runtime's error", async () => {
  const fake = fakeSocket();
  const { log, closes, events } = recorder();
  cloudflareTransport(fake.connect).connect(address, events);
  fake.opened.reject(new Error("proxy request failed, cannot connect to the specified address"));
  await tick();
  assert.deepEqual(log, ["close"]);
  assert.match(String(closes[0]), /cannot connect/);
});

test("the workerd adapter uses secureTransport on, or starttls to verify another server name", () => {
  const plain = fakeSocket();
  cloudflareTransport(plain.connect).connect({ ...address, tls: {} }, recorder().events);
  assert.deepEqual(plain.calls.options, { secureTransport: "on" });
  assert.equal(plain.calls.startTls, undefined);
  const named = fakeSocket();
  cloudflareTransport(named.connect).connect({ ...address, tls: { servername: "kafka.internal" } }, recorder().events);
  assert.deepEqual(named.calls.options, { secureTransport: "starttls" });
  assert.deepEqual(named.calls.startTls, { expectedServerHostname: "kafka.internal" });
});

test("the workerd adapter refuses TLS options a Worker cannot honour, naming the setting", async () => {
  const cases: [TransportAddress["tls"], string][] = [
    [{ ca: "-----BEGIN CERTIFICATE-----" }, "ssl.ca"],
    [{ cert: "c", key: "k" }, "ssl.cert"],
    [{ rejectUnauthorized: false }, "ssl.rejectUnauthorized"],
  ];
  for (const [tls, key] of cases) {
    const fake = fakeSocket();
    const { closes, events } = recorder();
    cloudflareTransport(fake.connect).connect({ ...address, tls }, events);
    await tick();
    assert.equal(fake.calls.options, undefined, "no connection is attempted");
    assert.ok(closes[0] instanceof SslAuthenticationError, String(closes[0]));
    assert.ok(closes[0].cause instanceof ConfigError);
    assert.equal(closes[0].cause.key, key);
    assert.match(closes[0].message, /broker\.example:9092/);
  }
});

test("the workerd adapter reports a TLS failure as an SslAuthenticationError", async () => {
  const fake = fakeSocket();
  const { closes, events } = recorder();
  cloudflareTransport(fake.connect).connect({ ...address, tls: {} }, events);
  fake.opened.resolve({});
  await tick();
  fake.incoming().error(new Error("TLS peer's certificate is not trusted; reason = unable to get local issuer certificate"));
  await tick();
  assert.ok(closes[0] instanceof SslAuthenticationError, String(closes[0]));
});

test("the workerd adapter takes workerd's opaque internal error on a TLS socket before any data as a TLS failure", async () => {
  for (const [tls, received, expectTls] of [[{}, false, true], [{}, true, false], [undefined, false, false]] as const) {
    const fake = fakeSocket();
    const { closes, events } = recorder();
    cloudflareTransport(fake.connect).connect({ ...address, tls }, events);
    fake.opened.resolve({});
    await tick();
    if (received) fake.incoming().enqueue(new Uint8Array(1));
    await tick();
    fake.incoming().error(new Error("internal error; reference = rub1nm2jmf2e1a9jt3s93fg8"));
    await tick();
    assert.equal(closes[0] instanceof SslAuthenticationError, expectTls, `${JSON.stringify({ tls, received })}: ${closes[0]}`);
  }
});

test("the workerd adapter says a failed TLS connect may be an untrusted certificate", async () => {
  const fake = fakeSocket();
  const { closes, events } = recorder();
  cloudflareTransport(fake.connect).connect({ ...address, tls: {} }, events);
  fake.opened.reject(new Error("proxy request failed, cannot connect to the specified address"));
  await tick();
  assert.ok(!(closes[0] instanceof SslAuthenticationError));
  assert.match(String(closes[0]), /cannot connect to the specified address \(workerd says the same when .* not trusted/);
});

test("the workerd adapter names ssl.servername when startTls refuses another name", async () => {
  const fake = fakeSocket();
  fake.socket.startTls = () => {
    throw new TypeError("startTls called with unsupported expectedServerHostname option");
  };
  const { closes, events } = recorder();
  cloudflareTransport(fake.connect).connect({ ...address, tls: { servername: "kafka.internal" } }, events);
  await tick();
  assert.ok(closes[0] instanceof SslAuthenticationError, String(closes[0]));
  assert.ok(closes[0].cause instanceof ConfigError);
  assert.equal(closes[0].cause.key, "ssl.servername");
  assert.equal(fake.calls.closes, 1, "the plaintext socket is closed");
});

test("asking for the workerd transport elsewhere fails the connection, not the program", async () => {
  const { log, closes, events } = recorder();
  const transport = runtimeTransport("workerd");
  assert.equal(transport.name, "workerd");
  transport.connect(address, events);
  for (let i = 0; i < 100 && closes.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(log, ["close"]);
  assert.ok(closes[0] instanceof Error);
});
