/**
 * Fixtures for the scenarios ported from the Java client's SenderTest, RecordAccumulatorTest
 * and TransactionManagerTest: an idempotent or transactional Sender over the fakes of
 * `setup()`, answered by API name, with the stamps (producer id, epoch, sequence) read back
 * from the bytes of each produce request. Only public methods of the producer's classes are
 * used, so the scenarios survive changes inside them.
 */
import { Sender } from "../../src/producer/sender.ts";
import type { SenderConfig } from "../../src/producer/sender.ts";
import { SequenceTracker } from "../../src/producer/sequence_tracker.ts";
import { TransactionManager } from "../../src/producer/transaction_manager.ts";
import type { ProduceRequest, ProduceResponse } from "../../src/protocol/produce.ts";
import { decodeRecordBatches } from "../../src/protocol/record_batch_decoder.ts";
import type { KafkaError } from "../../src/errors.ts";
import type { FakeClient, Recorded } from "./fake_client.ts";
import { type PartitionResult, produceResponse, setup, TOPIC } from "./sender_fixtures.ts";
import { bytes, Outcome, PRODUCER_DEFAULTS } from "./producer_fixtures.ts";

export { type PartitionResult, TOPIC };

/** Error codes by their Kafka names: the shared table, under the short name the scenarios use. */
export { ErrorCode as E } from "../../src/protocol/error_codes.ts";

/** The retry backoff (100 ms) with room for its jitter: a batch waiting to be retried may go after it. */
export const RETRY_WAIT = 200;

/**
 * A produce response for partitions of {@link TOPIC} as a Java broker gives it: a failed
 * partition's offset is -1 and the log start offset unknown (-1) unless given.
 */
export function produceResult(results: PartitionResult[]): ProduceResponse {
  return produceResponse(
    results.map((r) => ({ ...r, baseOffset: r.baseOffset ?? (r.errorCode ? -1 : 0), logStartOffset: r.logStartOffset ?? -1 })),
  );
}

/** Producer id, epoch, base sequence, record count and values of one batch of a produce request. */
export interface Stamp {
  partition: number;
  producerId: bigint;
  epoch: number;
  sequence: number;
  records: number;
  values: string[];
}

// Stamps decoded when the request was sent: a settled batch's pooled buffer is reused, so its bytes are read at once.
const captured = new WeakMap<object, Stamp[]>();

/** The stamps of every batch in a recorded produce request (as sent, when the client was wrapped by {@link captureStamps}). */
export function stampsOf(recorded: Recorded): Stamp[] {
  return captured.get(recorded.request) ?? decodeStamps(recorded);
}

/**
 * Decodes each produce request's batches as it is sent, for {@link stampsOf}; and counts a
 * request the test answered as in flight until the poll that delivers its answer, as the real
 * NetworkClient does (so `Sender.run()` does not stop between an answer and its delivery).
 */
export function captureStamps(client: FakeClient): void {
  let undelivered = 0;
  const respond = client.respond.bind(client);
  client.respond = (...args: Parameters<FakeClient["respond"]>) => {
    respond(...args);
    undelivered++;
  };
  const poll = client.poll.bind(client);
  client.poll = async () => {
    const due = await poll();
    undelivered = Math.max(0, undelivered - due.length);
    return due;
  };
  const inFlight = client.inFlightRequestCount.bind(client);
  client.inFlightRequestCount = () => inFlight() + undelivered;
  const send = client.send.bind(client);
  client.send = ((spec, now) => {
    const request = send(spec, now);
    const recorded = client.requests.find((r) => r.request === request);
    if (recorded !== undefined && request.api.name === "Produce") captured.set(request, decodeStamps(recorded));
    return request;
  }) as FakeClient["send"];
}

function decodeStamps(recorded: Recorded): Stamp[] {
  const body = recorded.request.body as ProduceRequest;
  return body.topicData.flatMap((topic) =>
    topic.partitionData.map((p) => {
      const [batch] = decodeRecordBatches(p.records!);
      return {
        partition: p.index,
        producerId: batch.producerId,
        epoch: batch.producerEpoch,
        sequence: batch.baseSequence,
        records: batch.records.length,
        values: batch.records.map((r) => new TextDecoder().decode(r.value!)),
      };
    })
  );
}

interface ScenarioOptions {
  config?: Partial<SenderConfig>;
  partitions?: number;
  batchSize?: number;
}

/** Settings as `setup()` fills them in, for a second Sender over the same pieces. */
function senderConfig(overrides: Partial<SenderConfig>): SenderConfig {
  return { ...PRODUCER_DEFAULTS, guaranteeMessageOrder: false, ...overrides };
}

/** `send(partition, value)` as the scenario makes it: appended as is, or first checked by the transaction. */
type Send = (partition: number, value?: string) => Outcome;

