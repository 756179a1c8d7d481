/**
 * `send(record, callback)`, as the Java client's: the callback hears each outcome once, in
 * send order per partition; a record refused before it is buffered calls back before send()
 * returns; a callback that throws is logged and breaks nothing; flush and close wait for
 * callback sends that wait for metadata or memory; interceptors hear an acknowledgement
 * before the callback; the mock producer offers the same form.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaProducer } from "../../src/producer/kafka_producer.ts";
import type { ProducerConfig } from "../../src/producer/producer_config.ts";
import { MockProducer } from "../../src/producer/mock_producer.ts";
import type { RecordMetadata } from "../../src/producer/producer_record.ts";
import { CallbackSettler, type SendCallback } from "../../src/producer/send_callback.ts";
import { ClosedError, SerializationError, TimeoutError } from "../../src/errors.ts";
import type { Logger } from "../../src/logger.ts";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import { FakeBroker } from "../support/fake_broker.ts";
import { within } from "../support/helpers.ts";
import { installOpenTelemetry } from "../support/otel.ts";
import { INSTRUMENTATION_SCOPE } from "../../src/telemetry/semantic_conventions.ts";

await initCrc32c();

const TOPIC = "t";

/** What one callback heard: each call, in order. */
class Heard {
  readonly calls: { error: Error | null; metadata: RecordMetadata | null }[] = [];
  readonly callback: SendCallback = (error, metadata) => {
    this.calls.push({ error, metadata });
  };
}

function errorLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const nothing = () => {};
  return { errors, debug: nothing, info: nothing, warn: nothing, error: (message, fields) => errors.push(`${message} ${fields?.error}`) };
}

function producerOn(broker: FakeBroker, extra: Partial<ProducerConfig> = {}): KafkaProducer<unknown, unknown> {
  return new KafkaProducer({
    bootstrapServers: "b1:9092",
    transport: broker,
    enableIdempotence: false,
    acks: 1,
    lingerMs: 0,
    retryBackoffMs: 10,
    ...extra,
  });
}

test("send(record, callback): returns nothing; each callback runs once with the offsets of send order; flush waits for them", async () => {
  const broker = new FakeBroker({ [TOPIC]: 1 });
  const producer = producerOn(broker);
  try {
    const heard = Array.from({ length: 50 }, () => new Heard());
    for (let i = 0; i < heard.length; i++) {
      assert.equal(producer.send({ topic: TOPIC, partition: 0, value: `v${i}` }, heard[i].callback), undefined);
    }
    await within(producer.flush(), 5000, "flush()");
    for (let i = 0; i < heard.length; i++) {
      assert.equal(heard[i].calls.length, 1, `record ${i} called back once before flush() resolved`);
      const [{ error, metadata }] = heard[i].calls;
      assert.equal(error, null);
      assert.equal(metadata?.offset, i);
      assert.equal(metadata?.partition, 0);
      assert.equal(metadata?.topic, TOPIC);
    }
  } finally {
    await producer.close({ timeoutMs: 0 });
  }
});

test("send(record, callback): a record refused before it is buffered calls back before send() returns, as in Java", async () => {
  const broker = new FakeBroker({ [TOPIC]: 1 });
  const producer = producerOn(broker);
  const invalid = new Heard();
  producer.send({ topic: TOPIC, value: 42 as unknown as string }, invalid.callback);
  assert.equal(invalid.calls.length, 1);
  assert.ok(invalid.calls[0].error instanceof SerializationError, `got ${invalid.calls[0].error}`);
  assert.equal(invalid.calls[0].metadata, null);
  assert.equal(producer.metrics()["record-error-total"], 1, "counted as Java's errors sensor counts it");
  await producer.close({ timeoutMs: 0 });
  const late = new Heard();
  producer.send({ topic: TOPIC, value: "v" }, late.callback);
  assert.equal(late.calls.length, 1);
  assert.ok(late.calls[0].error instanceof ClosedError, `got ${late.calls[0].error}`);
});

