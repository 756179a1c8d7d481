/**
 * A transactional send() that still waits for metadata or memory when the application ends
 * the transaction. In Java send() blocks its caller, so a record always joins the transaction
 * open when send() was called; here the promise outlives the call, and the record must not
 * slip into the next transaction. Run against the simulator's model cluster, on real timers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaProducer } from "../../src/producer/kafka_producer.ts";
import type { ProducerConfig } from "../../src/producer/producer_config.ts";
import { AuthenticationError, TimeoutError, TransactionAbortedError, TransactionStateError } from "../../src/errors.ts";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import type { FaultPlan } from "../../tools/sim/faults.ts";
import { ModelCluster } from "../../tools/sim/model_broker.ts";
import { Random } from "../../tools/sim/random.ts";
import { SimTransport } from "../../tools/sim/sim_transport.ts";
import { Trace } from "../../tools/sim/trace.ts";

await initCrc32c();

const NO_FAULTS: FaultPlan = {
  healAtMs: 0,
  latencyMs: [0, 1],
  dropBeforeApply: 0,
  dropAfterApply: 0,
  blackhole: 0,
  slow: 0,
  slowMs: 0,
  errorBeforeAppend: 0,
  errorAfterAppend: 0,
  unknownProducerId: 0,
  legacyBroker: false,
  coordinatorError: 0,
  connectRefused: 0,
  maxMessageBytes: Infinity,
  compactedSecondTopic: false,
  duplicateAsError: false,
  markerDelayMs: [0, 1],
  abortCheckIntervalMs: 1_000,
  events: [],
};

function setup(transactionVersion: number, config: Partial<ProducerConfig> = {}, brokers = 1) {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  const trace = new Trace(() => 0, false);
  const random = new Random(7);
  const cluster = new ModelCluster({
    brokers,
    topics: [{ name: "t", partitions: 1 }],
    transactionVersion,
    plan: NO_FAULTS,
    random: random.fork("broker"),
    trace,
    now: () => Date.now(),
    later,
    // Nothing expires within a test.
    producerIdExpirationMs: 3_600_000,
  });
  const transport = new SimTransport(cluster, NO_FAULTS, random.fork("network"), trace, { now: () => Date.now(), later });
  const producer = new KafkaProducer({
    bootstrapServers: "broker-1:9092",
    transport,
    transactionalId: "tx",
    lingerMs: 0,
    retryBackoffMs: 10,
    maxBlockMs: 5_000,
    ...config,
  });
  const stop = async () => {
    await producer.close({ timeoutMs: 0 });
    for (const timer of timers) clearTimeout(timer);
  };
  return { cluster, transport, producer, stop };
}

/** Runs `body` in a transaction begun on a fresh producer over the model cluster, then stops both. */
async function inTransaction(
  transactionVersion: number,
  config: Partial<ProducerConfig>,
  body: (t: ReturnType<typeof setup>) => Promise<void>,
): Promise<void> {
  const t = setup(transactionVersion, config);
  try {
    await t.producer.initTransactions();
    t.producer.beginTransaction();
    await body(t);
  } finally {
    await t.stop();
  }
}

/** How many records the cluster's logs show a read_committed reader. */
const committedRecords = (cluster: ModelCluster) => cluster.logs().flatMap((log) => log.readCommitted()).length;

for (const version of [1, 2]) {
  test(`transactional send (tv${version}): a record still waiting for metadata when the transaction aborts fails, and never joins the next one`, async () => {
    await inTransaction(version, {}, async ({ cluster, producer }) => {
      // Partition 1 does not exist yet: the send waits for metadata that lists it.
      const waiting = producer.send({ topic: "t", partition: 1, value: "from the aborted transaction" });
      const outcome = waiting.then(() => undefined, (error) => error);
      await producer.abortTransaction();
      producer.beginTransaction();
      cluster.growTopic("t", 1);
      const error = await outcome;
      assert.ok(error instanceof TransactionAbortedError, `the send fails as aborted, got ${error}`);
      await producer.send({ topic: "t", partition: 0, value: "from the next transaction" });
      await producer.commitTransaction();
      const visible = committedRecords(cluster);
      assert.equal(visible, 1, "only the next transaction's record is committed");
    });
  });
}

