/**
 * Bad input at every exported entry point is a typed error that names the field and
 * what was given: records (SerializationError), configuration and options (ConfigError,
 * with the closest known key for an unknown one), other arguments (KafkaError). No
 * broker: MockProducer, and KafkaProducer over a transport that never answers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  closeOnShutdown,
  ConfigError,
  consoleLogger,
  describeCluster,
  flushInBackground,
  KafkaError,
  KafkaProducer,
  MockProducer,
  murmur2,
  partitionForKey,
  Secret,
  SerializationError,
  TransactionStateError,
} from "../../mod.ts";
import type { ProducerConfig, ProducerRecord } from "../../mod.ts";
import { FakeTransport } from "../support/fake_transport.ts";

const bootstrapServers = "b1:9092";

/** A producer whose metadata never arrives: whatever it rejects, it rejects before any wait. */
function producer(extra: Record<string, unknown> = {}): KafkaProducer<unknown, unknown> {
  return new KafkaProducer({ bootstrapServers, transport: new FakeTransport(), maxBlockMs: 60_000, ...extra } as ProducerConfig);
}

/** Asserts the exact class and message (message as a string: exact, or a RegExp). */
function matches(error: unknown, Class: new (...args: never[]) => Error, message: string | RegExp): true {
  assert.ok(error instanceof Class, `expected ${Class.name}, got ${error}`);
  if (typeof message === "string") assert.equal(error.message, message);
  else assert.match(error.message, message);
  return true;
}

function configError(build: () => unknown, key: string, message: string): void {
  assert.throws(build, (error) => {
    matches(error, ConfigError, message);
    assert.equal((error as ConfigError).key, key);
    return true;
  });
}

const BAD_RECORDS: [string, unknown, string][] = [
  [
    "a number header value",
    { topic: "t", headers: { retries: 3 } },
    'record.headers["retries"] must be a string, Uint8Array or null, not number (3)',
  ],
  [
    "a header pair value",
    { topic: "t", headers: [["a", "x"], ["b", true]] },
    "record.headers[1][1] must be a string, Uint8Array or null, not boolean (true)",
  ],
  ["a header pair name", { topic: "t", headers: [[7, "x"]] }, "record.headers[0][0] must be a string, not number (7)"],
  [
    "a header entry that is no pair",
    { topic: "t", headers: ["a=b"] },
    'record.headers[0] must be a [name, value] pair, not string ("a=b")',
  ],
  [
    "headers as a Map",
    { topic: "t", headers: new Map([["a", "b"]]) },
    "record.headers must be an object or an array of [name, value] pairs, not Map",
  ],
  ["no record", undefined, "send() needs a record object with a topic, not undefined"],
  ["a string record", "orders", 'send() needs a record object with a topic, not string ("orders")'],
  ["no topic", { value: "v" }, "record.topic must be a non-empty string, not undefined"],
  ["an empty topic", { topic: "" }, 'record.topic must be a non-empty string, not string ("")'],
  [
    "an illegal topic",
    { topic: "my orders" },
    'record.topic must be a legal topic name (1 to 249 of a-z, A-Z, 0-9, ".", "_", "-"; not "." or ".."), not string ("my orders")',
  ],
  [
    "a fractional partition",
    { topic: "t", partition: 1.5 },
    "record.partition must be a non-negative integer, null or undefined, not number (1.5)",
  ],
  [
    "a partition as text",
    { topic: "t", partition: "0" },
    'record.partition must be a non-negative integer, null or undefined, not string ("0")',
  ],
  [
    "a Date timestamp",
    { topic: "t", timestamp: new Date(0) },
    "record.timestamp must be a non-negative integer (ms since the epoch), null or undefined, not Date",
  ],
  [
    "a NaN timestamp",
    { topic: "t", timestamp: NaN },
    "record.timestamp must be a non-negative integer (ms since the epoch), null or undefined, not number (NaN)",
  ],
  [
    "a number value",
    { topic: "t", value: 5 },
    "record.value must be a string, Uint8Array or null (or set valueSerializer), not number (5) (topic t)",
  ],
  [
    "an object key",
    { topic: "t", key: { id: 1 } },
    "record.key must be a string, Uint8Array or null (or set keySerializer), not object (topic t)",
  ],
];

