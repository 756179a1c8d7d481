/**
 * Scenarios of the Java client's SenderTest, ported: a Sender without idempotence and an
 * idempotent one, driven turn by turn over the fake network client. The Java test each one
 * comes from is named in a comment above it; docs/reliability.md has the full table.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import type { KafkaProtocolError } from "../../src/protocol/error_codes.ts";
import { NetworkError, TimeoutError, UnsupportedVersionError } from "../../src/errors.ts";
import { bytes, E, idempotentScenario, Outcome, plainScenario, stampsOf, TOPIC } from "../support/java_scenarios.ts";

await initCrc32c();

const errorName = (error: unknown) => (error as KafkaProtocolError | undefined)?.errorName;

/** A Sender without idempotence. */
const plain = (config = {}, partitions = 2, batchSize = 1024) => plainScenario({ config, partitions, batchSize });

// testSimple
test("sender scenario: one record goes out in a produce request and resolves with the broker's offset", async () => {
  const t = plain();
  const outcome = await t.sendAndRun(0, "hello");
  assert.equal(t.client.inFlightRequestCount(), 1);
  assert.deepEqual(stampsOf(t.client.requests[0]).map((s) => s.values), [["hello"]]);
  await t.reply([{ partition: 0, baseOffset: 17 }]);
  assert.equal(outcome.metadata?.offset, 17);
  assert.equal(t.client.inFlightRequestCount(), 0);
});

// testRetries
test("sender scenario: a disconnected request is retried up to `retries` times, then the record fails; later records still go", async () => {
  const t = plain({ retries: 1 });
  const first = await t.sendAndRun(0);
  t.produce(undefined, new NetworkError("connection reset"));
  await t.run();
  assert.equal(first.settled, false, "one retry is allowed");
  assert.equal(t.metadata.updateRequested(), true, "a disconnection asks for fresh metadata");
  await t.afterRetryBackoff(1);
  assert.equal(t.client.requests.length, 2);
  t.produce(undefined, new NetworkError("connection reset"));
  await t.run();
  assert.ok(first.error instanceof NetworkError, String(first.error));
  const second = await t.sendAndRun(0);
  await t.reply([{ partition: 0, baseOffset: 42 }]);
  assert.equal(second.metadata?.offset, 42);
});

// testSendInOrder
test("sender scenario: with one request in flight per partition, a later batch waits while an earlier one is being retried", async () => {
  const t = plain({ guaranteeMessageOrder: true }, 1);
  const first = await t.sendAndRun(0, "first");
  t.produce(undefined, new NetworkError("connection reset"));
  await t.run();
  const second = t.send(0, "second");
  await t.run(2);
  assert.equal(t.client.requests.length, 1, "nothing goes while the first batch waits for its retry");
  await t.afterRetryBackoff();
  assert.equal(t.unanswered().length, 1, "only the retried batch is in flight");
  assert.deepEqual(stampsOf(t.client.requests[1]).flatMap((s) => s.values), ["first"]);
  await t.reply([{ partition: 0, baseOffset: 0 }], 2);
  assert.deepEqual(stampsOf(t.client.requests[2]).flatMap((s) => s.values), ["second"]);
  await t.reply([{ partition: 0, baseOffset: 1 }]);
  assert.deepEqual([first.metadata?.offset, second.metadata?.offset], [0, 1]);
});

// testAppendInExpiryCallback
test("sender scenario: a record appended from the failure callback of an expiring record is kept and sent later", async () => {
  const t = plain({ deliveryTimeoutMs: 5000, requestTimeoutMs: 4000 });
  t.client.readyNodes.clear();
  const appended: Outcome[] = [];
  const expiring = new Outcome();
  const reject = expiring.reject;
  expiring.reject = (error) => {
    reject(error);
    appended.push(t.send(0, "from-callback"));
  };
  t.accumulator.append(
    { topic: TOPIC, partition: 0, timestamp: 1, key: null, value: bytes("old"), headers: [], settler: expiring },
    () => t.metadata.cluster,
    t.clock.now,
  );
  t.clock.advance(5000);
  await t.run();
  assert.ok(expiring.error instanceof TimeoutError);
  assert.equal(appended.length, 1);
  t.client.readyNodes.add(1);
  await t.run();
  assert.deepEqual(stampsOf(t.client.requests.at(-1)!).flatMap((s) => s.values), ["from-callback"]);
  await t.reply([{ partition: 0, baseOffset: 3 }]);
  assert.equal(appended[0].metadata?.offset, 3);
});

