/**
 * KafkaJS's producer example, as its documentation writes it, with one line changed: the
 * import. It runs on Deno, Bun and Node (and, in a Worker, on Cloudflare).
 *
 *   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 TOPIC=test-topic deno run -A examples/kafkajs_producer.ts
 *   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 TOPIC=test-topic bun examples/kafkajs_producer.ts
 *   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 TOPIC=test-topic node --import ./tools/node_ts_register.mjs examples/kafkajs_producer.ts
 */
import process from "node:process";
// From the npm package: import { CompressionTypes, Kafka, logLevel } from "@edge-kafka/producer/kafkajs";
import { CompressionTypes, Kafka, logLevel } from "../src/kafkajs/mod.ts";

const topic = process.env.TOPIC ?? "test-topic";

const kafka = new Kafka({
  clientId: "my-app",
  brokers: (process.env.KAFKA_BOOTSTRAP_SERVERS ?? "127.0.0.1:9092").split(","),
  logLevel: logLevel.WARN,
});

const producer = kafka.producer();

await producer.connect();
const sent = await producer.send({
  topic,
  messages: [
    { value: "Hello KafkaJS user!" },
    { key: "key1", value: "hello world" },
    { key: "key2", value: "hey hey!", headers: { "correlation-id": "2bfb68bb-893a-423b-a7fa-7b568cad5b67" } },
  ],
});
// Per-send options, as KafkaJS users write them: only the leader's acknowledgement, gzip.
sent.push(
  ...await producer.send({ topic, acks: 1, compression: CompressionTypes.GZIP, messages: [{ key: "key1", value: "compressed" }] }),
);
for (const { topicName, partition, baseOffset } of sent) console.log(`${topicName} partition ${partition} baseOffset ${baseOffset}`);
await producer.disconnect();