// Sent before the topic's metadata is known, the callbacks wait in settler objects; sent after, they ride in the batch bare.
for (const topicKnown of [false, true]) {
  test(`send(record, callback): a callback that throws is logged; the batch's other callbacks and flush() go on (topic ${topicKnown ? "known: bare callbacks" : "unknown: settlers"})`, async () => {
    const broker = new FakeBroker({ [TOPIC]: 1 });
    broker.holdProduce = true;
    const logger = errorLogger();
    const producer = producerOn(broker, { logger, lingerMs: 50 });
    try {
      if (topicKnown) await producer.partitionsFor(TOPIC);
      const first = new Heard();
      const third = new Heard();
      producer.send({ topic: TOPIC, partition: 0, value: "a" }, first.callback);
      producer.send({ topic: TOPIC, partition: 0, value: "b" }, () => {
        throw new Error("the application's bug");
      });
      producer.send({ topic: TOPIC, partition: 0, value: "c" }, third.callback);
      const flushed = producer.flush();
      await within(
        (async () => {
          while (broker.heldProduce === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        })(),
        5000,
        "the batch reached the broker",
      );
      broker.releaseProduce();
      await within(flushed, 5000, "flush()");
      assert.equal(first.calls[0]?.metadata?.offset, 0);
      assert.equal(third.calls[0]?.metadata?.offset, 2, "the callback after the one that threw still ran");
      assert.equal(logger.errors.length, 1);
      assert.match(logger.errors[0], /callback threw.*the application's bug/);
    } finally {
      await producer.close({ timeoutMs: 0 });
    }
  });
}

test("send(record, callback): flush waits for a callback send that waits for metadata, and for one that waits for memory", async () => {
  const broker = new FakeBroker({ [TOPIC]: 1 });
  broker.holdProduce = true;
  const producer = producerOn(broker, { bufferMemory: 1024, batchSize: 1024, maxBlockMs: 10_000 });
  try {
    await producer.partitionsFor(TOPIC);
    const filling = new Heard();
    const waitsForMemory = new Heard();
    const waitsForMetadata = new Heard();
    producer.send({ topic: TOPIC, value: new Uint8Array(900) }, filling.callback);
    producer.send({ topic: TOPIC, value: new Uint8Array(900) }, waitsForMemory.callback);
    producer.send({ topic: "later", value: "v" }, waitsForMetadata.callback);
    assert.equal(producer.metrics()["waiting-threads"], 1, "the second send waits for memory");
    let flushed = false;
    const flush = producer.flush().then(() => flushed = true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(flushed, false, "flush() waits");
    broker.partitions.set("later", 1);
    broker.holdProduce = false;
    broker.releaseProduce();
    await within(flush, 5000, "flush()");
    for (const [name, heard] of Object.entries({ filling, waitsForMemory, waitsForMetadata })) {
      assert.equal(heard.calls.length, 1, `${name} called back before flush() resolved`);
      assert.equal(heard.calls[0].error, null, `${name}: ${heard.calls[0].error}`);
    }
  } finally {
    await producer.close({ timeoutMs: 0 });
  }
});

test("send(record, callback): flush waits for a callback send whose serializer answers later (it waits in the lane)", async () => {
  const broker = new FakeBroker({ [TOPIC]: 1 });
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => answer = resolve);
  const producer = new KafkaProducer<unknown, string>({
    bootstrapServers: "b1:9092",
    transport: broker,
    enableIdempotence: false,
    acks: 1,
    lingerMs: 0,
    valueSerializer: async (value) => {
      await answered;
      return new TextEncoder().encode(value);
    },
  });
  try {
    await producer.partitionsFor(TOPIC);
    const heard = new Heard();
    producer.send({ topic: TOPIC, value: "v" }, heard.callback);
    let flushed = false;
    const flush = producer.flush().then(() => flushed = true);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(flushed, false, "flush() waits for the serializer's answer");
    answer();
    await within(flush, 5000, "flush()");
    assert.equal(heard.calls.length, 1, "called back before flush() resolved");
    assert.equal(heard.calls[0].metadata?.offset, 0);
  } finally {
    await producer.close({ timeoutMs: 0 });
  }
});

test("send(record, callback): a send that cannot get its topic in maxBlockMs calls back with the TimeoutError", async () => {
  const broker = new FakeBroker({});
  const producer = producerOn(broker, { maxBlockMs: 50 });
  try {
    const heard = new Heard();
    producer.send({ topic: "missing", value: "v" }, heard.callback);
    await within(producer.flush(), 5000, "flush()");
    assert.equal(heard.calls.length, 1);
    assert.ok(heard.calls[0].error instanceof TimeoutError, `got ${heard.calls[0].error}`);
  } finally {
    await producer.close({ timeoutMs: 0 });
  }
});

test("send(record, callback) with interceptors: onAcknowledgement runs before the callback, also for a refused record", async () => {
  const broker = new FakeBroker({ [TOPIC]: 1 });
  const order: string[] = [];
  const producer = producerOn(broker, {
    interceptors: [{
      onSend: (record) => ({ ...record, value: "intercepted" }),
      onAcknowledgement: (metadata, error) => order.push(`interceptor ${metadata.offset} ${error?.name ?? "ok"}`),
    }],
  });
  try {
    producer.send({ topic: TOPIC, value: "v" }, (error, metadata) => order.push(`callback ${metadata?.offset} ${error ?? "ok"}`));
    await within(producer.flush(), 5000, "flush()");
    assert.deepEqual(order, ["interceptor 0 ok", "callback 0 ok"]);
    order.length = 0;
    producer.send({ topic: "", value: "v" }, (error) => order.push(`callback ${error?.name}`));
    assert.deepEqual(order, ["interceptor -1 SerializationError", "callback SerializationError"], "refused: both before send() returns");
  } finally {
    await producer.close({ timeoutMs: 0 });
  }
});

test("send(record, callback) under tracing: a callback send is traced whether it waits or goes straight into its batch", async () => {
  const otel = installOpenTelemetry();
  const broker = new FakeBroker({ [TOPIC]: 1 });
  const producer = producerOn(broker);
  try {
    await producer.partitionsFor(TOPIC);
    const first = new Heard();
    const second = new Heard();
    // The first send loads the observer (and waits for it); the second finds it loaded and the topic known.
    producer.send({ topic: TOPIC, key: "first", value: "v" }, first.callback);
    await within(producer.flush(), 5000, "the first flush()");
    producer.send({ topic: TOPIC, key: "second", value: "v" }, second.callback);
    await within(producer.flush(), 5000, "the second flush()");
    assert.deepEqual([first.calls[0]?.metadata?.offset, second.calls[0]?.metadata?.offset], [0, 1]);
    const keys = otel.spans(INSTRUMENTATION_SCOPE).map((span) => span.attributes["messaging.kafka.message.key"]);
    assert.deepEqual(keys, ["first", "second"]);
  } finally {
    await producer.close({ timeoutMs: 0 });
    await otel.uninstall();
  }
});

test("CallbackSettler: settles once (a second outcome is ignored, as a promise's), then tells its waiter", () => {
  const heard = new Heard();
  let waiters = 0;
  const settler = new CallbackSettler(heard.callback, () => assert.fail("nothing threw"));
  settler.onSettled = () => waiters++;
  assert.equal(settler.settled, false);
  settler.resolve({ topic: TOPIC, partition: 0, offset: 7, timestamp: 1 });
  settler.reject(new Error("late"));
  settler.resolve({ topic: TOPIC, partition: 0, offset: 8, timestamp: 1 });
  assert.equal(settler.settled, true);
  assert.equal(heard.calls.length, 1);
  assert.equal(heard.calls[0].metadata?.offset, 7);
  assert.equal(waiters, 1);
});

test("MockProducer: send(record, callback) completes and fails as its promise form does", async () => {
  const producer = new MockProducer({ autoComplete: false });
  const first = new Heard();
  const second = new Heard();
  assert.equal(producer.send({ topic: "orders", value: "a" }, first.callback), undefined);
  producer.send({ topic: "orders", value: "b" }, second.callback);
  assert.equal(first.calls.length, 0, "not before the test completes it");
  producer.completeNext();
  producer.errorNext(new Error("broker down"));
  assert.equal(first.calls[0].metadata?.offset, 0);
  assert.equal(second.calls[0].error?.message, "broker down");
  await producer.close();
  const closed = new Heard();
  producer.send({ topic: "orders", value: "c" }, closed.callback);
  assert.ok(closed.calls[0].error instanceof ClosedError);
  assert.deepEqual(producer.history().map((r) => r.value), ["a", "b"]);
});
