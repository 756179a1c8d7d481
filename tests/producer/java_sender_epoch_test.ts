/**
 * Scenarios of the Java client's SenderTest about an idempotent producer whose sequences
 * went out of step: batches expiring in flight or in the queue, epoch bumps and what is
 * queued behind them, close during a bump, stale batches answered after it, duplicates and
 * UNKNOWN_PRODUCER_ID. The Java test each one comes from is named in a comment above it;
 * docs/reliability.md has the full table.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import { KafkaError, NetworkError, TimeoutError } from "../../src/errors.ts";
import { E, idempotentScenario, produceResult, RETRY_WAIT, stampsOf, twoInFlight, warmedUp } from "../support/java_scenarios.ts";

await initCrc32c();

// testExpiryOfUnsentBatchesShouldNotCauseUnresolvedSequences
test("sender scenario: a batch that expires before it was ever sent leaves no gap: the next batch keeps the epoch and sequence 0", async () => {
  const t = idempotentScenario({ config: { deliveryTimeoutMs: 5000, requestTimeoutMs: 4000 } });
  await t.start(343434n, 0);
  t.client.readyNodes.clear();
  const expired = t.send(0, "never-sent");
  t.clock.advance(5000);
  await t.run();
  assert.ok(expired.error instanceof TimeoutError);
  t.client.readyNodes.add(1);
  const next = await t.sendAndRun(0, "next");
  assert.deepEqual(t.lastStamps().map((s) => [s.epoch, s.sequence, s.values[0]]), [[0, 0, "next"]]);
  await t.reply([{ partition: 0, baseOffset: 0 }]);
  assert.equal(next.metadata?.offset, 0);
});

/** A warmed-up partition 0 with a (sequence 1) sent, then b (sequence 2) sent a second later; a then expires in flight. */
async function firstOfTwoExpires() {
  const t = await warmedUp({ config: { deliveryTimeoutMs: 5000, requestTimeoutMs: 4000 } });
  const a = await t.sendAndRun(0, "a");
  t.clock.advance(1000);
  const b = await t.sendAndRun(0, "b");
  const [requestA] = t.unanswered();
  t.clock.advance(4000);
  await t.run();
  assert.ok(a.error instanceof TimeoutError, `a expired: ${a.error}`);
  assert.equal(b.settled, false);
  return { t, a, b, requestA };
}

// testExpiryOfFirstBatchShouldNotCauseUnresolvedSequencesIfFutureBatchesSucceed
test("sender scenario: the first of two batches expires in flight but the second is acknowledged: no epoch bump, sequences go on", async () => {
  const { t, b, requestA } = await firstOfTwoExpires();
  t.produce([{ partition: 0, baseOffset: 2 }]); // the oldest unanswered after a's expiry is still a's request
  await t.run();
  // a's request is answered above (the fake answers the oldest); answer b's too if it is still open.
  if (!b.settled) {
    await t.reply([{ partition: 0, baseOffset: 2 }]);
  }
  assert.equal(requestA.answered, true);
  assert.equal(b.metadata?.offset, 2);
  const c = await t.sendAndRun(0, "c");
  assert.deepEqual(t.lastStamps().map((s) => [s.epoch, s.sequence]), [[0, 3]], "the broker has sequences 1 and 2: 3 is next");
  await t.reply([{ partition: 0, baseOffset: 3 }]);
  assert.equal(c.metadata?.offset, 3);
});

// testExpiryOfFirstBatchShouldCauseEpochBumpIfFutureBatchesFail
test("sender scenario: the first of two batches expires in flight and the second is rejected out of order: the epoch is bumped", async () => {
  const { t, b, requestA } = await firstOfTwoExpires();
  t.answerRequest(requestA, undefined, new NetworkError("connection reset")); // the expired batch's late answer
  await t.reply([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }]);
  await t.afterRetryBackoff();
  assert.deepEqual(t.lastStamps().map((s) => [s.epoch, s.sequence, s.values[0]]), [[1, 0, "b"]]);
  await t.reply([{ partition: 0, baseOffset: 7 }]);
  assert.equal(b.metadata?.offset, 7);
});

// testExpiryOfAllSentBatchesShouldCauseUnresolvedSequences
test("sender scenario: when every sent batch of a partition expired, the next batch goes under a bumped epoch at sequence 0", async () => {
  const t = idempotentScenario({ config: { deliveryTimeoutMs: 5000, requestTimeoutMs: 4000 } });
  await t.start(343434n, 0);
  const expired = await t.sendAndRun(0, "lost");
  t.clock.advance(5000);
  await t.run();
  assert.ok(expired.error instanceof TimeoutError);
  const next = t.send(0, "next");
  await t.run(2);
  assert.deepEqual(t.lastStamps().map((s) => [s.epoch, s.sequence, s.values[0]]), [[1, 0, "next"]]);
  t.answerRequest(t.sent("Produce")[0], produceResult([{ partition: 0, errorCode: E.REQUEST_TIMED_OUT }]));
  await t.reply([{ partition: 0, baseOffset: 0 }]);
  assert.equal(next.metadata?.offset, 0);
});

