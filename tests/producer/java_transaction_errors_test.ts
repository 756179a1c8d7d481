/**
 * Scenarios of the Java client's TransactionManagerTest about how the errors of each
 * transactional request are classified (retried, abortable, fatal, fenced): FindCoordinator,
 * InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn, and the
 * retries of commit and abort. The Java test each one comes from is named in a comment above
 * it; docs/reliability.md has the full table.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import { KafkaError, NetworkError, ProducerFencedError, TransactionStateError } from "../../src/errors.ts";
import { E, transactionalScenario, watch } from "../support/java_scenarios.ts";
import {
  addPartition,
  assertAbortable,
  assertFatal,
  commitOffsets,
  commitUntilEndTxn,
  errorName,
  initFailsWith,
  OFFSETS,
  open,
  sendOffsets,
} from "../support/java_txn_scenarios.ts";

await initCrc32c();

// testTransactionalIdAuthorizationFailureInFindCoordinator
test("transaction manager: TRANSACTIONAL_ID_AUTHORIZATION_FAILED on FindCoordinator is fatal", async () => {
  const t = transactionalScenario();
  const init = watch(t.manager.initTransactions());
  await t.run();
  t.findCoordinator(-1, E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  await t.run(2);
  assert.equal(errorName(init.error), "TRANSACTIONAL_ID_AUTHORIZATION_FAILED");
  assert.equal(t.manager.state, "FATAL_ERROR");
});

// testTransactionalIdAuthorizationFailureInInitProducerId
test("transaction manager: TRANSACTIONAL_ID_AUTHORIZATION_FAILED on InitProducerId is fatal", async () => {
  const { t, init } = await initFailsWith(E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  assert.equal(errorName(init.error), "TRANSACTIONAL_ID_AUTHORIZATION_FAILED");
  assert.equal(t.manager.state, "FATAL_ERROR");
});

// testProducerFencedExceptionInInitProducerId, testInvalidProducerEpochConvertToProducerFencedInInitProducerId
test("transaction manager: PRODUCER_FENCED or INVALID_PRODUCER_EPOCH on InitProducerId fences the producer", async () => {
  for (const code of [E.PRODUCER_FENCED, E.INVALID_PRODUCER_EPOCH]) {
    const { t, init } = await initFailsWith(code);
    assert.ok(init.error instanceof ProducerFencedError, `code ${code}: ${init.error}`);
    assert.equal(t.manager.state, "FATAL_ERROR");
  }
});

// testTransactionAbortableExceptionInInitProducerId
test("transaction manager: TRANSACTION_ABORTABLE on InitProducerId fails initTransactions with an abortable error", async () => {
  const { t, init } = await initFailsWith(E.TRANSACTION_ABORTABLE);
  assert.equal(errorName(init.error), "TRANSACTION_ABORTABLE");
  assert.equal(t.manager.state, "ABORTABLE_ERROR");
});

test("transaction manager: after an abortable InitProducerId, the abort leaves the producer uninitialized and initTransactions works again", async () => {
  const { t } = await initFailsWith(E.TRANSACTION_ABORTABLE);
  const abort = watch(t.manager.beginAbort());
  await t.run(2);
  assert.equal(abort.error, undefined);
  // No producer id yet: READY would let sends queue forever; UNINITIALIZED asks for initTransactions() again.
  assert.equal(t.manager.state, "UNINITIALIZED");
  const again = watch(t.manager.initTransactions());
  await t.run(2);
  t.initProducerId(1000n, 0);
  await t.run(2);
  assert.equal(again.error, undefined);
  assert.equal(t.manager.state, "READY");
});

// testTopicAuthorizationFailureInAddPartitions
test("transaction manager: TOPIC_AUTHORIZATION_FAILED on AddPartitionsToTxn is abortable; the partition's records fail", async () => {
  const t = await open();
  const outcome = await addPartition(t, E.TOPIC_AUTHORIZATION_FAILED);
  assertAbortable(t, "TOPIC_AUTHORIZATION_FAILED");
  await t.run();
  assert.ok(outcome.error !== undefined, "the record of the unauthorized partition fails");
  assert.equal(t.sent("Produce").length, 0);
});

type Scenario = Awaited<ReturnType<typeof open>>;

/** Drives `api` until the coordinator answers it with `errorCode`; for the offsets requests, sendOffsetsToTransaction's outcome. */
const answeredWith = {
  AddPartitionsToTxn: async (t: Scenario, errorCode: number) => {
    await addPartition(t, errorCode);
    return undefined;
  },
  AddOffsetsToTxn: (t: Scenario, errorCode: number) => sendOffsets(t, errorCode),
  TxnOffsetCommit: async (t: Scenario, errorCode: number) => {
    const offsets = await sendOffsets(t);
    await commitOffsets(t, errorCode);
    return offsets;
  },
};