test("transactional send: a record waiting for metadata when commitTransaction() is called is in the commit (the flush waits for it)", async () => {
  await inTransaction(2, {}, async ({ cluster, producer }) => {
    const waiting = producer.send({ topic: "t", partition: 1, value: "late" });
    const committing = producer.commitTransaction();
    setTimeout(() => cluster.growTopic("t", 1), 20);
    await committing;
    assert.equal((await waiting).partition, 1);
    assert.equal(committedRecords(cluster), 1);
  });
});

test("transactional send: a record that gets no metadata within maxBlockMs makes the transaction abortable, as Java's doSend", async () => {
  await inTransaction(2, { maxBlockMs: 100 }, async ({ cluster, producer }) => {
    await producer.send({ topic: "t", partition: 0, value: "delivered" });
    // Partition 1 never appears: the send times out before its record reaches a batch.
    await assert.rejects(producer.send({ topic: "t", partition: 1, value: "lost" }), TimeoutError);
    await assert.rejects(producer.commitTransaction(), TransactionAbortedError);
    await producer.abortTransaction();
    assert.equal(
      committedRecords(cluster),
      0,
      "the transaction without its lost record is not committed",
    );
  });
});

// Found by the simulator's long run (seed 4135): the brokers refused the producer's credentials while its records waited for
// metadata. The waits failed with the authentication error, but the transaction stayed committable, and
// commitTransaction() committed a transaction without them.
test("transactional send: a record whose metadata wait fails on an authentication error makes the transaction abortable", async () => {
  await inTransaction(2, { metadataMaxAgeMs: 50 }, async ({ cluster, transport, producer }) => {
    await producer.send({ topic: "t", partition: 0, value: "delivered" });
    cluster.brokers[0].authFailingUntil = Infinity;
    transport.resetBroker(1, "restarted with a bad certificate");
    const refused = await producer.send({ topic: "t", partition: 1, value: "lost" }).then(() => undefined, (error) => error);
    assert.ok(refused instanceof AuthenticationError, `${refused}`);
    cluster.brokers[0].authFailingUntil = 0;
    await assert.rejects(producer.commitTransaction(), TransactionAbortedError);
  });
});

// Found by the simulator's long run (seed 14438): a send made while commitTransaction() waited for earlier records was taken
// into the transaction, but the commit did not wait for it (a flush waits only for what came before it), so the transaction
// committed without it. As in Java, where commitTransaction() moves to COMMITTING_TRANSACTION at once, such a send fails.
test("transactional send: a send made after commitTransaction() was called is refused, not left out of the commit", async () => {
  await inTransaction(2, {}, async ({ cluster, producer }) => {
    const waiting = producer.send({ topic: "t", partition: 1, value: "before the commit" });
    const committing = producer.commitTransaction();
    const late = await producer.send({ topic: "t", partition: 0, value: "after the commit call" }).then(() => undefined, (e) => e);
    assert.ok(late instanceof TransactionStateError, `${late}`);
    cluster.growTopic("t", 1);
    await committing;
    assert.equal((await waiting).partition, 1);
    assert.equal(committedRecords(cluster), 1);
  });
});

// Found by the simulator's long run (seed 163665): an abort outlasted maxBlockMs and finished in the background; called
// again, as the TimeoutError invites, it threw an invalid transition (READY to ABORTING_TRANSACTION). Java keeps the
// timed-out call's result (TransactionManager's pendingTransition): the same call again returns it, any other fails.
for (const action of ["commitTransaction", "abortTransaction"] as const) {
  test(`transactional calls: ${action}() that timed out and finished in the background returns its result when called again`, async () => {
    const { cluster, producer, stop } = setup(2, { maxBlockMs: 300 }, 2);
    try {
      await producer.initTransactions();
      producer.beginTransaction();
      await producer.send({ topic: "t", partition: 0, value: "v" });
      // The coordinator moves and loads for longer than maxBlockMs.
      cluster.moveCoordinator(800);
      await assert.rejects(producer[action](), TimeoutError);
      assert.throws(() => producer.beginTransaction(), /timed out and must be called again/);
      await assert.rejects(producer.send({ topic: "t", value: "v" }), /timed out and must be called again/);
      const other = action === "commitTransaction" ? "abortTransaction" : "commitTransaction";
      await assert.rejects(producer[other](), /timed out and must be called again/);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      await producer[action]();
      producer.beginTransaction();
      assert.equal(cluster.logs().flatMap((log) => log.readCommitted()).length, action === "commitTransaction" ? 1 : 0);
    } finally {
      await stop();
    }
  });
}
