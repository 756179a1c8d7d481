/**
 * `deno task bench`: this producer's equivalent of Apache Kafka's
 * `kafka-producer-perf-test` (org.apache.kafka.tools.ProducerPerformance), with its flags
 * and its exact output lines. Runs the same on Deno, Bun and Node:
 *
 *   deno run -A tools/bench.ts --topic t --num-records 1000000 --record-size 100 --throughput -1 \
 *     --producer-props bootstrap.servers=127.0.0.1:9092 acks=all linger.ms=5 batch.size=65536
 *   bun tools/bench.ts ...      node --import ./tools/node_ts_register.mjs tools/bench.ts ...
 *
 * As in the Java tool, records have no key and a payload of random upper-case letters,
 * and `send()` is not awaited one by one; `--keys N` (ours, for the keyed scenario S7) gives
 * record `i` the key `key-<(i × 48271) mod N>` (tools/perf/keys.ts). Java's `send()` blocks when `buffer.memory` is
 * full; here the loop waits instead when the records not yet acknowledged would fill
 * `bufferMemory`, so memory stays bounded the same way. Java's sender is a thread of its
 * own; here the loop yields to the event loop at least every `--yield-every-ms` so the
 * producer's network work runs. A final line `BENCH_JSON {...}` carries the figures for
 * `bench:compare`.
 *
 * @module
 */
import process from "node:process";
import { KafkaProducer } from "../mod.ts";
import type { ProducerConfig } from "../mod.ts";
import { javaPropsToConfig } from "./perf/java_props.ts";
import { PerfStats } from "./perf/perf_stats.ts";
import { DEFAULT_YIELD_EVERY_MS, runSendLoop } from "./perf/send_loop.ts";
import { encodedKeys, keyIndex } from "./perf/keys.ts";

const USAGE = `usage: bench.ts --topic TOPIC --num-records N (--record-size BYTES) --throughput RECORDS_PER_SEC
                --producer-props k=v [k=v ...] [--warmup-records N] [--transactional-id ID]
                [--max-outstanding N] [--yield-every-ms MS] [--api native|native-promise|kafkajs-batch|kafkajs-send] [--chunk N]
                [--keys N]

  --throughput -1 sends as fast as possible. --producer-props takes Java names
  (bootstrap.servers, acks, linger.ms, batch.size, compression.type, enable.idempotence, ...).
  Our additions, because JavaScript has one thread where Java has two: the loop waits when
  --max-outstanding records are unacknowledged (default: what fits in buffer.memory, as Java's
  send() blocks), and lets the producer's I/O run at least every --yield-every-ms (default 1; 3 on Deno).
  --api kafkajs-batch sends through the KafkaJS facade, --chunk messages (default 1000) per sendBatch() call;
  --api kafkajs-send one message per send() call. Default --api native: KafkaProducer.send(record, callback),
  a callback per record as Java's tool passes one; --api native-promise: send(record).then(...).
  --keys N gives record i the key "key-<(i * 48271) mod N>" (N distinct keys; native API only).`;

interface Args {
  topic: string;
  numRecords: number;
  recordSize: number;
  throughput: number;
  warmupRecords: number;
  maxOutstanding: number | undefined;
  yieldEveryMs: number;
  api: "native" | "native-promise" | "kafkajs-batch" | "kafkajs-send";
  chunk: number;
  /** Distinct keys (0: no keys). */
  keys: number;
  props: Record<string, string>;
}

