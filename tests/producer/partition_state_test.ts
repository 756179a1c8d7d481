/**
 * One state per partition (queue, mute, sequences, transaction membership): the cases
 * where the parts used to disagree, each driven through the Sender over the fake client.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import { decodeRecordBatches } from "../../src/protocol/record_batch_decoder.ts";
import type { ProduceRequest } from "../../src/protocol/produce.ts";
import { SequenceTracker } from "../../src/producer/sequence_tracker.ts";
import { AuthenticationError, KafkaError, NetworkError, UnsupportedVersionError } from "../../src/errors.ts";
import type { KafkaProtocolError } from "../../src/protocol/error_codes.ts";
import { produceResponse, setup } from "../support/sender_fixtures.ts";
import { bytes, cluster, FakeClock, Outcome } from "../support/producer_fixtures.ts";
import { RecordAccumulator } from "../../src/producer/record_accumulator.ts";
import { E, transactionalScenario } from "../support/java_scenarios.ts";
import type { Recorded } from "../support/fake_client.ts";

await initCrc32c();

/** Producer id, epoch, sequence and values of each batch in a produce request. */
function stamps(recorded: Recorded) {
  const body = recorded.request.body as ProduceRequest;
  return body.topicData.flatMap((topic) =>
    topic.partitionData.map((p) => {
      const [batch] = decodeRecordBatches(p.records!);
      return {
        partition: p.index,
        epoch: batch.producerEpoch,
        sequence: batch.baseSequence,
        values: batch.records.map((r) => new TextDecoder().decode(r.value!)),
      };
    })
  );
}

/** Answers every unanswered produce request with success, offsets counted per partition from `next`. */
function acknowledgeAll(t: ReturnType<typeof setup>, next: number[]): void {
  for (const recorded of t.client.requests.filter((r) => !r.answered && r.request.api.name === "Produce")) {
    const results = stamps(recorded).map((s) => {
      const baseOffset = next[s.partition];
      next[s.partition] += s.values.length;
      return { partition: s.partition, baseOffset };
    });
    t.client.respond(produceResponse(results), undefined, t.client.requests.indexOf(recorded), t.clock.now());
  }
}

async function idempotent(overrides = {}, partitions = 1, batchSize = 1024) {
  const sequences = new SequenceTracker();
  const t = setup(overrides, partitions, batchSize, sequences);
  await t.sender.runOnce();
  t.client.respond({ throttleTimeMs: 0, errorCode: 0, producerId: 4000n, producerEpoch: 0 });
  await t.sender.runOnce();
  const produced = () => t.client.requests.filter((r) => r.request.api.name === "Produce");
  return { ...t, sequences, produced };
}

// Finding 1: abortUndrainedBatches failed retried batches that held sequences, so the partition's sequence state still
// counted them in flight and no later batch could be drained there.
test("partition state: an authentication failure fails only batches never sent; a retried one keeps its sequence and the partition goes on", async () => {
  const t = await idempotent();
  const first = t.send(0, "first");
  await t.sender.runOnce();
  t.client.respond(produceResponse([{ partition: 0, errorCode: E.NOT_LEADER_OR_FOLLOWER }]), undefined, undefined, t.clock.now());
  await t.sender.runOnce();
  const queued = t.send(0, "never sent");
  const refused = new AuthenticationError("node 1: SASL authentication failed");
  t.client.authenticationFailure = refused;
  await t.sender.runOnce();
  assert.equal(queued.error, refused, "a batch never sent fails at once");
  assert.equal(first.error, undefined, "a retried batch holds a sequence: it is retried, not aborted");
  const later = t.send(0, "later");
  const next = [0];
  for (let i = 0; i < 6; i++) {
    t.clock.advance(200);
    await t.sender.runOnce();
    acknowledgeAll(t, next);
    await t.sender.runOnce();
  }
  assert.equal(first.metadata?.offset, 0);
  assert.equal(later.metadata?.offset, 1, `the partition still takes writes: ${later.error}`);
  assert.deepEqual(t.produced().map((r) => stamps(r).map((s) => [s.epoch, s.sequence])), [[[0, 0]], [[0, 0]], [[0, 1]]]);
});

