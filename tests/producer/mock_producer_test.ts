/** MockProducer, the stand-in for users' own tests (after Java's MockProducerTest). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MockProducer } from "../../src/producer/mock_producer.ts";
import type { MockProducerOptions } from "../../src/producer/mock_producer.ts";
import type { Producer } from "../../src/producer/producer.ts";
import { PRODUCER_METRIC_NAMES } from "../../src/producer/producer_metrics.ts";
import { partitionForKey } from "../../src/producer/partitioner.ts";
import type { Cluster } from "../../src/client/metadata.ts";
import {
  ClosedError,
  ConfigError,
  KafkaError,
  ProducerFencedError,
  SerializationError,
  TransactionAbortedError,
  TransactionStateError,
} from "../../src/errors.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A promise's outcome without waiting: "pending", "resolved" or "rejected". */
async function outcome(promise: Promise<unknown>): Promise<string> {
  let state = "pending";
  promise.then(() => state = "resolved", () => state = "rejected");
  // A timer runs after every queued microtask, so a settled promise has reported by then.
  await new Promise((resolve) => setTimeout(resolve, 0));
  return state;
}

function isState(state: string) {
  return (e: unknown) => e instanceof TransactionStateError && e.state === state;
}

/** A transactional mock inside an open transaction. */
async function inTransaction(options: MockProducerOptions = {}): Promise<MockProducer> {
  const producer = new MockProducer({ transactionalId: "txn-1", ...options });
  await producer.initTransactions();
  producer.beginTransaction();
  return producer;
}

/** Every transactional call fails with `error`: beginTransaction at once, the others by rejecting. */
async function transactionalCallsFail(producer: MockProducer, error: new (...args: never[]) => Error): Promise<void> {
  assert.throws(() => producer.beginTransaction(), error);
  await assert.rejects(producer.commitTransaction(), error);
  await assert.rejects(producer.abortTransaction(), error);
  await assert.rejects(producer.initTransactions(), error);
  await assert.rejects(producer.sendOffsetsToTransaction([], "g"), error);
}

test("MockProducer: sends complete at once with offsets counting from 0 per partition, and history keeps them in order", async () => {
  const producer = new MockProducer({ partitions: { orders: 2 } }, { now: () => 5_000 });
  const a = await producer.send({ topic: "orders", value: "a", partition: 0 });
  const b = await producer.send({ topic: "orders", value: "b", partition: 1 });
  const c = await producer.send({ topic: "orders", value: "c", partition: 0 });
  const d = await producer.send({ topic: "audit", value: "d", timestamp: 42 });
  assert.deepEqual(a, { topic: "orders", partition: 0, offset: 0, timestamp: 5_000 });
  assert.deepEqual(b, { topic: "orders", partition: 1, offset: 0, timestamp: 5_000 });
  assert.deepEqual(c, { topic: "orders", partition: 0, offset: 1, timestamp: 5_000 });
  assert.deepEqual(d, { topic: "audit", partition: 0, offset: 0, timestamp: 42 });
  assert.deepEqual(producer.history().map((r) => r.value), ["a", "b", "c", "d"]);
  // history() is a copy.
  producer.history().length = 0;
  assert.equal(producer.history().length, 4);
});

test("MockProducer: keyed records go to the partition murmur2 gives, as in the real producer", async () => {
  const producer = new MockProducer({ partitions: { orders: 6 } });
  const seen = new Set<number>();
  for (let i = 0; i < 20; i++) {
    const key = `order-${i}`;
    const metadata = await producer.send({ topic: "orders", key, value: "x" });
    assert.equal(metadata.partition, partitionForKey(encoder.encode(key), 6), key);
    seen.add(metadata.partition);
  }
  assert.ok(seen.size > 1, "keys spread over several partitions");
  assert.equal((await producer.send({ topic: "orders", key: "foobar" })).partition, 0);
});

test("MockProducer: keyless records are spread round-robin; an explicit partition wins; one out of range rejects", async () => {
  const producer = new MockProducer({ partitions: { orders: 3 } });
  const partitions = [];
  for (let i = 0; i < 4; i++) partitions.push((await producer.send({ topic: "orders", value: "x" })).partition);
  assert.deepEqual(partitions, [0, 1, 2, 0]);
  assert.equal((await producer.send({ topic: "orders", key: "foobar", partition: 2 })).partition, 2);
  await assert.rejects(
    producer.send({ topic: "orders", value: "x", partition: 3 }),
    (e: unknown) => e instanceof KafkaError && /partition 3/.test(e.message),
  );
  assert.equal(producer.history().length, 5, "the rejected record is not recorded");
});

