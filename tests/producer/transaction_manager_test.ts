/** The transactional state machine alone, driven request by request as the Sender would (after Java's TransactionManagerTest). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { TransactionManager } from "../../src/producer/transaction_manager.ts";
import type { CoordinatorTarget, TransactionalRequest } from "../../src/producer/transaction_types.ts";
import { SequenceTracker } from "../../src/producer/sequence_tracker.ts";
import { PartitionRegistry } from "../../src/producer/partition_state.ts";
import { KafkaError, NetworkError, ProducerFencedError, TransactionAbortedError, TransactionStateError } from "../../src/errors.ts";
import { ErrorCode, KafkaProtocolError } from "../../src/protocol/error_codes.ts";

const ID = "txn-1";

/** AddPartitionsToTxn's answer for one partition: added, or refused with `errorCode`. */
const addPartitionsAnswer = (topic: string, partition: number, errorCode = 0) => ({
  throttleTimeMs: 0,
  resultsByTopic: [{ name: topic, resultsByPartition: [{ partitionIndex: partition, partitionErrorCode: errorCode }] }],
});
/** InitProducerId's or EndTxn's answer handing out `producerId` and `producerEpoch`. */
const idAnswer = (producerId: bigint, producerEpoch: number) => ({ throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch });
/** InitProducerId's or EndTxn's answer without a producer id: an error, or EndTxn of protocol v1. */
const noIdAnswer = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 });
/** TxnOffsetCommit's answer for one partition of topic "in". */
const offsetCommitAnswer = (partition: number, errorCode = 0) => ({
  throttleTimeMs: 0,
  topics: [{ name: "in", partitions: [{ partitionIndex: partition, errorCode }] }],
});
const codeOf = (error: unknown) => (error as { errorName?: string } | undefined)?.errorName;

function setup() {
  const sequences = new SequenceTracker();
  const manager = new TransactionManager(ID, 60_000, 100, sequences, new PartitionRegistry());
  let now = 1_000;
  const next = (incomplete = false) => manager.nextRequest(now, incomplete);
  const expect = (api: string, incomplete = false): TransactionalRequest => {
    const request = next(incomplete);
    assert.equal(request?.api.name, api);
    return request!;
  };
  const answer = (request: TransactionalRequest, body: unknown, error?: NetworkError) => request.handle(body, error, now);
  const coordinator = (request: TransactionalRequest, nodeId = 1, errorCode = 0) =>
    answer(request, { throttleTimeMs: 0, coordinators: [{ key: ID, nodeId, host: "b", port: 1, errorCode, errorMessage: null }] });
  const advance = (ms: number) => now += ms;
  /** initTransactions through FindCoordinator and InitProducerId. */
  const init = async (producerId = 77n, epoch = 0) => {
    const done = manager.initTransactions();
    coordinator(expect("FindCoordinator"));
    answer(expect("InitProducerId"), idAnswer(producerId, epoch));
    await done;
  };
  /** Adds `partition` of `topic` to the transaction, its AddPartitionsToTxn answered with `errorCode`. */
  const addPartition = (topic: string, partition: number, errorCode = 0) => {
    manager.addPartition(topic, partition);
    answer(expect("AddPartitionsToTxn"), addPartitionsAnswer(topic, partition, errorCode));
  };
  return { manager, sequences, next, expect, answer, coordinator, advance, init, addPartition };
}

/** A READY manager (producer 77, epoch 0) with a transaction begun, of protocol v2 or v1. */
async function begun(transactionV2: boolean) {
  const t = setup();
  await t.init();
  t.manager.beginTransaction(transactionV2);
  return t;
}

/** A protocol v1 transaction with partition t-0 added, so ending it needs EndTxn. */
async function openWithPartition() {
  const t = await begun(false);
  t.addPartition("t", 0);
  return t;
}

function rejectsWithState(action: () => unknown, state: string) {
  assert.throws(action, (e: unknown) => e instanceof TransactionStateError && e.state === state && e.message.includes(state));
}

