/**
 * Scenarios of the Java client's SenderTest and TransactionManagerTest about produce data
 * inside transactions: aborts with batches queued, retried or in flight, commits that must
 * not go through after a failure, epoch bumps after an abort, expiry, and shutdown with a
 * transaction open. The Java test each one comes from is named in a comment above it;
 * docs/reliability.md has the full table.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import type { KafkaProtocolError } from "../../src/protocol/error_codes.ts";
import { KafkaError, NetworkError, ProducerFencedError, TimeoutError, TransactionAbortedError } from "../../src/errors.ts";
import { E, microtasks, produceResult, stampsOf, TOPIC, transactionalScenario, watch } from "../support/java_scenarios.ts";

await initCrc32c();

const errorName = (error: unknown) => (error as KafkaProtocolError | undefined)?.errorName;
type Scenario = ReturnType<typeof transactionalScenario>;

/** A READY producer (id 2000, epoch 0) with a v1 transaction open. */
async function open(options: Parameters<typeof transactionalScenario>[0] = {}) {
  const t = transactionalScenario(options);
  await t.init(2000n, 0);
  t.manager.beginTransaction(false);
  return t;
}

/**
 * Turns of the Sender answering what it sends: produce with success (offsets from 0), EndTxn
 * and InitProducerId (the current id, epoch + 1) with success, until `done` or 30 turns.
 */
async function settle(t: Scenario, done: () => boolean) {
  for (let i = 0; i < 30 && !done(); i++) {
    await t.run();
    for (const r of t.unanswered()) {
      const api = r.request.api.name;
      if (api === "Produce") {
        t.answerRequest(r, produceResult(stampsOf(r).map((s) => ({ partition: s.partition }))));
      } else if (api === "EndTxn") t.endTxn();
      else if (api === "InitProducerId") t.initProducerId(2000n, t.sequences.producerIdAndEpoch.epoch + 1);
      else if (api === "AddPartitionsToTxn") t.addPartitions();
      else if (api === "FindCoordinator") t.findCoordinator();
    }
    await t.run();
    t.clock.advance(100);
    await microtasks();
  }
}

/** Runs the Sender's loop to its end (after initiateClose or forceClose), answering as {@link settle} does. */
async function runToEnd(t: Scenario) {
  let stopped = false;
  const run = t.sender.run().then(() => stopped = true);
  for (let round = 0; round < 300 && !stopped; round++) {
    await Promise.resolve();
    for (const r of t.unanswered()) {
      if (r.request.api.name === "EndTxn") t.endTxn();
      else if (r.request.api.name === "Produce") t.produce(stampsOf(r).map((s) => ({ partition: s.partition })));
    }
  }
  if (!stopped) t.sender.forceClose();
  await run;
}

/** Adds partition 0 to the transaction (no record yet). */
async function addPartitionOnly(t: Scenario) {
  t.manager.addPartition(TOPIC, 0);
  await t.run();
  t.addPartitions();
  await t.run();
}

/** {@link open}, with partition 0 added to the transaction (no record yet). */
async function openWithPartition(options: Parameters<typeof transactionalScenario>[0] = {}) {
  const t = await open(options);
  await addPartitionOnly(t);
  return t;
}

/** Sends a record to partition 0 and answers its produce request with `errorCode`. */
async function sendAnsweredWith(t: Scenario, errorCode: number) {
  const outcome = await t.sendAndRun(0);
  await t.reply([{ partition: 0, errorCode }]);
  return outcome;
}

/** Begins the abort and answers as {@link settle} does until it settles. */
async function abortSettled(t: Scenario) {
  const abort = watch(t.manager.beginAbort());
  await settle(t, () => abort.settled);
  return abort;
}

/** Begins the commit and answers as {@link settle} does until it settles. */
async function commitSettled(t: Scenario) {
  const commit = watch(t.manager.beginCommit());
  await settle(t, () => commit.settled);
  return commit;
}

