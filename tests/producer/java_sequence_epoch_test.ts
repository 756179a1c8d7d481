/**
 * Scenarios of the Java client's SenderTest and TransactionManagerTest about partitions of
 * an idempotent producer that live through an epoch bump caused by another partition, and
 * about sequence numbers wrapping past 2^31 - 1. The Java test each one comes from is named
 * in a comment above it; docs/reliability.md has the full table. Our one deliberate
 * difference from Java shows in the set-ups: a partition sends one batch at a time until a
 * sequence there is acknowledged, so each partition is warmed up before batches pipeline.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import type { Recorded } from "../support/fake_client.ts";
import { E, idempotentScenario, type PartitionResult, produceResult, RETRY_WAIT, stampsOf, TOPIC } from "../support/java_scenarios.ts";

await initCrc32c();

const MAX_SEQUENCE = 2_147_483_647;

type Scenario = ReturnType<typeof idempotentScenario>;

/** The oldest unanswered produce request carrying `partition`; it must carry only that partition. */
function requestFor(t: Scenario, partition: number): Recorded {
  const found = t.unanswered().find((r) => r.request.api.name === "Produce" && stampsOf(r).some((s) => s.partition === partition));
  assert.ok(found !== undefined, `a produce request for partition ${partition} is in flight`);
  assert.deepEqual(stampsOf(found).map((s) => s.partition), [partition], "one partition per request in these scenarios");
  return found;
}

/** Answers the oldest produce request for `partition` with `result`; returns what it carried (epoch, sequence, value). */
function answerPartition(t: Scenario, partition: number, result: Omit<PartitionResult, "partition">): [number, number, string][] {
  const recorded = requestFor(t, partition);
  t.answerRequest(recorded, produceResult([{ partition, ...result }]));
  return stampsOf(recorded).map((s) => [s.epoch, s.sequence, s.values[0]]);
}

/** Java's assertPartitionState: the epoch the partition counts under, its next sequence, its last acknowledged one. */
function partitionState(t: Scenario, partition: number): [number, number, number] {
  const state = t.accumulator.partitions.get(TOPIC, partition);
  return [state.producerEpoch, state.nextSequence, state.lastAckedSequence];
}

function hasStaleInFlight(t: Scenario, partition: number): boolean {
  const { producerId, epoch } = t.sequences.producerIdAndEpoch;
  return t.accumulator.partitions.get(TOPIC, partition).hasStaleInFlight(producerId, epoch);
}

// testEpochBumpOnOutOfOrderSequenceForNextBatchWhenBatchInFlightFails
test("sender scenario: a partition with a batch in flight under the old epoch keeps it through a bump; when that batch fails, the next starts the new epoch at 0", async () => {
  const t = idempotentScenario({ config: { retries: 1 } });
  await t.start(343434n, 0);
  // Both partitions acknowledged at sequence 0, so they may pipeline.
  for (const p of [0, 1]) {
    await t.sendAndRun(p, `p${p}-first`);
    assert.deepEqual(partitionState(t, p), [0, 1, -1], "state is made on the first batch");
    answerPartition(t, p, { baseOffset: 0 });
    await t.run();
    assert.deepEqual(partitionState(t, p), [0, 1, 0], "last ack updated");
  }
  const p0Second = await t.sendAndRun(0, "p0-second");
  assert.deepEqual(partitionState(t, 0), [0, 2, 0]);
  const p1Second = await t.sendAndRun(1, "p1-second");
  assert.deepEqual(partitionState(t, 1), [0, 2, 0]);

  // Partition 0: OUT_OF_ORDER_SEQUENCE_NUMBER for the next expected batch: the epoch is bumped, partition 0 restarts.
  assert.deepEqual(answerPartition(t, 0, { errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }), [[0, 1, "p0-second"]]);
  await t.run(); // receive
  t.clock.advance(RETRY_WAIT);
  await t.run(); // bump the epoch and retry
  assert.equal(t.sequences.producerIdAndEpoch.epoch, 1);
  assert.deepEqual(partitionState(t, 0), [1, 1, -1], "partition 0 starts over under the new epoch");
  // Partition 1: untouched; it moves to the new epoch once its batch of the old one is settled.
  assert.deepEqual(partitionState(t, 1), [0, 2, 0]);
  assert.equal(hasStaleInFlight(t, 1), true);

  // Partition 1: NOT_LEADER_OR_FOLLOWER; retried (once) under the old epoch and its sequence.
  assert.deepEqual(answerPartition(t, 1, { errorCode: E.NOT_LEADER_OR_FOLLOWER }), [[0, 1, "p1-second"]]);
  await t.run();
  await t.afterRetryBackoff(1);
  assert.deepEqual(partitionState(t, 1), [0, 2, 0]);
  assert.equal(hasStaleInFlight(t, 1), true);

  // Partition 0: its retry under the new epoch is acknowledged.
  assert.deepEqual(answerPartition(t, 0, { baseOffset: 1 }), [[1, 0, "p0-second"]]);
  await t.run();
  assert.equal(p0Second.metadata?.offset, 1);
  assert.deepEqual(partitionState(t, 0), [1, 1, 0]);

  // Partition 1: NOT_LEADER_OR_FOLLOWER again, retries exhausted: the batch fails; the state waits for the next batch.
  assert.deepEqual(answerPartition(t, 1, { errorCode: E.NOT_LEADER_OR_FOLLOWER }), [[0, 1, "p1-second"]]);
  await t.run();
  assert.ok(p1Second.error !== undefined, "retries exhausted");
  assert.deepEqual(partitionState(t, 1), [0, 2, 0]);
  assert.equal(hasStaleInFlight(t, 1), false, "nothing of the old epoch is in flight any more");
  assert.equal(t.sequences.epochBumpRequired, false, "a failure under the old epoch asks for no second bump");

  // Partition 1: the third batch goes under the new epoch at sequence 0.
  const p1Third = await t.sendAndRun(1, "p1-third");
  assert.deepEqual(partitionState(t, 1), [1, 1, -1]);
  assert.deepEqual(answerPartition(t, 1, { baseOffset: 0 }), [[1, 0, "p1-third"]]);
  await t.run();
  assert.equal(p1Third.metadata?.offset, 0);
  assert.deepEqual(partitionState(t, 1), [1, 1, 0]);

  // Partition 0: the third batch follows on at sequence 1.
  const p0Third = await t.sendAndRun(0, "p0-third");
  assert.deepEqual(partitionState(t, 0), [1, 2, 0]);
  assert.deepEqual(answerPartition(t, 0, { baseOffset: 2 }), [[1, 1, "p0-third"]]);
  await t.run();
  assert.equal(p0Third.metadata?.offset, 2);
  assert.deepEqual(partitionState(t, 0), [1, 2, 1]);
});

