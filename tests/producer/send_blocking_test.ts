/**
 * What bounds a send before its record is in a batch, as in the Java client: one
 * `maxBlockMs` deadline per send covering the metadata wait, the memory wait and the wait
 * behind earlier blocked sends; an explicit partition beyond the known count waits for
 * metadata that lists it; buffer memory comes back on every failure; and flush waits only
 * for what was sent before it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { RecordAccumulator } from "../../src/producer/record_accumulator.ts";
import type { AccumulatorConfig, AppendRequest } from "../../src/producer/record_accumulator.ts";
import { KafkaProducer } from "../../src/producer/kafka_producer.ts";
import type { ProducerConfig } from "../../src/producer/producer_config.ts";
import { Cluster } from "../../src/client/metadata.ts";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import { decodeRecordBatches } from "../../src/protocol/record_batch_decoder.ts";
import { KafkaError, TimeoutError, TransactionAbortedError } from "../../src/errors.ts";
import { FakeBroker } from "../support/fake_broker.ts";
import { FakeTransport } from "../support/fake_transport.ts";
import { cluster, Outcome, PRODUCER_DEFAULTS, TimerClock } from "../support/producer_fixtures.ts";

await initCrc32c();

const TOPIC = "t";

function accumulator(clock: TimerClock, overrides: Partial<AccumulatorConfig> = {}) {
  const config: AccumulatorConfig = {
    ...PRODUCER_DEFAULTS,
    batchSize: 1024,
    lingerMs: 0,
    bufferMemory: 1024,
    maxBlockMs: 100,
    deliveryTimeoutMs: 120_000,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 100,
    partitionerAdaptivePartitioningEnable: false,
    partitionerAvailabilityTimeoutMs: 0,
    ...overrides,
  };
  return new RecordAccumulator(config, { random: () => 0.5, clock });
}

function record(partition: number, size: number, outcome = new Outcome()): AppendRequest {
  return { topic: TOPIC, partition, timestamp: 0, key: null, value: new Uint8Array(size), headers: [], settler: outcome };
}

/** Lets promise callbacks (and real zero-delay timers) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Drains node 1 twice, completing and freeing every batch, so their memory goes back to the pool. */
async function drainTwice(acc: RecordAccumulator, clock: TimerClock): Promise<void> {
  for (let i = 0; i < 2; i++) {
    for (const batch of acc.drain(cluster(TOPIC, 2), [1], 1_048_576, clock.now()).get(1) ?? []) {
      batch.complete(0, -1);
      acc.deallocate(batch);
    }
    await settle();
  }
}

/** Whether the promise has settled, and how. */
function watch(promise: Promise<unknown> | undefined) {
  const state: { done: boolean; error: unknown } = { done: false, error: undefined };
  promise?.then(() => state.done = true, (error) => {
    state.done = true;
    state.error = error;
  });
  return state;
}

/** Waits (in real time) until `condition` holds. */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

test("RecordAccumulator: a memory wait ends at the send's deadline, not maxBlockMs after it began", async () => {
  const clock = new TimerClock();
  const acc = accumulator(clock);
  const c = cluster(TOPIC, 1);
  assert.equal(acc.append(record(0, 900), () => c, clock.now), undefined, "the first batch takes all the memory");
  // A send that spent 70 of its 100 ms waiting for metadata has 30 left.
  const waiting = watch(acc.append(record(0, 900), () => c, clock.now, clock.now(), clock.now() + 30));
  clock.advance(29);
  await settle();
  assert.equal(waiting.done, false);
  clock.advance(1);
  await settle();
  assert.ok(waiting.error instanceof TimeoutError, `settled by its deadline, got ${waiting.error}`);
  assert.equal(acc.pool.availableMemory, 0, "the first batch still holds its memory");
  assert.equal(clock.pendingTimers, 0, "no timer is left behind");
});

test("RecordAccumulator: the wait behind earlier blocked appends counts against each send's deadline", async () => {
  const clock = new TimerClock();
  const acc = accumulator(clock);
  const c = cluster(TOPIC, 2);
  acc.append(record(0, 900), () => c, clock.now);
  const second = watch(acc.append(record(1, 900), () => c, clock.now));
  clock.advance(50);
  const third = watch(acc.append(record(1, 900), () => c, clock.now));
  clock.advance(50);
  await settle();
  assert.ok(second.error instanceof TimeoutError, "the first in line times out at its deadline");
  assert.equal(third.done, false, "the next has 50 ms left");
  clock.advance(49);
  await settle();
  assert.equal(third.done, false);
  clock.advance(1);
  await settle();
  assert.ok(third.error instanceof TimeoutError, `150 ms after the first append, 100 after its own, got ${third.error}`);
});