function common(t: ReturnType<typeof setup>, sender: Sender, send: Send = t.send) {
  captureStamps(t.client);
  const unanswered = () => t.client.requests.filter((r) => !r.answered);
  /** Requests sent with this API, answered or not, oldest first. */
  const sent = (api: string) => t.client.requests.filter((r) => r.request.api.name === api);
  /** The oldest unanswered request of this API (it must exist). */
  const pending = (api: string): Recorded => {
    const found = unanswered().find((r) => r.request.api.name === api);
    if (found === undefined) {
      throw new Error(`no unanswered ${api} request; unanswered: [${unanswered().map((r) => r.request.api.name).join(", ")}]`);
    }
    return found;
  };
  /** Answers the oldest unanswered request of this API, now on the fake clock. */
  const answer = (api: string, body: unknown, error?: KafkaError) => {
    const recorded = pending(api);
    t.client.respond(body, error, t.client.requests.indexOf(recorded), t.clock.now());
    return recorded;
  };
  /** Answers a given request. */
  const answerRequest = (recorded: Recorded, body: unknown, error?: KafkaError) =>
    t.client.respond(body, error, t.client.requests.indexOf(recorded), t.clock.now());
  /** Answers the oldest unanswered produce request with these partition results, or with a transport error. */
  const produce = (results: PartitionResult[] | undefined, error?: KafkaError) =>
    answer("Produce", results === undefined ? undefined : produceResult(results), error);
  /** Turns of the Sender's loop (the fake client never waits). */
  const run = async (turns = 1) => {
    for (let i = 0; i < turns; i++) await sender.runOnce();
  };
  /** Sends a record and runs the Sender once, so its batch goes out if it may. */
  const sendAndRun = async (partition: number, value = "v") => {
    const outcome = send(partition, value);
    await run();
    return outcome;
  };
  /** Answers the oldest unanswered produce request with these partition results, then runs the Sender `turns` times. */
  const reply = async (results: PartitionResult[], turns = 1) => {
    produce(results);
    await run(turns);
  };
  /** Waits out the retry backoff, then runs the Sender `turns` times (a retried batch is drained again, then sent). */
  const afterRetryBackoff = async (turns = 2) => {
    t.clock.advance(RETRY_WAIT);
    await run(turns);
  };
  /** Stamps of every batch of every produce request so far, in send order. */
  const allStamps = () => sent("Produce").flatMap(stampsOf);
  const lastStamps = () => stampsOf(sent("Produce").at(-1)!);
  return {
    ...t,
    sender,
    send,
    unanswered,
    sent,
    pending,
    answer,
    answerRequest,
    produce,
    run,
    sendAndRun,
    reply,
    afterRetryBackoff,
    allStamps,
    lastStamps,
  };
}

/** A Sender without idempotence over `setup()`. */
export function plainScenario(options: ScenarioOptions = {}) {
  const t = setup(options.config ?? {}, options.partitions ?? 2, options.batchSize ?? 1024);
  return common(t, t.sender);
}

/** An idempotent Sender (a SequenceTracker, no transactional id) over `setup()`. */
export function idempotentScenario(options: ScenarioOptions = {}) {
  const sequences = new SequenceTracker();
  const t = setup(options.config ?? {}, options.partitions ?? 2, options.batchSize ?? 1024, sequences);
  const c = common(t, t.sender);
  const grantId = (producerId = 1000n, producerEpoch = 0, errorCode = 0) =>
    c.answer("InitProducerId", { throttleTimeMs: 0, errorCode, producerId, producerEpoch });
  /** The Sender asks for a producer id and gets it. */
  const start = async (producerId = 1000n, epoch = 0) => {
    await c.run();
    grantId(producerId, epoch);
    await c.run();
  };
  /** A record sent before the producer id is known: the id is granted and the record's batch goes out. */
  const sendFirst = async (partition = 0, value = "v", producerId = 343434n, epoch = 0) => {
    const outcome = c.send(partition, value);
    await start(producerId, epoch);
    await c.run();
    return outcome;
  };
  return { ...c, sequences, grantId, start, sendFirst };
}

