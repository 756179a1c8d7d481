/**
 * The scenarios the differential test runs through KafkaJS 2.2.4 (on Node, in a child
 * process) and through our facade (on each runtime), written once against the KafkaJS API
 * so the two runs differ only in the module they are given. Every scenario writes to two
 * topics of its own client (`main` with 4 partitions, `second` with 2), each message with a
 * `scenario` header; what a run returns is the RecordMetadata of each send (topic names
 * replaced by `main`/`second`) and the errors met by each fault.
 *
 * @module
 */
import type * as Facade from "../../src/kafkajs/mod.ts";

/** The part of a KafkaJS module the scenarios use: KafkaJS's own, or our facade. */
export type KafkaJSModule = Pick<typeof Facade, "Kafka" | "Partitioners" | "CompressionTypes" | "logLevel">;

/** Where one client's run writes. */
export interface ScenarioEnv {
  /** The plaintext bootstrap servers. */
  brokers: string[];
  /** The SASL_PLAINTEXT listener, for the authentication fault. */
  saslBrokers: string[];
  /** This client's topics. */
  topics: { main: string; second: string };
  /** The transactional id (unique per run). */
  transactionalId: string;
  /** The consumer group the transaction commits offsets for. */
  group: string;
}

/** An error, as the comparison sees it. */
export interface SeenError {
  name: string;
  /** For KafkaJSNumberOfRetriesExceeded: what the last attempt met. */
  cause: string | null;
  /** For KafkaJSProtocolError: the broker's error name. */
  type: string | null;
  retriable: boolean;
}

/** What a run returns. */
export interface ScenarioResult {
  /** Each send's RecordMetadata, by scenario name. */
  metadata: Record<string, Record<string, unknown>[]>;
  /** Each fault's error. */
  faults: Record<string, SeenError>;
}

/** The keys whose partitions are compared; some of them hash differently under the two partitioners. */
export const KEYS: readonly string[] = Array.from({ length: 12 }, (_, i) => `user-${i * 37}`);
/** A value above the broker's default `message.max.bytes` (1 MiB). */
const TOO_LARGE = 2_000_000;

function keyed(scenario: string): Facade.Message[] {
  return KEYS.flatMap((key, i) => [
    { key, value: `${scenario}-${i}-a`, headers: { scenario, index: String(i) } },
    // Explicit timestamps survive as given; headers repeat a name.
    { key, value: `${scenario}-${i}-b`, headers: { scenario, multi: ["x", "y"] }, timestamp: String(1_700_000_000_000 + i) },
  ]);
}

function seen(error: unknown): SeenError {
  const e = error as { name?: string; cause?: { name?: string }; type?: string; retriable?: boolean };
  return {
    name: e?.name ?? String(error),
    cause: e?.name === "KafkaJSNumberOfRetriesExceeded" ? e.cause?.name ?? null : null,
    type: e?.type ?? null,
    retriable: e?.retriable === true,
  };
}

async function fault(work: () => Promise<unknown>): Promise<SeenError> {
  try {
    await work();
  } catch (error) {
    return seen(error);
  }
  return { name: "no error", cause: null, type: null, retriable: false };
}

/**
 * Runs every scenario with `lib` and returns what it saw.
 *
 * @example
 * ```ts
 * import * as facade from "../../src/kafkajs/mod.ts";
 * import { runScenarios } from "./_differential_scenarios.ts";
 * const result = await runScenarios(facade, {
 *   brokers: ["127.0.0.1:9092"], saslBrokers: ["127.0.0.1:9093"], topics: { main: "a", second: "b" }, transactionalId: "t", group: "g",
 * });
 * console.log(Object.keys(result.metadata));
 * ```
 */