test("a bad record rejects its send with a SerializationError naming the field, on the mock and the real producer", async () => {
  const mock = new MockProducer<unknown, unknown>();
  const real = producer();
  for (const [what, record, message] of BAD_RECORDS) {
    await assert.rejects(mock.send(record as ProducerRecord<unknown, unknown>), (e) => matches(e, SerializationError, message), what);
    await assert.rejects(real.send(record as ProducerRecord<unknown, unknown>), (e) => matches(e, SerializationError, message), what);
  }
  assert.equal(mock.history().length, 0);
  assert.equal(real.metrics()["record-error-total"], BAD_RECORDS.length);
  await real.close({ timeoutMs: 0 });
});

test("the headers example of the issue: no RangeError from deep inside, and send never throws synchronously", async () => {
  const real = producer();
  let sent: Promise<unknown> | undefined;
  assert.doesNotThrow(() => sent = real.send({ topic: "orders", value: "v", headers: { retries: 3 } as never }));
  const error = await sent!.then(() => undefined, (e) => e);
  assert.equal(String(error), 'SerializationError: record.headers["retries"] must be a string, Uint8Array or null, not number (3)');
  await real.close({ timeoutMs: 0 });
});

test("a rejected send does not disturb the sends in flight", async () => {
  const mock = new MockProducer({ autoComplete: false });
  const first = mock.send({ topic: "t", value: "a" });
  await assert.rejects(mock.send({ topic: "t", headers: { n: 1 as never } }), SerializationError);
  assert.ok(mock.completeNext());
  assert.equal((await first).offset, 0);

  const real = producer();
  const waiting = real.send({ topic: "t", value: "a" }).then(() => "sent", (e: Error) => e.name);
  await assert.rejects(real.send({ topic: "t", partition: -1 }), SerializationError);
  await real.close({ timeoutMs: 0 });
  assert.equal(await waiting, "ClosedError", "the good send waited on until the close, as without the bad one");
});

test("a custom serializer's output is checked, and its own error becomes a SerializationError with it as the cause", async () => {
  const badOutput = new MockProducer<string, string>({ valueSerializer: (v) => v as never });
  await assert.rejects(
    badOutput.send({ topic: "t", value: "text" }),
    (e) => matches(e, SerializationError, 'record.value: valueSerializer must return a Uint8Array or null, not string ("text")'),
  );
  const cause = new RangeError("no");
  const throwing = new MockProducer<string, string>({
    keySerializer: () => {
      throw cause;
    },
  });
  await assert.rejects(throwing.send({ topic: "t", key: "k" }), (e) => {
    matches(e, SerializationError, "record.key: keySerializer threw for topic t: RangeError: no");
    assert.equal((e as Error).cause, cause);
    return true;
  });
});

test("an unknown config key is a ConfigError naming it and the closest known key", () => {
  configError(
    () => producer({ lingerMS: 5 }),
    "lingerMS",
    'unknown config key "lingerMS" (did you mean "lingerMs"?)',
  );
  assert.throws(
    () => producer({ lingerMS: 5 }),
    (e) => String(e) === 'ConfigError: unknown config key "lingerMS" (did you mean "lingerMs"?)',
  );
  configError(() => producer({ "linger.ms": 5 }), "linger.ms", 'unknown config key "linger.ms" (did you mean "lingerMs"?)');
  configError(
    () => new KafkaProducer({ bootstrapServer: bootstrapServers } as never),
    "bootstrapServer",
    'unknown config key "bootstrapServer" (did you mean "bootstrapServers"?)',
  );
  configError(
    () => producer({ "max.in.flight.requests.per.connection": 1 }),
    "max.in.flight.requests.per.connection",
    'unknown config key "max.in.flight.requests.per.connection" (did you mean "maxInFlightRequestsPerConnection"?)',
  );
  configError(
    () => producer({ reconectBackofMs: 5 }),
    "reconectBackofMs",
    'unknown config key "reconectBackofMs" (did you mean "reconnectBackoffMs"?)',
  );
  configError(() => producer({ colour: "blue" }), "colour", 'unknown config key "colour"');
  // Inside ssl and sasl too.
  configError(
    () => producer({ ssl: { rejectUnauthorised: false } }),
    "ssl.rejectUnauthorised",
    'unknown config key "ssl.rejectUnauthorised" (did you mean "ssl.rejectUnauthorized"?)',
  );
  configError(
    () => producer({ sasl: { mechanism: "plain", user: "alice", password: "x" } }),
    "sasl.user",
    'unknown config key "sasl.user"',
  );
  configError(
    () => producer({ sasl: { mechanism: "plain", userName: "alice", password: "x" } }),
    "sasl.userName",
    'unknown config key "sasl.userName" (did you mean "sasl.username"?)',
  );
});