/** A transactional Sender (a TransactionManager over a SequenceTracker) over the pieces of `setup()`. */
export function transactionalScenario(options: ScenarioOptions & { transactionalId?: string } = {}) {
  const sequences = new SequenceTracker();
  const config = senderConfig(options.config ?? {});
  const t = setup(config, options.partitions ?? 2, options.batchSize ?? 1024, sequences);
  const id = options.transactionalId ?? "txn-java";
  const manager = new TransactionManager(id, 60_000, config.retryBackoffMs, sequences, t.accumulator.partitions);
  const sender = new Sender({
    client: t.client,
    metadata: t.metadata,
    accumulator: t.accumulator,
    config,
    clock: t.clock,
    sequences,
    transactions: manager,
  });
  /** A send as KafkaProducer makes it: checked against the state, appended, its partition added to the transaction. */
  const send = (partition: number, value = "v") => {
    manager.ensureSendAllowed();
    const outcome = t.send(partition, value);
    manager.addPartition(TOPIC, partition);
    return outcome;
  };
  const c = common(t, sender, send);
  const findCoordinator = (nodeId = 1, errorCode = 0) =>
    c.answer("FindCoordinator", {
      throttleTimeMs: 0,
      coordinators: [{ key: id, nodeId, host: `b${nodeId}`, port: 9092, errorCode, errorMessage: null }],
    });
  const initProducerId = (producerId = 2000n, producerEpoch = 0, errorCode = 0) =>
    c.answer("InitProducerId", { throttleTimeMs: 0, errorCode, producerId, producerEpoch });
  /** Answers AddPartitionsToTxn: each partition of the request gets `errorCode`, or its own from `byPartition`. */
  const addPartitions = (errorCode = 0, byPartition: Record<number, number> = {}) => {
    const recorded = c.pending("AddPartitionsToTxn");
    const topics = (recorded.request.body as { topics: { name: string; partitions: number[] }[] }).topics;
    c.answerRequest(recorded, {
      throttleTimeMs: 0,
      resultsByTopic: topics.map((topic) => ({
        name: topic.name,
        resultsByPartition: topic.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: byPartition[p] ?? errorCode })),
      })),
    });
    return recorded;
  };
  const endTxn = (errorCode = 0, producerId = -1n, producerEpoch = -1) =>
    c.answer("EndTxn", { throttleTimeMs: 0, errorCode, producerId, producerEpoch });
  const addOffsets = (errorCode = 0) => c.answer("AddOffsetsToTxn", { throttleTimeMs: 0, errorCode });
  const txnOffsetCommit = (errorCode = 0) => {
    const recorded = c.pending("TxnOffsetCommit");
    const topics = (recorded.request.body as { topics: { name: string; partitions: { partitionIndex: number }[] }[] }).topics;
    c.answerRequest(recorded, {
      throttleTimeMs: 0,
      topics: topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
      })),
    });
    return recorded;
  };
  /** Whether an EndTxn with this outcome was ever sent. */
  const endTxnSent = (committed: boolean) =>
    c.sent("EndTxn").some((r) => (r.request.body as { committed: boolean }).committed === committed);
  /** initTransactions as far as its InitProducerId: FindCoordinator answered, InitProducerId sent and unanswered. */
  const initUntilProducerId = async () => {
    const done = watch(manager.initTransactions());
    await c.run();
    findCoordinator();
    await c.run(2);
    return done;
  };
  /** Answers FindCoordinator (node 1), then InitProducerId with `producerId` and `epoch`. */
  const finishInit = async (producerId = 2000n, epoch = 0) => {
    findCoordinator();
    await c.run(2);
    initProducerId(producerId, epoch);
    await c.run();
  };
  /** initTransactions through FindCoordinator and InitProducerId, as the Sender sends them. */
  const init = async (producerId = 2000n, epoch = 0) => {
    const done = manager.initTransactions();
    await c.run();
    await finishInit(producerId, epoch);
    await done;
  };
  /** Waits out the retry backoff of transactional requests (no jitter), then runs the Sender once. */
  const afterBackoff = async () => {
    t.clock.advance(config.retryBackoffMs);
    await c.run();
  };
  /** Begins a protocol v1 transaction and sends a record to `partition`, with its AddPartitionsToTxn answered. */
  const beginWith = async (partition = 0, value = "v") => {
    manager.beginTransaction(false);
    const outcome = send(partition, value);
    await c.run();
    addPartitions();
    await c.run();
    return outcome;
  };
  return {
    ...c,
    rawSend: t.send,
    manager,
    sequences,
    transactionalId: id,
    findCoordinator,
    initProducerId,
    addPartitions,
    endTxn,
    addOffsets,
    txnOffsetCommit,
    endTxnSent,
    initUntilProducerId,
    finishInit,
    init,
    afterBackoff,
    beginWith,
  };
}

/** An idempotent Sender whose partition 0 has an acknowledged sequence (0), so batches may be pipelined there. */
export async function warmedUp(options: Parameters<typeof idempotentScenario>[0] = {}) {
  const t = idempotentScenario({ partitions: 2, batchSize: 100, ...options });
  t.send(0, "warm-up");
  await t.start(343434n, 0);
  await t.run();
  t.produce([{ partition: 0, baseOffset: 0 }]);
  await t.run();
  return t;
}

/** {@link warmedUp}, then records a (sequence 1) and b (sequence 2) sent to partition 0 in two requests, both in flight. */
export async function twoInFlight() {
  const t = await warmedUp();
  const a = await t.sendAndRun(0, "a");
  const b = await t.sendAndRun(0, "b");
  const [requestA, requestB] = t.unanswered();
  return { t, a, b, requestA, requestB };
}

/** Records whether a promise settled, and how, without awaiting it. */
export function watch(promise: Promise<unknown>): { settled: boolean; error: unknown; ok: boolean } {
  const state = { settled: false, error: undefined as unknown, ok: false };
  promise.then(() => {
    state.settled = true;
    state.ok = true;
  }, (error) => {
    state.settled = true;
    state.error = error;
  });
  return state;
}

/** Lets promise reactions run (the fake client answers synchronously, but awaits chain). */
export const microtasks = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
};

export { bytes, Outcome };