/**
 * As TransactionManagerTest's set-up for the two scenarios below, at epoch 1: partition 0
 * has batches "2" and "3" in flight behind an acknowledged "1", partition 1 has "5" behind an
 * acknowledged "4"; then "2" is answered UNKNOWN_PRODUCER_ID with the log start past our
 * records, and the Sender bumps the epoch to 2, restarting partition 0 only.
 */
async function bumpedByPartitionZero() {
  const t = idempotentScenario({ partitions: 2, batchSize: 100 });
  await t.start(13131n, 1);
  for (const [p, value] of [[0, "1"], [1, "4"]] as const) {
    await t.sendAndRun(p, value);
    answerPartition(t, p, { baseOffset: 500 });
    await t.run();
  }
  const b2 = await t.sendAndRun(0, "2");
  const b3 = await t.sendAndRun(0, "3");
  const b5 = await t.sendAndRun(1, "5");
  assert.deepEqual([partitionState(t, 0)[1], partitionState(t, 1)[1]], [3, 2], "next sequences 3 and 2");

  assert.deepEqual(answerPartition(t, 0, { errorCode: E.UNKNOWN_PRODUCER_ID, logStartOffset: 500 }), [[1, 1, "2"]]);
  await t.run();
  // "3", sent behind "2", is answered out of order by the broker that lost the producer.
  assert.deepEqual(answerPartition(t, 0, { errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }), [[1, 2, "3"]]);
  await t.run();
  await t.afterRetryBackoff(1);
  assert.equal(t.sequences.producerIdAndEpoch.epoch, 2);

  // Partition 0's batches were renumbered from 0 under epoch 2; partition 1's kept epoch 1 and sequence 1.
  const p0 = t.accumulator.partitions.get(TOPIC, 0);
  assert.deepEqual(p0.inFlight.map((b) => [b.producerEpoch, b.baseSequence]), [[2, 0], [2, 1]]);
  const p1 = t.accumulator.partitions.get(TOPIC, 1);
  assert.deepEqual(p1.inFlight.map((b) => [b.producerEpoch, b.baseSequence]), [[1, 1]]);
  assert.equal(hasStaleInFlight(t, 1), true);
  assert.deepEqual(requestFor(t, 0) && stampsOf(requestFor(t, 0)).map((s) => [s.epoch, s.sequence, s.values[0]]), [[2, 0, "2"]]);

  // A new batch for partition 1 is not drained while its batch of epoch 1 is in flight.
  const b6 = await t.sendAndRun(1, "6");
  assert.equal(p1.queue.length, 1, "the new batch waits");

  // Partition 1's leader moves: "5" is retried under epoch 1 with its sequence, the new batch still waits.
  assert.deepEqual(answerPartition(t, 1, { errorCode: E.NOT_LEADER_OR_FOLLOWER }), [[1, 1, "5"]]);
  await t.run();
  await t.afterRetryBackoff(1);
  assert.equal(p1.queue.length, 1);
  assert.notEqual(p1.queue[0], p1.inFlight[0]);
  assert.deepEqual(stampsOf(requestFor(t, 1)).map((s) => [s.epoch, s.sequence, s.values[0]]), [[1, 1, "5"]]);
  return { t, b2, b3, b5, b6, p0, p1 };
}

