/**
 * `deno task demo` (`npm run demo`): what the client is, in four steps against a real broker.
 *
 *   1. keyed records: where each key's records land, and that each key keeps its order;
 *   2. a transaction committed and one aborted, read back by the Java consumer;
 *   3. throughput with the settings a fast producer uses (batch.size 64 KiB);
 *   4. latency at a steady 20,000 records/s.
 *
 * Whatever the client reports is checked against what the Java consumer (Apache's
 * kafka-clients, an independent reader) finds in the topics. Uses KAFKA_BOOTSTRAP_SERVERS
 * when set, otherwise starts the local broker from the harness.
 *
 *   deno run -A tools/demo.ts | bun tools/demo.ts | node --import ./tools/node_ts_register.mjs tools/demo.ts
 *
 * @module
 */
import process from "node:process";
import { KafkaProducer, type RecordMetadata } from "../mod.ts";
import { createTopic, up } from "./kafka.ts";
import { withConnection } from "./kafka/wire.ts";
import { Progress } from "./demo/progress.ts";
import { PerfStats, type PerfSummary } from "./perf/perf_stats.ts";
import { DEFAULT_YIELD_EVERY_MS, runSendLoop } from "./perf/send_loop.ts";
import { readTopic } from "./reader/read_topic.ts";

const KEYED_RECORDS = 10_000;
const KEYS = 100;
const PARTITIONS = 6;
const THROUGHPUT_RECORDS = 500_000;
const RECORD_SIZE = 100;
// About 16 full 64 KiB batches: enough to keep requests in flight, few enough that latency is not mostly queueing
// (records in flight / rate, by Little's law).
const MAX_OUTSTANDING = 10_000;
const PACED_RATE = 20_000;
const PACED_SECONDS = 3;

const runId = Date.now().toString(36);
const problems: string[] = [];

/** The bootstrap servers, and a way to create topics there. */
async function connect(): Promise<
  { bootstrapServers: string; kafka: string; newTopic: (name: string, partitions: number) => Promise<void> }
> {
  const external = process.env.KAFKA_BOOTSTRAP_SERVERS;
  if (external) {
    // Maybe not the harness's broker, so no harness state: ask the first address directly.
    const [, host, port] = /^\[?(.+?)\]?:(\d+)$/.exec(external.split(",")[0].trim())!;
    const newTopic = async (name: string, partitions: number) => {
      const created = await withConnection(
        host,
        Number(port),
        (c) => c.createTopic({ name, partitions, replicationFactor: -1, configs: {}, timeoutMs: 30_000 }),
        30_000,
      );
      if (created.errorCode !== 0) throw new Error(`cannot create ${name}: error ${created.errorCode} ${created.errorMessage ?? ""}`);
    };
    return { bootstrapServers: external, kafka: "Kafka", newTopic };
  }
  console.error("KAFKA_BOOTSTRAP_SERVERS is not set: starting the local broker (deno task kafka up) ...");
  const cluster = await up({ log: (message) => console.error(message) });
  const newTopic = async (name: string, partitions: number) => void await createTopic(name, { partitions });
  return { bootstrapServers: cluster.bootstrapServers, kafka: `Kafka ${cluster.state.version}`, newTopic };
}

function runtimeName(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  if (g.Bun) return `Bun ${g.Bun.version}`;
  return `Node ${process.versions.node}`;
}

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) => "   " + row.map((cell, i) => cell.padStart(widths[i])).join("  ")).join("\n");
}

const utf8 = new TextDecoder();
const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
const text = (bytes: Uint8Array | null) => bytes === null ? "null" : utf8.decode(bytes);