test("MockProducer: serializers and the partitioner are called as by the real producer", async () => {
  const calls: string[] = [];
  let clusterSeen: Cluster | undefined;
  const producer = new MockProducer<number, { total: number }>({
    partitions: { orders: 4 },
    keySerializer: (key, topic) => {
      calls.push(`key ${key} ${topic}`);
      return encoder.encode(String(key));
    },
    valueSerializer: (value, topic) => {
      calls.push(`value ${value.total} ${topic}`);
      return encoder.encode(JSON.stringify(value));
    },
    partitioner: (topic, key, value, cluster) => {
      clusterSeen = cluster;
      calls.push(`partition ${topic} ${decoder.decode(key!)} ${decoder.decode(value!)}`);
      return 3;
    },
  });
  const metadata = await producer.send({ topic: "orders", key: 17, value: { total: 3 } });
  assert.equal(metadata.partition, 3);
  assert.deepEqual(calls, ["key 17 orders", "value 3 orders", 'partition orders 17 {"total":3}']);
  assert.equal(clusterSeen?.topics.get("orders")?.partitions.length, 4);
  assert.equal(clusterSeen?.leaderFor("orders", 3)?.id, 0);
  assert.deepEqual(producer.history(), [{ topic: "orders", key: 17, value: { total: 3 } }]);
});

test("MockProducer: a bad partitioner result, a throwing serializer or an unserializable value rejects the send", async () => {
  let chosen = 7;
  const producer = new MockProducer({ partitions: { orders: 2 }, partitioner: () => chosen });
  await assert.rejects(producer.send({ topic: "orders", value: "x" }), /chose partition 7/);
  chosen = 1;
  assert.equal((await producer.send({ topic: "orders", value: "x" })).partition, 1);

  const failing = new MockProducer<string, string>({
    valueSerializer: () => {
      throw new SerializationError("no");
    },
  });
  await assert.rejects(failing.send({ topic: "t", value: "x" }), SerializationError);
  // Without a serializer, only strings, bytes and null can be sent.
  await assert.rejects(new MockProducer<unknown, unknown>().send({ topic: "t", value: 5 }), SerializationError);
  assert.equal(failing.history().length, 0);
});

test("MockProducer: send rejects a record without a topic or with a bad timestamp, never throwing", async () => {
  const producer = new MockProducer();
  await assert.rejects(producer.send({ topic: "" }), KafkaError);
  await assert.rejects(producer.send(null as never), KafkaError);
  await assert.rejects(producer.send({ topic: "t", timestamp: -1 }), /record\.timestamp must be a non-negative integer/);
  assert.equal(producer.history().length, 0);
});

test("MockProducer: options are checked, naming the key", () => {
  const key = (name: string) => (e: unknown) => e instanceof ConfigError && e.key === name;
  assert.throws(() => new MockProducer({ partitions: { orders: 0 } }), key("partitions"));
  assert.throws(() => new MockProducer({ partitions: { orders: 1.5 } }), key("partitions"));
  assert.throws(() => new MockProducer({ autoComplete: "yes" as never }), key("autoComplete"));
  assert.throws(() => new MockProducer({ keySerializer: "utf8" as never }), key("keySerializer"));
  assert.throws(() => new MockProducer({ valueSerializer: 1 as never }), key("valueSerializer"));
  assert.throws(() => new MockProducer({ partitioner: {} as never }), key("partitioner"));
  assert.throws(() => new MockProducer({ transactionalId: "" }), key("transactionalId"));
});

test("MockProducer: partitionsFor answers from the partitions option, 1 for other topics", async () => {
  const producer = new MockProducer({ partitions: { orders: 3 } });
  const orders = await producer.partitionsFor("orders");
  assert.deepEqual(orders.map((p) => p.partition), [0, 1, 2]);
  assert.deepEqual(orders[1], {
    topic: "orders",
    partition: 1,
    leader: 0,
    leaderEpoch: 0,
    replicas: [0],
    isr: [0],
    offlineReplicas: [],
    errorCode: 0,
  });
  assert.equal((await producer.partitionsFor("other")).length, 1);
});

