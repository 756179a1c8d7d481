import { test } from "node:test";
import assert from "node:assert/strict";
import { RecordAccumulator } from "../../src/producer/record_accumulator.ts";
import { ProducerBatch } from "../../src/producer/producer_batch.ts";
import type { AccumulatorConfig } from "../../src/producer/record_accumulator.ts";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import { decodeRecordBatches } from "../../src/protocol/record_batch_decoder.ts";
import { TimeoutError } from "../../src/errors.ts";
import { appendRequest, cluster, FakeClock, Outcome, PRODUCER_DEFAULTS } from "../support/producer_fixtures.ts";

await initCrc32c();

const TOPIC = "t";

function accumulator(overrides: Partial<AccumulatorConfig> = {}, random: () => number = () => 0.5, onBatchReady?: () => void) {
  const config: AccumulatorConfig = {
    ...PRODUCER_DEFAULTS,
    batchSize: 1024,
    lingerMs: 10,
    bufferMemory: 10 * 1024,
    maxBlockMs: 100,
    deliveryTimeoutMs: 5000,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
    partitionerAdaptivePartitioningEnable: false,
    partitionerAvailabilityTimeoutMs: 0,
    ...overrides,
  };
  return new RecordAccumulator(config, { random, onBatchReady });
}

const record = (partition: number, value: string | Uint8Array, outcome = new Outcome()) => appendRequest(TOPIC, partition, value, outcome);

test("RecordAccumulator holds a batch for lingerMs, then makes its leader ready", () => {
  const acc = accumulator();
  const clock = new FakeClock();
  const c = cluster(TOPIC, 2);
  assert.equal(acc.append(record(0, "a"), () => c, clock.now), undefined);
  let ready = acc.ready(c, clock.now());
  assert.equal(ready.readyNodes.size, 0);
  assert.equal(ready.nextReadyCheckDelayMs, 10);
  clock.advance(9);
  assert.equal(acc.ready(c, clock.now()).nextReadyCheckDelayMs, 1);
  clock.advance(1);
  ready = acc.ready(c, clock.now());
  assert.deepEqual([...ready.readyNodes], [1]);
});

test("RecordAccumulator makes a full batch ready at once and starts a new one", () => {
  let wakeups = 0;
  const acc = accumulator({}, () => 0.5, () => wakeups++);
  const clock = new FakeClock();
  const c = cluster(TOPIC, 1);
  const value = new Uint8Array(100);
  let appended = 0;
  while (acc.ready(c, clock.now()).readyNodes.size === 0) {
    acc.append(record(0, value), () => c, clock.now);
    appended++;
  }
  assert.ok(appended >= 9 && appended <= 11, `about 1024/110 records fill a batch, got ${appended}`);
  assert.ok(wakeups >= 2, "a new batch and a full batch wake the sender");
  const drained = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
  assert.equal(drained.length, 1, "one batch per partition per drain");
  assert.ok(drained[0].sizeInBytes <= 1024);
});

test("RecordAccumulator drains a node's partitions round-robin across calls", () => {
  const acc = accumulator({ lingerMs: 0 });
  const clock = new FakeClock();
  const c = cluster(TOPIC, 3);
  const value = new Uint8Array(600);
  for (let round = 0; round < 3; round++) for (let p = 0; p < 3; p++) acc.append(record(p, value), () => c, clock.now);
  const order: number[] = [];
  for (let i = 0; i < 6; i++) {
    // Room for one 600-byte batch per request.
    const batches = acc.drain(c, [1], 700, clock.now()).get(1) ?? [];
    assert.equal(batches.length, 1);
    order.push(batches[0].partition);
  }
  assert.deepEqual(order, [0, 1, 2, 0, 1, 2]);
});

test("RecordAccumulator drain takes a batch larger than maxRequestSize only when it is the first", () => {
  const acc = accumulator({ lingerMs: 0, batchSize: 4096, bufferMemory: 64 * 1024 });
  const clock = new FakeClock();
  const c = cluster(TOPIC, 2);
  acc.append(record(0, new Uint8Array(3000)), () => c, clock.now);
  acc.append(record(1, new Uint8Array(3000)), () => c, clock.now);
  const batches = acc.drain(c, [1], 2000, clock.now()).get(1)!;
  assert.equal(batches.length, 1);
});