/** Step 1: keyed records, the partition table, and the Java consumer's check of every offset. */
async function keyedRecords(bootstrapServers: string, newTopic: (name: string, partitions: number) => Promise<void>) {
  const topic = `demo-keyed-${runId}`;
  await newTopic(topic, PARTITIONS);
  console.log(`\n1. ${fmt(KEYED_RECORDS)} records with ${KEYS} keys to ${topic} (${PARTITIONS} partitions)`);
  await using producer = new KafkaProducer({ bootstrapServers, clientId: "demo-keyed" });
  const sent = Array.from({ length: KEYED_RECORDS }, (_, n) => ({ key: `user-${n % KEYS}`, value: `{"user":${n % KEYS},"n":${n}}` }));
  // Not awaited one by one: the producer batches whatever is in flight.
  const acks = await Promise.all(sent.map((record) => producer.send({ topic, ...record })));

  const byPartition = new Map<number, { count: number; keys: Set<string>; first: number; last: number }>();
  const partitionOfKey = new Map<string, number>();
  const lastOffsetOfKey = new Map<string, number>();
  acks.forEach(({ partition, offset }, n) => {
    const key = sent[n].key;
    const row = byPartition.get(partition) ?? { count: 0, keys: new Set(), first: offset, last: offset };
    row.count++;
    row.keys.add(key);
    row.first = Math.min(row.first, offset);
    row.last = Math.max(row.last, offset);
    byPartition.set(partition, row);
    if ((partitionOfKey.get(key) ?? partition) !== partition) problems.push(`key ${key} landed on two partitions`);
    if ((lastOffsetOfKey.get(key) ?? -1) >= offset) problems.push(`key ${key}: record ${n} is stored before an earlier send`);
    partitionOfKey.set(key, partition);
    lastOffsetOfKey.set(key, offset);
  });
  const rows = [...byPartition].sort(([a], [b]) => a - b).map(([p, r]) => [p, r.count, r.keys.size, r.first, r.last]);
  console.log(table(["partition", "records", "keys", "first offset", "last offset"], rows));
  console.log(
    `   each key on one partition (murmur2, as the Java client picks it), in send order: user-7 is on ${partitionOfKey.get("user-7")}`,
  );

  const stored = await readTopic(bootstrapServers, topic);
  const where = new Map(acks.map((ack, n) => [`${ack.partition}@${ack.offset}`, sent[n]]));
  let matched = 0;
  for (const record of stored) {
    const expected = where.get(`${record.partition}@${record.offset}`);
    if (expected !== undefined && text(record.key) === expected.key && text(record.value) === expected.value) matched++;
  }
  if (matched !== KEYED_RECORDS || stored.length !== KEYED_RECORDS) {
    problems.push(`the Java consumer read ${stored.length} records, ${matched} of ${KEYED_RECORDS} where send() said`);
  }
  console.log(`   the Java consumer read back ${fmt(stored.length)} records: ${fmt(matched)} at the partition and offset send() returned`);
}

/** Step 2: one transaction committed, one aborted; only the first is visible to read_committed. */
async function transactions(bootstrapServers: string, newTopic: (name: string, partitions: number) => Promise<void>) {
  const topic = `demo-txn-${runId}`;
  await newTopic(topic, 1);
  const transactionalId = `demo-${runId}`;
  console.log(`\n2. Two transactions to ${topic} (transactionalId ${transactionalId})`);
  await using producer = new KafkaProducer({ bootstrapServers, clientId: "demo-txn", transactionalId });
  await producer.initTransactions();
  const committed = ["order-1", "order-2", "order-3"];
  const aborted = ["order-4", "order-5", "order-6"];
  producer.beginTransaction();
  for (const value of committed) producer.send({ topic, key: value, value });
  await producer.commitTransaction();
  producer.beginTransaction();
  for (const value of aborted) producer.send({ topic, key: value, value }).catch(() => {});
  await producer.flush(); // in the log now, but not committed
  await producer.abortTransaction();
  console.log(`   committed:  ${committed.join(" ")}`);
  console.log(`   aborted:    ${aborted.join(" ")}   (written to the log, then aborted)`);

  const readCommitted = (await readTopic(bootstrapServers, topic, { isolationLevel: "read_committed" })).map((r) => text(r.value));
  const readUncommitted = (await readTopic(bootstrapServers, topic, { isolationLevel: "read_uncommitted" })).map((r) => text(r.value));
  console.log(`   Java consumer, read_committed:    ${readCommitted.join(" ")}`);
  console.log(`   Java consumer, read_uncommitted:  ${readUncommitted.join(" ")}`);
  if (readCommitted.join() !== committed.join()) problems.push(`read_committed saw ${readCommitted.join(" ")}, not ${committed.join(" ")}`);
  if (readUncommitted.join() !== [...committed, ...aborted].join()) problems.push(`read_uncommitted saw ${readUncommitted.join(" ")}`);
}

