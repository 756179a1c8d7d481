/**
 * Scenarios of the Java client's SenderTest about an idempotent producer with several
 * batches in flight on one partition: consecutive sequences, retries in sequence order,
 * responses answered out of order, and the epoch bump when the broker reports a gap. The
 * Java test each one comes from is named in a comment above it; docs/reliability.md has
 * the full table.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import type { KafkaProtocolError } from "../../src/protocol/error_codes.ts";
import { E, produceResult, twoInFlight, warmedUp } from "../support/java_scenarios.ts";

await initCrc32c();

const errorName = (error: unknown) => (error as KafkaProtocolError | undefined)?.errorName;

// testIdempotenceWithMultipleInflights
test("sender scenario: idempotent batches pipelined on one partition carry consecutive sequences and resolve in order", async () => {
  const { t, a, b } = await twoInFlight();
  assert.equal(t.unanswered().length, 2, "two batches in flight");
  assert.deepEqual(t.allStamps().map((s) => s.sequence), [0, 1, 2]);
  t.produce([{ partition: 0, baseOffset: 1 }]);
  await t.reply([{ partition: 0, baseOffset: 2 }]);
  assert.deepEqual([a.metadata?.offset, b.metadata?.offset], [1, 2]);
});

// testIdempotenceWithMultipleInflightsRetriedInOrder
test("sender scenario: when the first of two pipelined batches fails retriably and the second out of order, they are resent one at a time in order", async () => {
  const { t, a, b } = await twoInFlight();
  t.produce([{ partition: 0, errorCode: E.NOT_ENOUGH_REPLICAS }]);
  await t.reply([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }]);
  await t.afterRetryBackoff();
  assert.equal(t.unanswered().length, 1, "after a retry, one batch at a time");
  assert.deepEqual(t.lastStamps().map((s) => [s.epoch, s.sequence, s.values[0]]), [[0, 1, "a"]]);
  await t.reply([{ partition: 0, baseOffset: 1 }], 2);
  assert.deepEqual(t.lastStamps().map((s) => [s.epoch, s.sequence, s.values[0]]), [[0, 2, "b"]]);
  await t.reply([{ partition: 0, baseOffset: 2 }]);
  assert.deepEqual([a.metadata?.offset, b.metadata?.offset], [1, 2]);
});

// testIdempotenceWithMultipleInflightsWhereFirstFailsFatallyAndSequenceOfFutureBatchesIsAdjusted
test("sender scenario: when the first of two pipelined batches fails for good, the second is resent where the broker expects it", async () => {
  const { t, a, b } = await twoInFlight();
  await t.reply([{ partition: 0, errorCode: E.MESSAGE_TOO_LARGE }]);
  assert.equal(errorName(a.error), "MESSAGE_TOO_LARGE", "a single record is not split: it fails");
  await t.reply([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }]);
  await t.afterRetryBackoff();
  const [retry] = t.lastStamps();
  // Java renumbers b to sequence 1 under the same epoch; a new epoch starting at 0 serves as well.
  assert.ok(
    (retry.epoch === 0 && retry.sequence === 1) || (retry.epoch === 1 && retry.sequence === 0),
    `b resent as epoch ${retry.epoch} sequence ${retry.sequence}`,
  );
  assert.deepEqual(retry.values, ["b"]);
  await t.reply([{ partition: 0, baseOffset: 1 }]);
  assert.equal(b.metadata?.offset, 1);
});

// testEpochBumpOnOutOfOrderSequenceForNextBatch
test("sender scenario: OUT_OF_ORDER_SEQUENCE_NUMBER for the next expected batch bumps the epoch and resends it at sequence 0", async () => {
  const t = await warmedUp();
  const next = await t.sendAndRun(0, "next");
  assert.deepEqual(t.lastStamps().map((s) => [s.epoch, s.sequence]), [[0, 1]]);
  await t.reply([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }]);
  await t.afterRetryBackoff();
  assert.deepEqual(t.lastStamps().map((s) => [s.producerId, s.epoch, s.sequence]), [[343434n, 1, 0]]);
  await t.reply([{ partition: 0, baseOffset: 1 }]);
  assert.equal(next.metadata?.offset, 1);
});

// testEpochBumpOnOutOfOrderSequenceForNextBatchWhenThereIsNoBatchInFlight
test("sender scenario: after an epoch bump caused by one partition, an idle partition's next batch starts the new epoch at sequence 0", async () => {
  const t = await warmedUp();
  await t.sendAndRun(1, "p1-first");
  await t.reply([{ partition: 1, baseOffset: 0 }]);
  await t.sendAndRun(0, "p0-second");
  await t.reply([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }]);
  await t.afterRetryBackoff();
  assert.deepEqual(t.lastStamps().map((s) => [s.partition, s.epoch, s.sequence]), [[0, 1, 0]]);
  await t.reply([{ partition: 0, baseOffset: 1 }]);
  const p1 = await t.sendAndRun(1, "p1-second");
  assert.deepEqual(t.lastStamps().map((s) => [s.partition, s.epoch, s.sequence]), [[1, 1, 0]]);
  await t.reply([{ partition: 1, baseOffset: 1 }]);
  assert.equal(p1.metadata?.offset, 1);
});

// testCorrectHandlingOfOutOfOrderResponses
test("sender scenario: responses answered out of order (second OUT_OF_ORDER, then first NOT_LEADER) requeue both batches in sequence order", async () => {
  const { t, a, b, requestA, requestB } = await twoInFlight();
  t.answerRequest(requestB, produceResult([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }]));
  await t.run();
  t.answerRequest(requestA, produceResult([{ partition: 0, errorCode: E.NOT_LEADER_OR_FOLLOWER }]));
  await t.run();
  assert.equal(a.settled || b.settled, false);
  await t.afterRetryBackoff(3);
  assert.equal(t.unanswered().length, 1, "one at a time while retrying");
  assert.deepEqual(t.lastStamps().map((s) => [s.sequence, s.values[0]]), [[1, "a"]]);
  await t.reply([{ partition: 0, baseOffset: 1 }], 2);
  assert.deepEqual(t.lastStamps().map((s) => [s.sequence, s.values[0]]), [[2, "b"]]);
  await t.reply([{ partition: 0, baseOffset: 2 }]);
  assert.deepEqual([a.metadata?.offset, b.metadata?.offset], [1, 2]);
  assert.equal(t.sequences.producerIdAndEpoch.epoch, 0, "no epoch bump was needed");
});

// testCorrectHandlingOfOutOfOrderResponsesWhenSecondSucceeds
test("sender scenario: when the second pipelined batch is acknowledged before the first times out, the first is resent with its sequence", async () => {
  const { t, a, b, requestA, requestB } = await twoInFlight();
  t.answerRequest(requestB, produceResult([{ partition: 0, baseOffset: 2 }]));
  await t.run();
  assert.equal(b.metadata?.offset, 2);
  t.answerRequest(requestA, produceResult([{ partition: 0, errorCode: E.REQUEST_TIMED_OUT }]));
  await t.run();
  await t.afterRetryBackoff();
  assert.deepEqual(t.lastStamps().map((s) => [s.epoch, s.sequence, s.values[0]]), [[0, 1, "a"]]);
  await t.reply([{ partition: 0, baseOffset: 1 }]);
  assert.equal(a.metadata?.offset, 1);
  assert.equal(t.unanswered().length, 0);
});
