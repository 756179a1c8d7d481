/**
 * Scenarios of the Java client's TransactionManagerTest about the transactional state
 * machine: what may be sent when, adding partitions and their retry backoffs, coordinator
 * lookups, and a whole transaction, driven through a real Sender over the fake network
 * client. The Java test each one comes from is named in a comment above it;
 * docs/reliability.md has the full table.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import {
  KafkaError,
  NetworkError,
  ProducerFencedError,
  TransactionAbortedError,
  TransactionStateError,
  UnsupportedVersionError,
} from "../../src/errors.ts";
import { E, TOPIC, transactionalScenario, watch } from "../support/java_scenarios.ts";
import { addPartition, commitOffsets, open, sendOffsets } from "../support/java_txn_scenarios.ts";

await initCrc32c();

// testSenderShutdownWithPendingTransactions
test("transaction manager: a close requested while a commit is pending still sends the records and EndTxn, and the commit completes", async () => {
  const t = await open();
  const outcome = await addPartition(t, 0);
  const commit = watch(t.manager.beginCommit());
  t.sender.initiateClose();
  let stopped = false;
  const run = t.sender.run().then(() => stopped = true);
  for (let round = 0; round < 300 && !stopped; round++) {
    await Promise.resolve();
    for (const r of t.unanswered()) {
      if (r.request.api.name === "Produce") t.produce([{ partition: 0, baseOffset: 0 }]);
      else if (r.request.api.name === "EndTxn") t.endTxn();
    }
  }
  if (!stopped) t.sender.forceClose();
  await run;
  assert.equal(outcome.metadata?.offset, 0);
  assert.equal(t.endTxnSent(true), true, "EndTxn(commit) went out before the Sender stopped");
  assert.equal(commit.ok, true, String(commit.error));
});

// testEndTxnNotSentIfIncompleteBatches
test("transaction manager: EndTxn waits until every batch of the transaction is settled", async () => {
  const t = await open();
  const outcome = await addPartition(t, 0);
  const commit = watch(t.manager.beginCommit());
  await t.run(3);
  assert.equal(t.sent("EndTxn").length, 0, "the produce request is unanswered");
  await t.reply([{ partition: 0, baseOffset: 5 }], 2);
  assert.equal(outcome.metadata?.offset, 5);
  t.endTxn();
  await t.run();
  assert.equal(commit.ok, true);
  assert.equal(t.manager.state, "READY");
});

// testFailIfNotReadyForSendNoProducerId, testNotReadyForSendBeforeInitTransactions
test("transaction manager: sending before initTransactions fails, naming the state", () => {
  const t = transactionalScenario();
  assert.throws(() => t.send(0), (e: unknown) => e instanceof TransactionStateError && /UNINITIALIZED/.test(e.message));
});

// testFailIfNotReadyForSendNoOngoingTransaction, testNotReadyForSendBeforeBeginTransaction
test("transaction manager: sending after initTransactions but outside a transaction fails", async () => {
  const t = transactionalScenario();
  await t.init();
  assert.throws(() => t.send(0), (e: unknown) => e instanceof TransactionStateError && /READY/.test(e.message));
});

// testFailIfNotReadyForSendAfterAbortableError, testNotReadyForSendAfterAbortableError
test("transaction manager: sending after an abortable error fails with TransactionAbortedError until the abort", async () => {
  const t = await open();
  await addPartition(t, E.TOPIC_AUTHORIZATION_FAILED);
  assert.throws(() => t.send(1), TransactionAbortedError);
});

// testFailIfNotReadyForSendAfterFatalError, testNotReadyForSendAfterFatalError
test("transaction manager: sending after a fatal error fails with that error", async () => {
  const t = await open();
  await addPartition(t, E.PRODUCER_FENCED);
  assert.throws(() => t.send(1), ProducerFencedError);
});

// testHasOngoingTransactionSuccessfulCommit
test("transaction manager: a committed transaction is ongoing from its first partition until EndTxn answers", async () => {
  const t = await open();
  await addPartition(t, 0);
  const commit = t.manager.beginCommit();
  assert.equal(t.manager.state, "COMMITTING_TRANSACTION");
  await t.run();
  await t.reply([{ partition: 0 }], 2);
  t.endTxn();
  await t.run();
  await commit;
  assert.equal(t.manager.state, "READY");
});

// testHasOngoingTransactionSuccessfulAbort, testHasOngoingTransactionAbortableError
test("transaction manager: an aborted transaction, with or without an abortable error first, ends in READY", async () => {
  for (const failFirst of [false, true]) {
    const t = await open();
    await addPartition(t, 0);
    if (failFirst) t.manager.handleBatchFailure(new KafkaError("a batch failed"));
    assert.equal(t.manager.state, failFirst ? "ABORTABLE_ERROR" : "IN_TRANSACTION");
    const abort = t.manager.beginAbort();
    await t.run(3);
    t.endTxn();
    await t.run(2);
    await abort;
    assert.equal(t.manager.state, "READY");
    assert.equal(t.endTxnSent(false), true);
  }
});

// testMaybeAddPartitionToTransaction, testIsSendToPartitionAllowedWithPartitionNotAdded, testNoDrainWhenPartitionsPending
test("transaction manager: a partition's records wait until AddPartitionsToTxn for it succeeded; a partition is added once", async () => {
  const t = await open();
  t.send(0);
  assert.equal(t.manager.isSendToPartitionAllowed(TOPIC, 0), false);
  assert.equal(t.manager.isSendToPartitionAllowed(TOPIC, 1), false, "never added");
  await t.run(2);
  assert.equal(t.sent("Produce").length, 0, "no produce before the partition is in the transaction");
  t.addPartitions();
  await t.run(2);
  assert.equal(t.manager.isSendToPartitionAllowed(TOPIC, 0), true);
  assert.equal(t.sent("Produce").length, 1);
  t.send(0);
  await t.run(2);
  assert.equal(t.sent("AddPartitionsToTxn").length, 1);
});

// testAddPartitionToTransactionOverridesRetryBackoffForConcurrentTransactions
test("transaction manager: CONCURRENT_TRANSACTIONS on the first AddPartitionsToTxn is retried sooner than the retry backoff", async () => {
  const t = await open();
  await addPartition(t, E.CONCURRENT_TRANSACTIONS);
  t.clock.advance(20);
  await t.run();
  assert.equal(t.sent("AddPartitionsToTxn").length, 2, "retried after 20 ms, not 100");
});

// testAddPartitionToTransactionRetainsRetryBackoffForRegularRetriableError
test("transaction manager: another retriable AddPartitionsToTxn error waits out the full retry backoff", async () => {
  const t = await open();
  await addPartition(t, E.COORDINATOR_LOAD_IN_PROGRESS);
  t.clock.advance(20);
  await t.run();
  assert.equal(t.sent("AddPartitionsToTxn").length, 1);
  t.clock.advance(80);
  await t.run();
  assert.equal(t.sent("AddPartitionsToTxn").length, 2);
});

// testAddPartitionToTransactionRetainsRetryBackoffWhenPartitionsAlreadyAdded
test("transaction manager: CONCURRENT_TRANSACTIONS when partitions were already added waits out the full retry backoff", async () => {
  const t = await open();
  await addPartition(t, 0, 0);
  await addPartition(t, E.CONCURRENT_TRANSACTIONS, 1);
  t.clock.advance(20);
  await t.run();
  assert.equal(t.sent("AddPartitionsToTxn").length, 2, "the transaction is already going: no short backoff");
  t.clock.advance(80);
  await t.run();
  assert.equal(t.sent("AddPartitionsToTxn").length, 3);
});

// testIsSendToPartitionAllowedWithPendingPartitionAfterAbortableError, ...WithInFlightPartitionAddAfterAbortableError
test("transaction manager: after an abortable error, a partition not yet added (pending or in flight) may not be sent to", async () => {
  const t = await open();
  t.send(0);
  t.manager.handleBatchFailure(new KafkaError("another batch failed"));
  assert.equal(t.manager.isSendToPartitionAllowed(TOPIC, 0), false);
  const u = await open();
  u.send(0);
  await u.run();
  assert.equal(u.pending("AddPartitionsToTxn").answered, false);
  u.manager.handleBatchFailure(new KafkaError("another batch failed"));
  assert.equal(u.manager.isSendToPartitionAllowed(TOPIC, 0), false);
  assert.equal(u.manager.state, "ABORTABLE_ERROR");
});

// testIsSendToPartitionAllowedWithAddedPartitionAfterAbortableError, testAllowDrainInAbortableErrorState
test("transaction manager: after an abortable error, a partition already added may still be sent to", async () => {
  const t = await open();
  await addPartition(t, 0);
  t.manager.handleBatchFailure(new KafkaError("another batch failed"));
  assert.equal(t.manager.isSendToPartitionAllowed(TOPIC, 0), true);
});

// testIsSendToPartitionAllowedWithAddedPartitionAfterFatalError (and ...PendingPartition/InFlightPartitionAdd...AfterFatalError)
test("transaction manager: after a fatal error nothing more is produced, even to an added partition", async () => {
  const t = await open();
  const queued = await addPartition(t, 0);
  t.manager.handleBatchFailure(new ProducerFencedError("fenced"));
  await t.run(2);
  assert.equal(t.sent("Produce").length, 0);
  assert.ok(queued.error instanceof ProducerFencedError);
});

// testBasicTransaction
test("transaction manager: a whole transaction: records, offsets (AddOffsetsToTxn, group lookup, TxnOffsetCommit) and EndTxn(commit)", async () => {
  const t = await open();
  const outcome = await addPartition(t, 0);
  await t.run();
  await t.reply([{ partition: 0, baseOffset: 1 }]);
  const offsets = await sendOffsets(t);
  const commitBody = t.pending("TxnOffsetCommit").request.body as { groupId: string; producerId: bigint };
  assert.deepEqual([commitBody.groupId, commitBody.producerId], ["group", 2000n]);
  await commitOffsets(t, 0);
  assert.equal(offsets.ok, true);
  const commit = watch(t.manager.beginCommit());
  await t.run();
  t.endTxn();
  await t.run();
  assert.equal(outcome.metadata?.offset, 1);
  assert.equal(commit.ok, true);
  assert.deepEqual(t.client.requests.map((r) => r.request.api.name), [
    "FindCoordinator",
    "InitProducerId",
    "AddPartitionsToTxn",
    "Produce",
    "AddOffsetsToTxn",
    "FindCoordinator",
    "TxnOffsetCommit",
    "EndTxn",
  ]);
});

// testTransactionManagerEnablesV2
test("transaction manager: protocol v2 adds partitions through Produce: no AddPartitionsToTxn, and EndTxn's epoch is taken", async () => {
  const t = transactionalScenario();
  await t.init(2000n, 0);
  t.manager.beginTransaction(true);
  const outcome = await t.sendAndRun(0);
  assert.equal(t.sent("AddPartitionsToTxn").length, 0);
  assert.equal((t.pending("Produce").request.body as { transactionalId: string }).transactionalId, t.transactionalId);
  await t.reply([{ partition: 0, baseOffset: 3 }]);
  const commit = watch(t.manager.beginCommit());
  await t.run();
  t.endTxn(0, 2000n, 1);
  await t.run();
  assert.equal(commit.ok, true);
  assert.equal(outcome.metadata?.offset, 3);
  assert.deepEqual(t.sequences.producerIdAndEpoch, { producerId: 2000n, epoch: 1 });
});

// testDisconnectAndRetry
test("transaction manager: a FindCoordinator lost to a disconnection is sent again", async () => {
  const t = transactionalScenario();
  const init = watch(t.manager.initTransactions());
  await t.run();
  t.answer("FindCoordinator", undefined, new NetworkError("connection reset"));
  await t.run();
  await t.afterBackoff();
  await t.finishInit();
  assert.equal(init.ok, true);
  assert.equal(t.sent("FindCoordinator").length, 2);
});

// testInitializeTransactionsTwiceRaisesError
test("transaction manager: initTransactions after it completed fails, naming the state", async () => {
  const t = transactionalScenario();
  await t.init();
  assert.throws(() => t.manager.initTransactions(), TransactionStateError);
  assert.equal(t.manager.state, "READY");
});

// testUnsupportedFindCoordinator
test("transaction manager: a FindCoordinator the broker cannot take (unsupported version) is fatal, not retried", async () => {
  const t = transactionalScenario();
  const init = watch(t.manager.initTransactions());
  await t.run();
  t.answer("FindCoordinator", undefined, new UnsupportedVersionError("FindCoordinator v4 is not supported"));
  await t.run(2);
  assert.ok(init.error instanceof UnsupportedVersionError, `initTransactions failed with the version error, got ${init.error}`);
  assert.equal(t.manager.state, "FATAL_ERROR");
});

// testUnsupportedInitTransactions
test("transaction manager: an InitProducerId the broker cannot take (unsupported version) is fatal, not retried", async () => {
  const t = transactionalScenario();
  const init = await t.initUntilProducerId();
  t.answer("InitProducerId", undefined, new UnsupportedVersionError("InitProducerId is not supported"));
  await t.run(2);
  assert.ok(init.error instanceof UnsupportedVersionError, `initTransactions failed with the version error, got ${init.error}`);
  assert.equal(t.manager.state, "FATAL_ERROR");
});

// testLookupCoordinatorOnDisconnectAfterSend
test("transaction manager: InitProducerId lost to a disconnection after it was sent makes the coordinator be looked up again", async () => {
  const t = transactionalScenario();
  const init = await t.initUntilProducerId();
  t.answer("InitProducerId", undefined, new NetworkError("connection reset"));
  await t.run();
  await t.afterBackoff();
  assert.equal(t.pending("FindCoordinator").request.api.name, "FindCoordinator");
  await t.finishInit();
  assert.equal(init.ok, true);
});

// testLookupCoordinatorOnDisconnectBeforeSend
test("transaction manager: a coordinator that left the metadata before the request went is looked up again", async () => {
  const t = transactionalScenario();
  const init = watch(t.manager.initTransactions());
  await t.run();
  t.findCoordinator(5);
  await t.run();
  t.client.goneNodes.add(5);
  await t.run();
  await t.afterBackoff();
  assert.equal(t.sent("InitProducerId").length, 0);
  t.findCoordinator(1);
  await t.run(2);
  t.initProducerId();
  await t.run();
  assert.equal(init.ok, true);
  assert.equal(t.sent("InitProducerId")[0].request.destination, 1);
});

// testLookupCoordinatorOnNotCoordinatorError
test("transaction manager: NOT_COORDINATOR makes the coordinator be looked up again before the retry", async () => {
  const t = transactionalScenario();
  const init = await t.initUntilProducerId();
  t.initProducerId(-1n, -1, E.NOT_COORDINATOR);
  await t.run();
  await t.afterBackoff();
  await t.finishInit();
  assert.equal(init.ok, true);
  assert.equal(t.sent("FindCoordinator").length, 2);
});

// testCoordinatorNotAvailable
test("transaction manager: COORDINATOR_NOT_AVAILABLE on FindCoordinator is retried", async () => {
  const t = transactionalScenario();
  const init = watch(t.manager.initTransactions());
  await t.run();
  t.findCoordinator(1, E.COORDINATOR_NOT_AVAILABLE);
  await t.run();
  await t.afterBackoff();
  await t.finishInit();
  assert.equal(init.ok, true);
});
