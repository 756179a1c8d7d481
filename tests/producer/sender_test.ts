import { test } from "node:test";
import assert from "node:assert/strict";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import { decodeRecordBatches } from "../../src/protocol/record_batch_decoder.ts";
import type { ProduceRequest } from "../../src/protocol/produce.ts";
import { KafkaProtocolError } from "../../src/protocol/error_codes.ts";
import { AuthenticationError, NetworkError, TimeoutError } from "../../src/errors.ts";
import { metadataResponse, produceResponse, setup } from "../support/sender_fixtures.ts";

await initCrc32c();

test("Sender sends one produce request per broker and resolves records with base offset + index", async () => {
  const t = setup();
  const a = [t.send(0, "a0"), t.send(0, "a1"), t.send(1, "b0")];
  await t.sender.runOnce();
  assert.equal(t.client.requests.length, 1, "both partitions in one request");
  const body = t.lastRequest();
  assert.equal(body.acks, -1);
  assert.deepEqual(body.topicData[0].partitionData.map((p) => p.index).sort(), [0, 1]);
  const p0 = body.topicData[0].partitionData.find((p) => p.index === 0)!;
  assert.deepEqual(decodeRecordBatches(p0.records!)[0].records.map((r) => new TextDecoder().decode(r.value!)), ["a0", "a1"]);
  t.client.respond(produceResponse([{ partition: 0, baseOffset: 40 }, { partition: 1, baseOffset: 7, logAppendTimeMs: 123456 }]));
  await t.sender.runOnce();
  assert.deepEqual(a.map((o) => [o.metadata?.partition, o.metadata?.offset, o.metadata?.timestamp]), [[0, 40, 5000], [0, 41, 5000], [
    1,
    7,
    123456,
  ]]);
});

test("Sender retries a retriable error after the backoff and asks for fresh metadata", async () => {
  const t = setup();
  const outcome = t.send(0);
  await t.sender.runOnce();
  const before = t.metadata.updateRequested();
  t.client.respond(produceResponse([{ partition: 0, errorCode: 6 }]), undefined, undefined, t.clock.now());
  await t.sender.runOnce();
  assert.equal(outcome.settled, false, "NOT_LEADER_OR_FOLLOWER is retried");
  assert.equal(before || t.metadata.updateRequested(), true);
  assert.equal(t.client.requests.length, 1, "not before the backoff");
  t.clock.advance(150);
  await t.sender.runOnce();
  assert.equal(t.client.requests.length, 2);
  t.client.respond(produceResponse([{ partition: 0, baseOffset: 3 }]));
  await t.sender.runOnce();
  assert.equal(outcome.metadata?.offset, 3);
});

test("Sender fails a batch with a non-retriable error naming the error and the partition", async () => {
  const t = setup();
  const outcome = t.send(1);
  await t.sender.runOnce();
  t.client.respond(produceResponse([{ partition: 1, errorCode: 29 }]));
  await t.sender.runOnce();
  assert.ok(outcome.error instanceof KafkaProtocolError);
  assert.equal((outcome.error as KafkaProtocolError).errorName, "TOPIC_AUTHORIZATION_FAILED");
  assert.match(outcome.error.message, /t-1/);
});

test("Sender stops retrying after `retries` retries", async () => {
  const t = setup({ retries: 1 });
  const outcome = t.send(0);
  for (let attempt = 0; attempt < 2; attempt++) {
    await t.sender.runOnce();
    t.client.respond(produceResponse([{ partition: 0, errorCode: 6 }]), undefined, undefined, t.clock.now());
    await t.sender.runOnce();
    t.clock.advance(200);
  }
  assert.equal(t.client.requests.length, 2, "one try and one retry");
  assert.ok(outcome.error instanceof KafkaProtocolError);
});

test("Sender retries after a disconnection", async () => {
  const t = setup();
  const outcome = t.send(0);
  await t.sender.runOnce();
  t.client.respond(undefined, new NetworkError("connection reset"), undefined, t.clock.now());
  await t.sender.runOnce();
  t.clock.advance(200);
  await t.sender.runOnce();
  assert.equal(t.client.requests.length, 2);
  t.client.respond(produceResponse([{ partition: 0, baseOffset: 9 }]));
  await t.sender.runOnce();
  assert.equal(outcome.metadata?.offset, 9);
});

test("Sender expires an in-flight batch at deliveryTimeoutMs and ignores its late response", async () => {
  const t = setup({ deliveryTimeoutMs: 5000, requestTimeoutMs: 4000 });
  const outcome = t.send(0);
  await t.sender.runOnce();
  t.clock.advance(5000);
  await t.sender.runOnce();
  assert.ok(outcome.error instanceof TimeoutError);
  assert.match(outcome.error.message, /Expiring 1 record\(s\) for t-0/);
  t.client.respond(produceResponse([{ partition: 0, baseOffset: 1 }]));
  await t.sender.runOnce();
  assert.ok(outcome.error instanceof TimeoutError, "the first outcome stands");
});