// testUnresolvedSequencesAreNotFatal
test("sender scenario: unresolved sequences after an expiry are not fatal: the producer keeps sending", async () => {
  const t = idempotentScenario({ config: { deliveryTimeoutMs: 5000, requestTimeoutMs: 4000 } });
  await t.start(343434n, 0);
  await t.sendAndRun(0, "lost");
  t.clock.advance(5000);
  await t.run();
  t.produce([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }]); // late answer for the expired batch
  await t.run();
  assert.equal(t.sender.fatalError, undefined);
  const next = t.send(0, "next");
  await t.run(2);
  await t.reply([{ partition: 0, baseOffset: 5 }]);
  assert.equal(next.metadata?.offset, 5);
});

// testResetOfProducerStateShouldAllowQueuedBatchesToDrain
test("sender scenario: batches queued for other partitions drain under the new epoch after a bump", async () => {
  const t = await warmedUp();
  await t.sendAndRun(0, "p0");
  t.client.readyNodes.clear();
  const queued = [t.send(1, "p1-a"), t.send(1, "p1-b")];
  await t.reply([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }]);
  t.client.readyNodes.add(1);
  t.clock.advance(RETRY_WAIT);
  for (let i = 0; i < 6 && queued.some((o) => !o.settled); i++) {
    await t.run();
    for (const r of t.unanswered()) {
      const stamps = stampsOf(r);
      t.answerRequest(r, produceResult(stamps.map((s) => ({ partition: s.partition, baseOffset: 10 + s.sequence }))));
    }
    await t.run();
  }
  assert.deepEqual(queued.map((o) => o.error), [undefined, undefined]);
  const p1 = t.allStamps().filter((s) => s.partition === 1);
  assert.deepEqual(p1.map((s) => s.epoch), p1.map(() => 1), "partition 1's batches went under epoch 1");
  assert.equal(p1[0].sequence, 0);
});

/** Runs the Sender's loop to its end, answering every produce request with success meanwhile. */
async function runToEnd(t: ReturnType<typeof idempotentScenario>) {
  let stopped = false;
  const run = t.sender.run().then(() => stopped = true);
  for (let round = 0; round < 500 && !stopped; round++) {
    await Promise.resolve();
    for (const r of t.unanswered()) {
      if (r.request.api.name !== "Produce") continue;
      t.answerRequest(r, produceResult(stampsOf(r).map((s) => ({ partition: s.partition, baseOffset: 100 + s.sequence }))));
    }
  }
  if (!stopped) t.sender.forceClose();
  await run;
}

// testCloseWithProducerIdReset
test("sender scenario: a graceful close while an epoch bump is due still delivers the queued batch under the new epoch", async () => {
  const t = await warmedUp();
  const resent = await t.sendAndRun(0, "resent");
  await t.reply([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }]);
  const queued = t.send(1, "queued");
  t.sender.initiateClose();
  t.clock.advance(RETRY_WAIT);
  await runToEnd(t);
  assert.equal(resent.error, undefined, String(resent.error));
  assert.equal(queued.error, undefined, String(queued.error));
  assert.ok(t.allStamps().filter((s) => s.values[0] === "resent").some((s) => s.epoch === 1));
  assert.equal(t.client.closed, true);
});

// testForceCloseWithProducerIdReset
test("sender scenario: a forced close while an epoch bump is due fails what is left", async () => {
  const t = await warmedUp();
  const retried = await t.sendAndRun(0, "retried");
  await t.reply([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }]);
  const queued = t.send(1, "queued");
  t.sender.forceClose();
  await t.sender.run();
  assert.ok(retried.error instanceof KafkaError);
  assert.ok(queued.error instanceof KafkaError);
  assert.equal(t.client.closed, true);
});

// testBatchesDrainedWithOldProducerIdShouldSucceedOnSubsequentRetry
test("sender scenario: a batch drained under the old epoch and failing retriably after the bump succeeds on a later retry", async () => {
  const t = idempotentScenario();
  const outOfOrder = t.send(0, "p0");
  const other = await t.sendFirst(1, "p1");
  await t.reply([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }, { partition: 1, errorCode: E.NOT_LEADER_OR_FOLLOWER }]);
  for (let attempt = 0; attempt < 2; attempt++) {
    await t.afterRetryBackoff();
    if (t.unanswered().length === 0) continue;
    assert.equal(t.sequences.producerIdAndEpoch.epoch, 1);
    for (const r of t.unanswered()) {
      const results = stampsOf(r).map((s) => ({
        partition: s.partition,
        errorCode: attempt === 0 && s.partition === 1 ? E.NOT_LEADER_OR_FOLLOWER : 0,
        baseOffset: 0,
      }));
      t.answerRequest(r, produceResult(results));
    }
    await t.run();
  }
  assert.equal(other.error, undefined, String(other.error));
  assert.equal(outOfOrder.error, undefined, String(outOfOrder.error));
  const next = await t.sendAndRun(1, "p1-next");
  // Java: "epoch of partition is bumped and sequence is reset when the next batch is sent".
  assert.deepEqual(t.lastStamps().map((s) => [s.epoch, s.sequence]), [[1, 0]], "partition 1 starts over once its old-epoch batch is done");
  await t.reply([{ partition: 1, baseOffset: 1 }]);
  assert.equal(next.metadata?.offset, 1);
});