test("TransactionManager: initTransactions finds the coordinator, gets a producer id and becomes READY", async () => {
  const t = setup();
  assert.equal(t.manager.state, "UNINITIALIZED");
  const done = t.manager.initTransactions();
  assert.equal(t.manager.state, "INITIALIZING");
  const find = t.expect("FindCoordinator");
  assert.equal(find.target, "any");
  assert.deepEqual(find.body(), { keyType: 1, keys: [ID] });
  assert.equal(t.next(), undefined, "one request at a time");
  t.coordinator(find, 3);
  const init = t.expect("InitProducerId");
  assert.deepEqual(init.body(), { transactionalId: ID, transactionTimeoutMs: 60_000 });
  assert.equal(t.manager.coordinatorNode(init.target as CoordinatorTarget)?.id, 3);
  t.answer(init, idAnswer(77n, 4));
  await done;
  assert.equal(t.manager.state, "READY");
  assert.deepEqual(t.sequences.producerIdAndEpoch, { producerId: 77n, epoch: 4 });
});

test("TransactionManager protocol v1: a new partition is added with AddPartitionsToTxn before its records may go", async () => {
  const t = await begun(false);
  t.manager.ensureSendAllowed();
  t.manager.addPartition("orders", 2);
  t.manager.addPartition("orders", 2);
  t.manager.addPartition("audit", 0);
  assert.equal(t.manager.isSendToPartitionAllowed("orders", 2), false);
  const add = t.expect("AddPartitionsToTxn");
  assert.deepEqual(add.body(), {
    transactionalId: ID,
    producerId: 77n,
    producerEpoch: 0,
    topics: [{ name: "orders", partitions: [2] }, { name: "audit", partitions: [0] }],
  });
  t.answer(add, addPartitionsAnswer("orders", 2));
  assert.equal(t.manager.isSendToPartitionAllowed("orders", 2), true);
  assert.equal(t.manager.isSendToPartitionAllowed("audit", 0), true);
  assert.equal(t.next(), undefined, "a partition is added once per transaction");
});

test("TransactionManager protocol v2: partitions need no AddPartitionsToTxn, and EndTxn's new epoch restarts the sequences", async () => {
  const t = await begun(true);
  t.manager.addPartition("orders", 0);
  assert.equal(t.manager.isSendToPartitionAllowed("orders", 0), true);
  const committing = t.manager.beginCommit();
  assert.equal(t.next(true), undefined, "EndTxn waits for the transaction's batches");
  const end = t.expect("EndTxn");
  assert.equal(end.maxVersion, undefined, "v5 allowed");
  assert.deepEqual(end.body(), { transactionalId: ID, producerId: 77n, producerEpoch: 0, committed: true });
  t.answer(end, idAnswer(77n, 1));
  await committing;
  assert.equal(t.manager.state, "READY");
  assert.deepEqual(t.sequences.producerIdAndEpoch, { producerId: 77n, epoch: 1 });
});

test("TransactionManager protocol v1 caps EndTxn and TxnOffsetCommit at v4 and sends AddOffsetsToTxn first", async () => {
  const t = await begun(false);
  const offsets = t.manager.sendOffsetsToTransaction([{ topic: "in", partition: 0, offset: 42 }], { groupId: "g" });
  const addOffsets = t.expect("AddOffsetsToTxn");
  assert.deepEqual(addOffsets.body(), { transactionalId: ID, producerId: 77n, producerEpoch: 0, groupId: "g" });
  t.answer(addOffsets, { throttleTimeMs: 0, errorCode: 0 });
  const findGroup = t.expect("FindCoordinator");
  assert.deepEqual(findGroup.body(), { keyType: 0, keys: ["g"] });
  t.coordinator(findGroup, 2);
  const commit = t.expect("TxnOffsetCommit");
  assert.equal(commit.maxVersion, 4);
  const body = commit.body() as { topics: { partitions: { committedOffset: bigint }[] }[] };
  assert.equal(body.topics[0].partitions[0].committedOffset, 42n);
  t.answer(commit, offsetCommitAnswer(0));
  await offsets;
  const ending = t.manager.beginCommit();
  const end = t.expect("EndTxn");
  assert.equal(end.maxVersion, 4);
  t.answer(end, noIdAnswer(0));
  await ending;
  assert.deepEqual(t.sequences.producerIdAndEpoch, { producerId: 77n, epoch: 0 }, "v1 keeps the epoch");
});

