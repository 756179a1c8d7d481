/**
 * An AWS Lambda handler (Node.js runtime; bundle it with its dependencies) that writes the
 * records of its event to Kafka and returns where they landed.
 *
 * Lambda freezes the execution environment as soon as the handler returns and may discard
 * it later without warning, so the handler flushes before it returns: a frozen function
 * must not hold records it has not sent. The producer lives in module scope, so warm
 * invocations reuse its connections and metadata.
 *
 *   environment: KAFKA_BOOTSTRAP_SERVERS=broker-1:9092,broker-2:9092 TOPIC=lambda-events
 *   event:       { "records": [{ "key": "order-17", "value": "{\"total\":3}" }] }
 */
import process from "node:process";
import { closeOnShutdown, KafkaProducer } from "../mod.ts";

/** The event this function expects. */
export interface ProduceEvent {
  records: { key?: string; value: string }[];
}

/** What it returns: where each record landed, in the event's order. */
export interface ProduceResult {
  topic: string;
  records: { partition: number; offset: number }[];
}

const topic = process.env.TOPIC ?? "lambda-events";
// Created once per execution environment, on the cold start.
const producer = new KafkaProducer({ bootstrapServers: process.env.KAFKA_BOOTSTRAP_SERVERS ?? "127.0.0.1:9092", clientId: "lambda" });
// Lambda sends SIGTERM and allows 500 ms before it shuts an environment down (when an
// extension is registered); every invocation flushed, so closing is quick.
closeOnShutdown(producer, { timeoutMs: 400 });

/** Sends the event's records and returns once every one of them is acknowledged. */
export const handler = async (event: ProduceEvent): Promise<ProduceResult> => {
  const sends = event.records.map(({ key, value }) => producer.send({ topic, key: key ?? null, value }));
  // Awaited only after the flush: allSettled keeps a failed send from being an unhandled rejection meanwhile.
  const settled = Promise.allSettled(sends);
  await producer.flush(); // sends now instead of after lingerMs, and waits for every record
  const records = [];
  for (const result of await settled) {
    if (result.status === "rejected") throw result.reason; // fails the invocation, so Lambda retries the event
    records.push({ partition: result.value.partition, offset: result.value.offset });
  }
  return { topic, records };
};
