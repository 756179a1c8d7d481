import { test } from "node:test";
import assert from "node:assert/strict";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import type { InitProducerIdResponse } from "../../src/protocol/init_producer_id.ts";
import { SequenceTracker } from "../../src/producer/sequence_tracker.ts";
import { resolveProducerConfig } from "../../src/producer/producer_config.ts";
import { KafkaProtocolError } from "../../src/protocol/error_codes.ts";
import { ConfigError, TimeoutError } from "../../src/errors.ts";
import { produceResponse, setup } from "../support/sender_fixtures.ts";
import { stampsOf } from "../support/java_scenarios.ts";

await initCrc32c();

const INIT_PRODUCER_ID = 22;

function idempotent(overrides = {}, partitions = 2, batchSize = 1024) {
  const transactions = new SequenceTracker();
  const t = setup({ guaranteeMessageOrder: false, ...overrides }, partitions, batchSize, transactions);
  /** Answers the pending InitProducerId. */
  const grantId = (producerId = 4000n, producerEpoch = 0, errorCode = 0) => {
    const response: InitProducerIdResponse = { throttleTimeMs: 0, errorCode, producerId, producerEpoch };
    t.client.respond(response);
  };
  /** Producer id, epoch, base sequence and records of each batch in a produce request (by default the last). */
  const stamps = (index = t.client.requests.length - 1) => stampsOf(t.client.requests[index]);
  const lastApiKey = () => t.client.requests[t.client.requests.length - 1].request.api.key;
  /** Gets a producer id: the Sender asks, the test answers, the Sender takes it in. */
  const start = async (producerId = 4000n, epoch = 0) => {
    await t.sender.runOnce();
    grantId(producerId, epoch);
    await t.sender.runOnce();
  };
  return { ...t, transactions, grantId, stamps, lastApiKey, start };
}

test("idempotence: nothing is produced before InitProducerId, then batches carry the id and per-partition sequences", async () => {
  const t = idempotent();
  t.send(0, "a");
  await t.sender.runOnce();
  assert.equal(t.lastApiKey(), INIT_PRODUCER_ID);
  assert.equal(t.client.requests.length, 1);
  t.grantId(4000n, 3);
  await t.sender.runOnce();
  await t.sender.runOnce();
  assert.deepEqual(t.stamps(), [{ partition: 0, producerId: 4000n, epoch: 3, sequence: 0, records: 1, values: ["a"] }]);
  await t.answerProduce([{ partition: 0, baseOffset: 0 }]);
  t.send(0, "b");
  t.send(0, "c");
  t.send(1, "d");
  await t.sender.runOnce();
  await t.sender.runOnce();
  const stamps = t.stamps().sort((x, y) => x.partition - y.partition);
  assert.deepEqual(stamps.map((s) => [s.partition, s.sequence, s.records]), [[0, 1, 2], [1, 0, 1]]);
});

test("idempotence: a retried batch keeps its sequence and goes out before the batches behind it", async () => {
  const t = idempotent({}, 1, 100);
  t.send(0);
  await t.start();
  await t.sender.runOnce();
  // The warm-up record is acknowledged: from now on batches may be pipelined.
  await t.answerProduce([{ partition: 0, baseOffset: 0 }]);
  const first = t.send(0, "x".repeat(60));
  const second = t.send(0, "y".repeat(60));
  await t.sender.runOnce(); // the first batch: sequence 1, after the warm-up record
  await t.sender.runOnce(); // second batch, pipelined
  const sent = t.client.requests.slice(1).map((_, i) => t.stamps(i + 1)[0].sequence);
  assert.deepEqual(sent, [0, 1, 2]);
  // The first of the pipelined batches fails retriably; the second is rejected out of order.
  t.client.respond(produceResponse([{ partition: 0, errorCode: 6 }]), undefined, undefined, t.clock.now());
  await t.answerProduce([{ partition: 0, errorCode: 45 }], t.clock.now());
  t.clock.advance(200);
  await t.sender.runOnce();
  await t.sender.runOnce();
  const retried = t.client.requests.slice(4).map((_, i) => t.stamps(i + 4)[0].sequence);
  assert.deepEqual(retried, [1], "only the lowest sequence goes out until it is acknowledged");
  await t.answerProduce([{ partition: 0, baseOffset: 1 }]);
  await t.sender.runOnce();
  assert.deepEqual(t.stamps().map((s) => s.sequence), [2]);
  await t.answerProduce([{ partition: 0, baseOffset: 2 }]);
  assert.equal(first.metadata?.offset, 1);
  assert.equal(second.metadata?.offset, 2);
  assert.equal(t.transactions.producerIdAndEpoch.epoch, 0, "no epoch bump was needed");
});

test("idempotence: DUPLICATE_SEQUENCE_NUMBER counts as written", async () => {
  const t = idempotent();
  const outcome = t.send(0);
  await t.start();
  await t.sender.runOnce();
  await t.answerProduce([{ partition: 0, errorCode: 46, baseOffset: -1 }]);
  assert.equal(outcome.error, undefined);
  assert.equal(outcome.metadata?.partition, 0);
});