test("TransactionManager protocol v2 commits offsets without AddOffsetsToTxn", async () => {
  const t = await begun(true);
  const offsets = t.manager.sendOffsetsToTransaction([{ topic: "in", partition: 1, offset: 7 }], {
    groupId: "g",
    generationId: 3,
    memberId: "m",
  });
  t.coordinator(t.expect("FindCoordinator"), 2);
  const commit = t.expect("TxnOffsetCommit");
  assert.equal(commit.maxVersion, undefined);
  assert.equal((commit.body() as { generationId: number }).generationId, 3);
  t.answer(commit, offsetCommitAnswer(1));
  await offsets;
});

test("TransactionManager retries: a moved coordinator is found again, a loading or busy one is asked again after the backoff", async () => {
  const t = setup();
  const done = t.manager.initTransactions();
  t.coordinator(t.expect("FindCoordinator"), 1);
  t.answer(t.expect("InitProducerId"), noIdAnswer(16));
  assert.equal(t.next(), undefined, "backing off");
  t.advance(100);
  t.coordinator(t.expect("FindCoordinator"), 2);
  t.answer(t.expect("InitProducerId"), noIdAnswer(14));
  t.advance(100);
  t.answer(t.expect("InitProducerId"), undefined, new NetworkError("connection reset"));
  t.advance(100);
  t.coordinator(t.expect("FindCoordinator"), 2);
  t.answer(t.expect("InitProducerId"), idAnswer(5n, 0));
  await done;
  t.manager.beginTransaction(true);
  t.manager.addPartition("t", 0);
  const ending = t.manager.beginCommit();
  t.answer(t.expect("EndTxn"), noIdAnswer(51));
  t.advance(20);
  assert.equal(t.next(), undefined, "CONCURRENT_TRANSACTIONS on EndTxn waits out the full backoff, as in Java");
  t.advance(80);
  t.answer(t.expect("EndTxn"), idAnswer(5n, 1));
  await ending;
});

test("TransactionManager: fencing on InitProducerId or EndTxn is fatal, with ProducerFencedError from then on", async () => {
  const t = setup();
  const init = t.manager.initTransactions();
  t.coordinator(t.expect("FindCoordinator"));
  t.answer(t.expect("InitProducerId"), noIdAnswer(90));
  await assert.rejects(init, ProducerFencedError);
  assert.equal(t.manager.state, "FATAL_ERROR");
  assert.throws(() => t.manager.ensureSendAllowed(), ProducerFencedError);
  assert.throws(() => t.manager.beginTransaction(true), ProducerFencedError);

  const u = await openWithPartition();
  const commit = u.manager.beginCommit();
  u.answer(u.expect("EndTxn"), noIdAnswer(47));
  await assert.rejects(commit, ProducerFencedError);
  assert.equal(u.next(), undefined, "nothing more is sent");
});

test("TransactionManager: an abortable error blocks sends and commit until abortTransaction, which then works", async () => {
  const t = await begun(false);
  t.addPartition("orders", 0);
  t.addPartition("secret", 0, 29);
  assert.equal(t.manager.state, "ABORTABLE_ERROR");
  assert.match(String(t.manager.lastError), /TOPIC_AUTHORIZATION_FAILED/);
  assert.throws(() => t.manager.ensureSendAllowed(), TransactionAbortedError);
  assert.throws(() => t.manager.beginCommit(), TransactionAbortedError);
  const aborting = t.manager.beginAbort();
  assert.equal(t.manager.isAborting, true);
  assert.equal(t.manager.beginAbort(), aborting, "calling again waits for the same abort");
  const end = t.expect("EndTxn");
  assert.equal((end.body() as { committed: boolean }).committed, false);
  t.answer(end, noIdAnswer(0));
  await aborting;
  assert.equal(t.manager.state, "READY");
  t.manager.beginTransaction(false);
  assert.equal(t.manager.state, "IN_TRANSACTION");
});

test("TransactionManager: when no partition was ever added, an abort needs no EndTxn", async () => {
  const t = await begun(false);
  t.addPartition("secret", 0, 29);
  const aborted = t.manager.beginAbort();
  assert.equal(t.next(), undefined, "no EndTxn: the abort ends when its turn comes");
  await aborted;
  assert.equal(t.manager.state, "READY");
});