test("RecordAccumulator: an append with an earlier deadline than those ahead of it fails at its own", async () => {
  const clock = new TimerClock();
  const acc = accumulator(clock);
  const c = cluster(TOPIC, 2);
  const first = acc.append(record(0, 900), () => c, clock.now);
  assert.equal(first, undefined);
  const ahead = watch(acc.append(record(1, 900), () => c, clock.now));
  // Sent before `ahead`, it waited for metadata: only 40 ms are left.
  const late = new Outcome();
  const behind = watch(acc.append(record(0, 10, late), () => c, clock.now, clock.now(), clock.now() + 40));
  clock.advance(40);
  await settle();
  assert.ok(behind.error instanceof TimeoutError, `it does not wait for the one ahead, got ${behind.error}`);
  assert.equal(ahead.done, false);
  for (const batch of acc.drain(c, [1], 1_048_576, clock.now()).get(1)!) {
    batch.complete(0, -1);
    acc.deallocate(batch);
  }
  await settle();
  assert.equal(ahead.done, true);
  assert.equal(ahead.error, undefined, "the one ahead got its memory");
  assert.equal(late.settled, false, "the timed-out record was never appended");
  assert.equal(acc.drain(c, [1], 1_048_576, clock.now()).get(1)!.reduce((n, b) => n + b.recordCount, 0), 1);
});

test("RecordAccumulator returns the buffer when the topic vanished while the record waited for memory", async () => {
  const clock = new TimerClock();
  const acc = accumulator(clock, { bufferMemory: 2048 });
  let current = cluster(TOPIC, 2);
  const gone = new Cluster(current.nodes, new Map(), 1, "test-cluster");
  // Keyless records: four fill two batches of the sticky partition, whose switch waits for the batch boundary.
  for (let i = 0; i < 4; i++) assert.equal(acc.append(record(-1, 400), () => current, clock.now), undefined);
  const waiting = watch(acc.append(record(-1, 400), () => current, clock.now));
  assert.equal(waiting.done, false, "the fifth needs memory the first two batches hold");
  current = gone;
  await drainTwice(acc, clock);
  // As in Java, the sticky partition is checked again once the memory came; with no partition left, the append fails.
  assert.ok(waiting.error instanceof KafkaError, `the append failed: ${waiting.error}`);
  assert.equal(acc.pool.availableMemory, 2048, "all the memory is back");
  assert.equal(acc.hasIncomplete(), false);
});

test("RecordAccumulator: a record whose admit check fails once the memory came (its transaction ended) fails, and the buffer goes back", async () => {
  const clock = new TimerClock();
  const acc = accumulator(clock, { bufferMemory: 2048 });
  const current = cluster(TOPIC, 2);
  for (let i = 0; i < 4; i++) assert.equal(acc.append(record(-1, 400), () => current, clock.now), undefined);
  let open = true;
  const late = record(-1, 400);
  late.admit = () => {
    if (!open) throw new TransactionAbortedError("the transaction this record was sent in was aborted before the record reached a batch");
  };
  const waiting = watch(acc.append(late, () => current, clock.now));
  assert.equal(waiting.done, false, "it needs memory the first two batches hold");
  open = false;
  await drainTwice(acc, clock);
  assert.ok(waiting.error instanceof TransactionAbortedError, `the append failed: ${waiting.error}`);
  assert.equal(acc.pool.availableMemory, 2048, "all the memory is back");
  assert.equal(acc.hasIncomplete(), false, "the record is in no batch");
});

test("RecordAccumulator returns the buffer when reading the cluster fails after the memory came", async () => {
  const clock = new TimerClock();
  const acc = accumulator(clock);
  const c = cluster(TOPIC, 1);
  let broken = false;
  const source = () => {
    if (broken) throw new KafkaError("no cluster");
    return c;
  };
  acc.append(record(0, 900), source, clock.now);
  const waiting = watch(acc.append(record(0, 900), source, clock.now));
  broken = true;
  for (const batch of acc.drain(c, [1], 1_048_576, clock.now()).get(1)!) {
    batch.complete(0, -1);
    acc.deallocate(batch);
  }
  await settle();
  assert.ok(waiting.error instanceof KafkaError, `got ${waiting.error}`);
  assert.equal(acc.pool.availableMemory, 1024, "the buffer went back");
});