test("MockProducer: without autoComplete, completeNext and errorNext settle sends in order and say whether there was one", async () => {
  const producer = new MockProducer({ autoComplete: false });
  const first = producer.send({ topic: "t", value: "1" });
  const second = producer.send({ topic: "t", value: "2" });
  const third = producer.send({ topic: "t", value: "3" });
  assert.equal(await outcome(first), "pending");
  assert.equal(producer.history().length, 3, "recorded when sent, as in Java");

  assert.equal(producer.completeNext(), true);
  assert.equal((await first).offset, 0);
  assert.equal(await outcome(second), "pending");

  const boom = new KafkaError("broker down");
  assert.equal(producer.errorNext(boom), true);
  await assert.rejects(second, (e) => e === boom);

  assert.equal(producer.completeNext(), true);
  assert.equal((await third).offset, 1, "a failed send takes no offset");
  assert.equal(producer.completeNext(), false);
  assert.equal(producer.errorNext(boom), false);
  assert.equal(producer.history().length, 3, "a failed record stays in the history, as in Java");
});

test("MockProducer: flush completes every pending send", async () => {
  const producer = new MockProducer({ autoComplete: false });
  const sends = [1, 2, 3].map((n) => producer.send({ topic: "t", value: String(n) }));
  assert.equal(await outcome(sends[2]), "pending");
  await producer.flush();
  assert.deepEqual((await Promise.all(sends)).map((m) => m.offset), [0, 1, 2]);
  assert.equal(producer.completeNext(), false);
});

test("MockProducer: sendError rejects every send until cleared, and those records are not recorded", async () => {
  const producer = new MockProducer();
  const error = new KafkaError("NOT_ENOUGH_REPLICAS", { retriable: true });
  producer.sendError = error;
  await assert.rejects(producer.send({ topic: "t", value: "1" }), (e) => e === error);
  await assert.rejects(producer.send({ topic: "t", value: "2" }), (e) => e === error);
  assert.equal(producer.history().length, 0);
  producer.sendError = undefined;
  assert.equal((await producer.send({ topic: "t", value: "3" })).offset, 0);
  assert.equal(producer.history().length, 1);
});

test("MockProducer: clear forgets the history but not the offsets, and leaves pending sends pending", async () => {
  const producer = new MockProducer({ autoComplete: false });
  const pending = producer.send({ topic: "t", value: "1" });
  producer.clear();
  assert.deepEqual(producer.history(), []);
  assert.equal(producer.completeNext(), true);
  assert.equal((await pending).offset, 0);
  producer.send({ topic: "t", value: "2" });
  await producer.flush();
  assert.deepEqual(producer.history().map((r) => r.value), ["2"]);
});

test("MockProducer: close completes pending sends, is idempotent, and later calls fail with ClosedError", async () => {
  const producer = new MockProducer({ autoComplete: false, transactionalId: "txn-1" });
  await producer.initTransactions();
  producer.beginTransaction();
  const pending = producer.send({ topic: "t", value: "1" });
  assert.equal(producer.closed, false);
  const closing = producer.close();
  assert.equal(producer.close(), closing);
  await closing;
  assert.equal(producer.closed, true);
  assert.equal((await pending).offset, 0);
  await assert.rejects(producer.send({ topic: "t", value: "2" }), ClosedError);
  await assert.rejects(producer.partitionsFor("t"), ClosedError);
  await transactionalCallsFail(producer, ClosedError);
  await producer.flush();
});

test("MockProducer: close with timeoutMs 0 fails pending sends with ClosedError; asyncDispose closes", async () => {
  const producer = new MockProducer({ autoComplete: false });
  const pending = producer.send({ topic: "t", value: "1" });
  await producer.close({ timeoutMs: 0 });
  await assert.rejects(pending, ClosedError);

  const disposed = new MockProducer();
  await disposed[Symbol.asyncDispose]();
  assert.equal(disposed.closed, true);
});

test("MockProducer: code written against the Producer interface runs on the mock", async () => {
  async function publish(producer: Producer, ids: string[]): Promise<number[]> {
    const sent = await Promise.all(ids.map((id) => producer.send({ topic: "orders", key: id, value: "{}" })));
    await producer.flush();
    return sent.map((m) => m.partition);
  }
  const mock = new MockProducer({ partitions: { orders: 4 } });
  const partitions = await publish(mock, ["a", "b", "c"]);
  assert.deepEqual(partitions, ["a", "b", "c"].map((k) => partitionForKey(encoder.encode(k), 4)));
});

test("MockProducer: a mock without transactionalId refuses transactions, as the real producer", async () => {
  const producer = new MockProducer();
  await assert.rejects(producer.initTransactions(), isState("NOT_TRANSACTIONAL"));
  assert.throws(() => producer.beginTransaction(), isState("NOT_TRANSACTIONAL"));
  await assert.rejects(producer.commitTransaction(), isState("NOT_TRANSACTIONAL"));
  await assert.rejects(producer.abortTransaction(), isState("NOT_TRANSACTIONAL"));
  await assert.rejects(producer.sendOffsetsToTransaction([], "g"), isState("NOT_TRANSACTIONAL"));
  assert.throws(() => producer.fenceProducer(), isState("NOT_TRANSACTIONAL"));
});