// testHealthyPartitionRetriesDuringEpochBump
test("transaction manager: a healthy partition retries its batch of the old epoch during a bump, then moves to the new epoch at sequence 0", async () => {
  const { t, b5, b6, p1 } = await bumpedByPartitionZero();
  assert.deepEqual(answerPartition(t, 1, { baseOffset: 501 }), [[1, 1, "5"]]);
  await t.run();
  assert.equal(b5.metadata?.offset, 501);
  assert.equal(p1.inFlight.length, 0);
  assert.equal(t.sequences.epochBumpRequired, false);

  // The waiting batch goes now, under epoch 2 at sequence 0.
  await t.run();
  assert.equal(p1.queue.length, 0);
  assert.deepEqual(p1.inFlight.map((b) => [b.producerEpoch, b.baseSequence]), [[2, 0]]);
  assert.deepEqual(answerPartition(t, 1, { baseOffset: 502 }), [[2, 0, "6"]]);
  await t.run();
  assert.equal(b6.metadata?.offset, 502);
  assert.equal(p1.inFlight.length, 0);
  assert.deepEqual(partitionState(t, 1), [2, 1, 0]);
});

// testFailedInflightBatchAfterEpochBump (Java's body repeats the scenario above; here the batch of the old epoch fails)
test("transaction manager: a batch of the old epoch failing for good after a bump asks for no second bump; the next batch starts the new epoch at 0", async () => {
  const { t, b5, b6, p1 } = await bumpedByPartitionZero();
  assert.deepEqual(answerPartition(t, 1, { errorCode: E.INVALID_RECORD }), [[1, 1, "5"]]);
  await t.run();
  assert.ok(b5.error !== undefined, "INVALID_RECORD is not retried");
  assert.equal(p1.inFlight.length, 0);
  assert.equal(t.sequences.epochBumpRequired, false, "the gap is in the old epoch, which the bump left behind");
  assert.equal(t.sequences.producerIdAndEpoch.epoch, 2);

  await t.run();
  assert.deepEqual(answerPartition(t, 1, { baseOffset: 501 }), [[2, 0, "6"]]);
  await t.run();
  assert.equal(b6.metadata?.offset, 501);
  assert.deepEqual(partitionState(t, 1), [2, 1, 0]);

  // Partition 0 is unharmed: its renumbered batches go through in order.
  assert.deepEqual(answerPartition(t, 0, { baseOffset: 0 }), [[2, 0, "2"]]);
  await t.run(2);
  assert.deepEqual(answerPartition(t, 0, { baseOffset: 1 }), [[2, 1, "3"]]);
  await t.run();
  assert.deepEqual(partitionState(t, 0), [2, 2, 1]);
});

// testSequenceNumberOverflow
test("transaction manager: sequence numbers wrap past 2^31 - 1 to 0, as the broker counts, and the partition goes on under its epoch", async () => {
  const t = idempotentScenario({ partitions: 1, batchSize: 100 });
  await t.start(343434n, 0);
  await t.sendAndRun(0, "warm-up");
  answerPartition(t, 0, { baseOffset: 0 });
  await t.run();
  // As Java's incrementSequenceNumber(tp0, Integer.MAX_VALUE): the partition is at the last sequence but one.
  const state = t.accumulator.partitions.get(TOPIC, 0);
  state.nextSequence = MAX_SEQUENCE - 1;
  state.lastAckedSequence = MAX_SEQUENCE - 2;

  // Three records: MAX - 1, MAX, then 0.
  const crossing = [t.send(0, "a"), t.send(0, "b"), t.send(0, "c")];
  await t.run();
  assert.deepEqual(partitionState(t, 0), [0, 1, MAX_SEQUENCE - 2], "the next sequence wrapped: (MAX - 1 + 3) mod 2^31");
  assert.deepEqual(answerPartition(t, 0, { baseOffset: 10 }), [[0, MAX_SEQUENCE - 1, "a"]]);
  await t.run();
  assert.deepEqual(crossing.map((o) => o.metadata?.offset), [10, 11, 12]);
  assert.equal(t.sequences.epochBumpRequired, false, "a wrapped sequence is no gap");
  assert.deepEqual(partitionState(t, 0), [0, 1, 0], "the last acknowledged sequence wrapped too");

  // The next batch follows at sequence 1 under the same epoch, and is pipelined as after any acknowledgement.
  const next = await t.sendAndRun(0, "d");
  assert.deepEqual(answerPartition(t, 0, { baseOffset: 13 }), [[0, 1, "d"]]);
  await t.run();
  assert.equal(next.metadata?.offset, 13);
  assert.deepEqual(partitionState(t, 0), [0, 2, 1]);
});