test("partition state: a transaction that turns abortable keeps its retried batch, aborts, and the next transaction writes to that partition", async () => {
  const t = transactionalScenario({ config: { deliveryTimeoutMs: 30_000, requestTimeoutMs: 10_000 } });
  await t.init();
  const retried = await t.beginWith(0, "retried");
  await t.run();
  t.produce([{ partition: 0, errorCode: E.NOT_LEADER_OR_FOLLOWER }]);
  await t.run();
  // Another partition's batch fails for good: the transaction must abort.
  const failed = t.send(1, "refused");
  await t.run();
  t.addPartitions();
  await t.run(2);
  t.produce([{ partition: 1, errorCode: E.TOPIC_AUTHORIZATION_FAILED }]);
  await t.run();
  assert.equal(t.manager.state, "ABORTABLE_ERROR");
  assert.ok(failed.error instanceof KafkaError);
  assert.equal(retried.settled, false, "the retried batch holds sequence 0: it is not dropped");
  const aborting = t.manager.beginAbort();
  t.clock.advance(200);
  await t.run(2);
  t.produce([{ partition: 0, baseOffset: 0 }]);
  await t.run(2);
  t.endTxn();
  // The refused batch left a gap on partition 1: the abort ends with an epoch bump.
  await t.run(2);
  t.initProducerId(2000n, 1);
  await t.run();
  await aborting;
  t.manager.beginTransaction(false);
  const next = t.send(0, "next");
  await t.run();
  t.addPartitions();
  await t.run(2);
  assert.deepEqual(t.lastStamps().map((s) => [s.partition, s.epoch, s.sequence]), [[0, 1, 0]], "the partition starts over");
  t.produce([{ partition: 0, baseOffset: 1 }]);
  await t.run();
  assert.equal(next.metadata?.offset, 1, `${next.error}`);
});

test("partition state: a transaction whose queued records an authentication failure dropped cannot commit", async () => {
  const t = transactionalScenario();
  await t.init();
  t.manager.beginTransaction(false);
  const dropped = t.send(0, "dropped");
  await t.run();
  t.addPartitions();
  t.client.readyNodes.clear(); // the produce cannot go: the leader's connection does not authenticate
  await t.run(2);
  const refused = new AuthenticationError("node 1: SASL authentication failed");
  t.client.authenticationFailure = refused;
  await t.run();
  assert.equal(dropped.error, refused);
  assert.equal(t.manager.state, "ABORTABLE_ERROR", "committing now would commit the transaction without its record");
});

// Finding 2: an epoch bump restarted every partition's sequences, so a batch the broker may already have written
// under the old epoch (its answer was lost) was stamped again with the new epoch and written twice.
test("partition state: an epoch bump rewrites only the partition that asked for it; a batch retried elsewhere keeps its old stamp", async () => {
  const t = await idempotent({}, 2);
  const lost = t.send(1, "answer lost");
  await t.sender.runOnce();
  const unknown = t.send(0, "unknown producer");
  await t.sender.runOnce();
  assert.equal(t.produced().length, 2);
  // The broker wrote partition 1's batch but the answer was lost; partition 0 lost the producer's state.
  t.client.respond(undefined, new NetworkError("connection reset"), t.client.requests.indexOf(t.produced()[0]), t.clock.now());
  t.client.respond(produceResponse([{ partition: 0, errorCode: E.UNKNOWN_PRODUCER_ID }]), undefined, undefined, t.clock.now());
  await t.sender.runOnce();
  const behind = t.send(1, "behind the retry");
  t.clock.advance(200);
  await t.sender.runOnce();
  await t.sender.runOnce();
  const retries = t.produced().slice(2).flatMap(stamps);
  assert.deepEqual(
    retries.map((s) => [s.partition, s.epoch, s.sequence, s.values.join()]).sort(),
    [[0, 1, 0, "unknown producer"], [1, 0, 0, "answer lost"]],
    "partition 0 starts over under epoch 1; partition 1's retry is the same (epoch 0, sequence 0), a duplicate the broker drops",
  );
  t.client.respond(produceResponse([{ partition: 0, baseOffset: 0 }, { partition: 1, errorCode: E.DUPLICATE_SEQUENCE_NUMBER }]));
  await t.sender.runOnce();
  await t.sender.runOnce();
  assert.deepEqual(t.produced().slice(3).flatMap(stamps).map((s) => [s.partition, s.epoch, s.sequence]), [[1, 1, 0]], "then epoch 1 there");
  t.client.respond(produceResponse([{ partition: 1, baseOffset: 1 }]));
  await t.sender.runOnce();
  assert.equal(unknown.metadata?.offset, 0);
  assert.equal(lost.error, undefined);
  assert.equal(behind.metadata?.offset, 1);
});