test("MockProducer: transactional calls out of order fail with TransactionStateError naming the state", async () => {
  const producer = new MockProducer({ transactionalId: "txn-1" });
  await assert.rejects(producer.send({ topic: "t" }), isState("UNINITIALIZED"));
  assert.throws(() => producer.beginTransaction(), isState("UNINITIALIZED"));
  await assert.rejects(producer.commitTransaction(), isState("UNINITIALIZED"));
  await assert.rejects(producer.abortTransaction(), isState("UNINITIALIZED"));
  assert.throws(() => producer.fenceProducer(), isState("UNINITIALIZED"));
  assert.equal(producer.transactionInitialized, false);

  await producer.initTransactions();
  assert.equal(producer.transactionInitialized, true);
  await assert.rejects(producer.initTransactions(), isState("READY"));
  await assert.rejects(producer.send({ topic: "t" }), isState("READY"));
  await assert.rejects(producer.commitTransaction(), isState("READY"));
  await assert.rejects(producer.abortTransaction(), isState("READY"));
  await assert.rejects(producer.sendOffsetsToTransaction([{ topic: "in", partition: 0, offset: 1 }], "g"), isState("READY"));
  assert.equal(producer.transactionInFlight, false);

  producer.beginTransaction();
  assert.equal(producer.transactionInFlight, true);
  assert.throws(() => producer.beginTransaction(), isState("IN_TRANSACTION"));
  assert.equal(producer.history().length, 0);
});

test("MockProducer: a committed transaction's records and offsets reach the history", async () => {
  const producer = await inTransaction({ autoComplete: false });
  producer.send({ topic: "t", value: "before" }).catch(() => {});
  await producer.commitTransaction();
  producer.beginTransaction();
  const sent = producer.send({ topic: "t", value: "1" });
  await producer.sendOffsetsToTransaction([{ topic: "in", partition: 0, offset: 5 }], { groupId: "g" });
  await producer.sendOffsetsToTransaction([{ topic: "in", partition: 0, offset: 7 }, { topic: "in", partition: 1, offset: 2 }], "g");
  assert.equal(producer.sentOffsets, true);
  assert.deepEqual(producer.uncommittedRecords().map((r) => r.value), ["1"]);
  assert.deepEqual(producer.history().map((r) => r.value), ["before"]);
  assert.deepEqual(producer.consumerGroupOffsetsHistory(), [], "offsets count only once committed");

  await producer.commitTransaction();
  assert.equal((await sent).offset, 1, "commit completed the pending send");
  assert.deepEqual(producer.history().map((r) => r.value), ["before", "1"]);
  assert.deepEqual(producer.uncommittedRecords(), []);
  assert.deepEqual(producer.consumerGroupOffsetsHistory(), [
    { g: [{ topic: "in", partition: 0, offset: 7 }, { topic: "in", partition: 1, offset: 2 }] },
  ]);
  assert.equal(producer.transactionCommitted, true);
  assert.equal(producer.transactionAborted, false);
  assert.equal(producer.transactionInFlight, false);
  assert.equal(producer.commitCount, 2);

  producer.beginTransaction();
  assert.equal(producer.sentOffsets, false, "reset by beginTransaction, as in Java");
  assert.equal(producer.transactionCommitted, false);
});

test("MockProducer: an aborted transaction's records and offsets are dropped, and its pending sends fail", async () => {
  const producer = await inTransaction({ autoComplete: false });
  const done = producer.send({ topic: "t", value: "kept?" });
  producer.completeNext();
  await done;
  const pending = producer.send({ topic: "t", value: "pending" });
  await producer.sendOffsetsToTransaction([{ topic: "in", partition: 0, offset: 5 }], "g");
  await producer.abortTransaction();
  await assert.rejects(pending, TransactionAbortedError);
  assert.deepEqual(producer.history(), []);
  assert.deepEqual(producer.uncommittedRecords(), []);
  assert.equal(producer.transactionAborted, true);
  assert.equal(producer.transactionCommitted, false);
  assert.equal(producer.transactionInFlight, false);
  assert.equal(producer.commitCount, 0);

  producer.beginTransaction();
  await producer.commitTransaction();
  assert.deepEqual(producer.consumerGroupOffsetsHistory(), [], "the aborted offsets were not carried over");
  assert.equal(producer.commitCount, 1);
});