test("TransactionManager: a failed batch makes the transaction abortable; a transaction that wrote nothing ends without EndTxn", async () => {
  const t = await begun(true);
  t.manager.handleBatchFailure(new TransactionAbortedError("record too large"));
  assert.equal(t.manager.state, "ABORTABLE_ERROR");
  const aborted = t.manager.beginAbort();
  assert.equal(t.next(), undefined, "nothing was written: no EndTxn needed");
  await aborted;
  assert.equal(t.manager.state, "READY");
  t.manager.beginTransaction(true);
  const committed = t.manager.beginCommit();
  assert.equal(t.next(), undefined);
  await committed;
});

test("TransactionManager rejects every call that its state does not allow, naming the state", async () => {
  const t = setup();
  rejectsWithState(() => t.manager.beginTransaction(true), "UNINITIALIZED");
  rejectsWithState(() => t.manager.beginCommit(), "UNINITIALIZED");
  rejectsWithState(() => t.manager.beginAbort(), "UNINITIALIZED");
  rejectsWithState(() => t.manager.sendOffsetsToTransaction([], { groupId: "g" }), "UNINITIALIZED");
  rejectsWithState(() => t.manager.ensureSendAllowed(), "UNINITIALIZED");
  await t.init();
  rejectsWithState(() => t.manager.initTransactions(), "READY");
  rejectsWithState(() => t.manager.beginCommit(), "READY");
  rejectsWithState(() => t.manager.beginAbort(), "READY");
  rejectsWithState(() => t.manager.sendOffsetsToTransaction([], { groupId: "g" }), "READY");
  rejectsWithState(() => t.manager.ensureSendAllowed(), "READY");
  t.manager.beginTransaction(true);
  rejectsWithState(() => t.manager.beginTransaction(true), "IN_TRANSACTION");
  rejectsWithState(() => t.manager.initTransactions(), "IN_TRANSACTION");
  t.manager.addPartition("t", 0);
  void t.manager.beginCommit();
  rejectsWithState(() => t.manager.beginAbort(), "COMMITTING_TRANSACTION");
  rejectsWithState(() => t.manager.beginTransaction(true), "COMMITTING_TRANSACTION");
  rejectsWithState(() => t.manager.ensureSendAllowed(), "COMMITTING_TRANSACTION");
});

test("TransactionManager protocol v1: after sequences went out of step, the abort bumps the epoch with InitProducerId (KIP-360)", async () => {
  const t = await openWithPartition(); // producer 77, epoch 0
  t.sequences.requestEpochBump();
  t.manager.handleBatchFailure(new TransactionAbortedError("out of order"));
  const aborting = t.manager.beginAbort();
  t.answer(t.expect("EndTxn"), noIdAnswer(0));
  assert.equal(t.manager.state, "INITIALIZING");
  const bump = t.expect("InitProducerId");
  assert.deepEqual(bump.body(), { transactionalId: ID, transactionTimeoutMs: 60_000, producerId: 77n, producerEpoch: 0 });
  t.answer(bump, idAnswer(77n, 1));
  await aborting;
  assert.equal(t.manager.state, "READY");
  assert.deepEqual(t.sequences.producerIdAndEpoch, { producerId: 77n, epoch: 1 });
  assert.equal(t.sequences.epochBumpRequired, false);
});

test("TransactionManager retries AddPartitionsToTxn, AddOffsetsToTxn and TxnOffsetCommit on retriable and coordinator errors", async () => {
  const t = await begun(false);
  t.addPartition("t", 0, 51);
  t.advance(20);
  t.answer(t.expect("AddPartitionsToTxn"), addPartitionsAnswer("t", 0));
  assert.equal(t.manager.isSendToPartitionAllowed("t", 0), true);
  const offsets = t.manager.sendOffsetsToTransaction([{ topic: "in", partition: 0, offset: 1 }], { groupId: "g" });
  t.answer(t.expect("AddOffsetsToTxn"), { throttleTimeMs: 0, errorCode: 14 });
  t.advance(100);
  t.answer(t.expect("AddOffsetsToTxn"), { throttleTimeMs: 0, errorCode: 0 });
  t.coordinator(t.expect("FindCoordinator"), 2);
  t.answer(t.expect("TxnOffsetCommit"), offsetCommitAnswer(0, 16));
  t.advance(100);
  const again = t.expect("FindCoordinator");
  assert.deepEqual(again.body(), { keyType: 0, keys: ["g"] }, "the group coordinator is looked up again");
  t.coordinator(again, 3);
  t.answer(t.expect("TxnOffsetCommit"), offsetCommitAnswer(0));
  await offsets;
});

