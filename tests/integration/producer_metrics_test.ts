/**
 * `producer.metrics()` and interceptors against the real broker: after N records are
 * flushed, the Java-named metrics add up (N sent, none failed, batches and requests
 * measured, the buffer memory all back), and the interceptors saw every record and
 * every acknowledgement.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaProducer } from "../../src/producer/kafka_producer.ts";
import type { ProducerInterceptor } from "../../src/producer/producer_interceptor.ts";
import type { RecordMetadata } from "../../src/producer/producer_record.ts";
import { bootstrapServers } from "../support/broker.ts";
import { createTestTopic } from "../support/topics.ts";

const RECORDS = 3_000;

test("metrics add up after a flush, and interceptors see every record and acknowledgement", async () => {
  const topic = await createTestTopic("metrics", 3);
  const sent: string[] = [];
  const acknowledged: RecordMetadata[] = [];
  const failures: Error[] = [];
  let closes = 0;
  const interceptor: ProducerInterceptor = {
    onSend: (record) => {
      sent.push(String(record.value));
      return { ...record, headers: { intercepted: "yes" } };
    },
    onAcknowledgement: (metadata, error) => {
      if (error === undefined) acknowledged.push(metadata);
      else failures.push(error);
    },
    close: () => void closes++,
  };
  const producer = new KafkaProducer({
    bootstrapServers: await bootstrapServers(),
    compressionType: "gzip",
    lingerMs: 5,
    interceptors: [interceptor],
  });
  let results: RecordMetadata[];
  try {
    const before = producer.metrics();
    assert.equal(before["record-send-total"], 0);
    assert.equal(before["buffer-available-bytes"], before["buffer-total-bytes"]);
    const sends: Promise<RecordMetadata>[] = [];
    for (let i = 0; i < RECORDS; i++) {
      sends.push(producer.send({ topic, key: `key-${i % 50}`, value: `value ${i} ${"payload ".repeat(i % 20)}` }));
    }
    await producer.flush();
    results = await Promise.all(sends);

    const m = producer.metrics();
    assert.equal(m["record-send-total"], RECORDS);
    assert.equal(m["record-error-total"], 0);
    assert.equal(m["record-error-rate"], 0);
    assert.ok(m["record-send-rate"] > 0);
    assert.ok(m["batch-size-avg"] > 0 && m["batch-size-max"] >= m["batch-size-avg"], `batch size ${m["batch-size-avg"]}`);
    assert.ok(m["compression-rate-avg"] > 0 && m["compression-rate-avg"] < 1, `gzip compresses: ${m["compression-rate-avg"]}`);
    assert.ok(m["record-size-max"] > 0 && m["record-size-avg"] > 0);
    assert.ok(m["records-per-request-avg"] >= 1);
    assert.ok(m["record-queue-time-max"] >= 0);
    assert.ok(m["request-latency-avg"] > 0, `request latency ${m["request-latency-avg"]}`);
    assert.ok(m["request-latency-max"] >= m["request-latency-avg"]);
    assert.equal(m["produce-throttle-time-max"], 0);
    assert.ok(m["request-total"] >= m["response-total"] && m["response-total"] > 0);
    assert.ok(m["outgoing-byte-total"] > 0 && m["incoming-byte-total"] > 0);
    assert.ok(m["request-size-max"] >= m["request-size-avg"]);
    assert.ok(m["connection-count"] >= 1 && m["connection-creation-total"] >= 1);
    assert.equal(m["buffer-available-bytes"], m["buffer-total-bytes"], "every batch's memory is back after the flush");
    assert.equal(m["buffer-total-bytes"], 32 * 1024 * 1024);
    assert.equal(m["waiting-threads"], 0);
    assert.equal(m["buffer-exhausted-total"], 0);
  } finally {
    await producer.close();
  }

  assert.equal(sent.length, RECORDS);
  assert.equal(new Set(sent).size, RECORDS, "each record once");
  assert.deepEqual(failures, []);
  assert.equal(acknowledged.length, RECORDS);
  const key = (md: RecordMetadata) => `${md.topic}/${md.partition}/${md.offset}`;
  assert.deepEqual(acknowledged.map(key).sort(), results.map(key).sort(), "each acknowledgement is its send's metadata");
  assert.equal(closes, 1);
});