test("MockProducer: a failed send makes the transaction abortable: send and commit fail with TransactionAbortedError", async () => {
  const producer = await inTransaction({ autoComplete: false });
  const failed = producer.send({ topic: "t", value: "1" });
  producer.errorNext(new KafkaError("MESSAGE_TOO_LARGE"));
  await assert.rejects(failed, /MESSAGE_TOO_LARGE/);
  await assert.rejects(producer.send({ topic: "t", value: "2" }), TransactionAbortedError);
  await assert.rejects(producer.commitTransaction(), (e) => e instanceof TransactionAbortedError && /MESSAGE_TOO_LARGE/.test(e.message));
  assert.equal(producer.transactionInFlight, true);
  await producer.abortTransaction();
  producer.beginTransaction();
  producer.send({ topic: "t", value: "3" });
  await producer.commitTransaction();
  assert.deepEqual(producer.history().map((r) => r.value), ["3"]);

  // sendError inside a transaction does the same.
  producer.beginTransaction();
  producer.sendError = new KafkaError("NOT_ENOUGH_REPLICAS");
  await assert.rejects(producer.send({ topic: "t", value: "4" }), /NOT_ENOUGH_REPLICAS/);
  producer.sendError = undefined;
  await assert.rejects(producer.commitTransaction(), TransactionAbortedError);
});

test("MockProducer: injected transactional errors fail the call and leave the state as it was", async () => {
  const producer = new MockProducer({ transactionalId: "txn-1" });
  const error = new KafkaError("injected");
  const isInjected = (e: unknown) => e === error;

  producer.initTransactionsError = error;
  await assert.rejects(producer.initTransactions(), isInjected);
  assert.equal(producer.transactionInitialized, false);
  producer.initTransactionsError = undefined;
  await producer.initTransactions();

  producer.beginTransactionError = error;
  assert.throws(() => producer.beginTransaction(), isInjected);
  assert.equal(producer.transactionInFlight, false);
  producer.beginTransactionError = undefined;
  producer.beginTransaction();

  producer.sendOffsetsError = error;
  await assert.rejects(producer.sendOffsetsToTransaction([{ topic: "in", partition: 0, offset: 1 }], "g"), isInjected);
  assert.equal(producer.sentOffsets, false);
  producer.sendOffsetsError = undefined;

  await producer.send({ topic: "t", value: "1" });
  producer.commitTransactionError = error;
  await assert.rejects(producer.commitTransaction(), isInjected);
  assert.equal(producer.transactionInFlight, true);
  assert.deepEqual(producer.history(), [], "nothing committed");
  producer.commitTransactionError = undefined;

  producer.abortTransactionError = error;
  await assert.rejects(producer.abortTransaction(), isInjected);
  assert.equal(producer.transactionInFlight, true);
  producer.abortTransactionError = undefined;

  await producer.commitTransaction();
  assert.deepEqual(producer.history().map((r) => r.value), ["1"]);
});

test("MockProducer: fenceProducer fails pending sends and every later call with ProducerFencedError; close still works", async () => {
  const producer = await inTransaction({ autoComplete: false });
  const pending = producer.send({ topic: "t", value: "1" });
  producer.fenceProducer();
  await assert.rejects(pending, ProducerFencedError);
  await assert.rejects(producer.send({ topic: "t", value: "2" }), ProducerFencedError);
  await transactionalCallsFail(producer, ProducerFencedError);
  assert.throws(() => producer.fenceProducer(), ProducerFencedError);
  await producer.close();
  assert.equal(producer.closed, true);
  await assert.rejects(producer.send({ topic: "t" }), ClosedError, "closed is reported before fenced, as in the real producer");
});

test("MockProducer: an injected ProducerFencedError fences the mock", async () => {
  const producer = await inTransaction();
  producer.commitTransactionError = new ProducerFencedError("newer epoch");
  await assert.rejects(producer.commitTransaction(), ProducerFencedError);
  producer.commitTransactionError = undefined;
  await assert.rejects(producer.send({ topic: "t" }), ProducerFencedError);
  await assert.rejects(producer.abortTransaction(), ProducerFencedError);
});

test("MockProducer.metrics: every producer metric name, 0 unless mockMetrics sets it", () => {
  const producer = new MockProducer();
  assert.equal(producer.metrics()["record-send-total"], 0);
  producer.mockMetrics = { "record-send-total": 7 };
  const metrics = producer.metrics();
  assert.equal(metrics["record-send-total"], 7);
  assert.equal(metrics["request-latency-avg"], 0);
  assert.equal(Object.keys(metrics).length, PRODUCER_METRIC_NAMES.length);
});