test("TransactionManager: a request put back because its coordinator went away finds the coordinator again first", async () => {
  const t = await begun(false);
  t.manager.ensureSendAllowed();
  t.addPartition("orders", 0);
  const ending = t.manager.beginCommit();
  const endTxn = t.expect("EndTxn");
  t.manager.putBack(endTxn, 1_000, 0);
  assert.equal(t.expect("EndTxn"), endTxn, "put back as it was: same coordinator");
  t.manager.putBack(endTxn, 1_000, 0, true);
  t.coordinator(t.expect("FindCoordinator"), 2);
  const again = t.expect("EndTxn");
  assert.equal(t.manager.coordinatorNode(again.target as CoordinatorTarget)?.id, 2);
  t.answer(again, noIdAnswer(0));
  await ending;
  assert.equal(t.manager.state, "READY");
});

test("TransactionManager: a batch failing while a commit waits makes the commit fail with TransactionAbortedError; EndTxn(commit) is never sent", async () => {
  const t = await openWithPartition();
  const commit = t.manager.beginCommit();
  assert.equal(t.next(true), undefined, "EndTxn waits for the batch");
  t.manager.handleBatchFailure(new KafkaError("NOT_ENOUGH_REPLICAS for t-0, retries exhausted"));
  assert.equal(t.manager.state, "ABORTABLE_ERROR");
  await assert.rejects(commit, TransactionAbortedError);
  assert.equal(t.next(false), undefined, "no partial commit goes out");
  const aborting = t.manager.beginAbort();
  const end = t.expect("EndTxn");
  assert.equal((end.body() as { committed: boolean }).committed, false);
  t.answer(end, noIdAnswer(0));
  await aborting;
  assert.equal(t.manager.state, "READY");
});

test("TransactionManager: an answer whose transition the state does not allow never throws; the manager turns fatal", async () => {
  const t = await openWithPartition();
  const commit = t.manager.beginCommit();
  const end = t.expect("EndTxn");
  // The state changes under the request in flight (the Sender found sequences out of step).
  t.manager.handleBatchFailure(new KafkaError("out of step"));
  assert.doesNotThrow(() => t.answer(end, noIdAnswer(0)));
  assert.equal(t.manager.state, "FATAL_ERROR");
  assert.ok(t.manager.lastError instanceof TransactionStateError);
  await assert.rejects(commit, KafkaError);
});

test("TransactionManager: a TxnOffsetCommit failing while a commit waits fails the commit and leaves the transaction abortable", async () => {
  const t = await openWithPartition();
  const offsets = t.manager.sendOffsetsToTransaction([{ topic: "in", partition: 0, offset: 1 }], { groupId: "g" });
  const commit = t.manager.beginCommit();
  t.answer(t.expect("AddOffsetsToTxn"), { throttleTimeMs: 0, errorCode: 0 });
  t.coordinator(t.expect("FindCoordinator"), 2);
  t.answer(t.expect("TxnOffsetCommit"), offsetCommitAnswer(0, ErrorCode.UNKNOWN_MEMBER_ID));
  assert.equal(t.manager.state, "ABORTABLE_ERROR");
  await assert.rejects(offsets, (e: unknown) => codeOf(e) === "UNKNOWN_MEMBER_ID");
  await assert.rejects(commit, TransactionAbortedError);
  assert.equal(t.next(), undefined, "EndTxn(commit) is not sent");
});

test("TransactionManager: INVALID_PRODUCER_EPOCH on a produce is abortable, PRODUCER_FENCED fatal (Java's produce error handling)", async () => {
  const t = await openWithPartition();
  const invalidEpoch = t.manager.produceError(
    ErrorCode.INVALID_PRODUCER_EPOCH,
    new KafkaProtocolError(ErrorCode.INVALID_PRODUCER_EPOCH, "t-0"),
  );
  assert.equal(invalidEpoch instanceof ProducerFencedError, false);
  t.manager.handleBatchFailure(invalidEpoch);
  assert.equal(t.manager.state, "ABORTABLE_ERROR");
  assert.throws(() => t.manager.ensureSendAllowed(), TransactionAbortedError);
  const aborting = t.manager.beginAbort();
  t.answer(t.expect("EndTxn"), noIdAnswer(0));
  await aborting;

  const u = await openWithPartition();
  const fenced = u.manager.produceError(ErrorCode.PRODUCER_FENCED, new KafkaProtocolError(ErrorCode.PRODUCER_FENCED, "t-0"));
  assert.ok(fenced instanceof ProducerFencedError);
  u.manager.handleBatchFailure(fenced);
  assert.equal(u.manager.state, "FATAL_ERROR");
});

