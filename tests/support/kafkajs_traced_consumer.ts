/**
 * Another library's traced consumer, for the cross-library trace test: a KafkaJS consumer
 * instrumented by @opentelemetry/instrumentation-kafkajs (which patches KafkaJS when it is
 * required, so this runs under Node), reading `count` records of `topic` from the
 * beginning. Prints one JSON line per record's `process` span
 * (`{"key","traceId","spanId","parentSpanId"}`), then `done`.
 *
 *   node --import ./tools/node_ts_register.mjs tests/support/kafkajs_traced_consumer.ts BOOTSTRAP TOPIC COUNT
 *
 * @module
 */
import { createRequire } from "node:module";
import process from "node:process";
import { context, propagation } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { KafkaJsInstrumentation } from "@opentelemetry/instrumentation-kafkajs";
import type * as KafkaJs from "kafkajs";

const [bootstrap, topic, countText] = process.argv.slice(2);
const count = Number(countText);

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const instrumentation = new KafkaJsInstrumentation();
instrumentation.setTracerProvider(provider);
// Required, not imported: the instrumentation patches KafkaJS as require() loads it.
const { Kafka, logLevel } = createRequire(import.meta.url)("kafkajs") as typeof KafkaJs;

const kafka = new Kafka({ clientId: "traced-consumer", brokers: bootstrap.split(","), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: `traced-consumer-${process.pid}-${Date.now()}` });
let seen = 0;
let allSeen!: () => void;
const done = new Promise<void>((resolve) => allSeen = resolve);
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  eachMessage: () => {
    if (++seen >= count) allSeen();
    return Promise.resolve();
  },
});
const timer = setTimeout(() => {
  console.error(`only ${seen} of ${count} records arrived`);
  process.exit(1);
}, 60_000);
await done;
clearTimeout(timer);
await consumer.disconnect();
for (const span of exporter.getFinishedSpans()) {
  if (span.name !== `process ${topic}`) continue;
  console.log(JSON.stringify({
    key: span.attributes["messaging.kafka.message.key"] ?? null,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
  }));
}
console.log("done");