/** A producer on the fake broker, without idempotence (the fake knows no InitProducerId). */
function brokerProducer(broker: FakeBroker, extra: Partial<ProducerConfig> = {}, clock?: TimerClock): KafkaProducer<unknown, unknown> {
  return new KafkaProducer(
    { bootstrapServers: "b1:9092", transport: broker, enableIdempotence: false, acks: 1, lingerMs: 0, retryBackoffMs: 10, ...extra },
    clock,
  );
}

/**
 * Runs `body` with a producer on a TimerClock that has fetched TOPIC's metadata (`partitions`),
 * then closes it without waiting.
 */
async function withKnownTopic(
  broker: FakeBroker,
  extra: Partial<ProducerConfig>,
  body: (producer: KafkaProducer<unknown, unknown>, clock: TimerClock, partitions: unknown[]) => Promise<void>,
): Promise<void> {
  const clock = new TimerClock();
  const producer = brokerProducer(broker, extra, clock);
  try {
    const known = producer.partitionsFor(TOPIC);
    await until(() => broker.metadataRequests > 0, "the metadata was asked for");
    await body(producer, clock, await known);
  } finally {
    await producer.close({ timeoutMs: 0 });
  }
}

test("KafkaProducer: a send to a partition beyond the known count waits until the metadata lists it", async () => {
  const broker = new FakeBroker({ [TOPIC]: 2 });
  const producer = brokerProducer(broker, { maxBlockMs: 10_000 });
  try {
    assert.equal((await producer.partitionsFor(TOPIC)).length, 2);
    const sent = producer.send({ topic: TOPIC, partition: 3, value: "v" });
    const state = watch(sent);
    await settle();
    assert.equal(state.done, false, `it waits for the metadata, got ${state.error}`);
    broker.partitions.set(TOPIC, 4);
    const metadata = await sent;
    assert.equal(metadata.partition, 3);
  } finally {
    await producer.close({ timeoutMs: 0 });
  }
});

test("KafkaProducer: a partition that never appears fails after maxBlockMs with the Java client's message", async () => {
  const broker = new FakeBroker({ [TOPIC]: 2 });
  await withKnownTopic(broker, { maxBlockMs: 300 }, async (producer, clock, partitions) => {
    assert.equal(partitions.length, 2);
    const state = watch(producer.send({ topic: TOPIC, partition: 2, value: "v" }));
    clock.advance(299);
    await settle();
    assert.equal(state.done, false, `it waits, got ${state.error}`);
    clock.advance(1);
    await settle();
    assert.ok(state.error instanceof TimeoutError, `got ${state.error}`);
    assert.equal(state.error.message, "Partition 2 of topic t with partition count 2 is not present in metadata after 300 ms.");
  });
});

test("KafkaProducer: the memory wait after a metadata wait gets only what is left of maxBlockMs", async () => {
  const broker = new FakeBroker({ [TOPIC]: 1 });
  broker.holdProduce = true;
  await withKnownTopic(broker, { maxBlockMs: 1000, bufferMemory: 1024, batchSize: 1024 }, async (producer, clock) => {
    const first = watch(producer.send({ topic: TOPIC, value: new Uint8Array(900) }));
    // A topic the broker does not have yet: the send waits for metadata first.
    const second = watch(producer.send({ topic: "u", value: new Uint8Array(900) }));
    broker.partitions.set("u", 1);
    // Past the metadata backoff, so the producer asks for the new topic.
    clock.advance(600);
    await until(() => producer.metrics()["waiting-threads"] === 1, "the second send waits for memory");
    assert.equal(second.done, false);
    clock.advance(399);
    await settle();
    assert.equal(second.done, false, `within its deadline, got ${second.error}`);
    clock.advance(1);
    await settle();
    assert.ok(second.error instanceof TimeoutError, `at send() + maxBlockMs, got ${second.error}`);
    assert.equal(first.done, false, "the first is in flight");
  });
});

