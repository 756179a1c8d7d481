/**
 * Scenarios of the Java client's RecordAccumulatorTest, ported: batching, readiness,
 * draining, backoff, flush, aborts, expiry and splits, on the public methods of the
 * RecordAccumulator with a fake clock. The Java test each one comes from is named in a
 * comment above it; docs/reliability.md has the full table.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { RecordAccumulator } from "../../src/producer/record_accumulator.ts";
import type { AccumulatorConfig } from "../../src/producer/record_accumulator.ts";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import { decodeRecordBatches } from "../../src/protocol/record_batch_decoder.ts";
import { KafkaError } from "../../src/errors.ts";
import { appendRequest, cluster, FakeClock, Outcome, PRODUCER_DEFAULTS } from "../support/producer_fixtures.ts";

await initCrc32c();

const TOPIC = "t";

function make(overrides: Partial<AccumulatorConfig> = {}) {
  const config: AccumulatorConfig = {
    ...PRODUCER_DEFAULTS,
    batchSize: 1024,
    lingerMs: 0,
    bufferMemory: 64 * 1024,
    maxBlockMs: 100,
    deliveryTimeoutMs: 120_000,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
    partitionerAdaptivePartitioningEnable: false,
    partitionerAvailabilityTimeoutMs: 0,
    ...overrides,
  };
  const clock = new FakeClock();
  const acc = new RecordAccumulator(config, { random: () => 0.5 });
  const append = (c: ReturnType<typeof cluster>, partition: number, value: string | Uint8Array, outcome = new Outcome()) => {
    acc.append(appendRequest(TOPIC, partition, value, outcome), () => c, clock.now);
    return outcome;
  };
  return { acc, clock, append, config };
}

/** Drains node 1's batch and puts it back as after a failed first attempt, so it backs off before its retry. */
function failOnce(acc: RecordAccumulator, c: ReturnType<typeof cluster>, clock: FakeClock) {
  const [batch] = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
  batch.attempts = 1;
  acc.reenqueue(batch, clock.now());
  return batch;
}

const values = (batch: { bytes?: Uint8Array }) =>
  decodeRecordBatches(batch.bytes!)[0].records.map((r) => new TextDecoder().decode(r.value!));

// testDrainBatches
test("accumulator scenario: drain takes one batch per partition from each ready node", () => {
  const { acc, clock, append } = make();
  const c = cluster(TOPIC, 4, 2); // partitions 0 and 2 on node 1, 1 and 3 on node 2
  for (let p = 0; p < 4; p++) append(c, p, `p${p}`);
  const ready = acc.ready(c, clock.now());
  assert.deepEqual([...ready.readyNodes].sort(), [1, 2]);
  const drained = acc.drain(c, ready.readyNodes, 1_000_000, clock.now());
  assert.deepEqual(drained.get(1)!.map((b) => b.partition).sort(), [0, 2]);
  assert.deepEqual(drained.get(2)!.map((b) => b.partition).sort(), [1, 3]);
  assert.equal(acc.hasUndrained(), false);
});

// testFull
test("accumulator scenario: records fill a batch in order; the full batch is ready and drains with every record", () => {
  const { acc, clock, append } = make({ lingerMs: 10 });
  const c = cluster(TOPIC, 1);
  const sent: string[] = [];
  for (let i = 0; acc.ready(c, clock.now()).readyNodes.size === 0; i++) {
    sent.push(`record-${i}-${"x".repeat(80)}`);
    append(c, 0, sent.at(-1)!);
  }
  const [batch] = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
  const inBatch = values(batch);
  assert.deepEqual(inBatch, sent.slice(0, inBatch.length), "the first batch holds the first records, in order");
  assert.ok(inBatch.length >= sent.length - 1, "at most the last record went to a new batch");
});

// testAppendLarge (and testAppendLargeNonCompressed)
test("accumulator scenario: a record larger than batchSize gets a batch of its own size", () => {
  const { acc, clock, append } = make({ batchSize: 512 });
  const c = cluster(TOPIC, 1);
  const big = "b".repeat(2000);
  append(c, 0, big);
  const [batch] = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
  assert.deepEqual(values(batch), [big]);
});

// testLinger
test("accumulator scenario: a batch is not ready before lingerMs and is ready after", () => {
  const { acc, clock, append } = make({ lingerMs: 10 });
  const c = cluster(TOPIC, 1);
  append(c, 0, "a");
  const early = acc.ready(c, clock.now());
  assert.equal(early.readyNodes.size, 0);
  assert.equal(early.nextReadyCheckDelayMs, 10);
  clock.advance(10);
  assert.deepEqual([...acc.ready(c, clock.now()).readyNodes], [1]);
  const [batch] = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
  assert.deepEqual(values(batch), ["a"]);
});