/** Sends a record and answers as {@link settle} does until it settles. */
async function sendSettled(t: Scenario, partition: number, value?: string) {
  const outcome = t.send(partition, value);
  await settle(t, () => outcome.settled);
  return outcome;
}

/** A transaction aborted while its record's produce waited for a retry (REQUEST_TIMED_OUT): the abort sends it first. */
async function abortWithProduceInRetry() {
  const t = await openWithPartition();
  const retried = await sendAnsweredWith(t, E.REQUEST_TIMED_OUT);
  const abort = await abortSettled(t);
  assert.equal(abort.ok, true);
  assert.equal(retried.error, undefined, `the retried record is delivered, got ${retried.error}`);
  return t;
}

/** Sends a record to `partition`, whose AddPartitionsToTxn is refused (TOPIC_AUTHORIZATION_FAILED): the record fails. */
async function deniedPartition(t: Scenario, partition: number) {
  const denied = await t.sendAndRun(partition);
  t.addPartitions(E.TOPIC_AUTHORIZATION_FAILED);
  await t.run(2);
  assert.ok(denied.error !== undefined);
}

/** Begins a v1 transaction, sends a record to `partition` and commits: the record must be delivered and the commit succeed. */
async function assertNextTransactionCommits(t: Scenario, partition: number, value?: string) {
  t.manager.beginTransaction(false);
  const next = await sendSettled(t, partition, value);
  assert.equal(next.error, undefined, `the partition works in the next transaction, got ${next.error ?? "nothing (stuck)"}`);
  const committed = await commitSettled(t);
  assert.equal(committed.ok, true, String(committed.error));
}

// testIncompleteTransactionAbortOnShutdown
test("transactional sender: closing with a transaction open aborts it with EndTxn(abort) before the Sender stops", async () => {
  const t = await openWithPartition();
  t.sender.initiateClose();
  await runToEnd(t);
  assert.equal(t.endTxnSent(false), true, "the open transaction is aborted on close");
});

// testForceShutdownWithIncompleteTransaction
test("transactional sender: a forced close with a commit pending fails the commit", async () => {
  const t = await openWithPartition();
  const commit = watch(t.manager.beginCommit());
  t.sender.forceClose();
  await t.sender.run();
  await microtasks();
  assert.ok(commit.error instanceof KafkaError, `the commit fails when the Sender is closed forcefully, got ${commit.error}`);
});

// testTransactionalRequestsSentOnShutdown
test("transactional sender: a commit begun after close was requested still sends EndTxn(commit)", async () => {
  const t = await openWithPartition();
  t.sender.initiateClose();
  const commit = watch(t.manager.beginCommit());
  await runToEnd(t);
  assert.equal(t.endTxnSent(true), true);
  assert.equal(commit.ok, true);
});

// testTransactionAbortedExceptionOnAbortWithoutError
test("transactional sender: an abort fails the records not sent yet with TransactionAbortedError", async () => {
  const t = await openWithPartition();
  const queued = t.send(0);
  void t.manager.beginAbort();
  await t.run();
  assert.ok(queued.error instanceof TransactionAbortedError, String(queued.error));
});

// testInvalidTxnStateIsAnAbortableError, testTransactionAbortableExceptionIsAnAbortableError
test("transactional sender: INVALID_TXN_STATE or TRANSACTION_ABORTABLE on a produce is abortable; after the abort a new transaction begins", async () => {
  for (const [code, name] of [[E.INVALID_TXN_STATE, "INVALID_TXN_STATE"], [E.TRANSACTION_ABORTABLE, "TRANSACTION_ABORTABLE"]] as const) {
    const t = await openWithPartition();
    const outcome = await sendAnsweredWith(t, code);
    assert.equal(errorName(outcome.error), name);
    assert.equal(t.manager.state, "ABORTABLE_ERROR");
    const abort = await abortSettled(t);
    assert.equal(abort.ok, true, String(abort.error));
    assert.equal(t.manager.state, "READY");
    t.manager.beginTransaction(false);
  }
});

