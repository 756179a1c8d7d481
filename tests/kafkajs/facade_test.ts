/**
 * The KafkaJS facade without a broker: configuration checks (KafkaJS's messages where it
 * has them, a suggestion for a misspelt key), the mapping of settings and errors to and
 * from the native client, events, logging, and what is not supported.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CompressionTypes,
  Kafka,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  type LogEntry,
  logLevel,
} from "../../src/kafkajs/mod.ts";
import { nativeProducerConfig, RETRY_DEFAULTS, retryBudgetMs } from "../../src/kafkajs/config.ts";
import { toKafkaJSError } from "../../src/kafkajs/error_mapping.ts";
import { AuthenticationError, ConfigError, NetworkError, RecordTooLargeError, TimeoutError } from "../../src/errors.ts";
import { errorForCode } from "../../src/protocol/error_codes.ts";

const brokers = ["127.0.0.1:1"];
const quiet = { brokers, logLevel: logLevel.NOTHING };

function throwsNonRetriable(work: () => unknown, message: RegExp): void {
  assert.throws(work, (error: unknown) => error instanceof KafkaJSNonRetriableError && message.test(error.message));
}

test("new Kafka() refuses unknown, unsupported and malformed settings, naming them", () => {
  throwsNonRetriable(() => new Kafka({ ...quiet, clientID: "x" } as never), /unknown config key "clientID" \(did you mean "clientId"\?\)/);
  throwsNonRetriable(() => new Kafka({ ...quiet, socketFactory: () => {} } as never), /socketFactory is not supported/);
  throwsNonRetriable(() => new Kafka({ brokers: "127.0.0.1:9092" } as never), /brokers must be an array/);
  throwsNonRetriable(
    () => new Kafka({ ...quiet, retry: { retires: 3 } } as never),
    /retry: unknown config key "retires" \(did you mean "retries"\?\)/,
  );
  throwsNonRetriable(() => new Kafka({ ...quiet, sasl: { mechanism: "aws" } } as never), /aws \(AWS_MSK_IAM\) is not supported/);
  throwsNonRetriable(() => new Kafka({ ...quiet, ssl: { passphrase: "x" } } as never), /ssl\.passphrase/);
  throwsNonRetriable(() => new Kafka({ ...quiet, sasl: { mechanism: "plain", username: "u" } } as never), /sasl\.password/);
  throwsNonRetriable(() => new Kafka({ ...quiet, logLevel: 3 } as never), /logLevel must be one of/);
});

test("kafka.producer() checks its settings as KafkaJS does, and the combinations the native producer refuses", () => {
  const kafka = new Kafka(quiet);
  throwsNonRetriable(
    () => kafka.producer({ idempotant: true } as never),
    /unknown config key "idempotant" \(did you mean "idempotent"\?\)/,
  );
  throwsNonRetriable(
    () => kafka.producer({ idempotent: true, retry: { retries: 0 } }),
    /^Idempotent producer must allow retries to protect against transient errors$/,
  );
  throwsNonRetriable(() => kafka.producer({ transactionalId: "t", idempotent: false }), /must be idempotent/);
  throwsNonRetriable(
    () => kafka.producer({ idempotent: true, maxInFlightRequests: 10 }),
    /maxInFlightRequestsPerConnection must be at most 5/,
  );
  assert.equal(kafka.producer().isIdempotent(), true, "idempotence is on by default");
  assert.equal(kafka.producer({ idempotent: false }).isIdempotent(), false);
  assert.equal(kafka.producer({ maxInFlightRequests: 10 }).isIdempotent(), false, "left unset, it gives way as in Java");
});

test("KafkaJS's retry settings become the native producer's retries, backoff and time bounds", () => {
  assert.equal(retryBudgetMs(RETRY_DEFAULTS), 300 + 600 + 1200 + 2400 + 4800);
  assert.equal(retryBudgetMs({ initialRetryTime: 100, multiplier: 2, maxRetryTime: 150 }, 3), 100 + 150 + 150);
  const context = { kafka: { brokers, connectionTimeout: 500, retry: { retries: 2, initialRetryTime: 100 } }, brokers };
  const plain = nativeProducerConfig({ idempotent: false }, context, false);
  assert.deepEqual(
    [
      plain.retries,
      plain.retryBackoffMs,
      plain.retryBackoffMaxMs,
      plain.deliveryTimeoutMs,
      plain.maxBlockMs,
      plain.lingerMs,
      plain.enableIdempotence,
    ],
    [2, 100, 30_000, 30_000 + 100 + 200, 500 + 100 + 200, 0, false],
  );
  const idempotent = nativeProducerConfig({}, { kafka: { brokers }, brokers }, false);
  assert.deepEqual([idempotent.retries, idempotent.deliveryTimeoutMs, idempotent.enableIdempotence], [2_147_483_647, 120_000, undefined]);
  const transactional = nativeProducerConfig({ transactionalId: "t", transactionTimeout: 5000 }, { kafka: { brokers }, brokers }, true);
  assert.deepEqual([transactional.transactionalId, transactional.transactionTimeoutMs, transactional.enableIdempotence], ["t", 5000, true]);
});

test("native errors become the KafkaJS errors of the same fault, the native one as cause", () => {
  const tooLarge = toKafkaJSError(new RecordTooLargeError("The message is 2000070 bytes")) as KafkaJSProtocolError;
  assert.deepEqual([tooLarge.name, tooLarge.type, tooLarge.code, tooLarge.retriable], [
    "KafkaJSProtocolError",
    "MESSAGE_TOO_LARGE",
    10,
    false,
  ]);
  const fatal = toKafkaJSError(errorForCode(29, "t")) as KafkaJSProtocolError;
  assert.deepEqual([fatal.name, fatal.type], ["KafkaJSProtocolError", "TOPIC_AUTHORIZATION_FAILED"]);
  const retried = toKafkaJSError(errorForCode(6, "t-0")) as KafkaJSNumberOfRetriesExceeded;
  assert.ok(retried instanceof KafkaJSNumberOfRetriesExceeded && retried.cause instanceof KafkaJSProtocolError);
  assert.equal((retried.cause as KafkaJSProtocolError).type, "NOT_LEADER_OR_FOLLOWER");
  const unreachable = toKafkaJSError(new TimeoutError("no metadata within 1000 ms", new NetworkError("refused")));
  assert.ok(unreachable instanceof KafkaJSNumberOfRetriesExceeded && unreachable.cause instanceof KafkaJSConnectionError);
  assert.equal((unreachable as Error).message, "no metadata within 1000 ms");
  const unanswered = toKafkaJSError(new TimeoutError("Expiring 3 record(s)", new TimeoutError("Produce request got no response")));
  assert.ok(unanswered instanceof KafkaJSNumberOfRetriesExceeded && unanswered.cause instanceof KafkaJSRequestTimeoutError);
  assert.ok(toKafkaJSError(new AuthenticationError("PLAIN authentication failed")) instanceof KafkaJSSASLAuthenticationError);
  assert.ok(toKafkaJSError(new ConfigError("acks", "bad")) instanceof KafkaJSNonRetriableError);
  const own = new TypeError("a partitioner's bug");
  assert.equal(toKafkaJSError(own), own, "errors not the client's pass through");
});

test("send() before connect(), and sends KafkaJS refuses, fail as in KafkaJS", async () => {
  const kafka = new Kafka(quiet);
  const producer = kafka.producer();
  await assert.rejects(
    producer.send({ topic: "t", messages: [{ value: "v" }] }),
    (e: unknown) => e instanceof KafkaJSError && e.message === "The producer is disconnected" && e.retriable,
  );
  await assert.rejects(producer.send({ topic: "t", messages: [{ key: "k" } as never] }), /Invalid message without value for topic "t"/);
  await assert.rejects(producer.send({ topic: "", messages: [] }), /Invalid topic/);
  await assert.rejects(
    kafka.producer({ idempotent: true }).send({ topic: "t", acks: 1, messages: [{ value: "v" }] }),
    /Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees/,
  );
  await assert.rejects(producer.transaction(), /Must provide transactional id for transactional producer/);
  await assert.rejects(producer.send({ topic: "t", acks: 2, messages: [{ value: "v" }] }), /acks must be -1, 0 or 1/);
  assert.equal(CompressionTypes.ZSTD, 4);
});

test("on() takes the producer's event names only, and a listener that throws is logged, not thrown", () => {
  const entries: LogEntry[] = [];
  const kafka = new Kafka({ brokers, logLevel: logLevel.ERROR, logCreator: () => (entry) => entries.push(entry) });
  const producer = kafka.producer();
  assert.throws(
    () => producer.on("producer.connected", () => {}),
    /Event name should be one of producer\.events\.CONNECT, producer\.events\.DISCONNECT/,
  );
  const seen: string[] = [];
  producer.on(producer.events.DISCONNECT, () => {
    throw new Error("listener bug");
  });
  const remove = producer.on(producer.events.DISCONNECT, (event) => seen.push(event.type));
  return producer.disconnect().then(() => {
    remove();
    return producer.disconnect();
  }).then(() => {
    assert.deepEqual(seen, ["producer.disconnect"], "removed after the first disconnect");
    const failure = ["Producer", "ERROR", "Failed to execute listener: listener bug"];
    assert.deepEqual(
      entries.map((e) => [e.namespace, e.label, e.log.message]),
      [failure, failure],
      "the throwing one stays, logged each time",
    );
  });
});

test("loggers write entries at or below their level through the logCreator, by namespace", () => {
  const entries: LogEntry[] = [];
  const kafka = new Kafka({
    brokers,
    logLevel: logLevel.WARN,
    logCreator: (level) => {
      assert.equal(level, logLevel.WARN);
      return (entry) => entries.push(entry);
    },
  });
  const logger = kafka.producer().logger();
  logger.info("dropped");
  logger.warn("kept", { broker: "b1" });
  kafka.logger().setLogLevel(logLevel.DEBUG);
  logger.debug("kept too");
  assert.deepEqual(entries.map((e) => [e.namespace, e.level, e.log.message, e.log.broker]), [
    ["Producer", logLevel.WARN, "kept", "b1"],
    ["Producer", logLevel.DEBUG, "kept too", undefined],
  ]);
});

test("consumer() and the admin calls beyond topics say they are not here, and what to use", async () => {
  const kafka = new Kafka(quiet);
  assert.throws(
    () => kafka.consumer({ groupId: "g" }),
    (e: unknown) => e instanceof KafkaJSNotImplemented && /is a producer.*KafkaJS's consumer/.test(e.message),
  );
  const admin = kafka.admin();
  await assert.rejects(
    admin.listGroups(),
    (e: unknown) => e instanceof KafkaJSNotImplemented && /admin\.listGroups\(\) is not supported/.test(e.message),
  );
  await assert.rejects(admin.fetchTopicOffsets("t"), KafkaJSNotImplemented);
  await assert.rejects(admin.listTopics(), /not connected: call connect\(\) first/);
  throwsNonRetriable(() => kafka.admin({ retries: 3 } as never), /unknown config key "retries" \(did you mean "retry"\?\)/);
});