test("partition state: a new batch waits while its partition has a batch of the older epoch in flight", async () => {
  const t = await idempotent({}, 2);
  t.send(1, "old epoch");
  await t.sender.runOnce();
  t.send(0, "bump");
  await t.sender.runOnce();
  const bumping = t.client.requests.indexOf(t.produced()[1]);
  t.client.respond(produceResponse([{ partition: 0, errorCode: E.UNKNOWN_PRODUCER_ID }]), undefined, bumping, t.clock.now());
  await t.sender.runOnce();
  t.send(1, "new epoch");
  t.clock.advance(200);
  await t.sender.runOnce();
  await t.sender.runOnce();
  const sentAfterBump = t.produced().slice(2).flatMap(stamps);
  assert.deepEqual(sentAfterBump.map((s) => [s.partition, s.epoch]), [[0, 1]], "sequence 0 of epoch 1 must not overtake epoch 0 there");
});

// Finding 5: the pieces of a split batch got no sequence and went to the head of the queue, and were built as large as
// the rejected batch.
test("partition state: an idempotent split keeps the original's sequences, ahead of a later batch that was in flight", async () => {
  const t = await idempotent({}, 1, 400);
  t.send(0, "warm-up");
  await t.sender.runOnce();
  const next = [0];
  acknowledgeAll(t, next);
  await t.sender.runOnce();
  const big = ["a", "b", "c", "d"].map((v) => t.send(0, `${v}`.repeat(40)));
  const after = t.send(0, "e".repeat(200));
  await t.sender.runOnce();
  await t.sender.runOnce();
  assert.deepEqual(t.produced().slice(1).flatMap(stamps).map((s) => [s.sequence, s.values.length]), [[1, 4], [5, 1]]);
  t.client.respond(produceResponse([{ partition: 0, errorCode: E.MESSAGE_TOO_LARGE }]), undefined, undefined, t.clock.now());
  t.client.respond(produceResponse([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }]), undefined, undefined, t.clock.now());
  for (let i = 0; i < 12; i++) {
    t.clock.advance(200);
    await t.sender.runOnce();
    acknowledgeAll(t, next);
    await t.sender.runOnce();
  }
  const resent = t.produced().slice(3).flatMap(stamps);
  assert.deepEqual(resent.flatMap((s) => s.values.map((v) => v[0])), ["a", "b", "c", "d", "e"], "in send order");
  let sequence = 1;
  for (const s of resent) {
    assert.deepEqual([s.epoch, s.sequence], [0, sequence], "each piece where its records were");
    sequence += s.values.length;
  }
  assert.deepEqual([...big, after].map((o) => o.metadata?.offset), [1, 2, 3, 4, 5]);
  assert.equal(t.sequences.producerIdAndEpoch.epoch, 0, "no epoch bump");
});

