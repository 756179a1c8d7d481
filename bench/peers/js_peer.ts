/**
 * KafkaJS and @platformatic/kafka under the same workload as `tools/bench.ts`, printing
 * the same kafka-producer-perf-test lines. Neither client batches across `send()` calls,
 * so each is used the way its documentation recommends for throughput: many records per
 * `send()`/`sendBatch()` call. Each record's latency runs from its chunk's creation to
 * the chunk's acknowledgement.
 *
 *   node --import ../../tools/node_ts_register.mjs js_peer.ts --client kafkajs|platformatic \
 *     --bootstrap 127.0.0.1:9092 --topic t --num-records N --record-size 100 [--throughput R]
 *     [--acks -1] [--idempotent true] [--compression none|gzip|lz4|zstd] [--chunk 1000] [--concurrency 4]
 */
import process from "node:process";
import { PerfStats } from "../../tools/perf/perf_stats.ts";
import { ThroughputThrottler } from "../../tools/perf/throughput_throttler.ts";

const flags = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) flags.set(process.argv[i].replace(/^--/, ""), process.argv[i + 1]);
const flag = (name: string, fallback?: string) => {
  const value = flags.get(name) ?? fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
};
const client = flag("client");
const bootstrap = flag("bootstrap").split(",");
const topic = flag("topic");
const numRecords = Number(flag("num-records"));
const recordSize = Number(flag("record-size"));
const throughput = Number(flag("throughput", "-1"));
const acks = Number(flag("acks", "-1"));
const idempotent = flag("idempotent", "true") === "true";
const compression = flag("compression", "none");
const chunk = Number(flag("chunk", "1000"));
// KafkaJS's idempotent producer allows one request in flight; its sends queue behind a lock anyway.
const concurrency = Number(flag("concurrency", "4"));

const payload = Buffer.alloc(recordSize);
for (let i = 0; i < recordSize; i++) payload[i] = 65 + Math.floor(Math.random() * 26);

type SendChunk = (values: Buffer[]) => Promise<void>;

async function kafkajs(): Promise<{ send: SendChunk; close: () => Promise<void> }> {
  const { Kafka, CompressionTypes, logLevel } = await import("kafkajs");
  const kafka = new Kafka({ clientId: "bench-kafkajs", brokers: bootstrap, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent, maxInFlightRequests: idempotent ? 1 : 5, allowAutoTopicCreation: false });
  await producer.connect();
  const codec = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD }[
    compression as "none"
  ];
  return {
    send: async (values) => {
      await producer.send({ topic, acks, compression: codec, messages: values.map((value) => ({ value })) });
    },
    close: () => producer.disconnect(),
  };
}

async function platformatic(): Promise<{ send: SendChunk; close: () => Promise<void> }> {
  const { Producer } = await import("@platformatic/kafka");
  const producer = new Producer({
    clientId: "bench-platformatic",
    bootstrapBrokers: bootstrap,
    idempotent,
    acks,
    compression: compression as "none",
  });
  return {
    send: async (values) => {
      await producer.send({ messages: values.map((value) => ({ topic, value })) });
    },
    close: () => producer.close(),
  };
}

const peer = client === "kafkajs" ? await kafkajs() : client === "platformatic" ? await platformatic() : undefined;
if (peer === undefined) throw new Error(`--client must be kafkajs or platformatic, got ${client}`);

const stats = new PerfStats(numRecords);
const throttler = new ThroughputThrottler(throughput, Date.now());
const inFlight = new Set<Promise<void>>();
let failed = 0;
let firstError: unknown;
let sent = 0;
while (sent < numRecords) {
  const size = Math.min(chunk, numRecords - sent);
  const start = Date.now();
  const values = Array.from({ length: size }, () => payload);
  const done: Promise<void> = peer.send(values).then(
    () => {
      const now = Date.now();
      for (let i = 0; i < size; i++) stats.record(now - start, recordSize, now);
    },
    (error) => {
      failed += size;
      firstError ??= error;
    },
  ).finally(() => inFlight.delete(done));
  inFlight.add(done);
  sent += size;
  if (inFlight.size >= concurrency) await Promise.race(inFlight);
  // The throttle counts records, as the Java tool's does.
  while (throttler.shouldThrottle(sent, Date.now())) await throttler.throttle();
}
await Promise.all(inFlight);
await peer.close();
stats.printTotal();
console.log(`BENCH_JSON ${JSON.stringify({ ...stats.summary(), failed })}`);
if (failed > 0) {
  console.error(`${failed} records failed; the first error: ${firstError}`);
  process.exit(1);
}
process.exit(0);