// testInitProducerIdRequest
test("sender scenario: an idempotent Sender asks for a producer id before anything else and stamps it on the first batch", async () => {
  const t = idempotentScenario();
  await t.sendAndRun(0);
  assert.deepEqual(t.client.requests.map((r) => r.request.api.name), ["InitProducerId"]);
  assert.equal((t.client.requests[0].request.body as { transactionalId: string | null }).transactionalId, null);
  t.grantId(4242n, 3);
  await t.run(2);
  assert.deepEqual(t.sequences.producerIdAndEpoch, { producerId: 4242n, epoch: 3 });
  assert.deepEqual(t.lastStamps().map((s) => [s.producerId, s.epoch, s.sequence]), [[4242n, 3, 0]]);
});

// testIdempotentInitProducerIdWithMaxInFlightOne (and testInitProducerIdWithMaxInFlightOne)
test("sender scenario: with one request in flight per connection, InitProducerId still goes first and produce follows it", async () => {
  const t = idempotentScenario({ config: { guaranteeMessageOrder: true } });
  const outcome = t.send(0);
  await t.run(3);
  assert.equal(t.sent("Produce").length, 0, "no produce request before the producer id");
  t.grantId();
  await t.run(2);
  assert.equal(t.sent("Produce").length, 1);
  await t.reply([{ partition: 0, baseOffset: 0 }]);
  assert.equal(outcome.metadata?.offset, 0);
});

// testNodeNotReady
test("sender scenario: InitProducerId waits for a ready broker instead of failing", async () => {
  const t = idempotentScenario();
  t.client.readyNodes.clear();
  t.send(0);
  await t.run(3);
  assert.equal(t.client.requests.length, 0);
  t.client.readyNodes.add(1);
  await t.run();
  assert.equal(t.pending("InitProducerId").request.destination, 1);
});

// testClusterAuthorizationExceptionInInitProducerIdRequest
test("sender scenario: CLUSTER_AUTHORIZATION_FAILED on InitProducerId is fatal: waiting and later records fail with it", async () => {
  const t = idempotentScenario();
  const waiting = await t.sendAndRun(0);
  t.grantId(-1n, -1, E.CLUSTER_AUTHORIZATION_FAILED);
  await t.run(2);
  assert.equal(errorName(waiting.error), "CLUSTER_AUTHORIZATION_FAILED");
  assert.equal(t.sender.fatalError, waiting.error);
  const later = await t.sendAndRun(1);
  assert.equal(later.error, waiting.error);
  assert.equal(t.sent("Produce").length, 0);
});

// testCanRetryWithoutIdempotence
test("sender scenario: without idempotence batches carry no producer id or sequence, and a non-retriable error fails the record", async () => {
  const t = plain();
  const outcome = await t.sendAndRun(0);
  assert.deepEqual(stampsOf(t.client.requests[0]).map((s) => [s.producerId, s.sequence]), [[-1n, -1]]);
  await t.reply([{ partition: 0, errorCode: E.TOPIC_AUTHORIZATION_FAILED }]);
  assert.equal(errorName(outcome.error), "TOPIC_AUTHORIZATION_FAILED");
});

// testClusterAuthorizationExceptionInProduceRequest
test("sender scenario: CLUSTER_AUTHORIZATION_FAILED on an idempotent produce is fatal: the record and every later send fail with it", async () => {
  const t = idempotentScenario();
  const outcome = await t.sendFirst(0);
  await t.reply([{ partition: 0, errorCode: E.CLUSTER_AUTHORIZATION_FAILED }]);
  assert.equal(errorName(outcome.error), "CLUSTER_AUTHORIZATION_FAILED");
  assert.equal(errorName(t.sender.fatalError), "CLUSTER_AUTHORIZATION_FAILED", "the producer is unusable from now on");
  const later = await t.sendAndRun(1);
  assert.equal(errorName(later.error), "CLUSTER_AUTHORIZATION_FAILED");
});

// testCancelInFlightRequestAfterFatalError
test("sender scenario: after a fatal produce error, a batch still in flight fails too, and its late answer changes nothing", async () => {
  const t = idempotentScenario();
  const first = await t.sendFirst(0);
  const second = await t.sendAndRun(1);
  assert.equal(t.unanswered().length, 2);
  await t.reply([{ partition: 0, errorCode: E.CLUSTER_AUTHORIZATION_FAILED }], 2);
  assert.equal(errorName(first.error), "CLUSTER_AUTHORIZATION_FAILED");
  assert.equal(errorName(second.error), "CLUSTER_AUTHORIZATION_FAILED");
  await t.reply([{ partition: 1, baseOffset: 0 }]);
  assert.equal(second.metadata, undefined);
});

// testUnsupportedForMessageFormatInProduceRequest
test("sender scenario: UNSUPPORTED_FOR_MESSAGE_FORMAT fails the record but not the producer", async () => {
  const t = idempotentScenario();
  const outcome = await t.sendFirst(0);
  await t.reply([{ partition: 0, errorCode: E.UNSUPPORTED_FOR_MESSAGE_FORMAT }]);
  assert.equal(errorName(outcome.error), "UNSUPPORTED_FOR_MESSAGE_FORMAT");
  assert.equal(t.sender.fatalError, undefined);
});