// Errors that fail the transaction for good, or leave it abortable; the Java test of each row is named after it.
for (
  const [api, name, kind] of [
    ["AddPartitionsToTxn", "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", "fatal"], // testTransactionalIdAuthorizationFailureInAddPartitions
    ["AddPartitionsToTxn", "INVALID_TXN_STATE", "fatal"], // testInvalidTxnStateInAddPartitions
    ["AddPartitionsToTxn", "TRANSACTION_ABORTABLE", "abortable"], // testTransactionAbortableExceptionInAddPartitions
    ["AddOffsetsToTxn", "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", "fatal"], // testTransactionalIdAuthorizationFailureInAddOffsetsToTxn
    ["AddOffsetsToTxn", "INVALID_TXN_STATE", "fatal"], // testInvalidTxnStateFailureInAddOffsetsToTxn
    ["AddOffsetsToTxn", "TRANSACTION_ABORTABLE", "abortable"], // testTransactionAbortableExceptionInAddOffsetsToTxn
    // testTransactionalIdAuthorizationFailureInTxnOffsetCommit, testHandlingOfTransactionalIdAuthorizationFailedErrorOnTxnOffsetCommit
    ["TxnOffsetCommit", "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", "fatal"],
    // testUnsupportedForMessageFormatInTxnOffsetCommit, testHandlingOfUnsupportedForMessageFormatErrorOnTxnOffsetCommit
    ["TxnOffsetCommit", "UNSUPPORTED_FOR_MESSAGE_FORMAT", "fatal"],
  ] as const
) {
  test(`transaction manager: ${name} on ${api} is ${kind}`, async () => {
    const t = await open();
    const offsets = await answeredWith[api](t, E[name]);
    // sendOffsetsToTransaction fails with the error itself.
    if (offsets !== undefined) assert.equal(errorName(offsets.error), name);
    if (kind === "fatal") assertFatal(t, name);
    else assertAbortable(t, name);
  });
}

// testProducerFencedInAddPartitionToTxn, testInvalidProducerEpochConvertToProducerFencedInAddPartitionToTxn
test("transaction manager: PRODUCER_FENCED or INVALID_PRODUCER_EPOCH on AddPartitionsToTxn fences the producer", async () => {
  for (const code of [E.PRODUCER_FENCED, E.INVALID_PRODUCER_EPOCH]) {
    const t = await open();
    const outcome = await addPartition(t, code);
    await t.run();
    assert.equal(t.manager.state, "FATAL_ERROR");
    assert.ok(t.manager.lastError instanceof ProducerFencedError);
    assert.ok(outcome.error instanceof ProducerFencedError, String(outcome.error));
  }
});