test("Sender with one request in flight per connection keeps a retried batch ahead of newer ones", async () => {
  const t = setup({ guaranteeMessageOrder: true }, 1, 100);
  const first = t.send(0, "x".repeat(60));
  await t.sender.runOnce();
  const second = t.send(0, "y".repeat(60));
  await t.sender.runOnce();
  assert.equal(t.client.requests.length, 1, "the partition is muted while its batch is in flight");
  t.client.respond(produceResponse([{ partition: 0, errorCode: 6 }]), undefined, undefined, t.clock.now());
  await t.sender.runOnce();
  t.clock.advance(200);
  await t.sender.runOnce();
  const firstRetry = decodeRecordBatches(t.lastRequest().topicData[0].partitionData[0].records!)[0].records[0];
  assert.equal(new TextDecoder().decode(firstRetry.value!), "x".repeat(60));
  t.client.respond(produceResponse([{ partition: 0, baseOffset: 10 }]));
  await t.sender.runOnce();
  await t.sender.runOnce();
  t.client.respond(produceResponse([{ partition: 0, baseOffset: 11 }]));
  await t.sender.runOnce();
  assert.equal(first.metadata?.offset, 10);
  assert.equal(second.metadata?.offset, 11);
});

test("Sender splits a batch the broker rejects as MESSAGE_TOO_LARGE and sends the pieces in order", async () => {
  const t = setup({ guaranteeMessageOrder: true }, 1, 400);
  // Records appended into one large batch (the accumulator sizes a batch for a big first record).
  const outcomes = [t.send(0, "z".repeat(300))];
  for (let i = 0; i < 3; i++) outcomes.push(t.send(0, `small-${i}`));
  await t.sender.runOnce();
  const firstBatch = t.lastRequest().topicData[0].partitionData[0].records!;
  const inFirst = decodeRecordBatches(firstBatch)[0].records.length;
  t.client.respond(produceResponse([{ partition: 0, errorCode: 10 }]));
  await t.sender.runOnce();
  let offset = 100;
  for (let i = 0; i < 10 && outcomes.some((o) => !o.settled); i++) {
    await t.sender.runOnce();
    while (t.client.inFlightRequestCount() > 0) {
      const body = t.client.requests.find((r) => !r.answered)!.request.body as ProduceRequest;
      const count = decodeRecordBatches(body.topicData[0].partitionData[0].records!)[0].records.length;
      t.client.respond(produceResponse([{ partition: 0, baseOffset: offset }]));
      offset += count;
      await t.sender.runOnce();
    }
  }
  assert.ok(inFirst >= 1);
  for (const o of outcomes) assert.equal(o.error, undefined, String(o.error));
  assert.deepEqual(outcomes.map((o) => o.metadata?.offset), [100, 101, 102, 103]);
});

test("Sender with acks=0 resolves records with offset -1 once the request is written", async () => {
  const t = setup({ acks: 0 });
  const outcome = t.send(0);
  await t.sender.runOnce();
  await t.sender.runOnce();
  assert.equal(t.lastRequest().acks, 0);
  assert.equal(outcome.metadata?.offset, -1);
});

test("Sender.forceClose fails what is left and closes the client", async () => {
  const t = setup();
  const outcome = t.send(0);
  t.sender.forceClose();
  await t.sender.run();
  assert.match(String(outcome.error), /forcefully/);
  assert.equal(t.client.closed, true);
});

test("Sender fails queued batches and metadata waits at once when the brokers refuse our credentials", async () => {
  const t = setup();
  t.client.readyNodes.clear(); // nothing can be sent: the connection never authenticates
  const queued = [t.send(0), t.send(1)];
  const waiting = t.metadata.waitForTopic("unknown-topic", 60_000, t.clock.now());
  const refused = new AuthenticationError("node 1: SCRAM-SHA-512 authentication failed: invalid credentials");
  t.client.authenticationFailure = refused;
  await t.sender.runOnce();
  assert.deepEqual(queued.map((o) => o.error), [refused, refused]);
  await assert.rejects(waiting, (error) => error === refused);
  // Later sends try again: the credentials may have been fixed on the broker.
  t.client.readyNodes.add(1);
  const later = t.send(0);
  await t.sender.runOnce();
  t.client.respond(produceResponse([{ partition: 0, baseOffset: 9 }]));
  await t.sender.runOnce();
  assert.equal(later.metadata?.offset, 9);
});

test("Sender retries a batch whose partition the broker's produce response left out", async () => {
  const t = setup();
  const [left, answered] = [t.send(0, "left"), t.send(1, "answered")];
  await t.sender.runOnce();
  // A misbehaving broker answers for partition 1 only.
  t.client.respond(produceResponse([{ partition: 1, baseOffset: 4 }]), undefined, undefined, t.clock.now());
  await t.sender.runOnce();
  assert.equal(answered.metadata?.offset, 4);
  assert.equal(left.settled, false, "retried, not failed");
  t.clock.advance(150);
  await t.sender.runOnce();
  t.client.respond(produceResponse([{ partition: 0, baseOffset: 9 }]));
  await t.sender.runOnce();
  assert.equal(left.metadata?.offset, 9);
});

test("Sender: a partition that metadata names no leader for holds its batch until deliveryTimeoutMs, then fails it typed", async () => {
  const t = setup({ deliveryTimeoutMs: 5000, requestTimeoutMs: 4000 });
  const leaderless = metadataResponse(2);
  leaderless.topics[0].partitions[0].leaderId = -1;
  t.metadata.update(leaderless, t.clock.now());
  const outcome = t.send(0);
  await t.sender.runOnce();
  assert.equal(t.client.requests.length, 0, "nothing to send to");
  t.clock.advance(5000);
  await t.sender.runOnce();
  assert.ok(outcome.error instanceof TimeoutError, `${outcome.error}`);
});