test("partition state: a split makes smaller pieces until they fit, and a single record still too large fails with MESSAGE_TOO_LARGE", async () => {
  const t = setup({ guaranteeMessageOrder: true }, 1, 2048);
  const limit = 300;
  const outcomes = Array.from({ length: 12 }, (_, i) => t.send(0, `${i % 10}`.repeat(60)));
  const huge = t.send(0, "h".repeat(400));
  let offset = 0;
  for (let i = 0; i < 60 && [...outcomes, huge].some((o) => !o.settled); i++) {
    await t.sender.runOnce();
    for (const recorded of t.client.requests.filter((r) => !r.answered)) {
      const records = (recorded.request.body as ProduceRequest).topicData[0].partitionData[0].records!;
      const count = decodeRecordBatches(records)[0].records.length;
      const tooLarge = records.length > limit;
      t.client.respond(
        produceResponse([tooLarge ? { partition: 0, errorCode: E.MESSAGE_TOO_LARGE } : { partition: 0, baseOffset: offset }]),
      );
      if (!tooLarge) offset += count;
    }
    await t.sender.runOnce();
    t.clock.advance(10);
  }
  assert.deepEqual(outcomes.map((o) => o.metadata?.offset), outcomes.map((_, i) => i), `${outcomes.find((o) => o.error)?.error}`);
  // Java's RecordTooLargeException is the exception of that error code.
  assert.equal((huge.error as KafkaProtocolError).errorName, "MESSAGE_TOO_LARGE", `got ${huge.error}`);
  assert.match(huge.error!.message, /t-0/);
});

test("partition state: the pieces of a split take no new records (they hold sequences already)", () => {
  const acc = new RecordAccumulator({
    batchSize: 1024,
    lingerMs: 0,
    bufferMemory: 64 * 1024,
    maxBlockMs: 100,
    deliveryTimeoutMs: 5000,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 100,
    partitionerAdaptivePartitioningEnable: false,
    partitionerAvailabilityTimeoutMs: 0,
  });
  const clock = new FakeClock();
  const c = cluster("t", 1);
  const append = (value: string) =>
    acc.append(
      { topic: "t", partition: 0, timestamp: 0, key: null, value: bytes(value), headers: [], settler: new Outcome() },
      () => c,
      clock.now,
    );
  for (const value of ["a", "b", "c", "d"]) append(value.repeat(100));
  const [batch] = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
  assert.ok(acc.splitAndReenqueue(batch, (_, data) => data, clock.now()) > 1);
  append("late");
  const drained: string[][] = [];
  while (acc.hasUndrained()) {
    for (const b of acc.drain(c, [1], 1_000_000, clock.now()).get(1) ?? []) {
      drained.push(decodeRecordBatches(b.bytes!)[0].records.map((r) => new TextDecoder().decode(r.value!).slice(0, 4)));
    }
  }
  assert.deepEqual(drained.at(-1), ["late"], `a batch of its own, after the pieces: ${JSON.stringify(drained)}`);
});

// Finding 10: a request that never reached the wire (no common version, an encoding failure) was retried as a
// network error until the delivery timeout.
test("partition state: a produce request that failed before it reached the wire fails its batches at once, not retried", async () => {
  const t = await idempotent({}, 1);
  const outcome = t.send(0);
  await t.sender.runOnce();
  const failure = new KafkaError("could not encode Produce: RangeError: offset is out of bounds");
  t.client.respond(undefined, failure, undefined, t.clock.now(), false);
  await t.sender.runOnce();
  assert.equal(outcome.error, failure);
  const versions = t.send(0);
  t.clock.advance(200);
  await t.sender.runOnce();
  t.client.respond(undefined, new UnsupportedVersionError("Produce", "node 1"), undefined, t.clock.now(), false);
  await t.sender.runOnce();
  assert.ok(versions.error instanceof UnsupportedVersionError);
  t.clock.advance(200);
  await t.sender.runOnce();
  assert.equal(t.produced().length, 2, "neither was sent again");
});