// testUnsupportedVersionInProduceRequest
test("sender scenario: a produce request the broker's versions cannot carry fails the record with UnsupportedVersionError, not retried", async () => {
  const t = idempotentScenario();
  const outcome = await t.sendFirst(0);
  t.produce(undefined, new UnsupportedVersionError("the broker does not support Produce v3 or later"));
  await t.run();
  assert.ok(outcome.error instanceof UnsupportedVersionError, `failed at once with the version error, got ${outcome.error}`);
  await t.afterRetryBackoff();
  assert.equal(t.sent("Produce").length, 1, "not retried as a network error");
});

// testSequenceNumberIncrement
test("sender scenario: a partition's sequence advances by the number of records in each batch", async () => {
  const t = idempotentScenario({ batchSize: 4096 });
  t.send(0, "a");
  t.send(0, "b");
  await t.sendFirst(0, "c");
  await t.reply([{ partition: 0, baseOffset: 0 }]);
  await t.sendAndRun(0, "d");
  assert.deepEqual(t.allStamps().map((s) => [s.sequence, s.records]), [[0, 3], [3, 1]]);
});

// testRetryWhenProducerIdChanges
test("sender scenario: when the epoch is exhausted a new producer id is fetched and the retried batch goes under it from sequence 0", async () => {
  const t = idempotentScenario();
  const outcome = t.send(0);
  await t.start(343434n, 32_767);
  await t.run();
  await t.reply([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }]);
  await t.afterRetryBackoff();
  t.grantId(343435n, 0);
  await t.run(2);
  assert.deepEqual(t.lastStamps().map((s) => [s.producerId, s.epoch, s.sequence]), [[343435n, 0, 0]]);
  await t.reply([{ partition: 0, baseOffset: 9 }]);
  assert.equal(outcome.metadata?.offset, 9);
});

// testExpiredBatchDoesNotRetry
test("sender scenario: a batch past its delivery timeout fails with TimeoutError instead of being retried", async () => {
  const t = plain({ deliveryTimeoutMs: 5000, requestTimeoutMs: 4000 });
  const outcome = await t.sendAndRun(0);
  t.clock.advance(5000);
  t.produce(undefined, new NetworkError("connection reset"));
  await t.run(3);
  assert.ok(outcome.error instanceof TimeoutError || outcome.error instanceof NetworkError, String(outcome.error));
  await t.afterRetryBackoff();
  assert.equal(t.client.requests.length, 1, "never sent again");
});

// testTooLargeBatchesAreSafelyRemoved
test("sender scenario: MESSAGE_TOO_LARGE for a one-record batch fails the record and leaves nothing behind", async () => {
  const t = plain();
  const outcome = await t.sendAndRun(0);
  await t.reply([{ partition: 0, errorCode: E.MESSAGE_TOO_LARGE }], 2);
  assert.equal(errorName(outcome.error), "MESSAGE_TOO_LARGE");
  assert.equal(t.accumulator.hasIncomplete(), false);
  assert.equal(t.client.requests.length, 1);
});

// testDefaultErrorMessage and testCustomErrorMessage
test("sender scenario: a failed record carries the broker's error message when it sent one, else the error's description", async () => {
  const t = plain();
  const custom = t.send(0);
  const standard = await t.sendAndRun(1);
  t.produce([{ partition: 0, errorCode: E.INVALID_RECORD, errorMessage: "keys must be UUIDs" }, {
    partition: 1,
    errorCode: E.INVALID_RECORD,
  }]);
  await t.run();
  assert.match(String(custom.error), /keys must be UUIDs/);
  assert.match(String(standard.error), /failed the validation on broker/);
});

// testSenderShouldRetryWithBackoffOnRetriableError
test("sender scenario: a retriable error is retried only after the retry backoff", async () => {
  const t = plain();
  const outcome = await t.sendAndRun(0);
  await t.reply([{ partition: 0, errorCode: E.NOT_ENOUGH_REPLICAS }]);
  t.clock.advance(50);
  await t.run();
  assert.equal(t.client.requests.length, 1, "still backing off");
  await t.afterRetryBackoff(1);
  assert.equal(t.client.requests.length, 2);
  await t.reply([{ partition: 0, baseOffset: 1 }]);
  assert.equal(outcome.metadata?.offset, 1);
});

// testNoDoubleDeallocation
test("sender scenario: a batch that expires in flight and then gets its late answer returns its memory once", async () => {
  const t = plain({ deliveryTimeoutMs: 5000, requestTimeoutMs: 4000 });
  const total = t.accumulator.pool.totalMemory;
  await t.sendAndRun(0);
  t.clock.advance(5000);
  await t.run();
  await t.reply([{ partition: 0, baseOffset: 0 }]);
  assert.equal(t.accumulator.pool.availableMemory, total);
});