// testCorrectHandlingOfDuplicateSequenceError
test("sender scenario: DUPLICATE_SEQUENCE_NUMBER for an earlier batch answered after a later one counts as written, offset unknown", async () => {
  const { t, a, b, requestA, requestB } = await twoInFlight();
  t.answerRequest(requestB, produceResult([{ partition: 0, baseOffset: 1000 }]));
  await t.run();
  t.answerRequest(requestA, produceResult([{ partition: 0, errorCode: E.DUPLICATE_SEQUENCE_NUMBER, baseOffset: -1 }]));
  await t.run();
  assert.equal(a.error, undefined);
  assert.equal(a.metadata?.offset, -1);
  assert.equal(b.metadata?.offset, 1000);
  const c = await t.sendAndRun(0, "c");
  assert.deepEqual(t.lastStamps().map((s) => [s.epoch, s.sequence]), [[0, 3]]);
  assert.equal(c.settled, false);
});

// testIdempotentUnknownProducerHandlingWhenRetentionLimitReached
test("sender scenario: UNKNOWN_PRODUCER_ID after the log start moved past our records: the batch is resent under a bumped epoch from 0", async () => {
  const t = idempotentScenario();
  const first = await t.sendFirst(0, "first");
  await t.reply([{ partition: 0, baseOffset: 1000, logStartOffset: 10 }]);
  assert.equal(first.metadata?.offset, 1000);
  t.send(0, "second-a");
  const second = await t.sendAndRun(0, "second-b");
  assert.deepEqual(t.lastStamps().map((s) => [s.sequence, s.records]), [[1, 2]]);
  await t.reply([{ partition: 0, errorCode: E.UNKNOWN_PRODUCER_ID, logStartOffset: 1010 }]);
  await t.afterRetryBackoff();
  assert.deepEqual(t.lastStamps().map((s) => [s.epoch, s.sequence, s.records]), [[1, 0, 2]]);
  await t.reply([{ partition: 0, baseOffset: 1011, logStartOffset: 1010 }]);
  assert.equal(second.metadata?.offset, 1012);
});

// testUnknownProducerErrorShouldBeRetriedWhenLogStartOffsetIsUnknown
test("sender scenario: UNKNOWN_PRODUCER_ID without a log start offset is retried, not failed", async () => {
  const t = idempotentScenario();
  await t.sendFirst(0, "first");
  await t.reply([{ partition: 0, baseOffset: 1000 }]);
  const second = await t.sendAndRun(0, "second");
  await t.reply([{ partition: 0, errorCode: E.UNKNOWN_PRODUCER_ID, logStartOffset: -1 }]);
  assert.equal(second.settled, false);
  await t.afterRetryBackoff();
  assert.equal(t.sent("Produce").length, 3);
  await t.reply([{ partition: 0, baseOffset: 1001 }]);
  assert.equal(second.metadata?.offset, 1001);
});

// testUnknownProducerErrorShouldBeRetriedForFutureBatchesWhenFirstFails
test("sender scenario: UNKNOWN_PRODUCER_ID on the first of two pipelined batches retries both, in order", async () => {
  const { t, a, b } = await twoInFlight();
  t.produce([{ partition: 0, errorCode: E.UNKNOWN_PRODUCER_ID, logStartOffset: 1010 }]);
  await t.reply([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }]);
  for (let i = 0; i < 6 && !(a.settled && b.settled); i++) {
    await t.afterRetryBackoff();
    for (const r of t.unanswered()) {
      t.answerRequest(r, produceResult([{ partition: 0, baseOffset: 1010 + stampsOf(r)[0].sequence }]));
    }
    await t.run();
  }
  const retried = t.allStamps().slice(3);
  assert.deepEqual(retried.map((s) => s.values[0]), ["a", "b"], "resent in order, each once");
  assert.deepEqual(retried.map((s) => [s.epoch, s.sequence]), [[1, 0], [1, 1]]);
  assert.deepEqual([a.metadata?.offset, b.metadata?.offset], [1010, 1011]);
});

// testShouldRaiseOutOfOrderSequenceExceptionToUserIfLogWasNotTruncated
test("sender scenario: UNKNOWN_PRODUCER_ID while the log was not truncated bumps the epoch; the record is not failed meanwhile", async () => {
  const t = idempotentScenario();
  await t.sendFirst(0, "first");
  await t.reply([{ partition: 0, baseOffset: 1000, logStartOffset: 10 }]);
  const second = await t.sendAndRun(0, "second");
  await t.reply([{ partition: 0, errorCode: E.UNKNOWN_PRODUCER_ID, logStartOffset: 10 }], 2);
  assert.equal(t.sequences.producerIdAndEpoch.epoch, 1);
  assert.equal(second.settled, false);
});