// testRetriableErrors, testHandlingOfUnknownTopicPartitionErrorOnAddPartitions
test("transaction manager: retriable AddPartitionsToTxn errors are retried until the partition is added", async () => {
  const t = await open();
  const outcome = t.send(0);
  for (const code of [E.COORDINATOR_LOAD_IN_PROGRESS, E.UNKNOWN_TOPIC_OR_PARTITION, E.CONCURRENT_TRANSACTIONS, E.NOT_COORDINATOR]) {
    await t.run();
    t.addPartitions(code);
    await t.run();
    t.clock.advance(100);
    if (code === E.NOT_COORDINATOR) {
      await t.run();
      t.findCoordinator();
      await t.run();
    }
  }
  await t.run();
  t.addPartitions();
  await t.run(2);
  await t.reply([{ partition: 0, baseOffset: 0 }]);
  assert.equal(outcome.metadata?.offset, 0);
  assert.equal(t.manager.state, "IN_TRANSACTION");
});

// testGroupAuthorizationFailureInFindCoordinator
test("transaction manager: GROUP_AUTHORIZATION_FAILED looking up the group coordinator is abortable and fails sendOffsetsToTransaction", async () => {
  const t = await open();
  const offsets = await sendOffsets(t, 0, E.GROUP_AUTHORIZATION_FAILED);
  assert.equal(errorName(offsets.error), "GROUP_AUTHORIZATION_FAILED");
  assertAbortable(t, "GROUP_AUTHORIZATION_FAILED");
});

// testTransactionAbortableExceptionInFindCoordinator
test("transaction manager: TRANSACTION_ABORTABLE looking up the group coordinator is abortable", async () => {
  const t = await open();
  const offsets = await sendOffsets(t, 0, E.TRANSACTION_ABORTABLE);
  assert.equal(errorName(offsets.error), "TRANSACTION_ABORTABLE");
  assertAbortable(t, "TRANSACTION_ABORTABLE");
});

// testProducerFencedInAddOffSetsToTxn, testInvalidProducerEpochConvertToProducerFencedInAddOffSetsToTxn
test("transaction manager: PRODUCER_FENCED or INVALID_PRODUCER_EPOCH on AddOffsetsToTxn fences the producer", async () => {
  for (const code of [E.PRODUCER_FENCED, E.INVALID_PRODUCER_EPOCH]) {
    const t = await open();
    const offsets = await sendOffsets(t, code);
    assert.ok(offsets.error instanceof ProducerFencedError, `code ${code}: ${offsets.error}`);
    assert.equal(t.manager.state, "FATAL_ERROR");
  }
});

// testGroupAuthorizationFailureInTxnOffsetCommit, testFencedInstanceIdInTxnOffsetCommitByGroupMetadata,
// testUnknownMemberIdInTxnOffsetCommitByGroupMetadata, testIllegalGenerationInTxnOffsetCommitByGroupMetadata,
// testTransactionAbortableExceptionInTxnOffsetCommit
test("transaction manager: group errors and TRANSACTION_ABORTABLE on TxnOffsetCommit are abortable and fail sendOffsetsToTransaction", async () => {
  for (
    const [code, name] of [
      [E.GROUP_AUTHORIZATION_FAILED, "GROUP_AUTHORIZATION_FAILED"],
      [E.FENCED_INSTANCE_ID, "FENCED_INSTANCE_ID"],
      [E.UNKNOWN_MEMBER_ID, "UNKNOWN_MEMBER_ID"],
      [E.ILLEGAL_GENERATION, "ILLEGAL_GENERATION"],
      [E.TRANSACTION_ABORTABLE, "TRANSACTION_ABORTABLE"],
    ] as const
  ) {
    const t = await open();
    const offsets = await sendOffsets(t);
    await commitOffsets(t, code);
    assert.equal(errorName(offsets.error), name);
    assertAbortable(t, name);
  }
});