test("a bad config value is a ConfigError naming the key and what was given, never a secret", () => {
  configError(
    () => producer({ lingerMs: "5" }),
    "lingerMs",
    'Invalid configuration lingerMs: must be an integer from 0 to 2147483647, not string ("5")',
  );
  configError(
    () => producer({ lingerMs: 5n }),
    "lingerMs",
    "Invalid configuration lingerMs: must be an integer from 0 to 2147483647, not bigint (5n)",
  );
  configError(() => producer({ acks: "leader" }), "acks", 'Invalid configuration acks: must be "all", -1, 0 or 1, not string ("leader")');
  configError(
    () => new KafkaProducer({ bootstrapServers: 9092 } as never),
    "bootstrapServers",
    'Invalid configuration bootstrapServers: must be "host:port", a comma-separated list or an array of them, not number (9092)',
  );
  configError(
    () => producer({ partitionerIgnoreKeys: "yes" }),
    "partitionerIgnoreKeys",
    'Invalid configuration partitionerIgnoreKeys: must be true or false, not string ("yes")',
  );
  configError(
    () => producer({ sasl: { mechanism: "plain", username: "alice", password: 123456 } }),
    "sasl.password",
    "Invalid configuration sasl.password: must be a non-empty string for PLAIN, not number",
  );
  configError(
    () => producer({ ssl: { cert: "CERT", key: 42 } }),
    "ssl.key",
    "Invalid configuration ssl.key: must be PEM text (a string or the bytes of a PEM file), not number",
  );
  configError(
    () => new KafkaProducer("b1:9092" as never),
    "bootstrapServers",
    'Invalid configuration bootstrapServers: a configuration object is required, not string ("b1:9092")',
  );
  configError(
    () => new KafkaProducer({ bootstrapServers, transport: new FakeTransport() }, {} as never),
    "clock",
    "Invalid configuration clock: must be an object with now(), not object",
  );
});

test("close() options: an unknown key or a bad timeoutMs rejects, and the producer stays open", async () => {
  const real = producer();
  await assert.rejects(
    real.close({ timeoutMS: 0 } as never),
    (e) => matches(e, ConfigError, 'unknown close() option "timeoutMS" (did you mean "timeoutMs"?)'),
  );
  await assert.rejects(
    real.close({ timeoutMs: "5000" as never }),
    (e) => matches(e, ConfigError, 'Invalid configuration timeoutMs: close() needs a number of ms >= 0, not string ("5000")'),
  );
  await assert.rejects(
    real.close(null as never),
    (e) => matches(e, ConfigError, "Invalid configuration options: close() takes an options object, not null"),
  );
  await assert.rejects(real.send({ topic: "bad topic" }), SerializationError, "still open: the send is checked, not refused as closed");
  await real.close({ timeoutMs: 0 });
  const mock = new MockProducer();
  await assert.rejects(mock.close({ timeoutMS: 0 } as never), (e) => matches(e, ConfigError, /unknown close\(\) option "timeoutMS"/));
  assert.equal(mock.closed, false);
});

test("MockProducer options are checked like the producer's configuration", () => {
  configError(
    () => new MockProducer({ autocomplete: false } as never),
    "autocomplete",
    'unknown MockProducer option "autocomplete" (did you mean "autoComplete"?)',
  );
  configError(
    () => new MockProducer({ partitions: 3 } as never),
    "partitions",
    "Invalid configuration partitions: must be an object of partition counts per topic, not number (3)",
  );
  configError(
    () => new MockProducer(null as never),
    "options",
    "Invalid configuration options: MockProducer takes an options object, not null",
  );
  assert.throws(
    () => new MockProducer().errorNext("boom" as never),
    (e) => matches(e, KafkaError, 'errorNext(error) needs an Error, not string ("boom")'),
  );
});

