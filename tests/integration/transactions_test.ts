/** Transactions against the real broker, read back by the Java consumer under read_committed. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaError, KafkaProducer, ProducerFencedError, TransactionAbortedError, TransactionStateError } from "../../mod.ts";
import { requireRunning } from "../../tools/kafka.ts";
import { bootstrapServers, uniqueTopic } from "../support/broker.ts";
import { createTestTopic, storedBatches } from "../support/topics.ts";
import { readTopic } from "../support/reader.ts";

const text = (bytes: Uint8Array | null) => new TextDecoder().decode(bytes!);

test("committed transactions are visible to read_committed readers, aborted ones never", async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic("txn-visibility", 3);
  const producer = new KafkaProducer({ bootstrapServers: servers, transactionalId: uniqueTopic("txn-id") });
  try {
    await producer.initTransactions();
    for (const [name, commit] of [["a", true], ["b", false], ["c", true]] as const) {
      producer.beginTransaction();
      const sends = Array.from({ length: 100 }, (_, i) => producer.send({ topic, key: `k${i % 10}`, value: `${name}-${i}` }));
      if (commit) {
        await producer.commitTransaction();
        await Promise.all(sends);
      } else {
        await producer.flush();
        await producer.abortTransaction();
        await Promise.allSettled(sends);
      }
    }
  } finally {
    await producer.close();
  }
  const committed = await readTopic(servers, topic, { isolationLevel: "read_committed" });
  const values = committed.map((r) => text(r.value));
  assert.equal(values.length, 200);
  assert.ok(values.every((v) => v.startsWith("a-") || v.startsWith("c-")), "nothing of the aborted transaction");
  const uncommitted = await readTopic(servers, topic, { isolationLevel: "read_uncommitted" });
  assert.ok(uncommitted.some((r) => text(r.value).startsWith("b-")), "the aborted records are in the log, only hidden");
  const batches = storedBatches(topic).filter((b) => b.producerId >= 0n);
  const epochs = new Set(batches.map((b) => b.producerEpoch));
  const major = Number(requireRunning().version.split(".")[0]);
  if (major >= 4) assert.ok(epochs.size >= 2, "transaction protocol v2: EndTxn bumps the epoch");
  else assert.equal(epochs.size, 1, "transaction protocol v1 keeps the epoch");
});

test("a second producer with the same transactionalId fences the first with ProducerFencedError", async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic("txn-fencing", 1);
  const transactionalId = uniqueTopic("fenced-id");
  const older = new KafkaProducer({ bootstrapServers: servers, transactionalId });
  const newer = new KafkaProducer({ bootstrapServers: servers, transactionalId });
  try {
    await older.initTransactions();
    older.beginTransaction();
    await older.send({ topic, value: "from the older producer" });
    await newer.initTransactions();
    // As in Java: the broker answers the older producer's records with INVALID_PRODUCER_EPOCH, an
    // abortable error (the same answer follows a transaction timeout), so the commit is refused;
    // the coordinator then refuses the abort as fenced, and that is fatal.
    await assert.rejects(older.send({ topic, value: "after fencing" }), KafkaError);
    await assert.rejects(
      older.commitTransaction(),
      (e: unknown) => e instanceof TransactionAbortedError || e instanceof ProducerFencedError,
    );
    await assert.rejects(older.abortTransaction(), ProducerFencedError);
    await assert.rejects(older.send({ topic, value: "again" }), ProducerFencedError);
    newer.beginTransaction();
    await newer.send({ topic, value: "from the newer producer" });
    await newer.commitTransaction();
  } finally {
    await older.close({ timeoutMs: 0 });
    await newer.close();
  }
  const committed = await readTopic(servers, topic, { isolationLevel: "read_committed" });
  assert.deepEqual(committed.map((r) => text(r.value)), ["from the newer producer"]);
});

test("sendOffsetsToTransaction commits the group's offsets with the transaction", async () => {
  const servers = await bootstrapServers();
  const input = await createTestTopic("txn-input", 1);
  const output = await createTestTopic("txn-output", 1);
  const group = uniqueTopic("txn-group");
  {
    await using plain = new KafkaProducer({ bootstrapServers: servers });
    await Promise.all(Array.from({ length: 10 }, (_, i) => plain.send({ topic: input, value: `in-${i}` })));
  }
  const producer = new KafkaProducer({ bootstrapServers: servers, transactionalId: uniqueTopic("offsets-id") });
  try {
    await producer.initTransactions();
    producer.beginTransaction();
    await producer.send({ topic: output, value: "processed 0..5" });
    await producer.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 6 }], { groupId: group });
    await producer.commitTransaction();
  } finally {
    await producer.close();
  }
  // With the group's id the Java consumer starts at the offset the transaction committed: 6.
  const read = await readTopic(servers, input, { props: { "group.id": group } });
  assert.deepEqual(read.map((r) => r.offset), [6, 7, 8, 9]);
});

test("transactional calls in the wrong state reject with the state in the message", async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic("txn-states", 1);
  const producer = new KafkaProducer({ bootstrapServers: servers, transactionalId: uniqueTopic("states-id") });
  try {
    await assert.rejects(producer.send({ topic, value: "too early" }), (e: unknown) => {
      assert.ok(e instanceof TransactionStateError);
      assert.match(e.message, /UNINITIALIZED.*initTransactions/);
      return true;
    });
    assert.throws(() => producer.beginTransaction(), /initTransactions/);
    await producer.initTransactions();
    await assert.rejects(producer.commitTransaction(), /state READY/);
    await assert.rejects(producer.send({ topic, value: "no transaction" }), /READY.*beginTransaction/);
    producer.beginTransaction();
    assert.throws(() => producer.beginTransaction(), /IN_TRANSACTION/);
    await producer.abortTransaction();
  } finally {
    await producer.close();
  }
  const plain = new KafkaProducer({ bootstrapServers: servers });
  try {
    await assert.rejects(plain.initTransactions(), /transactionalId/);
  } finally {
    await plain.close();
  }
});

test("close() aborts a transaction left open, so read_committed readers move past it at once", async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic("txn-close-open", 1);
  // The coordinator would abort it only after transactionTimeoutMs: a reader must not have to wait that long.
  const producer = new KafkaProducer({
    bootstrapServers: servers,
    transactionalId: uniqueTopic("txn-close"),
    transactionTimeoutMs: 300_000,
  });
  await producer.initTransactions();
  producer.beginTransaction();
  const sends = ["open-1", "open-2", "open-3"].map((value) => producer.send({ topic, partition: 0, value }));
  await producer.flush();
  const closing = Date.now();
  await producer.close();
  assert.ok(Date.now() - closing < 15_000, "close does not wait for the transaction timeout");
  await Promise.allSettled(sends);
  {
    await using plain = new KafkaProducer({ bootstrapServers: servers });
    await plain.send({ topic, partition: 0, value: "after" });
  }
  // readTopic reads up to the last stable offset: an open transaction before "after" would hold it back.
  const committed = await readTopic(servers, topic, { isolationLevel: "read_committed", timeoutMs: 30_000 });
  assert.deepEqual(committed.map((r) => text(r.value)), ["after"], "the open records are aborted, and the record after them is visible");
  const uncommitted = await readTopic(servers, topic, { isolationLevel: "read_uncommitted" });
  assert.equal(uncommitted.filter((r) => text(r.value).startsWith("open-")).length, 3, "the aborted records are in the log, hidden");
});