export async function runScenarios(lib: KafkaJSModule, env: ScenarioEnv): Promise<ScenarioResult> {
  const { Kafka, Partitioners, CompressionTypes, logLevel } = lib;
  const names = new Map([[env.topics.main, "main"], [env.topics.second, "second"]]);
  const metadata: ScenarioResult["metadata"] = {};
  const keep = (scenario: string, sent: Facade.RecordMetadata[], fields = ["baseOffset", "logAppendTime", "logStartOffset"]) => {
    metadata[scenario] = sent
      .map((m) => ({
        topicName: names.get(m.topicName) ?? m.topicName,
        partition: m.partition,
        errorCode: m.errorCode,
        ...Object.fromEntries(fields.map((field) => [field, (m as unknown as Record<string, unknown>)[field]])),
      }))
      .sort((a, b) => a.topicName.localeCompare(b.topicName) || a.partition - b.partition);
  };
  const kafka = new Kafka({ clientId: "differential", brokers: env.brokers, logLevel: logLevel.NOTHING });

  // Keys through each partitioner, in one send each.
  for (
    const [scenario, createPartitioner] of [["default", Partitioners.DefaultPartitioner], [
      "legacy",
      Partitioners.LegacyPartitioner,
    ]] as const
  ) {
    const producer = kafka.producer({ createPartitioner });
    await producer.connect();
    keep(scenario, await producer.send({ topic: env.topics.main, messages: keyed(scenario) }));
    await producer.disconnect();
  }

  // sendBatch to two topics, with explicit partitions and a tombstone; then per-send acks and compression.
  const producer = kafka.producer();
  await producer.connect();
  keep(
    "batch",
    await producer.sendBatch({
      topicMessages: [
        { topic: env.topics.main, messages: [{ key: "b-1", value: "batch-1", partition: 3, headers: { scenario: "batch" } }] },
        { topic: env.topics.second, messages: [{ key: "b-2", value: "batch-2", headers: { scenario: "batch" } }] },
        { topic: env.topics.main, messages: [{ key: "b-3", value: null, partition: 0, headers: { scenario: "batch" } }] },
      ],
    }),
  );
  const options = (name: string, value: string, partition: number) => ({ key: name, value, partition, headers: { scenario: name } });
  keep(
    "acks1-gzip",
    await producer.send({
      topic: env.topics.second,
      acks: 1,
      compression: CompressionTypes.GZIP,
      messages: [options("acks1-gzip", "g".repeat(300), 0), options("acks1-gzip", "h".repeat(300), 0)],
    }),
  );
  keep("acks0", await producer.send({ topic: env.topics.second, acks: 0, messages: [options("acks0", "unacknowledged", 1)] }));
  keep("timeout", await producer.send({ topic: env.topics.second, timeout: 5000, messages: [options("timeout", "t", 0)] }));
  await producer.disconnect();

  // A transaction committed with a consumer group's offsets, then one aborted.
  const transactional = kafka.producer({ transactionalId: env.transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await transactional.connect();
  const committed = await transactional.transaction();
  keep(
    "committed",
    await committed.send({ topic: env.topics.second, messages: [{ key: "tx", value: "committed-1", headers: { scenario: "committed" } }] }),
  );
  // KafkaJS 2.2.4 does not retry TxnOffsetCommit's retriable errors (NOT_COORDINATOR while a fresh broker loads __consumer_offsets):
  // the scenario does, for both clients alike (ours retries inside and never needs it).
  const offsets = { consumerGroupId: env.group, topics: [{ topic: env.topics.main, partitions: [{ partition: 0, offset: "2" }] }] };
  for (let attempt = 1;; attempt++) {
    try {
      await committed.sendOffsets(offsets);
      break;
    } catch (error) {
      if (attempt >= 10 || (error as { retriable?: boolean }).retriable !== true) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  await committed.commit();
  const aborted = await transactional.transaction();
  // Its offsets depend on when the broker wrote the first transaction's marker: compared without them.
  keep(
    "aborted",
    await aborted.send({ topic: env.topics.second, messages: [{ key: "tx", value: "aborted-1", headers: { scenario: "aborted" } }] }),
    [],
  );
  await aborted.abort();
  metadata["active-after-commit"] = [{ active: committed.isActive() }];
  await transactional.disconnect();

  // Faults.
  const retry = { retries: 2, initialRetryTime: 100 };
  const faults: ScenarioResult["faults"] = {};
  const impatient = new Kafka({ brokers: env.brokers, logLevel: logLevel.NOTHING, retry });
  const sender = impatient.producer({ allowAutoTopicCreation: false, retry });
  await sender.connect();
  faults["unknown topic"] = await fault(() => sender.send({ topic: `${env.topics.main}-missing`, messages: [{ value: "x" }] }));
  faults["message too large"] = await fault(() =>
    sender.send({ topic: env.topics.main, messages: [{ value: "x".repeat(TOO_LARGE), partition: 1 }] })
  );
  await sender.disconnect();
  faults["authentication failure"] = await fault(() =>
    new Kafka({
      brokers: env.saslBrokers,
      logLevel: logLevel.NOTHING,
      retry,
      sasl: { mechanism: "plain", username: "alice", password: "wrong" },
    })
      .producer().connect()
  );
  faults["broker down"] = await fault(() =>
    new Kafka({ brokers: ["127.0.0.1:1"], logLevel: logLevel.NOTHING, retry }).producer().connect()
  );
  return { metadata, faults };
}