function parseArgs(argv: string[]): Args {
  const values = new Map<string, string[]>();
  let current: string | undefined;
  for (const arg of argv) {
    if (arg.startsWith("--")) {
      current = arg.slice(2);
      values.set(current, []);
    } else if (current === undefined) {
      throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    } else {
      values.get(current)!.push(arg);
    }
  }
  const one = (name: string, fallback?: string): string => {
    const v = values.get(name);
    if (v === undefined || v.length === 0) {
      if (fallback !== undefined) return fallback;
      throw new Error(`--${name} is required\n${USAGE}`);
    }
    return v[0];
  };
  const integer = (name: string, fallback?: string) => {
    const text = one(name, fallback);
    if (!/^-?\d+$/.test(text)) throw new Error(`--${name} must be an integer, got ${text}`);
    return Number(text);
  };
  const props: Record<string, string> = {};
  for (const pair of values.get("producer-props") ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`--producer-props takes k=v, got ${pair}`);
    props[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (values.has("transactional-id")) props["transactional.id"] = one("transactional-id");
  if (props["bootstrap.servers"] === undefined) {
    if (process.env.KAFKA_BOOTSTRAP_SERVERS) props["bootstrap.servers"] = process.env.KAFKA_BOOTSTRAP_SERVERS;
    else throw new Error(`--producer-props bootstrap.servers=... (or KAFKA_BOOTSTRAP_SERVERS) is required\n${USAGE}`);
  }
  const args = {
    topic: one("topic"),
    numRecords: integer("num-records"),
    recordSize: integer("record-size"),
    throughput: integer("throughput"),
    warmupRecords: integer("warmup-records", "0"),
    maxOutstanding: values.has("max-outstanding") ? integer("max-outstanding") : undefined,
    yieldEveryMs: integer("yield-every-ms", String(DEFAULT_YIELD_EVERY_MS)),
    api: one("api", "native") as Args["api"],
    chunk: integer("chunk", "1000"),
    keys: integer("keys", "0"),
    props,
  };
  if (!["native", "native-promise", "kafkajs-batch", "kafkajs-send"].includes(args.api)) {
    throw new Error(`--api must be native, native-promise, kafkajs-batch or kafkajs-send\n${USAGE}`);
  }
  if (args.chunk <= 0) throw new Error("--chunk must be positive");
  if (args.keys < 0) throw new Error("--keys must not be negative");
  if (args.keys > 0 && args.api.startsWith("kafkajs")) throw new Error("--keys is for --api native and native-promise only");
  if (args.numRecords <= 0) throw new Error("--num-records must be positive");
  if (args.recordSize <= 0) throw new Error("--record-size must be positive");
  if (args.warmupRecords < 0 || args.warmupRecords >= args.numRecords) throw new Error("--warmup-records must be in [0, num-records)");
  return args;
}

/** The payload of every record: random upper-case letters, as the Java tool makes it. */
function payload(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = 65 + Math.floor(Math.random() * 26);
  return bytes;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (args.api.startsWith("kafkajs")) return await kafkajsApi(args);
  const config = javaPropsToConfig(args.props) as unknown as ProducerConfig<Uint8Array, Uint8Array>;
  const producer = new KafkaProducer<Uint8Array, Uint8Array>(config);
  const transactional = config.transactionalId !== undefined;
  if (transactional) {
    await producer.initTransactions();
    producer.beginTransaction();
  }
  // Java's first send() blocks until the topic's metadata is known; so does this loop.
  await producer.partitionsFor(args.topic);
  const value = payload(args.recordSize);
  const record = { topic: args.topic, value };
  // Keyed: a record object per send, as an application has; unkeyed: the same one every time, as before.
  const keys = args.keys > 0 ? encodedKeys(args.keys) : undefined;
  const recordFor = keys === undefined ? () => record : (i: number) => ({ topic: args.topic, key: keys[keyIndex(i, args.keys)], value });
  const keyBytes = keys === undefined ? 0 : keys.reduce((max, k) => Math.max(max, k.length), 0);
  // After warm-up, Java keeps two Stats: the whole run (silenced) and the steady state.
  const stats = new PerfStats(args.numRecords);
  let steady: PerfStats | undefined;
  const bufferMemory = (config.bufferMemory as number | undefined) ?? 32 * 1024 * 1024;
  let failed = 0;
  let firstError: unknown;
  await runSendLoop(producer, {
    numRecords: args.numRecords,
    record: (i) => {
      if (i === args.warmupRecords && args.warmupRecords > 0) {
        stats.suppressPrinting();
        steady = new PerfStats(args.numRecords - args.warmupRecords, { steadyState: true });
      }
      return recordFor(i);
    },
    throughput: args.throughput,
    // Roughly what the unacknowledged records take in the accumulator (value + record overhead).
    maxOutstanding: args.maxOutstanding ?? Math.max(1000, Math.floor(bufferMemory / (args.recordSize + keyBytes + 24))),
    yieldEveryMs: args.yieldEveryMs,
    sendForm: args.api === "native-promise" ? "promise" : "callback",
    onAcked: (i, sendStart) => {
      stats.completed(sendStart, args.recordSize);
      if (i >= args.warmupRecords) steady?.completed(sendStart, args.recordSize);
    },
    onFailed: (_, error) => {
      failed++;
      firstError ??= error;
    },
  });
  if (transactional) await producer.commitTransaction();
  await producer.flush();
  await producer.close();
  return report(steady ?? stats, failed, firstError, steady === undefined ? [stats] : [stats, steady]);
}

/** Prints the totals (as the Java tool) and the BENCH_JSON line; the exit code. */
function report(measured: PerfStats, failed: number, firstError: unknown, printed: PerfStats[]): number {
  for (const stats of printed) stats.printTotal();
  console.log(`BENCH_JSON ${JSON.stringify({ ...measured.summary(), failed })}`);
  if (failed > 0) {
    console.error(`${failed} sends failed; the first: ${firstError}`);
    return 1;
  }
  return 0;
}

/** The same workload through the KafkaJS facade (see tools/perf/kafkajs_api.ts). */
async function kafkajsApi(args: Args): Promise<number> {
  if (args.warmupRecords > 0 || args.props["transactional.id"] !== undefined) {
    console.error("--api kafkajs-* takes neither --warmup-records nor --transactional-id");
    return 2;
  }
  const stats = new PerfStats(args.numRecords);
  let failed = 0;
  let firstError: unknown;
  // Loaded only for these runs: the facade is not part of a native producer's start-up (S4).
  const { runKafkaJSLoop } = await import("./perf/kafkajs_api.ts");
  await runKafkaJSLoop({
    props: args.props,
    topic: args.topic,
    value: payload(args.recordSize),
    numRecords: args.numRecords,
    throughput: args.throughput,
    maxOutstanding: args.maxOutstanding ?? Math.max(1000, Math.floor(32 * 1024 * 1024 / (args.recordSize + 24))),
    yieldEveryMs: args.yieldEveryMs,
    chunk: args.api === "kafkajs-send" ? 1 : args.chunk,
    onAcked: (_, sendStart) => stats.completed(sendStart, args.recordSize),
    onFailed: (_, error) => {
      failed++;
      firstError ??= error;
    },
  });
  return report(stats, failed, firstError, [stats]);
}

process.exit(await main());
