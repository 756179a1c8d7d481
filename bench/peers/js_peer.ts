/**
 * KafkaJS and @platformatic/kafka under the same workload as `tools/bench.ts`, printing
 * the same kafka-producer-perf-test lines. Neither client batches across `send()` calls,
 * so each is used the way its documentation recommends for throughput: many records per
 * `send()`/`sendBatch()` call. Each record's latency runs from its chunk's creation to
 * the chunk's acknowledgement.
 *
 *   node --import ../../tools/node_ts_register.mjs js_peer.ts --client kafkajs|platformatic \
 *     --bootstrap 127.0.0.1:9092 --topic t --num-records N --record-size 100 [--throughput R]
 *     [--acks -1] [--idempotent true] [--compression none|gzip|lz4|zstd] [--chunk N] [--concurrency 4] [--keys N]
 *
 * `--keys N` gives record `i` the key `key-<(i × 48271) mod N>` (tools/perf/keys.ts), as
 * tools/bench.ts does; both clients place a key where the Java client would (murmur2, sign bit cleared).
 */
import process from "node:process";
import { PerfStats } from "../../tools/perf/perf_stats.ts";
import { ThroughputThrottler } from "../../tools/perf/throughput_throttler.ts";
import { encodedKeys, keyIndex } from "../../tools/perf/keys.ts";

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
// At most 1 MiB of values per call: neither client splits a call's records by batch size, and a partition's
// share of a call must fit the broker's message.max.bytes (1 MiB by default). 1000 records up to 1 KiB.
const chunk = Number(flag("chunk", String(Math.max(1, Math.min(1000, Math.floor(1024 * 1024 / recordSize))))));
// KafkaJS's idempotent producer allows one request in flight; its sends queue behind a lock anyway.
const concurrency = Number(flag("concurrency", "4"));
const keyCount = Number(flag("keys", "0"));

const payload = Buffer.alloc(recordSize);
for (let i = 0; i < recordSize; i++) payload[i] = 65 + Math.floor(Math.random() * 26);

// Views of one buffer, as ours gets (encoded once, outside the measured loop).
const keys = keyCount > 0 ? encodedKeys(keyCount).map((k) => Buffer.from(k.buffer, k.byteOffset, k.byteLength)) : undefined;

interface Message {
  key?: Buffer;
  value: Buffer;
}
type SendChunk = (messages: Message[]) => Promise<void>;

async function kafkajs(): Promise<{ send: SendChunk; close: () => Promise<void> }> {
  const { Kafka, CompressionTypes, logLevel } = await import("kafkajs");
  const kafka = new Kafka({ clientId: "bench-kafkajs", brokers: bootstrap, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent, maxInFlightRequests: idempotent ? 1 : 5, allowAutoTopicCreation: false });
  await producer.connect();
  const codec = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD }[
    compression as "none"
  ];
  return {
    send: async (messages) => {
      await producer.send({ topic, acks, compression: codec, messages });
    },
    close: () => producer.disconnect(),
  };
}

async function platformatic(): Promise<{ send: SendChunk; close: () => Promise<void> }> {
  const { Producer, compatibilityPartitioner } = await import("@platformatic/kafka");
  const producer = new Producer({
    clientId: "bench-platformatic",
    bootstrapBrokers: bootstrap,
    idempotent,
    acks,
    compression: compression as "none",
    // Its default hashes keys by murmur2 without Java's sign mask; this one places keys as Java (and KafkaJS, and ours) do.
    ...(keys === undefined ? {} : { partitioner: compatibilityPartitioner }),
  });
  return {
    send: async (messages) => {
      await producer.send({ messages: messages.map((message) => ({ topic, ...message })) });
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
  const first = sent;
  const messages: Message[] = keys === undefined
    ? Array.from({ length: size }, () => ({ value: payload }))
    : Array.from({ length: size }, (_, j) => ({ key: keys[keyIndex(first + j, keyCount)], value: payload }));
  const done: Promise<void> = peer.send(messages).then(
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