// testPartialDrain
test("accumulator scenario: drain stops at maxRequestSize and leaves the rest for the next request", () => {
  const { acc, clock, append } = make();
  const c = cluster(TOPIC, 4);
  for (let p = 0; p < 4; p++) append(c, p, "v".repeat(500));
  const first = acc.drain(c, [1], 1300, clock.now()).get(1)!;
  assert.equal(first.length, 2);
  assert.equal(acc.hasUndrained(), true);
  const second = acc.drain(c, [1], 1300, clock.now()).get(1)!;
  assert.equal(second.length, 2);
  assert.equal(acc.hasUndrained(), false);
});

// testNextReadyCheckDelay
test("accumulator scenario: the next ready check is due when the oldest waiting batch's linger ends", () => {
  const { acc, clock, append } = make({ lingerMs: 10 });
  const c = cluster(TOPIC, 3);
  append(c, 0, "a");
  clock.advance(4);
  append(c, 1, "b");
  const ready = acc.ready(c, clock.now());
  assert.equal(ready.readyNodes.size, 0);
  assert.equal(ready.nextReadyCheckDelayMs, 6, "partition 0 lingers 6 more ms");
});

// testRetryBackoff
test("accumulator scenario: a re-enqueued batch is not ready or drainable until its retry backoff passed, then goes first", () => {
  const { acc, clock, append } = make({ retryBackoffMs: 100, retryBackoffMaxMs: 100 });
  const c = cluster(TOPIC, 1);
  append(c, 0, "first");
  const batch = failOnce(acc, c, clock);
  append(c, 0, "second");
  assert.equal(acc.ready(c, clock.now()).readyNodes.size, 0, "backing off");
  assert.equal(acc.drain(c, [1], 1_000_000, clock.now()).size, 0);
  clock.advance(120);
  const [again] = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
  assert.equal(again, batch, "the retried batch goes before the newer one");
});

// testExponentialRetryBackoff
test("accumulator scenario: retry backoff grows exponentially with the attempts, up to retryBackoffMaxMs (±20% jitter)", () => {
  const { acc, clock, append } = make({ retryBackoffMs: 100, retryBackoffMaxMs: 1000 });
  const c = cluster(TOPIC, 1);
  append(c, 0, "x");
  const [batch] = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
  const waits: number[] = [];
  for (let attempt = 1; attempt <= 6; attempt++) {
    batch.attempts = attempt;
    acc.reenqueue(batch, clock.now());
    waits.push(batch.retryBackoffMs);
    acc.drain(c, [1], 1_000_000, clock.now() + 10_000);
  }
  const expected = [100, 200, 400, 800, 1000, 1000];
  waits.forEach((w, i) => assert.ok(w >= expected[i] * 0.8 && w <= expected[i] * 1.2, `attempt ${i + 1}: ${w} ms`));
});

// testFlush
test("accumulator scenario: a flush makes lingering batches ready at once until it ends", () => {
  const { acc, clock, append } = make({ lingerMs: 10_000 });
  const c = cluster(TOPIC, 2);
  append(c, 0, "a");
  append(c, 1, "b");
  assert.equal(acc.ready(c, clock.now()).readyNodes.size, 0);
  acc.beginFlush();
  assert.deepEqual([...acc.ready(c, clock.now()).readyNodes], [1]);
  const batches = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
  assert.equal(batches.length, 2);
  acc.endFlush();
  append(c, 0, "later");
  assert.equal(acc.ready(c, clock.now()).readyNodes.size, 0, "after the flush, linger applies again");
});

// testAwaitFlushComplete
test("accumulator scenario: the batches a flush waits for are those existing when it began, not later ones", () => {
  const { acc, clock, append } = make();
  const c = cluster(TOPIC, 2);
  append(c, 0, "before");
  const flushStart = clock.now();
  acc.beginFlush();
  const waitedFor = acc.incompleteBatches(flushStart);
  clock.advance(1);
  append(c, 1, "after");
  assert.equal(waitedFor.length, 1);
  assert.deepEqual(
    acc.incompleteBatches(flushStart).map((b) => b.partition),
    [0],
    "a batch created after the flush began is not waited for",
  );
  acc.endFlush();
});

// testAbortIncompleteBatches
/** One record drained (partition 0), one still queued (partition 1). */
function drainedAndQueued() {
  const { acc, clock, append } = make();
  const c = cluster(TOPIC, 2);
  const drained = append(c, 0, "a");
  acc.drain(c, [1], 1_000_000, clock.now());
  return { acc, drained, queued: append(c, 1, "b") };
}

test("accumulator scenario: aborting incomplete batches fails every record, queued or drained, and frees the memory", () => {
  const { acc, drained, queued } = drainedAndQueued();
  acc.abortIncompleteBatches(new KafkaError("closing forcefully"));
  assert.match(String(drained.error), /forcefully/);
  assert.match(String(queued.error), /forcefully/);
  assert.equal(acc.hasIncomplete(), false);
  assert.equal(acc.pool.availableMemory, acc.pool.totalMemory);
});