test("RecordAccumulator reports topics whose partition has no leader", () => {
  const acc = accumulator({ lingerMs: 0 });
  const clock = new FakeClock();
  const c = cluster(TOPIC, 2, 1, [1]);
  acc.append(record(1, "x"), () => c, clock.now);
  const ready = acc.ready(c, clock.now());
  assert.deepEqual([...ready.unknownLeaderTopics], [TOPIC]);
  assert.equal(ready.readyNodes.size, 0);
});

test("RecordAccumulator expires queued batches past deliveryTimeoutMs", () => {
  const acc = accumulator({ deliveryTimeoutMs: 1000 });
  const clock = new FakeClock();
  const c = cluster(TOPIC, 1);
  acc.append(record(0, "x"), () => c, clock.now);
  clock.advance(999);
  assert.equal(acc.expiredBatches(clock.now()).length, 0);
  clock.advance(1);
  const expired = acc.expiredBatches(clock.now());
  assert.equal(expired.length, 1);
  assert.equal(acc.hasUndrained(), false);
});

test("RecordAccumulator puts a retried batch back first and holds it for the retry backoff", () => {
  const acc = accumulator({ lingerMs: 0, retryBackoffMs: 100, retryBackoffMaxMs: 100 });
  const clock = new FakeClock();
  const c = cluster(TOPIC, 1);
  const first = new Outcome();
  acc.append(record(0, new Uint8Array(600), first), () => c, clock.now);
  const [batch] = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
  batch.attempts = 1;
  acc.append(record(0, new Uint8Array(600)), () => c, clock.now);
  acc.reenqueue(batch, clock.now());
  const ready = acc.ready(c, clock.now());
  assert.equal(ready.readyNodes.size, 0, "the head batch is backing off");
  assert.ok(ready.nextReadyCheckDelayMs > 0 && ready.nextReadyCheckDelayMs <= 120);
  clock.advance(120);
  const [again] = acc.drain(c, [...acc.ready(c, clock.now()).readyNodes], 1_000_000, clock.now()).get(1)!;
  assert.equal(again, batch, "the retried batch goes before the newer one");
});

test("RecordAccumulator.beginFlush makes a lingering batch ready at once", () => {
  const acc = accumulator({ lingerMs: 60_000 });
  const clock = new FakeClock();
  const c = cluster(TOPIC, 1);
  acc.append(record(0, "x"), () => c, clock.now);
  assert.equal(acc.ready(c, clock.now()).readyNodes.size, 0);
  acc.beginFlush();
  assert.equal(acc.ready(c, clock.now()).readyNodes.size, 1);
  acc.endFlush();
  assert.equal(acc.ready(c, clock.now()).readyNodes.size, 0);
});

test("RecordAccumulator makes appends wait for buffer memory, in order, and times them out after maxBlockMs", async () => {
  const acc = accumulator({ batchSize: 1024, bufferMemory: 2048, maxBlockMs: 200, lingerMs: 0 });
  const clock = new FakeClock();
  const c = cluster(TOPIC, 2);
  const big = new Uint8Array(900);
  assert.equal(acc.append(record(0, big), () => c, clock.now), undefined);
  assert.equal(acc.append(record(1, big), () => c, clock.now), undefined);
  const third = new Outcome();
  const waiting = acc.append(record(0, big, third), () => c, clock.now);
  assert.ok(waiting instanceof Promise, "memory is spent: the append waits");
  const fourth = acc.append(record(1, "small"), () => c, clock.now);
  assert.ok(fourth instanceof Promise, "a later append queues behind the waiting one, even though partition 1 has room");
  assert.equal(acc.ready(c, clock.now()).readyNodes.size, 1, "a memory shortage makes every batch sendable");
  for (const batch of acc.drain(c, [1], 1_000_000, clock.now()).get(1)!) {
    batch.complete(0, -1);
    acc.deallocate(batch);
  }
  await waiting;
  await fourth;
  const timedOut = acc.append(record(0, big), () => c, clock.now);
  assert.ok(timedOut instanceof Promise);
  const started = Date.now();
  await assert.rejects(timedOut, TimeoutError);
  assert.ok(Date.now() - started >= 150);
});