/** Sends `numRecords` 100-byte records and returns kafka-producer-perf-test's figures. */
async function perfRun(bootstrapServers: string, topic: string, numRecords: number, throughput: number): Promise<PerfSummary> {
  await using producer = new KafkaProducer<null, Uint8Array>({ bootstrapServers, clientId: "demo-perf", lingerMs: 5, batchSize: 65536 });
  await producer.partitionsFor(topic); // as Java's first send() does, wait for metadata before the clock starts
  const record = { topic, value: new Uint8Array(RECORD_SIZE).fill(0x61) };
  const progress = new Progress(numRecords, "acknowledged");
  const stats = new PerfStats(numRecords, { print: () => {} });
  let failed = 0;
  let firstError: unknown;
  await runSendLoop(producer, {
    numRecords,
    record: () => record,
    throughput,
    maxOutstanding: MAX_OUTSTANDING,
    yieldEveryMs: DEFAULT_YIELD_EVERY_MS,
    onAcked: (_, sendStart: number, _metadata: RecordMetadata) => {
      stats.completed(sendStart, RECORD_SIZE);
      progress.advance();
    },
    onFailed: (_, error) => {
      failed++;
      firstError ??= error;
      progress.advance();
    },
  });
  progress.done();
  if (failed > 0) problems.push(`${failed} of ${numRecords} sends failed; the first: ${firstError}`);
  return stats.summary();
}

const latencies = (s: PerfSummary) =>
  `p50 ${s.p50Ms} ms, p95 ${s.p95Ms} ms, p99 ${s.p99Ms} ms, p99.9 ${s.p999Ms} ms, max ${s.maxLatencyMs} ms`;

/** Steps 3 and 4: as fast as it goes, then at a steady rate. */
async function speed(bootstrapServers: string, newTopic: (name: string, partitions: number) => Promise<void>) {
  const topic = `demo-perf-${runId}`;
  await newTopic(topic, PARTITIONS);
  console.log(
    `\n3. Throughput: ${
      fmt(THROUGHPUT_RECORDS)
    } records of ${RECORD_SIZE} B to ${topic}, acks=all, idempotent, batch.size 64 KiB, linger.ms 5`,
  );
  const fast = await perfRun(bootstrapServers, topic, THROUGHPUT_RECORDS, -1);
  console.log(`   ${fmt(fast.recordsPerSec)} records/s (${fast.mbPerSec.toFixed(1)} MiB/s of values) in ${fmt(fast.elapsedMs)} ms`);
  console.log(`   latency, send() to acknowledgement, with up to ${fmt(MAX_OUTSTANDING)} records in flight: ${latencies(fast)}`);

  console.log(`\n4. Latency at a steady ${fmt(PACED_RATE)} records/s for ${PACED_SECONDS} s (the same settings)`);
  const paced = await perfRun(bootstrapServers, topic, PACED_RATE * PACED_SECONDS, PACED_RATE);
  console.log(`   ${fmt(paced.recordsPerSec)} records/s; latency, send() to acknowledgement: ${latencies(paced)}`);
}

const { bootstrapServers, kafka, newTopic } = await connect();
console.log(`edge-kafka, a Kafka producer for Deno, Bun and Node: here on ${runtimeName()}, against ${kafka} at ${bootstrapServers}`);
console.log("Latencies are measured for every record; what the client reports is checked with the Java consumer (kafka-clients).");
await keyedRecords(bootstrapServers, newTopic);
await transactions(bootstrapServers, newTopic);
await speed(bootstrapServers, newTopic);
if (problems.length > 0) {
  console.error(`\nthe demo found ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join("\n")}`);
  process.exit(1);
}
console.log("\nAll checks passed.");
if (!process.env.KAFKA_BOOTSTRAP_SERVERS) console.error("the broker keeps running; stop it with: deno task kafka down");