// testAbortUnsentBatches
test("accumulator scenario: aborting unsent batches fails only those still queued; drained ones stay incomplete", () => {
  const { acc, drained, queued } = drainedAndQueued();
  acc.abortUndrainedBatches(new KafkaError("aborted"));
  assert.match(String(queued.error), /aborted/);
  assert.equal(drained.settled, false);
  assert.equal(acc.hasIncomplete(), true);
  assert.equal(acc.hasUndrained(), false);
});

// testExpiredBatchSingle, testExpiredBatches, testExpiredBatchSingleMaxValue
test("accumulator scenario: queued batches expire exactly at deliveryTimeoutMs, never before", () => {
  const { acc, clock, append } = make({ deliveryTimeoutMs: 3200 });
  const c = cluster(TOPIC, 2);
  append(c, 0, "a");
  append(c, 1, "b");
  clock.advance(3199);
  assert.equal(acc.expiredBatches(clock.now()).length, 0);
  clock.advance(1);
  assert.deepEqual(acc.expiredBatches(clock.now()).map((b) => b.partition).sort(), [0, 1]);
  const never = make({ deliveryTimeoutMs: Number.MAX_SAFE_INTEGER });
  never.append(c, 0, "x");
  never.clock.advance(1e12);
  assert.equal(never.acc.expiredBatches(never.clock.now()).length, 0);
});

// testMutedPartitions
test("accumulator scenario: a muted partition's batches are not ready; unmuted they are", () => {
  const { acc, clock, append } = make();
  const c = cluster(TOPIC, 1);
  append(c, 0, "a");
  acc.partitions.get(TOPIC, 0).muted = true;
  assert.equal(acc.ready(c, clock.now()).readyNodes.size, 0);
  acc.partitions.get(TOPIC, 0).muted = false;
  assert.deepEqual([...acc.ready(c, clock.now()).readyNodes], [1]);
});

// testSplitAndReenqueue
test("accumulator scenario: splitting a rejected batch puts its records back at the head, in order, each keeping its settler", () => {
  const { acc, clock, append } = make({ batchSize: 400 });
  const c = cluster(TOPIC, 1);
  const outcomes = [append(c, 0, "z".repeat(300)), append(c, 0, "s1"), append(c, 0, "s2")];
  const [batch] = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
  append(c, 0, "newer");
  const pieces = acc.splitAndReenqueue(batch, clock.now());
  assert.ok(pieces >= 1);
  const drainedValues: string[] = [];
  for (let i = 0; i < 10 && acc.hasUndrained(); i++) {
    for (const b of acc.drain(c, [1], 1_000_000, clock.now()).get(1) ?? []) {
      drainedValues.push(...values(b));
      b.complete(drainedValues.length - values(b).length, -1);
      acc.deallocate(b);
    }
  }
  assert.deepEqual(drainedValues.map((v) => v.slice(0, 2)), ["zz", "s1", "s2", "ne"]);
  assert.deepEqual(outcomes.map((o) => o.metadata?.offset), [0, 1, 2]);
});

// testExpiredBatchesRetry
test("accumulator scenario: a re-enqueued batch past its delivery timeout expires from the queue", () => {
  const { acc, clock, append } = make({ deliveryTimeoutMs: 1000 });
  const c = cluster(TOPIC, 1);
  append(c, 0, "a");
  const [batch] = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
  batch.attempts = 1;
  clock.advance(500);
  acc.reenqueue(batch, clock.now());
  assert.equal(acc.expiredBatches(clock.now()).length, 0);
  clock.advance(500);
  assert.deepEqual(acc.expiredBatches(clock.now()), [batch], "expiry counts from creation, not from the retry");
});

// testReadyAndDrainWhenABatchIsBeingRetried
test("accumulator scenario: a partition backing off does not hold back the node's other partitions", () => {
  const { acc, clock, append } = make();
  const c = cluster(TOPIC, 2);
  append(c, 0, "retried");
  failOnce(acc, c, clock);
  append(c, 1, "fresh");
  assert.deepEqual([...acc.ready(c, clock.now()).readyNodes], [1]);
  const drained = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
  assert.deepEqual(drained.map((b) => b.partition), [1]);
});

// testDrainWithANodeThatDoesntHostAnyPartitions
test("accumulator scenario: draining a node that leads no partition returns nothing for it", () => {
  const { acc, clock, append } = make();
  const c = cluster(TOPIC, 1, 2); // partition 0 on node 1; node 2 leads nothing
  append(c, 0, "a");
  const drained = acc.drain(c, [1, 2], 1_000_000, clock.now());
  assert.equal(drained.has(2), false);
  assert.equal(drained.get(1)!.length, 1);
});
