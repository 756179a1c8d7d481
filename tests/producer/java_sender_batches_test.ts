/**
 * Scenarios of the Java client's SenderTest about what happens to whole batches: splits
 * after MESSAGE_TOO_LARGE, per-record errors, expiry in flight and in the queue, and order
 * when one request per partition is in flight. The Java test each one comes from is named
 * in a comment above it; docs/reliability.md has the full table.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import type { KafkaProtocolError } from "../../src/protocol/error_codes.ts";
import { TimeoutError } from "../../src/errors.ts";
import { E, idempotentScenario, plainScenario, stampsOf } from "../support/java_scenarios.ts";

await initCrc32c();

const errorName = (error: unknown) => (error as KafkaProtocolError | undefined)?.errorName;

/** Splits: answers each produce request after the rejection with success, counting offsets from 0. */
function driveSplit(t: ReturnType<typeof plainScenario> | ReturnType<typeof idempotentScenario>) {
  const outcomes = [t.send(0, "z".repeat(300)), t.send(0, "small-1"), t.send(0, "small-2")];
  return {
    outcomes,
    async run(before: () => Promise<void> = async () => {}) {
      await before();
      await t.run();
      const original = stampsOf(t.sent("Produce").at(-1)!);
      assert.equal(original[0].records, 3, "one batch holds all three records");
      await t.reply([{ partition: 0, errorCode: E.MESSAGE_TOO_LARGE }]);
      let offset = 0;
      for (let i = 0; i < 10 && outcomes.some((o) => !o.settled); i++) {
        await t.run();
        const open = t.unanswered().find((r) => r.request.api.name === "Produce");
        if (open === undefined) continue;
        const [piece] = stampsOf(open);
        t.produce([{ partition: 0, baseOffset: offset }]);
        offset += piece.records;
        await t.run();
      }
      return { original, pieces: t.allStamps().slice(1) };
    },
  };
}

// testSplitBatchAndSend
test("sender batches: a batch rejected as MESSAGE_TOO_LARGE is split, and its records are delivered in order with their offsets", async () => {
  const t = plainScenario({ config: { guaranteeMessageOrder: true }, partitions: 1, batchSize: 400 });
  const split = driveSplit(t);
  const { pieces } = await split.run();
  assert.deepEqual(pieces.flatMap((s) => s.values).map((v) => v.slice(0, 7)), ["zzzzzzz", "small-1", "small-2"]);
  assert.deepEqual(split.outcomes.map((o) => o.metadata?.offset), [0, 1, 2]);
  assert.equal(t.accumulator.hasIncomplete(), false);
});

// testIdempotentSplitBatchAndSend
test("sender batches: an idempotent split keeps the original batch's sequences (from its base sequence, same epoch)", async () => {
  const t = idempotentScenario({ partitions: 1, batchSize: 400 });
  const split = driveSplit(t);
  const { original, pieces } = await split.run(() => t.start(123456n, 0));
  assert.deepEqual([original[0].epoch, original[0].sequence], [0, 0]);
  let expected = 0;
  for (const piece of pieces) {
    assert.deepEqual([piece.producerId, piece.epoch, piece.sequence], [123456n, 0, expected], "each piece where the records were");
    expected += piece.records;
  }
  assert.deepEqual(split.outcomes.map((o) => o.metadata?.offset), [0, 1, 2]);
  assert.equal(t.sequences.producerIdAndEpoch.epoch, 0, "a split is not a reason for an epoch bump");
});

// testRecordErrorPropagatedToApplication
test("sender batches: INVALID_RECORD with record errors gives each listed record its own message, the others a generic failure", async () => {
  const t = plainScenario({ batchSize: 4096 });
  const outcomes = [0, 1, 2, 3, 4].map((i) => t.send(0, `r${i}`));
  await t.run();
  t.produce([{
    partition: 0,
    errorCode: E.INVALID_RECORD,
    recordErrors: [
      { batchIndex: 0, batchIndexErrorMessage: "zero" },
      { batchIndex: 2, batchIndexErrorMessage: "two" },
      { batchIndex: 3, batchIndexErrorMessage: null },
    ],
  }]);
  await t.run();
  for (const o of outcomes) assert.ok(o.error !== undefined, "every record of the batch fails");
  assert.match(String(outcomes[0].error), /zero/);
  assert.match(String(outcomes[2].error), /two/);
  assert.match(String(outcomes[3].error), /failed the validation on broker/, "no message of its own: the error's description");
  for (const i of [1, 4]) {
    assert.doesNotMatch(String(outcomes[i].error), /zero|two/, `record ${i} was not listed: it must not get another record's message`);
    assert.notEqual(errorName(outcomes[i].error), "INVALID_RECORD", `record ${i} was not itself invalid`);
  }
});

// testInflightBatchesExpireOnDeliveryTimeout
test("sender batches: a batch still in flight at its delivery timeout fails with TimeoutError, its late success ignored", async () => {
  const t = plainScenario({ config: { deliveryTimeoutMs: 1500, requestTimeoutMs: 1000 } });
  const outcome = await t.sendAndRun(0);
  t.clock.advance(1500);
  await t.run();
  assert.ok(outcome.error instanceof TimeoutError);
  await t.reply([{ partition: 0, baseOffset: 4 }]);
  assert.equal(outcome.metadata, undefined);
});

// testWhenFirstBatchExpireNoSendSecondBatchIfGuaranteeOrder
test("sender batches: with one request in flight per partition, a second batch goes only after the expired first batch's response", async () => {
  const t = plainScenario({ config: { guaranteeMessageOrder: true, deliveryTimeoutMs: 1500, requestTimeoutMs: 1000 }, partitions: 1 });
  await t.sendAndRun(0, "first");
  t.clock.advance(750);
  const second = await t.sendAndRun(0, "second");
  assert.equal(t.client.inFlightRequestCount(), 1, "the partition is muted");
  t.clock.advance(750);
  await t.reply([{ partition: 0, baseOffset: 0 }]);
  assert.equal(t.client.inFlightRequestCount(), 0);
  await t.run();
  assert.equal(t.client.inFlightRequestCount(), 1);
  assert.deepEqual(t.lastStamps().flatMap((s) => s.values), ["second"]);
  assert.equal(second.settled, false);
});

// testExpiredBatchDoesNotSplitOnMessageTooLargeError
test("sender batches: an expired batch answered MESSAGE_TOO_LARGE afterwards is not split or resent", async () => {
  const t = plainScenario({ config: { deliveryTimeoutMs: 1500, requestTimeoutMs: 1000 }, batchSize: 4096 });
  const outcomes = [t.send(0, "a"), t.send(0, "b")];
  await t.run();
  t.clock.advance(1500);
  await t.run();
  await t.reply([{ partition: 0, errorCode: E.MESSAGE_TOO_LARGE }], 3);
  for (const o of outcomes) assert.ok(o.error instanceof TimeoutError);
  assert.equal(t.sent("Produce").length, 1);
  assert.equal(t.accumulator.hasUndrained(), false);
});

// testExpiredBatchesInMultiplePartitions
test("sender batches: batches of several partitions expire together, each with TimeoutError", async () => {
  const t = plainScenario({ config: { deliveryTimeoutMs: 1500, requestTimeoutMs: 1000 } });
  const outcomes = [t.send(0), t.send(1)];
  await t.run();
  t.clock.advance(1500);
  await t.run();
  for (const o of outcomes) assert.ok(o.error instanceof TimeoutError, String(o.error));
  assert.match(String(outcomes[0].error), /t-0/);
  assert.match(String(outcomes[1].error), /t-1/);
});
