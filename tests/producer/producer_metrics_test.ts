/**
 * The producer's metrics: the windowed stats against hand-computed values of Java's
 * (SampledStat, Avg, Max, Rate, Meter), and what the Sender, the accumulator, the
 * network client and the producer record, on a fake clock.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Meter, SampledStat } from "../../src/producer/metric_stats.ts";
import { PRODUCER_METRIC_NAMES, ProducerMetrics } from "../../src/producer/producer_metrics.ts";
import { ProducerBatch } from "../../src/producer/producer_batch.ts";
import { PartitionState } from "../../src/producer/partition_state.ts";
import { KafkaProducer } from "../../src/producer/kafka_producer.ts";
import { loadCompressionCodec } from "../../src/compression/mod.ts";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import { NetworkClient } from "../../src/client/network_client.ts";
import { Metadata } from "../../src/client/metadata.ts";
import { resolveClientConfig } from "../../src/client/client_config.ts";
import { ConfigError, TimeoutError } from "../../src/errors.ts";
import { FakeSelector } from "../support/fake_selector.ts";
import { FakeTransport } from "../support/fake_transport.ts";
import { apiVersionsResponse, FAKE_BROKER_APIS } from "../support/responses.ts";
import { bytes, cluster, FakeClock, Outcome, PRODUCER_DEFAULTS } from "../support/producer_fixtures.ts";
import { RecordAccumulator } from "../../src/producer/record_accumulator.ts";
import { produceResponse, setup } from "../support/sender_fixtures.ts";

await initCrc32c();

const WINDOW = { sampleWindowMs: 30_000, numSamples: 2 };

test("SampledStat avg and max combine the samples in the window and read NaN when it is empty", () => {
  const avg = new SampledStat("avg", WINDOW);
  const max = new SampledStat("max", WINDOW);
  assert.ok(Number.isNaN(avg.measure(0)));
  assert.ok(Number.isNaN(max.measure(0)));
  for (const [value, at] of [[10, 0], [30, 10_000], [-5, 40_000]]) {
    avg.record(value, at);
    max.record(value, at);
  }
  // Two samples: [0, 30000) holds 10 and 30, [40000, ...) holds -5.
  assert.equal(avg.measure(40_000), 35 / 3);
  assert.equal(max.measure(40_000), 30);
  // At 70000 the first sample's last event (10000) is 60000 old: it is purged.
  assert.equal(avg.measure(70_000), -5);
  assert.equal(max.measure(70_000), -5);
  assert.ok(Number.isNaN(avg.measure(100_000)), "every sample expired");
});

test("SampledStat reuses numSamples + 1 slots: the oldest is overwritten when the window moves on", () => {
  const sum = new SampledStat("sum", { sampleWindowMs: 1_000, numSamples: 2 });
  sum.record(1, 500);
  sum.record(2, 1_000);
  sum.record(4, 2_000);
  assert.equal(sum.measure(2_400), 7, "three slots: the sample overlapping the window's start still counts");
  sum.record(8, 3_000);
  assert.equal(sum.measure(3_000), 12, "the slot of 1 was reused for 8, and 2 (last event 2000 ms ago) expired");
  const count = new SampledStat("count", { sampleWindowMs: 1_000, numSamples: 2 });
  count.record(100, 0);
  count.record(200, 10);
  assert.equal(count.measure(10), 2, "count ignores the values");
});

test("Meter: the rate spans at least numSamples - 1 windows, as Java's Rate.windowSize; the total never expires", () => {
  const meter = new Meter(WINDOW);
  assert.equal(meter.rate(0), 0);
  meter.record(30, 0);
  assert.equal(meter.rate(0), 1, "30 over the minimum 30 s window");
  assert.equal(meter.rate(45_000), 30 / 45);
  meter.record(15, 50_000);
  assert.equal(meter.rate(50_000), 45 / 50);
  assert.equal(meter.rate(200_000), 0, "both samples expired");
  assert.equal(meter.total, 45);
  const counting = new Meter(WINDOW, true);
  counting.record(500, 0);
  counting.record(700, 1);
  assert.equal(counting.total, 2);
  const ratio = new Meter(WINDOW, false, 1);
  ratio.record(3_000, 0);
  assert.equal(ratio.rate(30_000), 0.1, "3 s of waiting in 30 s");
});

test("ProducerMetrics.snapshot names every metric once and reads the gauges", () => {
  const clock = new FakeClock();
  const metrics = new ProducerMetrics(WINDOW, clock, {
    bufferTotalBytes: () => 1024,
    bufferAvailableBytes: () => 512,
    connectionCount: () => 3,
  });
  const snapshot = metrics.snapshot();
  assert.deepEqual(Object.keys(snapshot).sort(), [...PRODUCER_METRIC_NAMES].sort());
  assert.equal(new Set(PRODUCER_METRIC_NAMES).size, PRODUCER_METRIC_NAMES.length);
  assert.equal(snapshot["buffer-total-bytes"], 1024);
  assert.equal(snapshot["buffer-available-bytes"], 512);
  assert.equal(snapshot["connection-count"], 3);
  assert.equal(snapshot["requests-in-flight"], 0, "a missing gauge reads 0");
  assert.equal(snapshot["record-send-total"], 0);
  assert.ok(Number.isNaN(snapshot["request-latency-avg"]), "no request yet");
});

test("The Sender records per request: records sent, batch sizes, queue time, record size, latency and throttle", async () => {
  let metrics!: ProducerMetrics;
  const t = setup({}, 2, 1024, undefined, (clock) => metrics = new ProducerMetrics(WINDOW, clock));
  const outcomes = [t.send(0, "a"), t.send(0, "bbbbbbbbbb"), t.send(1, "c")];
  t.clock.advance(7);
  await t.sender.runOnce();
  const body = t.lastRequest();
  const sizes = body.topicData[0].partitionData.map((p) => p.records!.length);
  t.clock.advance(25);
  const response = produceResponse([{ partition: 0 }, { partition: 1 }]);
  response.throttleTimeMs = 4;
  t.client.respond(response, undefined, undefined, t.clock.now());
  await t.sender.runOnce();
  assert.ok(outcomes.every((o) => o.metadata !== undefined));
  const m = metrics.snapshot();
  assert.equal(m["record-send-total"], 3);
  assert.equal(m["records-per-request-avg"], 3, "one request for both partitions");
  assert.equal(m["batch-size-avg"], (sizes[0] + sizes[1]) / 2);
  assert.equal(m["batch-size-max"], Math.max(...sizes));
  assert.equal(m["record-queue-time-avg"], 7);
  assert.equal(m["record-queue-time-max"], 7);
  assert.equal(m["request-latency-avg"], 25);
  assert.equal(m["request-latency-max"], 25);
  assert.equal(m["produce-throttle-time-max"], 4);
  assert.equal(m["compression-rate-avg"], 1, "no compression");
  // A record with an n-byte value, no key and no headers takes 7 + n bytes; as in Java the
  // average is over each batch's largest record.
  assert.equal(m["record-size-max"], 17);
  assert.equal(m["record-size-avg"], (17 + 8) / 2);
  assert.equal(m["record-error-total"], 0);
  // The sample started at the send (25 ms ago); the window counts as at least 30 s more.
  assert.equal(m["record-send-rate"], 3 / 30.025);
});

test("The Sender counts retried and failed records, and expired ones as failed", async () => {
  let metrics!: ProducerMetrics;
  const t = setup({ retries: 1 }, 2, 1024, undefined, (clock) => metrics = new ProducerMetrics(WINDOW, clock));
  const outcomes = [t.send(0, "a"), t.send(0, "b")];
  await t.sender.runOnce();
  t.client.respond(produceResponse([{ partition: 0, errorCode: 6 }]), undefined, undefined, t.clock.now());
  await t.sender.runOnce();
  assert.equal(metrics.snapshot()["record-retry-total"], 2);
  t.clock.advance(1_000);
  await t.sender.runOnce();
  t.client.respond(produceResponse([{ partition: 0, errorCode: 6 }]), undefined, undefined, t.clock.now());
  await t.sender.runOnce();
  assert.ok(outcomes.every((o) => o.error !== undefined), "retries exhausted");
  let m = metrics.snapshot();
  assert.equal(m["record-retry-total"], 2);
  assert.equal(m["record-error-total"], 2);
  assert.equal(m["record-send-total"], 4, "each attempt counts its records, as in Java");

  let expiringMetrics!: ProducerMetrics;
  const expiring = setup({ deliveryTimeoutMs: 1_000 }, 2, 1024, undefined, (clock) => expiringMetrics = new ProducerMetrics(WINDOW, clock));
  expiring.client.readyNodes.clear();
  const late = expiring.send(0);
  expiring.clock.advance(1_000);
  await expiring.sender.runOnce();
  assert.ok(late.error instanceof TimeoutError);
  m = expiringMetrics.snapshot();
  assert.equal(m["record-error-total"], 1);
  assert.equal(m["record-send-total"], 0);
});

test("The accumulator records how long appends waited for buffer memory, and when the wait ran out", async () => {
  const clock = new FakeClock();
  let metrics!: ProducerMetrics;
  const accumulator: RecordAccumulator = new RecordAccumulator({
    ...PRODUCER_DEFAULTS,
    batchSize: 1024,
    lingerMs: 0,
    bufferMemory: 1024,
    maxBlockMs: 40,
    deliveryTimeoutMs: 120_000,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 100,
    partitionerAdaptivePartitioningEnable: false,
    partitionerAvailabilityTimeoutMs: 0,
  }, { clock, metrics: metrics = new ProducerMetrics(WINDOW, clock, { waitingThreads: () => accumulator.pool.queued }) });
  const topics = cluster("t", 2);
  const append = (partition: number) =>
    accumulator.append(
      { topic: "t", partition, timestamp: 0, key: null, value: bytes("v"), headers: [], settler: new Outcome() },
      () => topics,
      clock.now,
    );
  assert.equal(append(0), undefined, "the first batch takes all the memory");
  const waiting = append(1);
  assert.ok(waiting !== undefined);
  assert.equal(metrics.snapshot()["waiting-threads"], 1);
  clock.advance(40);
  await assert.rejects(waiting, TimeoutError);
  let m = metrics.snapshot();
  assert.equal(m["buffer-exhausted-total"], 1);
  assert.equal(m["bufferpool-wait-time-ns-total"], 40e6);
  // The first snapshot (40 ms earlier) opened the sample, as Java's Rate does when it reads an empty stat.
  assert.equal(m["bufferpool-wait-ratio"], 40 / 30_040);

  const second = append(1)!;
  clock.advance(5);
  const [drained] = accumulator.drain(topics, [1], 1_048_576, clock.now()).get(1)!;
  drained.complete(0, -1);
  accumulator.deallocate(drained);
  await second;
  m = metrics.snapshot();
  assert.equal(m["buffer-exhausted-total"], 1, "this one got its memory");
  assert.equal(m["bufferpool-wait-time-ns-total"], 45e6);
});

test("ProducerBatch keeps its largest record and, once closed, its compression ratio", async () => {
  const batch = new ProducerBatch(new PartitionState("t", 0), new Uint8Array(4096), 4096, 0);
  const value = bytes("x".repeat(1000));
  batch.tryAppend(0, null, bytes("small"), [], new Outcome());
  const afterSmall = batch.maxRecordSize;
  batch.tryAppend(0, null, value, [], new Outcome());
  batch.tryAppend(0, null, bytes("tiny"), [], new Outcome());
  assert.ok(afterSmall > 5 && afterSmall < 20);
  assert.ok(batch.maxRecordSize > 1000 && batch.maxRecordSize < 1020, `${batch.maxRecordSize}`);
  assert.equal(batch.compressionRatio, 1, "not closed yet");
  batch.close(await loadCompressionCodec("gzip", undefined));
  assert.ok(batch.compressionRatio > 0 && batch.compressionRatio < 0.2, `${batch.compressionRatio}`);
});

test("The NetworkClient reports requests, responses, bytes and connections", async () => {
  const config = resolveClientConfig({ bootstrapServers: "b1:9092", clientId: "test" });
  const clock = new FakeClock();
  const selector = new FakeSelector();
  const metrics: ProducerMetrics = new ProducerMetrics(WINDOW, clock, { connectionCount: () => client.connectionCount() });
  const client: NetworkClient = new NetworkClient(selector, new Metadata(config.bootstrapServers, config), config, clock, {
    sensors: metrics,
    random: () => 0.5,
  });
  client.ready(-1, clock.now());
  assert.equal(metrics.snapshot()["connection-count"], 1, "connecting counts, as Java's channels");
  selector.openConnection(-1);
  await client.poll(0, clock.now());
  const apiVersions = selector.lastSent(18);
  const answer = apiVersionsResponse(apiVersions.correlationId, apiVersions.version, FAKE_BROKER_APIS);
  selector.receive(-1, answer);
  await client.poll(0, clock.now());
  let m = metrics.snapshot();
  assert.equal(m["connection-creation-total"], 1);
  assert.equal(m["request-total"], selector.sent.length);
  assert.equal(m["outgoing-byte-total"], selector.sent.reduce((n, s) => n + s.frame.length, 0));
  assert.equal(m["request-size-max"], Math.max(...selector.sent.map((s) => s.frame.length)));
  assert.equal(m["response-total"], 1);
  assert.equal(m["incoming-byte-total"], answer.length + 4);
  assert.equal(m["network-io-total"], selector.sent.length + 1);
  client.disconnect(-1);
  m = metrics.snapshot();
  assert.equal(m["connection-close-total"], 1);
  assert.equal(m["connection-count"], 0);
});

test("KafkaProducer.metrics: the buffer gauges, and a send that never reached a batch counts as an error", async () => {
  const transport = new FakeTransport();
  const producer = new KafkaProducer({ bootstrapServers: "b1:9092", transport, maxBlockMs: 50, bufferMemory: 65_536 });
  try {
    let m = producer.metrics();
    assert.equal(m["buffer-total-bytes"], 65_536);
    assert.equal(m["buffer-available-bytes"], 65_536);
    assert.equal(m["record-error-total"], 0);
    await assert.rejects(producer.send({ topic: "never", value: "v" }), TimeoutError);
    await assert.rejects(producer.send({ topic: "" }));
    m = producer.metrics();
    assert.equal(m["record-error-total"], 2);
    assert.equal(m["record-send-total"], 0);
    assert.ok(m["connection-count"] >= 1, "the bootstrap connection is being set up");
  } finally {
    await producer.close({ timeoutMs: 0 });
  }
  assert.throws(
    () => new KafkaProducer({ bootstrapServers: "b1:9092", metricsNumSamples: 0 }),
    (e) => e instanceof ConfigError && e.key === "metricsNumSamples",
  );
  assert.throws(
    () => new KafkaProducer({ bootstrapServers: "b1:9092", metricsSampleWindowMs: 1.5 }),
    (e) => e instanceof ConfigError && e.key === "metricsSampleWindowMs",
  );
});