test("idempotence: OUT_OF_ORDER_SEQUENCE_NUMBER on the next expected batch bumps the epoch and restarts sequences at 0", async () => {
  const t = idempotent();
  const outcome = t.send(0);
  await t.start(4000n, 7);
  await t.sender.runOnce();
  assert.deepEqual(t.stamps().map((s) => [s.epoch, s.sequence]), [[7, 0]]);
  await t.answerProduce([{ partition: 0, errorCode: 45 }], t.clock.now());
  t.clock.advance(200);
  await t.sender.runOnce();
  await t.sender.runOnce();
  assert.deepEqual(t.stamps().map((s) => [s.producerId, s.epoch, s.sequence]), [[4000n, 8, 0]]);
  await t.answerProduce([{ partition: 0, baseOffset: 5 }]);
  assert.equal(outcome.metadata?.offset, 5);
});

test("idempotence: UNKNOWN_PRODUCER_ID bumps the epoch and the retry succeeds", async () => {
  const t = idempotent();
  const outcome = t.send(1);
  await t.start(9n, 0);
  await t.sender.runOnce();
  await t.answerProduce([{ partition: 1, errorCode: 59 }], t.clock.now());
  t.clock.advance(200);
  await t.sender.runOnce();
  await t.sender.runOnce();
  assert.deepEqual(t.stamps().map((s) => [s.epoch, s.sequence]), [[1, 0]]);
  await t.answerProduce([{ partition: 1, baseOffset: 0 }]);
  assert.equal(outcome.error, undefined);
});

test("idempotence: a batch that expires in flight leaves a gap that an epoch bump closes", async () => {
  const t = idempotent({ deliveryTimeoutMs: 5000, requestTimeoutMs: 4000 });
  const expired = t.send(0, "first");
  await t.start(1n, 0);
  await t.sender.runOnce();
  t.clock.advance(5000);
  await t.sender.runOnce();
  assert.ok(expired.error instanceof TimeoutError);
  const next = t.send(0, "second");
  await t.sender.runOnce();
  await t.sender.runOnce();
  assert.deepEqual(t.stamps().map((s) => [s.epoch, s.sequence]), [[1, 0]], "sequence 1 would be out of order: new epoch, sequence 0");
  t.client.respond(produceResponse([{ partition: 0, baseOffset: 1 }]), undefined, 1);
  t.client.respond(produceResponse([{ partition: 0, baseOffset: 0 }]), undefined, 2);
  await t.sender.runOnce();
  assert.equal(next.metadata?.offset, 0);
});

test("idempotence: a fatal InitProducerId error fails the sends with the broker's error", async () => {
  const t = idempotent();
  const outcome = t.send(0);
  await t.sender.runOnce();
  t.grantId(-1n, -1, 31);
  await t.sender.runOnce();
  await t.sender.runOnce();
  assert.ok(outcome.error instanceof KafkaProtocolError);
  assert.equal((outcome.error as KafkaProtocolError).errorName, "CLUSTER_AUTHORIZATION_FAILED");
  assert.equal(t.sender.fatalError, outcome.error);
});

test("idempotence is on by default, off silently when a conflicting setting was chosen, and a ConfigError when asked for anyway", () => {
  const base = { bootstrapServers: "127.0.0.1:9092" };
  assert.equal(resolveProducerConfig(base).enableIdempotence, true);
  assert.equal(resolveProducerConfig({ ...base, acks: 1 }).enableIdempotence, false);
  assert.equal(resolveProducerConfig({ ...base, retries: 0 }).enableIdempotence, false);
  assert.equal(resolveProducerConfig({ ...base, maxInFlightRequestsPerConnection: 6 }).enableIdempotence, false);
  assert.equal(resolveProducerConfig({ ...base, enableIdempotence: false }).enableIdempotence, false);
  assert.throws(() => resolveProducerConfig({ ...base, enableIdempotence: true, acks: 0 }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.key, "enableIdempotence");
    assert.match(e.message, /acks/);
    return true;
  });
});

test("idempotence: until a partition has an acknowledged sequence, one batch at a time, so a failed first batch is not overtaken", async () => {
  // A broker takes any first sequence from a producer it does not know on a partition: had the second batch gone
  // out while the first was unanswered, and the first then failed (say, a partition not ready yet), the second
  // would be written first and the retried first after it.
  const t = idempotent({}, 1, 100);
  const first = t.send(0, "x".repeat(60));
  const second = t.send(0, "y".repeat(60));
  await t.start();
  await t.sender.runOnce();
  await t.sender.runOnce();
  assert.deepEqual(t.client.requests.slice(1).map((_, i) => t.stamps(i + 1)[0].sequence), [0], "the second waits");
  await t.answerProduce([{ partition: 0, errorCode: 6 }], t.clock.now());
  t.clock.advance(200);
  await t.sender.runOnce();
  await t.sender.runOnce();
  assert.deepEqual(t.client.requests.slice(2).map((_, i) => t.stamps(i + 2)[0].sequence), [0], "the retry goes alone");
  await t.answerProduce([{ partition: 0, baseOffset: 0 }]);
  await t.sender.runOnce();
  assert.deepEqual(t.stamps().map((s) => [s.epoch, s.sequence]), [[0, 1]], "then the second, in order, under the same epoch");
  await t.answerProduce([{ partition: 0, baseOffset: 1 }]);
  assert.equal(first.metadata?.offset, 0);
  assert.equal(second.metadata?.offset, 1);
});
