/**
 * Helpers for the transactional scenarios ported from the Java client's TransactionManagerTest:
 * an open protocol v1 transaction, a partition added with a given answer, offsets sent through
 * AddOffsetsToTxn, the group lookup and TxnOffsetCommit, and checks that the state is fatal or
 * abortable.
 */
import assert from "node:assert/strict";
import type { KafkaProtocolError } from "../../src/protocol/error_codes.ts";
import { KafkaError, TransactionAbortedError } from "../../src/errors.ts";
import { transactionalScenario, watch } from "./java_scenarios.ts";

export const errorName = (error: unknown) => (error as KafkaProtocolError | undefined)?.errorName;
export const OFFSETS = [{ topic: "in", partition: 0, offset: 39 }];

/** A transactional producer whose initTransactions found the coordinator and then got `errorCode` on InitProducerId. */
export async function initFailsWith(errorCode: number) {
  const t = transactionalScenario();
  const init = await t.initUntilProducerId();
  t.initProducerId(-1n, -1, errorCode);
  await t.run(2);
  return { t, init };
}

/** A READY transactional producer with a protocol v1 transaction open. */
export async function open() {
  const t = transactionalScenario();
  await t.init();
  t.manager.beginTransaction(false);
  return t;
}

/** Sends a record to `partition` and the AddPartitionsToTxn for it, answered with `errorCode`. */
export async function addPartition(t: Awaited<ReturnType<typeof open>>, errorCode: number, partition = 0) {
  const outcome = t.send(partition);
  await t.run();
  t.addPartitions(errorCode);
  await t.run();
  return outcome;
}

/** sendOffsetsToTransaction through AddOffsetsToTxn (answered with `addOffsetsError`) and, if that passed, the group lookup. */
export async function sendOffsets(t: Awaited<ReturnType<typeof open>>, addOffsetsError = 0, findGroupError = 0) {
  const result = watch(t.manager.sendOffsetsToTransaction(OFFSETS, { groupId: "group" }));
  await t.run();
  t.addOffsets(addOffsetsError);
  await t.run(2);
  if (addOffsetsError === 0) {
    assert.deepEqual((t.pending("FindCoordinator").request.body as { keys: string[] }).keys, ["group"]);
    t.findCoordinator(1, findGroupError);
    await t.run(2);
  }
  return result;
}

/** Begins the commit of a transaction with a record queued for partition 0 and answers its produce request, so EndTxn is next. */
export async function commitUntilEndTxn(t: Awaited<ReturnType<typeof open>>) {
  const commit = watch(t.manager.beginCommit());
  await t.run();
  await t.reply([{ partition: 0 }], 2);
  return commit;
}

/** Answers the TxnOffsetCommit with `errorCode`. */
export async function commitOffsets(t: Awaited<ReturnType<typeof open>>, errorCode: number) {
  t.txnOffsetCommit(errorCode);
  await t.run(2);
}

export function assertFatal(t: Awaited<ReturnType<typeof open>>, name: string) {
  assert.equal(t.manager.state, "FATAL_ERROR", `${name} must be fatal, state is ${t.manager.state}`);
  assert.throws(() => t.manager.beginAbort(), KafkaError, "not even abort is allowed");
}

export function assertAbortable(t: Awaited<ReturnType<typeof open>>, name: string) {
  assert.equal(t.manager.state, "ABORTABLE_ERROR", `${name} must be abortable, state is ${t.manager.state}`);
  assert.equal(errorName(t.manager.lastError), name);
  assert.throws(() => t.manager.ensureSendAllowed(), TransactionAbortedError);
  assert.throws(() => t.manager.beginCommit(), TransactionAbortedError);
}