// testHandlingOfProducerFencedErrorOnTxnOffsetCommit, testHandlingOfInvalidProducerEpochErrorOnTxnOffsetCommit
test("transaction manager: PRODUCER_FENCED or INVALID_PRODUCER_EPOCH on TxnOffsetCommit fences the producer", async () => {
  for (const code of [E.PRODUCER_FENCED, E.INVALID_PRODUCER_EPOCH]) {
    const t = await open();
    const offsets = await sendOffsets(t);
    await commitOffsets(t, code);
    assert.ok(offsets.error instanceof ProducerFencedError, `code ${code}: ${offsets.error}`);
    assert.equal(t.manager.state, "FATAL_ERROR");
  }
});

// testHandlingOfUnknownTopicPartitionErrorOnTxnOffsetCommit, testHandlingOfCoordinatorLoadingErrorOnTxnOffsetCommit,
// testHandlingOfNetworkExceptionOnTxnOffsetCommit, testRetriableErrorInTxnOffsetCommit
test("transaction manager: retriable TxnOffsetCommit errors and a lost connection are retried until the offsets are committed", async () => {
  const t = await open();
  const offsets = await sendOffsets(t);
  await commitOffsets(t, E.UNKNOWN_TOPIC_OR_PARTITION);
  await t.afterBackoff();
  await commitOffsets(t, E.COORDINATOR_LOAD_IN_PROGRESS);
  await t.afterBackoff();
  t.answer("TxnOffsetCommit", undefined, new NetworkError("connection reset"));
  await t.run();
  await t.afterBackoff();
  t.findCoordinator();
  await t.run(2);
  await commitOffsets(t, 0);
  assert.equal(offsets.ok, true, String(offsets.error));
  assert.equal(t.sent("TxnOffsetCommit").length, 4);
});

// testSendOffsetsWithGroupMetadata
test("transaction manager: the group's generation, member id and instance id travel in TxnOffsetCommit", async () => {
  const t = await open();
  const offsets = watch(
    t.manager.sendOffsetsToTransaction(OFFSETS, { groupId: "group", generationId: 7, memberId: "m-1", groupInstanceId: "i-1" }),
  );
  await t.run();
  t.addOffsets();
  await t.run(2);
  t.findCoordinator();
  await t.run(2);
  const body = t.pending("TxnOffsetCommit").request.body as { generationId: number; memberId: string; groupInstanceId: string };
  assert.deepEqual([body.generationId, body.memberId, body.groupInstanceId], [7, "m-1", "i-1"]);
  await commitOffsets(t, 0);
  assert.equal(offsets.ok, true);
});

// testInvalidProducerEpochConvertToProducerFencedInEndTxn
test("transaction manager: INVALID_PRODUCER_EPOCH on EndTxn fences the producer: every later transactional call fails", async () => {
  const t = await open();
  await addPartition(t, 0);
  const commit = await commitUntilEndTxn(t);
  t.endTxn(E.INVALID_PRODUCER_EPOCH);
  await t.run();
  assert.ok(commit.error instanceof ProducerFencedError, String(commit.error));
  assert.throws(() => t.manager.beginTransaction(false), ProducerFencedError);
  assert.throws(() => t.manager.beginCommit(), ProducerFencedError);
  assert.throws(() => t.manager.beginAbort(), ProducerFencedError);
  assert.throws(() => t.manager.sendOffsetsToTransaction(OFFSETS, { groupId: "g" }), ProducerFencedError);
});

// testTransactionAbortableExceptionInEndTxn
test("transaction manager: TRANSACTION_ABORTABLE (and UNKNOWN_PRODUCER_ID, INVALID_PRODUCER_ID_MAPPING) on EndTxn(commit) fail the commit and leave it abortable", async () => {
  for (
    const [code, name] of [
      [E.TRANSACTION_ABORTABLE, "TRANSACTION_ABORTABLE"],
      [E.UNKNOWN_PRODUCER_ID, "UNKNOWN_PRODUCER_ID"],
      [E.INVALID_PRODUCER_ID_MAPPING, "INVALID_PRODUCER_ID_MAPPING"],
    ] as const
  ) {
    const t = await open();
    await addPartition(t, 0);
    const commit = await commitUntilEndTxn(t);
    t.endTxn(code);
    await t.run();
    assert.equal(errorName(commit.error), name, `${name}: the commit fails with it`);
    assertAbortable(t, name);
  }
});