test("KafkaProducer metrics: waiting-threads counts every send blocked on memory, and the wait time covers the whole wait", async () => {
  const broker = new FakeBroker({ [TOPIC]: 2 });
  broker.holdProduce = true;
  await withKnownTopic(broker, { maxBlockMs: 1000, bufferMemory: 1024, batchSize: 1024 }, async (producer, clock) => {
    void producer.send({ topic: TOPIC, partition: 0, value: new Uint8Array(900) }).catch(() => {});
    const second = watch(producer.send({ topic: TOPIC, partition: 1, value: new Uint8Array(900) }));
    clock.advance(10);
    const third = watch(producer.send({ topic: TOPIC, partition: 1, value: new Uint8Array(10) }));
    assert.equal(producer.metrics()["waiting-threads"], 2);
    clock.advance(10);
    await until(() => broker.holdProduce && producer.metrics()["requests-in-flight"] === 1, "the first batch is in flight");
    broker.holdProduce = false;
    broker.releaseProduce();
    await until(() => second.done && third.done, "both got into a batch");
    assert.equal(second.error, undefined);
    assert.equal(third.error, undefined);
    assert.equal(producer.metrics()["waiting-threads"], 0);
    // 20 ms for the second, 10 for the third (which waited behind it, not in the pool).
    assert.equal(producer.metrics()["bufferpool-wait-time-ns-total"], 30e6);
  });
});

