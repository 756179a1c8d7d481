/**
 * Producer interceptors: the setting is checked, `onSend` runs in order and may change
 * the record, `onAcknowledgement` hears every outcome once (before the caller), `close`
 * comes last, and an interceptor that throws is logged and never fails a send.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProducerInterceptors, resolveInterceptors } from "../../src/producer/producer_interceptor.ts";
import type { ProducerInterceptor } from "../../src/producer/producer_interceptor.ts";
import type { ProducerRecord, RecordMetadata } from "../../src/producer/producer_record.ts";
import { KafkaProducer } from "../../src/producer/kafka_producer.ts";
import { ConfigError, KafkaError, TimeoutError } from "../../src/errors.ts";
import type { Logger } from "../../src/logger.ts";
import { FakeTransport } from "../support/fake_transport.ts";

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const nothing = () => {};
  return { warnings, debug: nothing, info: nothing, warn: (message) => warnings.push(message), error: nothing };
}

test("The interceptors setting must be an array of objects with function members", () => {
  assert.deepEqual(resolveInterceptors({}), []);
  for (
    const bad of [
      { interceptors: {} },
      { interceptors: [null] },
      { interceptors: ["x"] },
      { interceptors: [{ onSend: 1 }] },
      { interceptors: [{ onAcknowledgement: "no" }] },
      { interceptors: [{ close: true }] },
    ]
  ) {
    assert.throws(() => resolveInterceptors(bad), (e) => e instanceof ConfigError && e.key === "interceptors", JSON.stringify(bad));
  }
  assert.throws(
    () => new KafkaProducer({ bootstrapServers: "b1:9092", interceptors: [{ onSend: 5 }] as never }),
    (e) => e instanceof ConfigError && e.key === "interceptors",
  );
});

test("onSend runs in order on the previous result; one that throws or returns nothing is logged and skipped", () => {
  const logger = recordingLogger();
  const interceptors = new ProducerInterceptors<string, string>([
    { onSend: (r) => ({ ...r, value: `${r.value}+a` }) },
    {
      onSend: () => {
        throw new Error("broken interceptor");
      },
    },
    { onSend: () => undefined as unknown as ProducerRecord<string, string> },
    {},
    { onSend: (r) => ({ ...r, value: `${r.value}+b` }) },
  ], logger);
  const original = { topic: "t", value: "v" };
  const result = interceptors.onSend(original);
  assert.deepEqual(result, { topic: "t", value: "v+a+b" });
  assert.deepEqual(original, { topic: "t", value: "v" });
  assert.equal(logger.warnings.length, 2);
  assert.match(logger.warnings[0], /interceptor 1 threw in onSend/);
  assert.match(logger.warnings[1], /interceptor 2 returned no record/);
});

test("onAcknowledgement hears each outcome once, before the caller; close waits for them", async () => {
  const logger = recordingLogger();
  const heard: string[] = [];
  const closed: string[] = [];
  const interceptors = new ProducerInterceptors<string, string>([
    {
      onAcknowledgement: () => {
        throw new Error("broken ack");
      },
      close: () => {
        throw new Error("broken close");
      },
    },
    {
      onAcknowledgement: (metadata, error) =>
        heard.push(`${metadata.topic}-${metadata.partition}@${metadata.offset} ${error?.message ?? "ok"}`),
      close: async () => {
        await Promise.resolve();
        closed.push(`closed after ${heard.length}`);
      },
    },
  ], logger);
  const caller = (name: string) => ({
    resolve: () => heard.push(`caller saw ${name}`),
    reject: () => heard.push(`caller saw ${name} fail`),
  });
  const later = interceptors.intercept(caller("late"), { topic: "t", value: "late" });
  const ok = interceptors.intercept(caller("a"), { topic: "t", value: "a" });
  const failed = interceptors.intercept(caller("b"), { topic: "t", value: "b", partition: 1 });
  const keyless = interceptors.intercept(caller("c"), { topic: "t", value: "c" });
  ok.resolve({ topic: "t", partition: 2, offset: 41, timestamp: 5 });
  failed.reject(new KafkaError("no leader"));
  keyless.reject(new KafkaError("too large"));
  ok.resolve({ topic: "t", partition: 2, offset: 42, timestamp: 5 });
  failed.reject(new KafkaError("again"));
  assert.deepEqual(heard, [
    "t-2@41 ok",
    "caller saw a",
    "t-1@-1 no leader",
    "caller saw b fail",
    "t--1@-1 too large",
    "caller saw c fail",
  ], "each outcome once, the interceptors before the caller");
  const closing = interceptors.close();
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(closed, [], "close waits for the unsettled send");
  later.resolve({ topic: "t", partition: 0, offset: 7, timestamp: 1 });
  await closing;
  assert.deepEqual(closed, [`closed after ${heard.length}`]);
  assert.equal(heard.filter((h) => h.startsWith("t-0@7")).length, 1);
  assert.equal(logger.warnings.filter((w) => /threw in onAcknowledgement/.test(w)).length, 4);
  assert.equal(logger.warnings.filter((w) => /threw in close/.test(w)).length, 1);
});

test("KafkaProducer runs the interceptors: onSend before the send, onAcknowledgement on failure, close on close", async () => {
  const logger = recordingLogger();
  const seen: ProducerRecord[] = [];
  const acks: [RecordMetadata, Error | undefined][] = [];
  let closes = 0;
  const rename: ProducerInterceptor = {
    onSend: (record) => {
      seen.push(record);
      return { ...record, topic: `${record.topic}-renamed` };
    },
    onAcknowledgement: (metadata, error) => acks.push([metadata, error]),
    close: () => void closes++,
  };
  const throwing: ProducerInterceptor = {
    onSend: () => {
      throw new Error("boom");
    },
  };
  const producer = new KafkaProducer({
    bootstrapServers: "b1:9092",
    transport: new FakeTransport(),
    maxBlockMs: 30,
    logger,
    interceptors: [throwing, rename],
  });
  const failure = await producer.send({ topic: "orders", value: "v" }).then(() => undefined, (e) => e);
  assert.ok(failure instanceof TimeoutError, "the metadata wait timed out, not the interceptor's error");
  assert.deepEqual(seen, [{ topic: "orders", value: "v" }]);
  assert.equal(acks.length, 1);
  assert.deepEqual(acks[0][0], { topic: "orders-renamed", partition: -1, offset: -1, timestamp: -1 });
  assert.equal(acks[0][1], failure);
  assert.ok(logger.warnings.some((w) => /interceptor 0 threw in onSend/.test(w)));
  const afterClose = producer.close({ timeoutMs: 0 });
  await afterClose;
  assert.equal(closes, 1);
  await assert.rejects(producer.send({ topic: "orders", value: "x" }));
  assert.equal(acks.length, 2, "a send after close is acknowledged with its error too");
  assert.equal(seen.length, 2);
});