test("RecordAccumulator splits a batch into batchSize pieces that keep each record's promise, in order", () => {
  const acc = accumulator({ batchSize: 1024, bufferMemory: 64 * 1024, lingerMs: 0 });
  const clock = new FakeClock();
  const c = cluster(TOPIC, 1);
  // A batch built under a larger batch size, as when the broker's limit is lower than ours.
  const big = new ProducerBatch(acc.partitions.get(TOPIC, 0), new Uint8Array(8192), 8192, clock.now());
  big.pooled = false;
  const outcomes = Array.from({ length: 20 }, () => new Outcome());
  for (let i = 0; i < 20; i++) assert.ok(big.tryAppend(1000 + i, null, new Uint8Array(300).fill(i), [], outcomes[i]));
  big.close(null);
  const pieces = acc.splitAndReenqueue(big, clock.now());
  assert.ok(pieces >= 7, `20 records of 300 bytes need at least 7 batches of 1 KiB, got ${pieces}`);
  let offset = 0;
  let seen = 0;
  while (acc.hasUndrained()) {
    const [piece] = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
    assert.ok(piece.sizeInBytes <= 1024);
    const records = decodeRecordBatches(piece.close(null))[0].records;
    for (const r of records) {
      assert.equal(r.value![0], seen, "records keep their order");
      assert.equal(r.timestamp, 1000 + seen, "and their timestamps");
      seen++;
    }
    piece.complete(offset, -1);
    offset += records.length;
  }
  assert.equal(seen, 20);
  assert.deepEqual(outcomes.map((o) => o.metadata?.offset), Array.from({ length: 20 }, (_, i) => i));
});

test("RecordAccumulator sticks keyless records to one partition until a batch fills", () => {
  let draw = 0;
  const acc = accumulator({ batchSize: 1024, bufferMemory: 64 * 1024 }, () => (draw++ * 0.37) % 1);
  const clock = new FakeClock();
  const c = cluster(TOPIC, 4);
  const partitions: number[] = [];
  const settlers: Outcome[] = [];
  for (let i = 0; i < 30; i++) {
    const outcome = new Outcome();
    settlers.push(outcome);
    acc.append(record(-1, new Uint8Array(100), outcome), () => c, clock.now);
  }
  for (const [, batches] of acc.drain(c, [1], 1_000_000, clock.now())) for (const b of batches) partitions.push(b.partition);
  assert.ok(partitions.length >= 2, "the sticky partition switched after a batch filled");
  assert.equal(new Set(partitions).size, partitions.length, "each drained batch is a different partition");
});

test("RecordAccumulator: a sent batch aborted before its answer gives back its memory, not its buffer (a queued request may still read it)", () => {
  const acc = accumulator({ bufferMemory: 2048, batchSize: 1024 });
  const clock = new FakeClock();
  const c = cluster(TOPIC, 1);
  acc.append(record(0, "sent"), () => c, clock.now);
  const [batch] = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
  batch.attempts = 1;
  const sentBuffer = batch.buffer;
  acc.abortIncompleteBatches(new Error("closed"));
  assert.equal(acc.pool.availableMemory, 2048, "its memory is back");
  acc.append(record(0, "next"), () => c, clock.now);
  const [next] = acc.drain(c, [1], 1_000_000, clock.now()).get(1)!;
  assert.notEqual(next.buffer, sentBuffer, "a new batch does not write over the bytes a request may still send");
});

test("RecordAccumulator: while less than half the memory is free, a partition's new batch gets a buffer sized to its last batch, not batchSize", () => {
  const acc = accumulator({ batchSize: 4096, bufferMemory: 10 * 1024, lingerMs: 0 });
  const clock = new FakeClock();
  const c = cluster(TOPIC, 3);
  const drainAll = () => [...acc.drain(c, [1], 1_048_576, clock.now()).values()].flat();
  const settleAll = (batches: ProducerBatch[]) =>
    batches.forEach((batch) => {
      batch.complete(0, -1);
      acc.deallocate(batch);
    });
  acc.append(record(0, "small"), () => c, clock.now);
  const [first] = drainAll();
  assert.equal(first.buffer.length, 4096, "memory is plentiful: batchSize, as in Java");
  settleAll([first]);
  // Partitions 1 and 2 take 8 KiB of the 10: less than half is free now.
  acc.append(record(1, "x"), () => c, clock.now);
  acc.append(record(2, "x"), () => c, clock.now);
  assert.equal(acc.pool.availableMemory, 2048);
  assert.equal(acc.append(record(0, "small again"), () => c, clock.now), undefined, "a full-size buffer would have to wait for memory");
  const second = drainAll().find((batch) => batch.partition === 0)!;
  assert.equal(second.buffer.length, 1024, "twice the last batch's size, at least 1 KiB");
  assert.equal(second.recordCount, 1);
});