// testReceiveFailedBatchTwiceWithTransactions
test("transactional sender: a late error for a batch that already expired leaves the transaction abortable, not fatal", async () => {
  const t = await openWithPartition({ config: { deliveryTimeoutMs: 1500, requestTimeoutMs: 1000 } });
  const outcome = await t.sendAndRun(0);
  t.clock.advance(2000);
  await t.run();
  assert.ok(outcome.error instanceof TimeoutError);
  await t.reply([{ partition: 0, errorCode: E.INVALID_TXN_STATE }], 2);
  assert.equal(t.manager.state, "ABORTABLE_ERROR");
  const abort = await abortSettled(t);
  assert.equal(abort.ok, true);
  t.manager.beginTransaction(false);
});

// testSenderShouldCloseWhenTransactionManagerInErrorState
test("transactional sender: with the transaction manager in a fatal error, close stops the Sender", async () => {
  const t = await open();
  await t.sendAndRun(0);
  t.addPartitions(E.PRODUCER_FENCED);
  await t.run();
  t.sender.initiateClose();
  await runToEnd(t);
  assert.equal(t.client.closed, true);
});

// testTransactionalSplitBatchAndSend
test("transactional sender: a split batch keeps its sequences inside a transaction", async () => {
  const t = await openWithPartition({ partitions: 1, batchSize: 400 });
  const outcomes = [t.send(0, "z".repeat(300)), t.send(0, "small-1"), t.send(0, "small-2")];
  await t.run();
  assert.equal(stampsOf(t.pending("Produce"))[0].records, 3);
  await t.reply([{ partition: 0, errorCode: E.MESSAGE_TOO_LARGE }]);
  await settle(t, () => outcomes.every((o) => o.settled));
  const pieces = t.allStamps().slice(1);
  let expected = 0;
  for (const piece of pieces) {
    assert.deepEqual([piece.epoch, piece.sequence], [0, expected]);
    expected += piece.records;
  }
  assert.deepEqual(outcomes.map((o) => o.error), [undefined, undefined, undefined]);
});

// testInvalidProducerEpochFromProduce
test("transactional sender: INVALID_PRODUCER_EPOCH on a produce is abortable, and the abort bumps the epoch with InitProducerId", async () => {
  const t = await openWithPartition();
  const outcome = await sendAnsweredWith(t, E.INVALID_PRODUCER_EPOCH);
  assert.ok(outcome.error !== undefined);
  assert.equal(t.manager.state, "ABORTABLE_ERROR", "not fatal: the producer may abort and go on");
  const abort = await abortSettled(t);
  assert.deepEqual(t.client.requests.slice(-2).map((r) => r.request.api.name), ["EndTxn", "InitProducerId"]);
  assert.equal(abort.ok, true);
});

// testDisallowCommitOnProduceFailure
test("transactional sender: a produce failing during a commit fails the commit without sending EndTxn(commit); abort works", async () => {
  const t = await openWithPartition();
  const outcome = t.send(0);
  const commit = watch(t.manager.beginCommit());
  await t.run();
  t.produce([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }]);
  for (let i = 0; i < 5; i++) {
    await t.run();
    t.clock.advance(200);
  }
  await microtasks();
  assert.ok(outcome.error !== undefined, "the record fails");
  assert.ok(commit.error !== undefined, `the commit fails, got ${commit.settled ? "success" : "nothing yet"}`);
  assert.equal(t.endTxnSent(true), false, "EndTxn(commit) must never go out for a transaction with a failed record");
  const abort = await abortSettled(t);
  assert.equal(abort.ok, true);
  assert.equal(t.manager.state, "READY");
});

