/**
 * ProducerBatch's bookkeeping of its records: each record's own timestamp and offset in
 * its metadata (timestamps kept as runs of equal values), more records than the arrays were
 * sized for from the partition's last batch, failure per record, bare callbacks beside
 * settlers (one that throws is reported and stops nothing), and a split that hands the
 * settlers over in order.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProducerBatch, type RecordSettler } from "../../src/producer/producer_batch.ts";
import { PartitionState } from "../../src/producer/partition_state.ts";
import type { RecordMetadata } from "../../src/producer/producer_record.ts";
import type { RecordOutcome } from "../../src/producer/send_callback.ts";
import { initCrc32c } from "../../src/protocol/crc32c.ts";

await initCrc32c();

/** Records what each send heard, by send index. */
class Outcomes {
  readonly metadata: (RecordMetadata | undefined)[] = [];
  readonly errors: (Error | undefined)[] = [];

  settler(index: number): RecordSettler {
    return {
      resolve: (metadata) => this.metadata[index] = metadata,
      reject: (error) => this.errors[index] = error,
    };
  }
}

const VALUE = new Uint8Array([1, 2, 3]);

function batchWith(state: PartitionState, timestamps: readonly number[], outcomes: Outcomes): ProducerBatch {
  const batch = new ProducerBatch(state, new Uint8Array(65536), 65536, 0);
  timestamps.forEach((timestamp, i) => assert.ok(batch.tryAppend(timestamp, null, VALUE, [], outcomes.settler(i))));
  return batch;
}

// Runs of equal timestamps, single ones, a return to an earlier value, and the last record alone.
const TIMESTAMPS = [1000, 1000, 1000, 1001, 999, 999, 5_000_000_000_000, 1000, 1000, 7];

test("complete: each record gets its own timestamp and offset, in send order", () => {
  const outcomes = new Outcomes();
  const batch = batchWith(new PartitionState("t", 3), TIMESTAMPS, outcomes);
  assert.equal(batch.recordCount, TIMESTAMPS.length);
  assert.equal(batch.complete(40, -1), true);
  assert.deepEqual(
    outcomes.metadata,
    TIMESTAMPS.map((timestamp, i) => ({ topic: "t", partition: 3, offset: 40 + i, timestamp })),
  );
});

test("complete: the broker's log-append time replaces every record's own; acks=0 gives offset -1", () => {
  const outcomes = new Outcomes();
  batchWith(new PartitionState("t", 0), TIMESTAMPS, outcomes).complete(-1, 123);
  assert.deepEqual(outcomes.metadata.map((m) => [m?.offset, m?.timestamp]), TIMESTAMPS.map(() => [-1, 123]));
});

test("a batch sized from the partition's last batch takes more records than that, and settles them all", () => {
  const state = new PartitionState("t", 0);
  state.lastBatchRecords = 3;
  const timestamps = Array.from({ length: 50 }, (_, i) => 2000 + Math.floor(i / 7));
  const outcomes = new Outcomes();
  const batch = batchWith(state, timestamps, outcomes);
  assert.equal(batch.recordCount, 50);
  batch.complete(0, -1);
  assert.deepEqual(outcomes.metadata.map((m) => m?.timestamp), timestamps);
  assert.deepEqual(outcomes.metadata.map((m) => m?.offset), timestamps.map((_, i) => i));
});

test("a batch sized for more records than it gets settles only those it holds", () => {
  const state = new PartitionState("t", 0);
  state.lastBatchRecords = 500;
  const outcomes = new Outcomes();
  const batch = batchWith(state, [1, 2], outcomes);
  batch.complete(10, -1);
  assert.equal(outcomes.metadata.length, 2);
  assert.deepEqual(outcomes.metadata.map((m) => m?.offset), [10, 11]);
});

test("fail: every record, or each with the error the broker named for it", () => {
  const whole = new Outcomes();
  const error = new Error("gone");
  batchWith(new PartitionState("t", 0), [1, 1, 2], whole).fail(error);
  assert.deepEqual(whole.errors, [error, error, error]);

  const each = new Outcomes();
  batchWith(new PartitionState("t", 0), [1, 1, 2], each).fail(error, "failed", (i) => new Error(`record ${i}`));
  assert.deepEqual(each.errors.map((e) => e?.message), ["record 0", "record 1", "record 2"]);
  assert.equal(each.metadata.length, 0);
});

test("bare callbacks and settlers in one batch: each hears its outcome; a callback that throws is reported, the rest still settle", () => {
  const reported: unknown[] = [];
  const heard: string[] = [];
  const batch = new ProducerBatch(new PartitionState("t", 0), new Uint8Array(4096), 4096, 0, undefined, (thrown) => reported.push(thrown));
  const outcomes: RecordOutcome[] = [
    (error, metadata) => heard.push(`callback 0: ${error?.message ?? metadata?.offset}`),
    { resolve: (metadata) => heard.push(`settler 1: ${metadata.offset}`), reject: (error) => heard.push(`settler 1: ${error.message}`) },
    () => {
      throw new Error("callback 2 broke");
    },
    (error, metadata) => heard.push(`callback 3: ${error?.message ?? metadata?.offset}`),
  ];
  outcomes.forEach((outcome) => assert.ok(batch.tryAppend(5, null, VALUE, [], outcome)));
  batch.complete(70, -1);
  assert.deepEqual(heard, ["callback 0: 70", "settler 1: 71", "callback 3: 73"]);
  assert.deepEqual(reported.map((thrown) => (thrown as Error).message), ["callback 2 broke"]);

  heard.length = 0;
  const failing = new ProducerBatch(new PartitionState("t", 0), new Uint8Array(4096), 4096, 0, undefined, () => {});
  outcomes.forEach((outcome) => failing.tryAppend(5, null, VALUE, [], outcome));
  failing.fail(new Error("expired"));
  assert.deepEqual(heard, ["callback 0: expired", "settler 1: expired", "callback 3: expired"]);
});

test("a split takes the settlers in send order and leaves nothing for the old batch to settle", () => {
  const outcomes = new Outcomes();
  const batch = batchWith(new PartitionState("t", 0), [1, 2, 3], outcomes);
  const settlers = batch.takeSettlersForSplit();
  assert.equal(settlers.length, 3);
  assert.equal(batch.recordCount, 0);
  assert.equal(batch.complete(0, -1), false);
  const piece = new ProducerBatch(new PartitionState("t", 0), new Uint8Array(4096), 4096, 0);
  settlers.forEach((settler) => piece.tryAppend(9, null, VALUE, [], settler));
  piece.complete(20, -1);
  assert.deepEqual(outcomes.metadata.map((m) => m?.offset), [20, 21, 22]);
});
