/**
 * Per-send settings (acks, compression, the broker's ack timeout), as the KafkaJS facade
 * gives them: records of one profile share batches, a request carries one acks and
 * timeout, and each batch is compressed with its own codec.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import { decodeRecordBatches } from "../../src/protocol/record_batch_decoder.ts";
import type { ProduceRequest } from "../../src/protocol/produce.ts";
import { loadCompressionCodec } from "../../src/compression/mod.ts";
import type { SendProfile } from "../../src/producer/send_profile.ts";
import { sameRequest } from "../../src/producer/send_profile.ts";
import { KafkaProducer } from "../../src/producer/kafka_producer.ts";
import { producerInternals } from "../../src/producer/producer_internals.ts";
import { ConfigError } from "../../src/errors.ts";
import { produceResponse, setup } from "../support/sender_fixtures.ts";

await initCrc32c();
const gzip = (await loadCompressionCodec("gzip"))!;
const decoder = new TextDecoder();

function partitionRecords(body: ProduceRequest, partition: number, decompress?: (id: number, data: Uint8Array) => Uint8Array) {
  const data = body.topicData[0].partitionData.find((p) => p.index === partition)!;
  return decodeRecordBatches(data.records!, decompress).map((batch) => ({
    compression: batch.compression,
    values: batch.records.map((r) => decoder.decode(r.value!)),
  }));
}

test("records of different profiles go in different batches; of the same profile, in one", () => {
  const t = setup();
  const leader: SendProfile = { acks: 1, compression: null, timeoutMs: 30_000 };
  t.send(0, "a", 5000, leader);
  t.send(0, "b", 5000, leader);
  t.send(0, "c", 5000);
  t.send(0, "d", 5000, leader);
  const queue = t.accumulator.partitions.get("t", 0).queue;
  assert.deepEqual(queue.map((batch) => [batch.profile, batch.recordCount]), [[leader, 2], [undefined, 1], [leader, 1]]);
});

test("a request carries the acks and timeout of its batches' profile; other settings wait for the next request", async () => {
  const t = setup();
  const leader: SendProfile = { acks: 1, compression: null, timeoutMs: 1234 };
  const outcomes = [t.send(0, "p0", 5000, leader), t.send(1, "p1", 5000)];
  await t.sender.runOnce();
  await t.sender.runOnce();
  assert.equal(t.client.requests.length, 2);
  const bodies = t.client.requests.map((r) => r.request.body as ProduceRequest);
  assert.deepEqual(bodies.map((b) => [b.acks, b.timeoutMs, b.topicData[0].partitionData.map((p) => p.index)]), [
    [1, 1234, [0]],
    [-1, 30_000, [1]],
  ]);
  t.client.respond(produceResponse([{ partition: 0, baseOffset: 3, logStartOffset: 2 }]));
  t.client.respond(produceResponse([{ partition: 1, baseOffset: 9 }]));
  await t.sender.runOnce();
  assert.deepEqual(outcomes[0].metadata, { topic: "t", partition: 0, offset: 3, timestamp: 5000, logAppendTime: -1, logStartOffset: 2 });
  assert.deepEqual(outcomes[1].metadata, { topic: "t", partition: 1, offset: 9, timestamp: 5000 }, "no profile: the plain metadata");
});

test("each batch is compressed with its profile's codec, the others with the producer's", async () => {
  const t = setup();
  t.send(0, "zipped", 5000, { acks: -1, compression: gzip, timeoutMs: 30_000 });
  t.send(1, "plain", 5000);
  await t.sender.runOnce();
  await t.sender.runOnce();
  const bodies = t.client.requests.map((r) => r.request.body as ProduceRequest);
  assert.deepEqual(partitionRecords(bodies[0], 0, (_, data) => gzip.decompress(data)), [{ compression: gzip.id, values: ["zipped"] }]);
  assert.deepEqual(partitionRecords(bodies[1], 1), [{ compression: 0, values: ["plain"] }]);
});

test("a profile with acks 0 expects no response and settles its records with offset -1", async () => {
  const t = setup();
  const outcome = t.send(0, "x", 5000, { acks: 0, compression: null, timeoutMs: 30_000 });
  await t.sender.runOnce();
  assert.equal(t.client.requests[0].request.expectResponse, false);
  await t.sender.runOnce();
  assert.deepEqual(outcome.metadata, { topic: "t", partition: 0, offset: -1, timestamp: 5000, logAppendTime: -1, logStartOffset: -1 });
});

test("sameRequest: the same object, or the same acks and timeout", () => {
  const a: SendProfile = { acks: -1, compression: null, timeoutMs: 1 };
  assert.equal(sameRequest(undefined, undefined), true);
  assert.equal(sameRequest(a, a), true);
  assert.equal(sameRequest(a, { ...a, compression: gzip }), true);
  assert.equal(sameRequest(a, { ...a, acks: 1 }), false);
  assert.equal(sameRequest(a, { ...a, timeoutMs: 2 }), false);
  assert.equal(sameRequest(a, undefined), false);
});

test("an idempotent producer refuses a profile with acks other than -1", async () => {
  const producer = new KafkaProducer({ bootstrapServers: "127.0.0.1:1", maxBlockMs: 100 });
  try {
    let refusal: Error | null | undefined;
    producerInternals.send(producer, { topic: "t", value: "v" }, { acks: 1, compression: null, timeoutMs: 1 }, (error) => {
      refusal = error;
    });
    assert.ok(
      refusal instanceof ConfigError && /idempotent producer sends with acks -1 only/.test(refusal.message),
      `called back at once with the refusal, got ${refusal}`,
    );
  } finally {
    await producer.close({ timeoutMs: 0 });
  }
});