// testAllowAbortOnProduceFailure
test("transactional sender: after a failed produce the transaction can be aborted", async () => {
  const t = await openWithPartition();
  const outcome = await sendAnsweredWith(t, E.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(errorName(outcome.error), "TOPIC_AUTHORIZATION_FAILED");
  const abort = await abortSettled(t);
  assert.equal(abort.ok, true);
  assert.equal(t.endTxnSent(false), true);
});

// testAbortableErrorWhileAbortInProgress
test("transactional sender: a produce failing while the abort is in progress does not stop the abort", async () => {
  const t = await openWithPartition();
  const outcome = await t.sendAndRun(0);
  const abort = watch(t.manager.beginAbort());
  assert.equal(t.manager.state, "ABORTING_TRANSACTION");
  await t.reply([{ partition: 0, errorCode: E.OUT_OF_ORDER_SEQUENCE_NUMBER }]);
  assert.notEqual(t.manager.state as string, "ABORTABLE_ERROR", "already aborting: no abortable error");
  await settle(t, () => abort.settled);
  assert.ok(outcome.error !== undefined);
  assert.equal(abort.ok, true);
  assert.equal(t.manager.state, "READY");
});

// testCommitTransactionWithUnsentProduceRequest, testAwaitPendingRecordsBeforeCommittingTransaction
test("transactional sender: a commit begun with a record still queued sends the record first, then EndTxn(commit)", async () => {
  const t = await openWithPartition();
  const outcome = t.send(0);
  const commit = await commitSettled(t);
  assert.equal(outcome.error, undefined);
  assert.equal(commit.ok, true);
  assert.deepEqual(t.client.requests.slice(-2).map((r) => r.request.api.name), ["Produce", "EndTxn"]);
});

// testCommitTransactionWithInFlightProduceRequest
test("transactional sender: a commit begun with a produce request in flight waits for its answer before EndTxn", async () => {
  const t = await openWithPartition();
  const outcome = await t.sendAndRun(0);
  const commit = watch(t.manager.beginCommit());
  await t.run(2);
  assert.equal(t.sent("EndTxn").length, 0);
  t.produce([{ partition: 0, baseOffset: 8 }]);
  await settle(t, () => commit.settled);
  assert.equal(outcome.metadata?.offset, 8);
  assert.equal(commit.ok, true);
});

// testCancelUnsentAddPartitionsAndProduceOnAbort
test("transactional sender: an abort before AddPartitionsToTxn went cancels it and the record; no EndTxn is needed", async () => {
  const t = await open();
  const outcome = t.send(0);
  const abort = watch(t.manager.beginAbort());
  await t.run(2);
  await microtasks();
  assert.equal(abort.ok, true);
  assert.ok(outcome.error instanceof KafkaError);
  assert.equal(t.sent("AddPartitionsToTxn").length, 0);
  assert.equal(t.sent("EndTxn").length, 0);
  assert.equal(t.manager.state, "READY");
});

// testAbortResendsAddPartitionErrorIfRetried
test("transactional sender: an abort while AddPartitionsToTxn waits for a retry sends it again, then EndTxn(abort)", async () => {
  const t = await open();
  const outcome = await t.sendAndRun(0);
  t.addPartitions(E.UNKNOWN_TOPIC_OR_PARTITION);
  await t.run();
  const abort = await abortSettled(t);
  assert.equal(abort.ok, true);
  assert.equal(t.sent("AddPartitionsToTxn").length, 2, "the retried AddPartitionsToTxn went out");
  assert.equal(t.endTxnSent(false), true);
  assert.ok(outcome.error instanceof KafkaError);
  assert.equal(t.manager.state, "READY");
});

// testAbortResendsProduceRequestIfRetried
test("transactional sender: an abort while a produce waits for its retry resends it (it holds sequences), then aborts", async () => {
  const t = await abortWithProduceInRetry();
  assert.equal(t.sent("Produce").length, 2);
  assert.equal(t.manager.state, "READY");
});

// testRecoveryFromAbortableErrorProduceRequestInRetry
test("transactional sender: after an abort with a produce in retry, the next transaction to the same partition commits", async () => {
  const t = await abortWithProduceInRetry();
  await assertNextTransactionCommits(t, 0, "next");
});

// testRecoveryFromAbortableErrorTransactionNotStarted
test("transactional sender: an abortable error before the transaction started is aborted without EndTxn, and the next one works", async () => {
  const t = await open();
  await deniedPartition(t, 0);
  const aborted = await abortSettled(t);
  assert.equal(aborted.ok, true);
  assert.equal(t.sent("EndTxn").length, 0);
  await assertNextTransactionCommits(t, 1);
});

// testRecoveryFromAbortableErrorTransactionStarted
test("transactional sender: an abortable error after a partition was added is aborted with EndTxn(abort), and the next one works", async () => {
  const t = await openWithPartition();
  await deniedPartition(t, 1);
  await abortSettled(t);
  assert.equal(t.endTxnSent(false), true);
  await assertNextTransactionCommits(t, 0);
});

// testCommitWithTopicAuthorizationFailureInAddPartitionsInFlight
test("transactional sender: a commit begun while AddPartitionsToTxn is in flight fails when that request fails", async () => {
  const t = await open();
  await t.sendAndRun(0);
  const commit = watch(t.manager.beginCommit());
  t.addPartitions(E.TOPIC_AUTHORIZATION_FAILED);
  await t.run(3);
  await microtasks();
  assert.ok(commit.error !== undefined, `the commit must fail, got ${commit.ok ? "success" : "nothing"}`);
  assert.equal(t.endTxnSent(true), false);
});

// testFlushPendingPartitionsOnCommit
test("transactional sender: a commit begun before the partition was added sends AddPartitionsToTxn, the record, then EndTxn", async () => {
  const t = await open();
  const outcome = t.send(0);
  const commit = await commitSettled(t);
  assert.equal(outcome.error, undefined, String(outcome.error));
  assert.deepEqual(
    t.client.requests.slice(2).map((r) => r.request.api.name),
    ["AddPartitionsToTxn", "Produce", "EndTxn"],
  );
  assert.equal(commit.ok, true);
});

// testMultipleAddPartitionsPerForOneProduce
test("transactional sender: partitions added by two AddPartitionsToTxn requests go out in one produce request", async () => {
  const t = await open();
  const first = await t.sendAndRun(0);
  const second = t.send(1);
  t.addPartitions();
  await t.run(2);
  t.addPartitions();
  await t.run(2);
  const produce = t.sent("Produce");
  assert.equal(produce.length, 1);
  assert.deepEqual(stampsOf(produce[0]).map((s) => s.partition).sort(), [0, 1]);
  await t.reply([{ partition: 0 }, { partition: 1 }]);
  assert.equal(first.error ?? second.error, undefined);
});

// testTransitionToAbortableErrorOnBatchExpiry, testTransitionToAbortableErrorOnMultipleBatchExpiry, testBumpTransactionalEpochOnTimeout
test("transactional sender: batches expiring in flight make the transaction abortable; the abort bumps the epoch", async () => {
  const t = await open({ config: { deliveryTimeoutMs: 1500, requestTimeoutMs: 1000 } });
  t.manager.addPartition(TOPIC, 1);
  await addPartitionOnly(t);
  const outcomes = [t.send(0), t.send(1)];
  await t.run();
  t.clock.advance(2000);
  await t.run(2);
  for (const o of outcomes) assert.ok(o.error instanceof TimeoutError, String(o.error));
  assert.equal(t.manager.state, "ABORTABLE_ERROR");
  assert.throws(() => t.manager.beginCommit(), TransactionAbortedError);
  const abort = await abortSettled(t);
  assert.equal(abort.ok, true);
  assert.equal(t.sequences.producerIdAndEpoch.epoch, 1, "sequences were lost in flight: new epoch");
});

// testDropCommitOnBatchExpiry
test("transactional sender: a batch expiring during a commit fails the commit; EndTxn(commit) is not sent", async () => {
  const t = await openWithPartition({ config: { deliveryTimeoutMs: 1500, requestTimeoutMs: 1000 } });
  const outcome = await t.sendAndRun(0);
  const commit = watch(t.manager.beginCommit());
  t.clock.advance(2000);
  for (let i = 0; i < 4; i++) await t.run();
  await microtasks();
  assert.ok(outcome.error instanceof TimeoutError);
  assert.ok(commit.error !== undefined, "the commit fails");
  assert.equal(t.endTxnSent(true), false);
  const abort = await abortSettled(t);
  assert.equal(abort.ok, true);
});

// testAbortTransactionAndReuseSequenceNumberOnError
test("transactional sender: after aborting a transaction whose last batch failed, the next batch goes where the broker expects it", async () => {
  const t = await openWithPartition();
  await t.sendAndRun(0, "ok");
  await t.reply([{ partition: 0, baseOffset: 0 }]);
  await t.sendAndRun(0, "fails");
  await t.reply([{ partition: 0, errorCode: E.TOPIC_AUTHORIZATION_FAILED }]);
  await abortSettled(t);
  t.manager.beginTransaction(false);
  await sendSettled(t, 0, "next");
  const [stamp] = t.lastStamps();
  // Java reuses sequence 1 under the same epoch; a bumped epoch starting at 0 serves as well.
  assert.ok(
    (stamp.epoch === 0 && stamp.sequence === 1) || (stamp.epoch === 1 && stamp.sequence === 0),
    JSON.stringify(stamp, (_, v) => `${v}`),
  );
});

// testAbortTransactionAndResetSequenceNumberOnUnknownProducerId, testBumpTransactionalEpochOnUnknownProducerIdError,
// testCanBumpEpochDuringCoordinatorDisconnect
test("transactional sender: UNKNOWN_PRODUCER_ID inside a transaction: abort, bump the epoch (even across a lost connection), restart at 0", async () => {
  const t = await openWithPartition();
  const outcome = await t.sendAndRun(0);
  await t.reply([{ partition: 0, errorCode: E.UNKNOWN_PRODUCER_ID }], 2);
  const abort = watch(t.manager.beginAbort());
  for (let i = 0; i < 4 && t.unanswered().length === 0; i++) await t.run();
  t.endTxn();
  await t.run(2);
  const bump = t.pending("InitProducerId");
  assert.deepEqual((bump.request.body as { producerId: bigint; producerEpoch: number }).producerEpoch, 0);
  t.answer("InitProducerId", undefined, new NetworkError("connection reset"));
  await settle(t, () => abort.settled);
  assert.equal(abort.ok, true);
  assert.ok(outcome.error !== undefined);
  assert.equal(t.sequences.producerIdAndEpoch.epoch, 1);
  t.manager.beginTransaction(false);
  await sendSettled(t, 0);
  assert.deepEqual(t.lastStamps().map((s) => [s.epoch, s.sequence]), [[1, 0]]);
});

// testNoFailedBatchHandlingWhenTxnManagerIsInFatalError
test("transactional sender: a batch failing after the producer was fenced leaves the fatal error as it was", async () => {
  const t = await openWithPartition();
  const outcome = await t.sendAndRun(0);
  await t.sendAndRun(1);
  t.addPartitions(E.PRODUCER_FENCED);
  await t.run();
  await t.reply([{ partition: 0, errorCode: E.NOT_ENOUGH_REPLICAS }], 2);
  assert.equal(t.manager.state, "FATAL_ERROR");
  assert.ok(t.manager.lastError instanceof ProducerFencedError);
  assert.ok(outcome.error !== undefined);
});
