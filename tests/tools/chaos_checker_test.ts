import { test } from "node:test";
import assert from "node:assert/strict";
import { checkRound, isClean, type StoredRecord } from "../../tools/chaos/checker.ts";
import { emptyWorkloadResult, type WorkloadResult } from "../../tools/chaos/round.ts";

function result(overrides: Partial<WorkloadResult>): WorkloadResult {
  return { ...emptyWorkloadResult(), ...overrides };
}

const at = (partition: number, offset: number, seq: number): StoredRecord => ({ partition, offset, seq });

test("checker: every acknowledged record stored once, in order, where it was reported, is clean", () => {
  const verdict = checkRound("idempotent", result({ acked: [[0, 0, 0], [1, 1, 0], [2, 0, 1]] }), [at(0, 0, 0), at(1, 0, 1), at(0, 1, 2)]);
  assert.equal(verdict.acked, 3);
  assert.ok(isClean(verdict));
});

test("checker: counts lost, duplicated, reordered and misplaced records", () => {
  const acked: WorkloadResult["acked"] = [[0, 0, 0], [1, 0, 1], [2, 0, 2], [3, 0, 3]];
  // seq 1 missing; seq 3 stored at offset 1, ahead of seq 2 and not where it was acknowledged; seq 2 stored twice.
  const stored = [at(0, 0, 0), at(0, 1, 3), at(0, 2, 2), at(0, 3, 2)];
  const verdict = checkRound("idempotent", result({ acked }), stored);
  assert.deepEqual(
    { lost: verdict.lost, duplicated: verdict.duplicated, reordered: verdict.reordered, misplaced: verdict.misplaced },
    { lost: 1, duplicated: 1, reordered: 2, misplaced: 1 },
  );
  assert.equal(isClean(verdict), false);
});

test("checker: an unacknowledged record stored anyway is neither lost nor a fault; its second copy is a duplicate", () => {
  const verdict = checkRound("at-least-once", result({ acked: [[0, 0, 0]], failed: { TimeoutError: 1 } }), [
    at(0, 0, 0),
    at(0, 1, 1),
    at(0, 2, 1),
  ]);
  assert.equal(verdict.lost, 0);
  assert.equal(verdict.failed, 1);
  assert.equal(verdict.duplicated, 1);
});

test("checker: transactions: committed records missing are lost, aborted ones seen are counted, unknown ones are neither", () => {
  const outcome = result({ committed: [[0, 2]], aborted: [[3, 4]], unknown: [[5, 5]] });
  const verdict = checkRound("transactions", outcome, [at(0, 0, 0), at(0, 1, 2), at(0, 2, 4), at(0, 3, 5)]);
  assert.equal(verdict.acked, 3);
  assert.equal(verdict.lost, 1);
  assert.equal(verdict.abortedVisible, 1);
  assert.equal(verdict.unknownTransactions, 1);
  assert.equal(isClean(verdict), false);
});

test("checker: unsettled sends and unhandled rejections reported by the workload make a round unclean", () => {
  assert.equal(isClean(checkRound("idempotent", result({ unsettled: 1 }), [])), false);
  assert.equal(isClean(checkRound("idempotent", result({ unhandledRejections: 1 }), [])), false);
});