test("KafkaProducer.flush: a stream of sends waiting for metadata does not hold it up past the earlier sends' deadline", async () => {
  // The real clock: every send waits its 100 ms for metadata that never comes, and a new one starts every few ms.
  const producer = new KafkaProducer({ bootstrapServers: "b1:9092", transport: new FakeTransport(), maxBlockMs: 100 });
  let stop = false;
  try {
    const failures: unknown[] = [];
    const stream = (async () => {
      while (!stop) {
        producer.send({ topic: "orders", value: "v" }).catch((error) => failures.push(error));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    const outcome = await Promise.race([
      producer.flush().then(() => "flushed"),
      new Promise((resolve) => setTimeout(() => resolve("still waiting"), 3000)),
    ]);
    const took = Date.now() - started;
    stop = true;
    await stream;
    assert.equal(outcome, "flushed", "flush resolved while sends went on");
    assert.ok(took >= 60, `it waited for the earlier sends (${took} ms)`);
    assert.ok(failures.length > 0 && failures.every((e) => e instanceof TimeoutError));
  } finally {
    stop = true;
    await producer.close({ timeoutMs: 0 });
  }
});

// Found by the simulator's long run (seed 11948): a send that waited for metadata kept flush() waiting until its record was
// acknowledged, not only until it was in a batch; by then later sends had filled new batches, and the flush waited for
// those too, past its bound.
test("KafkaProducer.flush: a record that waited for metadata holds the flush until it is delivered, not for later sends' batches", async () => {
  const broker = new FakeBroker({ [TOPIC]: 2 });
  const producer = brokerProducer(broker, { maxBlockMs: 10_000 });
  try {
    await producer.partitionsFor(TOPIC);
    broker.holdProduce = true;
    const early = watch(producer.send({ topic: TOPIC, partition: 2, value: "waits for metadata" }));
    const flushed = watch(producer.flush());
    broker.partitions.set(TOPIC, 3);
    await until(() => broker.heldProduce === 1, "the early record is sent");
    const later = watch(producer.send({ topic: TOPIC, partition: 0, value: "after the flush" }));
    await until(() => broker.heldProduce === 2, "the later record is sent");
    broker.releaseProduce(1);
    await until(() => early.done, "the early record is acknowledged");
    await until(() => flushed.done, "the flush resolves");
    assert.equal(early.error, undefined);
    assert.equal(later.done, false, "the later record's batch is still unanswered");
    broker.releaseProduce();
  } finally {
    broker.holdProduce = false;
    broker.releaseProduce();
    await producer.close({ timeoutMs: 0 });
  }
});

test("KafkaProducer.flush resolves under a stream of sends that keeps memory full", async () => {
  const broker = new FakeBroker({ [TOPIC]: 2 });
  // Acknowledgements take a while: the stream keeps more records waiting for memory than memory holds.
  broker.produceDelayMs = 2;
  const producer = brokerProducer(broker, { maxBlockMs: 30_000, bufferMemory: 4096, batchSize: 1024 });
  let stop = false;
  try {
    await producer.partitionsFor(TOPIC);
    let flushCalled = false;
    let before = 0;
    let beforeAcknowledged = 0;
    let failed = 0;
    const stream = (async () => {
      while (!stop) {
        for (let i = 0; i < 20; i++) {
          const sent = producer.send({ topic: TOPIC, value: new Uint8Array(300) });
          if (flushCalled) sent.catch(() => failed++);
          else {
            before++;
            sent.then(() => beforeAcknowledged++, () => failed++);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 30));
    flushCalled = true;
    let acknowledgedAtFlush = -1;
    const flushed = producer.flush().then(() => {
      acknowledgedAtFlush = beforeAcknowledged;
      return "flushed";
    });
    const outcome = await Promise.race([flushed, new Promise((resolve) => setTimeout(() => resolve("still waiting"), 5000))]);
    stop = true;
    await stream;
    assert.equal(outcome, "flushed", "flush resolved while sends went on");
    assert.ok(before > 0);
    assert.equal(acknowledgedAtFlush, before, "every send before flush was acknowledged when it resolved");
    assert.equal(failed, 0);
  } finally {
    stop = true;
    await producer.close({ timeoutMs: 0 });
  }
});

test("BufferPool: with nothing left of maxBlockMs an allocation that cannot be served fails at once, without queueing", async () => {
  const clock = new TimerClock();
  const acc = accumulator(clock);
  const pool = acc.pool;
  const held = pool.tryAllocate(1024)!;
  const failed = pool.allocate(1024, 0);
  assert.equal(pool.queued, 0, "it does not wait");
  assert.equal(clock.pendingTimers, 0);
  await assert.rejects(failed, TimeoutError);
  pool.deallocate(held);
  assert.equal(pool.availableMemory, 1024);
});

// Found by the simulator (seed 1669, a forced close with sends waiting for memory): the memory a forced close's abort
// freed went to an append still waiting behind another; it made a batch after the abort, which never settled and kept
// its buffer.
test("RecordAccumulator: appends waiting for memory fail when it closes, even where the close's abort frees memory", async () => {
  const clock = new TimerClock();
  const acc = accumulator(clock);
  const c = cluster(TOPIC, 1);
  assert.equal(acc.append(record(0, 900), () => c, clock.now), undefined);
  const waiting = [watch(acc.append(record(0, 900), () => c, clock.now)), watch(acc.append(record(0, 900), () => c, clock.now))];
  acc.close(new KafkaError("the producer is closing"));
  acc.abortIncompleteBatches(new KafkaError("Producer is closed forcefully."));
  await settle();
  await settle();
  assert.ok(waiting.every((w) => w.done && w.error instanceof Error), "both waiting appends fail");
  assert.equal(acc.hasIncomplete(), false, "no batch was made after the abort");
  assert.equal(acc.pool.availableMemory, 1024, "and the memory is all back");
});

test("RecordAccumulator: an append that waits for memory keeps its own copy, so the caller may reuse its request object", async () => {
  const clock = new TimerClock();
  const acc = accumulator(clock);
  const c = cluster(TOPIC, 2);
  // The producer fills one request object for every send; the accumulator must keep nothing of it.
  const request = record(0, 900);
  assert.equal(acc.append(request, () => c, clock.now), undefined, "the first batch takes all the memory");
  const outcomes = [new Outcome(), new Outcome()];
  const waits: Promise<number>[] = [];
  for (const [i, text] of ["second", "third"].entries()) {
    Object.assign(request, { partition: 1 - i, value: new TextEncoder().encode(text), settler: outcomes[i] });
    const wait = acc.append(request, () => c, clock.now);
    assert.ok(wait !== undefined, `${text} waits for memory`);
    waits.push(wait);
  }
  Object.assign(request, { partition: 0, value: new TextEncoder().encode("reused"), settler: new Outcome() });
  const written = new Map<number, string[]>();
  for (let round = 0; round < 3; round++) {
    for (const batch of acc.drain(c, [1], 1_048_576, clock.now()).get(1) ?? []) {
      const values = decodeRecordBatches(batch.close(null))[0].records.map((r) => new TextDecoder().decode(r.value!));
      written.set(batch.partition, [...(written.get(batch.partition) ?? []), ...values.filter((v) => !v.startsWith("\0"))]);
      batch.complete(0, -1);
      acc.deallocate(batch);
    }
    await settle();
  }
  assert.deepEqual(await Promise.all(waits), [1, 0], "each wait resolves with its own record's partition");
  assert.deepEqual(written.get(1), ["second"]);
  assert.deepEqual(written.get(0), ["third"]);
  assert.ok(outcomes.every((outcome) => outcome.metadata !== undefined), "each record settles through its own settler");
});