test("TransactionManager: CLUSTER_AUTHORIZATION_FAILED on a produce of the transaction is fatal (Java's maybeTransitionToErrorState)", async () => {
  const t = await openWithPartition();
  t.manager.handleBatchFailure(new KafkaProtocolError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "t-0"));
  assert.equal(t.manager.state, "FATAL_ERROR");
  assert.throws(() => t.manager.beginAbort(), TransactionStateError);
});

test("TransactionManager: TRANSACTIONAL_ID_AUTHORIZATION_FAILED and INVALID_TXN_STATE on AddPartitionsToTxn are fatal", async () => {
  for (const code of [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ErrorCode.INVALID_TXN_STATE]) {
    const t = await begun(false);
    t.addPartition("t", 0, code);
    assert.equal(t.manager.state, "FATAL_ERROR", `code ${code}`);
    assert.equal(t.next(), undefined);
  }
});

test("TransactionManager: TRANSACTION_ABORTABLE, UNKNOWN_PRODUCER_ID and INVALID_PRODUCER_ID_MAPPING on EndTxn(commit) are abortable; the abort then works", async () => {
  for (const name of ["TRANSACTION_ABORTABLE", "UNKNOWN_PRODUCER_ID", "INVALID_PRODUCER_ID_MAPPING"] as const) {
    const t = await openWithPartition();
    const commit = t.manager.beginCommit();
    t.answer(t.expect("EndTxn"), noIdAnswer(ErrorCode[name]));
    await assert.rejects(commit, (e: unknown) => codeOf(e) === name);
    assert.equal(t.manager.state, "ABORTABLE_ERROR", name);
    const aborting = t.manager.beginAbort();
    if (name !== "INVALID_PRODUCER_ID_MAPPING") t.answer(t.expect("EndTxn"), noIdAnswer(0));
    if (name !== "TRANSACTION_ABORTABLE") {
      // The coordinator lost or remapped our producer id: the abort gets a bumped epoch (no EndTxn for a lost mapping, as Java).
      t.answer(t.expect("InitProducerId"), idAnswer(77n, 1));
    }
    await aborting;
    assert.equal(t.manager.state, "READY", name);
  }
});

// Found by the simulator's long run (seed 2147): the coordinator applied an AddPartitionsToTxn whose answer was lost; the
// transaction then turned abortable, the retry was dropped with the other queued requests, and the abort, believing the
// coordinator knew nothing of the transaction, sent no EndTxn. The coordinator timed the transaction out and fenced the
// producer.
for (const api of ["AddPartitionsToTxn", "AddOffsetsToTxn"]) {
  test(`TransactionManager protocol v1: an ${api} whose answer was lost is sent again before the abort's EndTxn`, async () => {
    const t = await begun(false);
    if (api === "AddPartitionsToTxn") t.manager.addPartition("orders", 0);
    else void t.manager.sendOffsetsToTransaction([{ topic: "in", partition: 0, offset: 1 }], { groupId: "g" }).catch(() => {});
    t.answer(t.expect(api), undefined, new NetworkError("connection reset"));
    t.manager.handleBatchFailure(new KafkaError("a batch expired", { retriable: true }));
    assert.equal(t.manager.state, "ABORTABLE_ERROR");
    const aborting = t.manager.beginAbort();
    t.advance(100);
    t.coordinator(t.expect("FindCoordinator"));
    const again = t.expect(api);
    t.answer(
      again,
      api === "AddPartitionsToTxn" ? addPartitionsAnswer("orders", 0) : { throttleTimeMs: 0, errorCode: 0 },
    );
    const end = t.expect("EndTxn");
    assert.equal((end.body() as { committed: boolean }).committed, false);
    t.answer(end, noIdAnswer(0));
    await aborting;
    assert.equal(t.manager.state, "READY");
  });
}