// testRetryAbortTransaction, testRetryCommitTransaction
test("transaction manager: EndTxn answered with a retriable error is sent again, for commit and abort", async () => {
  for (const committed of [true, false]) {
    const t = await open();
    await addPartition(t, 0);
    const end = watch(committed ? t.manager.beginCommit() : t.manager.beginAbort());
    if (committed) {
      await t.run();
      t.produce([{ partition: 0 }]);
    }
    await t.run(2);
    t.endTxn(E.COORDINATOR_LOAD_IN_PROGRESS);
    await t.run();
    await t.afterBackoff();
    t.endTxn();
    await t.run();
    assert.equal(end.ok, true);
    assert.equal(t.sent("EndTxn").length, 2);
  }
});

// testRetryAbortTransactionAfterTimeout, testRetryCommitTransactionAfterTimeout, testRetryInitTransactionsAfterTimeout
test("transaction manager: calling initTransactions, commit or abort again while it is pending waits for the same attempt", async () => {
  const t = transactionalScenario();
  const first = t.manager.initTransactions();
  assert.equal(t.manager.initTransactions(), first);
  await t.run();
  await t.finishInit();
  await first;
  t.manager.beginTransaction(false);
  await addPartition(t as Awaited<ReturnType<typeof open>>, 0);
  const commit = t.manager.beginCommit();
  assert.equal(t.manager.beginCommit(), commit);
  await t.run();
  await t.reply([{ partition: 0 }], 2);
  t.endTxn();
  await t.run();
  await commit;
  assert.equal(t.sent("EndTxn").length, 1);
  t.manager.beginTransaction(false);
  await addPartition(t as Awaited<ReturnType<typeof open>>, 0);
  const abort = t.manager.beginAbort();
  assert.equal(t.manager.beginAbort(), abort);
});

// testRetryAbortTransactionAfterCommitTimeout, testRetryCommitTransactionAfterAbortTimeout
test("transaction manager: while a commit is pending abort is refused, and while an abort is pending commit is refused", async () => {
  const t = await open();
  await addPartition(t, 0);
  void t.manager.beginCommit();
  assert.throws(() => t.manager.beginAbort(), TransactionStateError);
  assert.equal(t.manager.state, "COMMITTING_TRANSACTION");
  const u = await open();
  await addPartition(u, 0);
  void u.manager.beginAbort();
  assert.throws(() => u.manager.beginCommit(), TransactionStateError);
  assert.equal(u.manager.state, "ABORTING_TRANSACTION");
});

// testForegroundInvalidStateTransitionIsRecoverable
test("transaction manager: a call the state does not allow throws and leaves the state as it was", async () => {
  const t = transactionalScenario();
  await t.init();
  assert.throws(() => t.manager.beginCommit(), TransactionStateError);
  assert.equal(t.manager.state, "READY");
  t.manager.beginTransaction(false);
  assert.equal(t.manager.state, "IN_TRANSACTION");
});

// testFindCoordinatorAllowedInAbortableErrorState
test("transaction manager: in an abortable error the coordinator can still be looked up, so the abort gets through", async () => {
  const t = await open();
  await addPartition(t, 0, 0);
  t.manager.handleBatchFailure(new KafkaError("a batch failed"));
  const abort = watch(t.manager.beginAbort());
  await t.run();
  t.endTxn(E.NOT_COORDINATOR);
  await t.run();
  await t.afterBackoff();
  t.findCoordinator();
  await t.run(2);
  t.endTxn();
  await t.run();
  assert.equal(abort.ok, true);
  assert.equal(t.manager.state, "READY");
});