// Finding 12: the Sender polled with timeout 0 whenever a leader had a sendable batch, even one the drain refused
// (the first batch of a partition is alone in flight until acknowledged), so it spun until the answer came.
test("partition state: the Sender does not spin while a drain refuses every ready batch; it waits for an answer", async () => {
  const t = await idempotent({}, 1, 100);
  t.send(0, "x".repeat(60));
  t.send(0, "y".repeat(60));
  t.client.pollTimeouts.length = 0;
  for (let i = 0; i < 10; i++) await t.sender.runOnce();
  assert.equal(t.produced().length, 1, "the second batch waits for the first's answer");
  const zero = t.client.pollTimeouts.filter((ms) => ms === 0).length;
  assert.ok(zero <= 1, `polls with timeout 0 while nothing could be sent: ${zero} of ${t.client.pollTimeouts.length}`);
  assert.ok(t.client.pollTimeouts.at(-1)! <= 120_000, "but not past the queued batch's delivery timeout");
  t.client.respond(produceResponse([{ partition: 0, baseOffset: 0 }]));
  await t.sender.runOnce();
  await t.sender.runOnce();
  assert.equal(t.produced().length, 2, "the answer lets the second go");
});

// Found by the simulator's long run (seed 6011): a batch whose answer was lost came back after more than five newer
// batches of its partition were written, out of the broker's duplicate window (the last five batches of a producer), got
// OUT_OF_ORDER_SEQUENCE_NUMBER, and was written a second time under a bumped epoch.
test("partition state: at most five batches of a partition hold unresolved sequences, so a retry stays in the broker's duplicate window", async () => {
  const t = await idempotent();
  t.send(0, "warm-up");
  await t.sender.runOnce();
  const next = [0];
  acknowledgeAll(t, next);
  await t.sender.runOnce();
  const outcomes = [];
  for (let i = 0; i < 7; i++) {
    outcomes.push(t.send(0, `record ${i}`));
    await t.sender.runOnce();
  }
  const inFlight = () => t.produced().slice(1).flatMap(stamps).map((s) => s.sequence);
  assert.deepEqual(inFlight(), [1, 2, 3, 4, 5], "the sixth new batch waits until the oldest is resolved");
  acknowledgeAll(t, next);
  await t.sender.runOnce();
  await t.sender.runOnce();
  assert.deepEqual(inFlight(), [1, 2, 3, 4, 5, 6], "the two that waited go together, as one batch");
  acknowledgeAll(t, next);
  await t.sender.runOnce();
  assert.deepEqual(outcomes.map((o) => o.metadata?.offset), [1, 2, 3, 4, 5, 6, 7]);
});

test("partition state: a batch acknowledged behind an unanswered one still counts against the broker's duplicate window", async () => {
  const t = await idempotent();
  t.send(0, "warm-up");
  await t.sender.runOnce();
  acknowledgeAll(t, [0]);
  await t.sender.runOnce();
  // Read as they go out: an acknowledged batch's pooled buffer is reused.
  const sequences: number[] = [];
  const turn = async () => {
    const before = t.produced().length;
    await t.sender.runOnce();
    sequences.push(...t.produced().slice(before).flatMap(stamps).map((s) => s.sequence));
  };
  t.send(0, "unanswered");
  await turn();
  t.send(0, "acknowledged");
  await turn();
  t.client.respond(
    produceResponse([{ partition: 0, baseOffset: 2 }]),
    undefined,
    t.client.requests.indexOf(t.produced()[2]),
    t.clock.now(),
  );
  await turn();
  for (let i = 0; i < 5; i++) {
    t.send(0, `later ${i}`);
    await turn();
  }
  assert.deepEqual(sequences, [1, 2, 3, 4, 5], "the broker remembers five batches: sequence 1 and the four after it");
});
