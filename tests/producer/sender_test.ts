import { test } from "node:test";
import assert from "node:assert/strict";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import { decodeRecordBatches } from "../../src/protocol/record_batch_decoder.ts";
import type { ProduceRequest } from "../../src/protocol/produce.ts";
import { ErrorCode, KafkaProtocolError } from "../../src/protocol/error_codes.ts";
import { AuthenticationError, KafkaError, NetworkError, TimeoutError } from "../../src/errors.ts";
import { SequenceTracker } from "../../src/producer/sequence_tracker.ts";
import { TransactionManager } from "../../src/producer/transaction_manager.ts";
import { Sender } from "../../src/producer/sender.ts";
import type { SenderConfig } from "../../src/producer/sender.ts";
import { metadataResponse, produceResponse, setup, TOPIC } from "../support/sender_fixtures.ts";
import { PRODUCER_DEFAULTS } from "../support/producer_fixtures.ts";

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
  await t.answerProduce([{ partition: 0, baseOffset: 40 }, { partition: 1, baseOffset: 7, logAppendTimeMs: 123456 }]);
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
  await t.answerProduce([{ partition: 0, errorCode: 6 }], t.clock.now());
  assert.equal(outcome.settled, false, "NOT_LEADER_OR_FOLLOWER is retried");
  assert.equal(before || t.metadata.updateRequested(), true);
  assert.equal(t.client.requests.length, 1, "not before the backoff");
  t.clock.advance(150);
  await t.sender.runOnce();
  assert.equal(t.client.requests.length, 2);
  await t.answerProduce([{ partition: 0, baseOffset: 3 }]);
  assert.equal(outcome.metadata?.offset, 3);
});

test("Sender fails a batch with a non-retriable error naming the error and the partition", async () => {
  const t = setup();
  const outcome = t.send(1);
  await t.sender.runOnce();
  await t.answerProduce([{ partition: 1, errorCode: 29 }]);
  assert.ok(outcome.error instanceof KafkaProtocolError);
  assert.equal((outcome.error as KafkaProtocolError).errorName, "TOPIC_AUTHORIZATION_FAILED");
  assert.match(outcome.error.message, /t-1/);
});