test("sendOffsetsToTransaction and partitionsFor check their arguments; the transactional calls their state", async () => {
  const mock = new MockProducer({ transactionalId: "tx" });
  await mock.initTransactions();
  mock.beginTransaction();
  const real = producer({ transactionalId: "tx" });
  for (const target of [mock, real]) {
    await assert.rejects(
      target.sendOffsetsToTransaction([{ topic: "t", partition: 0, offset: -1 }], "g"),
      (e) => matches(e, KafkaError, "sendOffsetsToTransaction: offsets[0].offset must be a non-negative integer, not number (-1)"),
    );
    await assert.rejects(
      target.sendOffsetsToTransaction({ t: 1 } as never, "g"),
      (e) => matches(e, KafkaError, "sendOffsetsToTransaction: offsets must be an array of { topic, partition, offset }, not object"),
    );
    await assert.rejects(
      target.sendOffsetsToTransaction([], { groupId: "" }),
      (e) => matches(e, KafkaError, 'sendOffsetsToTransaction: group.groupId must be a non-empty string, not string ("")'),
    );
    await assert.rejects(
      target.sendOffsetsToTransaction([], 7 as never),
      (e) => matches(e, KafkaError, "sendOffsetsToTransaction: group must be a non-empty group id or { groupId }, not number (7)"),
    );
    await assert.rejects(
      target.partitionsFor(42 as never),
      (e) => matches(e, KafkaError, "partitionsFor(topic) must be a non-empty string, not number (42)"),
    );
  }
  await real.close({ timeoutMs: 0 });
  const plain = producer();
  assert.throws(
    () => plain.beginTransaction(),
    (e) =>
      matches(
        e,
        TransactionStateError,
        "Cannot beginTransaction in transaction state NOT_TRANSACTIONAL: set transactionalId in the producer's configuration",
      ),
  );
  await assert.rejects(plain.commitTransaction(), TransactionStateError);
  await plain.close({ timeoutMs: 0 });
});

test("describeCluster checks its configuration and options before connecting", async () => {
  await assert.rejects(
    describeCluster({ bootstrapServers, lingerMs: 5 } as never),
    (e) => matches(e, ConfigError, 'unknown config key "lingerMs"'),
  );
  await assert.rejects(
    describeCluster({ bootstrapServers: "b1:9092", requestTimeoutMS: 5 } as never),
    (e) => matches(e, ConfigError, 'unknown config key "requestTimeoutMS" (did you mean "requestTimeoutMs"?)'),
  );
  await assert.rejects(
    describeCluster({ bootstrapServers }, { timeout: 5 } as never),
    (e) => matches(e, ConfigError, 'unknown describeCluster() option "timeout" (did you mean "timeoutMs"?)'),
  );
  await assert.rejects(
    describeCluster({ bootstrapServers }, { timeoutMs: -1 }),
    (e) => matches(e, ConfigError, "Invalid configuration timeoutMs: describeCluster() needs a number of ms >= 0, not number (-1)"),
  );
});

test("closeOnShutdown, flushInBackground, consoleLogger, murmur2, partitionForKey and Secret name the bad argument", async () => {
  const target = { flush: () => Promise.resolve(), close: () => Promise.resolve() };
  assert.throws(
    () => closeOnShutdown({ flush: () => Promise.resolve() } as never),
    (e) => matches(e, KafkaError, "closeOnShutdown(producer) needs an object with flush() and close(), not object"),
  );
  configError(
    () => closeOnShutdown(target, { timeout: 5 } as never),
    "timeout",
    'unknown closeOnShutdown() option "timeout" (did you mean "timeoutMs"?)',
  );
  configError(
    () => closeOnShutdown(target, { exit: "no" as never }),
    "exit",
    'Invalid configuration exit: must be true or false, not string ("no")',
  );
  configError(
    () => closeOnShutdown(target, { signals: "SIGTERM" as never }),
    "signals",
    'Invalid configuration signals: must be an array of signal names, not string ("SIGTERM")',
  );

  const reported: unknown[] = [];
  let flushing: Promise<void> | undefined;
  assert.doesNotThrow(() => flushing = flushInBackground({} as never, target, (e) => reported.push(e)));
  await flushing;
  assert.equal(reported.length, 1);
  matches(reported[0], KafkaError, "flushInBackground(waitUntil) needs a function or an object with waitUntil(), not object");
  await flushInBackground(() => {}, null as never, (e) => reported.push(e));
  matches(reported[1], KafkaError, "flushInBackground(producer) needs an object with flush(), not null");

  configError(
    () => consoleLogger("verbose" as never),
    "level",
    'Invalid configuration level: consoleLogger(level) takes "debug", "info", "warn" or "error", not string ("verbose")',
  );
  assert.throws(() => murmur2("abc" as never), (e) => matches(e, KafkaError, 'murmur2(data) needs a Uint8Array, not string ("abc")'));
  assert.throws(
    () => partitionForKey(new Uint8Array(1), 0),
    (e) => matches(e, KafkaError, "partitionForKey(numPartitions) must be a positive integer, not number (0)"),
  );
  assert.throws(
    () => partitionForKey("k" as never, 3),
    (e) => matches(e, KafkaError, 'partitionForKey(keyBytes) needs a Uint8Array, not string ("k")'),
  );
  assert.throws(() => new Secret(1234 as never), (e) => matches(e, KafkaError, "new Secret(value) needs a string, not number"));
});
