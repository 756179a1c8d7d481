/**
 * The benchmark's send loops through the KafkaJS facade (`deno task bench --api
 * kafkajs-batch|kafkajs-send`), to measure what the facade costs over the native API on
 * the same workload: the Java producer properties become a `Kafka` and a producer
 * (`linger.ms`, `batch.size` and `enable.idempotence` as the facade's `lingerMs`,
 * `batchSize` and `idempotent`; `acks` and `compression.type` as every send's options).
 *
 * - `kafkajs-batch`: `sendBatch()` calls of `chunk` messages each (1000 by default, as the
 *   KafkaJS peer sends them), as many in flight as fit in the outstanding bound; a message's
 *   latency runs from its call to the call's acknowledgement.
 * - `kafkajs-send`: one message per `send()`, not awaited one by one, as the native loop.
 *
 * @module
 */
import { CompressionTypes, Kafka, logLevel } from "../../src/kafkajs/mod.ts";
import type { Producer as NativeProducer } from "../../src/producer/producer.ts";
import type { RecordMetadata } from "../../src/producer/producer_record.ts";
import { runSendLoop, type SendLoopOptions, yieldToEventLoop } from "./send_loop.ts";
import { ThroughputThrottler } from "./throughput_throttler.ts";

/** What the loops need besides the records. */
export interface KafkaJSLoopOptions {
  props: Record<string, string>;
  topic: string;
  value: Uint8Array;
  numRecords: number;
  throughput: number;
  maxOutstanding: number;
  yieldEveryMs: number;
  /** Messages per send() call; 1 for single-message sends. */
  chunk: number;
  onAcked: (i: number, sendStartMs: number) => void;
  onFailed: (i: number, error: unknown) => void;
}

const CODECS: Record<string, number> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};
const NO_METADATA = {} as RecordMetadata;

/** Connects a facade producer as the properties say, runs the loop, and disconnects (sending what is left). */
export async function runKafkaJSLoop(options: KafkaJSLoopOptions): Promise<void> {
  const { props, topic, value, chunk } = options;
  const kafka = new Kafka({
    clientId: props["client.id"] ?? "bench-kafkajs-facade",
    brokers: props["bootstrap.servers"].split(","),
    logLevel: logLevel.ERROR,
  });
  const idempotence = props["enable.idempotence"];
  const producer = kafka.producer({
    ...(idempotence === undefined ? {} : { idempotent: idempotence === "true" }),
    lingerMs: Number(props["linger.ms"] ?? 0),
    batchSize: Number(props["batch.size"] ?? 16_384),
  });
  await producer.connect();
  const acks = props.acks === undefined || props.acks === "all" ? -1 : Number(props.acks);
  const compression = CODECS[props["compression.type"] ?? "none"];
  // As Java's first send, the loop starts once the topic's metadata is known.
  await producer.send({ topic, acks, compression, messages: [] });
  if (chunk === 1) {
    const record = { topic, acks, compression, messages: [{ value }] };
    // runSendLoop takes the native Producer shape; it only calls send().
    const adapter = { send: () => producer.send(record).then(() => NO_METADATA) } as unknown as NativeProducer<null, Uint8Array>;
    const loop: SendLoopOptions<null, Uint8Array> = {
      ...options,
      record: () => ({ topic, value }),
      sendForm: "promise",
      onAcked: (i, start) => options.onAcked(i, start),
    };
    await runSendLoop(adapter, loop);
  } else {
    await chunkLoop(options, (messages) => producer.sendBatch({ topicMessages: [{ topic, messages }], acks, compression }).then(() => {}));
  }
  await producer.disconnect();
}

/** Sends `chunk` messages per call, keeping at most `maxOutstanding` messages unacknowledged. */
async function chunkLoop(options: KafkaJSLoopOptions, send: (messages: { value: Uint8Array }[]) => Promise<void>): Promise<void> {
  const { numRecords, chunk, value, maxOutstanding, onAcked, onFailed } = options;
  const throttler = new ThroughputThrottler(options.throughput, Date.now());
  const inFlight = new Set<Promise<void>>();
  let outstanding = 0;
  let lastYield = Date.now();
  for (let sent = 0; sent < numRecords;) {
    const size = Math.min(chunk, numRecords - sent);
    const first = sent;
    const start = Date.now();
    const done: Promise<void> = send(Array.from({ length: size }, () => ({ value }))).then(
      () => {
        for (let i = 0; i < size; i++) onAcked(first + i, start);
      },
      (error) => {
        for (let i = 0; i < size; i++) onFailed(first + i, error);
      },
    ).finally(() => {
      outstanding -= size;
      inFlight.delete(done);
    });
    inFlight.add(done);
    outstanding += size;
    sent += size;
    while (outstanding >= maxOutstanding && inFlight.size > 0) await Promise.race(inFlight);
    if (start - lastYield >= options.yieldEveryMs) {
      await yieldToEventLoop();
      lastYield = Date.now();
    }
    while (throttler.shouldThrottle(sent, Date.now())) await throttler.throttle();
  }
  await Promise.all(inFlight);
}