test("Sender stops retrying after `retries` retries", async () => {
  const t = setup({ retries: 1 });
  const outcome = t.send(0);
  for (let attempt = 0; attempt < 2; attempt++) {
    await t.sender.runOnce();
    await t.answerProduce([{ partition: 0, errorCode: 6 }], t.clock.now());
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
  await t.answerProduce([{ partition: 0, baseOffset: 9 }]);
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
  await t.answerProduce([{ partition: 0, baseOffset: 1 }]);
  assert.ok(outcome.error instanceof TimeoutError, "the first outcome stands");
});

test("Sender with one request in flight per connection keeps a retried batch ahead of newer ones", async () => {
  const t = setup({ guaranteeMessageOrder: true }, 1, 100);
  const first = t.send(0, "x".repeat(60));
  await t.sender.runOnce();
  const second = t.send(0, "y".repeat(60));
  await t.sender.runOnce();
  assert.equal(t.client.requests.length, 1, "the partition is muted while its batch is in flight");
  await t.answerProduce([{ partition: 0, errorCode: 6 }], t.clock.now());
  t.clock.advance(200);
  await t.sender.runOnce();
  const firstRetry = decodeRecordBatches(t.lastRequest().topicData[0].partitionData[0].records!)[0].records[0];
  assert.equal(new TextDecoder().decode(firstRetry.value!), "x".repeat(60));
  await t.answerProduce([{ partition: 0, baseOffset: 10 }]);
  await t.sender.runOnce();
  await t.answerProduce([{ partition: 0, baseOffset: 11 }]);
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
  await t.answerProduce([{ partition: 0, errorCode: 10 }]);
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
  await t.answerProduce([{ partition: 0, baseOffset: 9 }]);
  assert.equal(later.metadata?.offset, 9);
});

test("Sender retries a batch whose partition the broker's produce response left out", async () => {
  const t = setup();
  const [left, answered] = [t.send(0, "left"), t.send(1, "answered")];
  await t.sender.runOnce();
  // A misbehaving broker answers for partition 1 only.
  await t.answerProduce([{ partition: 1, baseOffset: 4 }], t.clock.now());
  assert.equal(answered.metadata?.offset, 4);
  assert.equal(left.settled, false, "retried, not failed");
  t.clock.advance(150);
  await t.sender.runOnce();
  await t.answerProduce([{ partition: 0, baseOffset: 9 }]);
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

/** An idempotent Sender that already has producer id 4000, epoch 0. */
function idempotentSetup() {
  const sequences = new SequenceTracker();
  sequences.setProducerIdAndEpoch({ producerId: 4000n, epoch: 0 });
  return { ...setup({}, 2, 1024, sequences), sequences };
}

test("Sender (idempotent): CLUSTER_AUTHORIZATION_FAILED on a produce is fatal, as in Java: later records fail with it", async () => {
  const t = idempotentSetup();
  const first = t.send(0);
  await t.sender.runOnce();
  await t.answerProduce([{ partition: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED }]);
  assert.equal((first.error as KafkaProtocolError).errorName, "CLUSTER_AUTHORIZATION_FAILED");
  assert.equal((t.sender.fatalError as KafkaProtocolError | undefined)?.errorName, "CLUSTER_AUTHORIZATION_FAILED");
  const later = t.send(1);
  await t.sender.runOnce();
  assert.equal((later.error as KafkaProtocolError | undefined)?.errorName, "CLUSTER_AUTHORIZATION_FAILED");
  assert.equal(t.client.requests.length, 1, "nothing more is sent");
});

test("Sender (idempotent): INVALID_PRODUCER_EPOCH on a produce fails that batch only; the producer goes on (as in Java)", async () => {
  const t = idempotentSetup();
  const first = t.send(0);
  await t.sender.runOnce();
  await t.answerProduce([{ partition: 0, errorCode: ErrorCode.INVALID_PRODUCER_EPOCH }]);
  assert.equal((first.error as KafkaProtocolError).errorName, "INVALID_PRODUCER_EPOCH");
  assert.equal(t.sender.fatalError, undefined);
  const later = t.send(1);
  await t.sender.runOnce();
  await t.answerProduce([{ partition: 1, baseOffset: 9 }]);
  assert.equal(later.metadata?.offset, 9);
});

test("Sender: record errors (Produce v8+) fail the listed records with their own messages, the rest for being in the batch", async () => {
  const t = setup();
  const outcomes = ["a", "b", "c", "d"].map((v) => t.send(0, v));
  await t.sender.runOnce();
  const response = produceResponse([{ partition: 0, errorCode: ErrorCode.INVALID_RECORD }]);
  response.responses[0].partitionResponses[0].recordErrors = [
    { batchIndex: 1, batchIndexErrorMessage: "key is null on a compacted topic" },
    { batchIndex: 3, batchIndexErrorMessage: null },
  ];
  t.client.respond(response);
  await t.sender.runOnce();
  const [a, b, c, d] = outcomes.map((o) => o.error);
  assert.match(String(b), /INVALID_RECORD.*key is null on a compacted topic/);
  assert.match(String(d), /INVALID_RECORD.*failed the validation on broker/, "no message of its own: the code's description");
  for (const innocent of [a, c]) {
    assert.ok(innocent instanceof KafkaError);
    assert.equal(innocent instanceof KafkaProtocolError, false, "not itself invalid");
    assert.doesNotMatch(String(innocent), /compacted/);
    assert.match(String(innocent), /part of a batch that had 2 invalid record/);
  }
});

test("Sender: a single record error gives that record the partition's error with its message", async () => {
  const t = setup();
  const outcomes = ["a", "b"].map((v) => t.send(0, v));
  await t.sender.runOnce();
  const response = produceResponse([{ partition: 0, errorCode: ErrorCode.INVALID_TIMESTAMP }]);
  response.responses[0].partitionResponses[0].recordErrors = [{ batchIndex: 0, batchIndexErrorMessage: "timestamp out of range" }];
  t.client.respond(response);
  await t.sender.runOnce();
  assert.equal((outcomes[0].error as KafkaProtocolError).errorName, "INVALID_TIMESTAMP");
  assert.match(String(outcomes[0].error), /timestamp out of range/);
  assert.equal(outcomes[1].error instanceof KafkaProtocolError, false);
});

/** A transactional Sender (protocol v1) over the fakes of setup(). */
function transactionalSetup(config: Partial<SenderConfig> = {}) {
  const sequences = new SequenceTracker();
  const t = setup({}, 2, 1024, sequences);
  const manager = new TransactionManager("txn-s", 60_000, 100, sequences, t.accumulator.partitions);
  const senderConfig: SenderConfig = { ...PRODUCER_DEFAULTS, guaranteeMessageOrder: false, ...config };

  const sender = new Sender({
    client: t.client,
    metadata: t.metadata,
    accumulator: t.accumulator,
    config: senderConfig,
    clock: t.clock,
    sequences,
    transactions: manager,
  });
  const sent = (api: string) => t.client.requests.filter((r) => r.request.api.name === api);
  const answer = (api: string, body: unknown) => {
    const recorded = t.client.requests.find((r) => !r.answered && r.request.api.name === api);
    if (recorded === undefined) throw new Error(`no unanswered ${api}`);
    t.client.respond(body, undefined, t.client.requests.indexOf(recorded), t.clock.now());
  };
  const findCoordinator = (nodeId: number, host = `b${nodeId}`, port = 9092) =>
    answer("FindCoordinator", {
      throttleTimeMs: 0,
      coordinators: [{ key: "txn-s", nodeId, host, port, errorCode: 0, errorMessage: null }],
    });
  const run = async (turns = 1) => {
    for (let i = 0; i < turns; i++) await sender.runOnce();
  };
  return { ...t, sender, manager, sequences, sent, answer, findCoordinator, run };
}

test("Sender: a transaction coordinator the metadata does not list is reached at FindCoordinator's address, without looking it up again", async () => {
  const t = transactionalSetup();
  const init = t.manager.initTransactions();
  await t.run();
  // Broker 5 is newer than our metadata (which lists broker 1 only).
  t.client.unlistedNodes.add(5);
  t.client.connectionDelays.set(5, Infinity);
  t.findCoordinator(5, "b5", 9095);
  await t.run(2);
  const pollsBefore = t.client.pollTimeouts.length;
  for (let i = 0; i < 10; i++) {
    t.clock.advance(20);
    await t.run();
  }
  assert.equal(t.sent("FindCoordinator").length, 1, "the coordinator is not looked up again while its connection is set up");
  const waits = t.client.pollTimeouts.slice(pollsBefore);
  assert.ok(waits.every((ms) => ms > 10), `no short timer while connecting: polls waited ${waits.join(", ")} ms`);
  assert.deepEqual(t.client.registered.get(5), { id: 5, host: "b5", port: 9095, rack: null }, "connectable at FindCoordinator's address");
  t.client.readyNodes.add(5);
  await t.run();
  assert.equal(t.sent("InitProducerId")[0]?.request.destination, 5);
  t.answer("InitProducerId", { throttleTimeMs: 0, errorCode: 0, producerId: 8n, producerEpoch: 0 });
  await t.run();
  await init;
  assert.equal(t.manager.state, "READY");
});

/** Runs the Sender's loop to its end (a close was asked for), answering each EndTxn with `endTxnErrorCode`. */
async function runToEnd(t: ReturnType<typeof transactionalSetup>, endTxnErrorCode = 0) {
  let stopped = false;
  const run = t.sender.run().then(() => stopped = true);
  // The fake client answers at once, so the loop runs on microtasks: yield to it that way.
  for (let turn = 0; turn < 2_000 && !stopped; turn++) {
    await Promise.resolve();
    if (t.client.requests.some((r) => !r.answered && r.request.api.name === "EndTxn")) {
      t.answer("EndTxn", { throttleTimeMs: 0, errorCode: endTxnErrorCode, producerId: -1n, producerEpoch: -1 });
    }
  }
  if (!stopped) t.sender.forceClose();
  await run;
  return stopped;
}

/** A READY transactional Sender with a protocol v1 transaction open and one record acknowledged in it. */
async function openTransaction() {
  const t = transactionalSetup();
  const init = t.manager.initTransactions();
  await t.run();
  t.findCoordinator(1);
  await t.run(2);
  t.answer("InitProducerId", { throttleTimeMs: 0, errorCode: 0, producerId: 8n, producerEpoch: 0 });
  await t.run();
  await init;
  t.manager.beginTransaction(false);
  const outcome = t.send(0);
  t.manager.addPartition(TOPIC, 0);
  await t.run();
  t.answer("AddPartitionsToTxn", {
    throttleTimeMs: 0,
    resultsByTopic: [{ name: TOPIC, resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 0 }] }],
  });
  await t.run(2);
  t.answer("Produce", produceResponse([{ partition: 0, baseOffset: 0 }]));
  await t.run();
  assert.equal(outcome.metadata?.offset, 0);
  return t;
}

test("Sender: a graceful close aborts a transaction left open (EndTxn(abort)) before it stops, as Java's Sender", async () => {
  const t = await openTransaction();
  t.sender.initiateClose();
  assert.equal(await runToEnd(t), true, "the Sender stopped by itself");
  const ends = t.sent("EndTxn").map((r) => (r.request.body as { committed: boolean }).committed);
  assert.deepEqual(ends, [false], "the open transaction was aborted");
  assert.equal(t.manager.state, "READY");
});

test("Sender: a graceful close finishes a commit under way instead of aborting it", async () => {
  const t = await openTransaction();
  const commit = t.manager.beginCommit();
  t.sender.initiateClose();
  assert.equal(await runToEnd(t), true);
  const ends = t.sent("EndTxn").map((r) => (r.request.body as { committed: boolean }).committed);
  assert.deepEqual(ends, [true]);
  await commit;
  assert.equal(t.manager.state, "READY");
});

test("Sender: a forced close does not wait to abort the open transaction", async () => {
  const t = await openTransaction();
  t.sender.forceClose();
  assert.equal(await runToEnd(t), true);
  assert.equal(t.sent("EndTxn").length, 0);
});
