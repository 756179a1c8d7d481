/**
 * KafkaJS's transaction example, as its documentation writes it, with one line changed:
 * the import. Sends two messages in a transaction and commits it, then sends one more in
 * a transaction it aborts; read_committed consumers see only the first two.
 *
 *   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 TOPIC=test-topic deno run -A examples/kafkajs_transaction.ts
 *   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 TOPIC=test-topic bun examples/kafkajs_transaction.ts
 */
import process from "node:process";
// From the npm package: import { Kafka, logLevel } from "@edge-kafka/producer/kafkajs";
import { Kafka, logLevel } from "../src/kafkajs/mod.ts";

const topic = process.env.TOPIC ?? "test-topic";

const kafka = new Kafka({
  clientId: "my-app",
  brokers: (process.env.KAFKA_BOOTSTRAP_SERVERS ?? "127.0.0.1:9092").split(","),
  logLevel: logLevel.WARN,
});

const producer = kafka.producer({
  transactionalId: process.env.TRANSACTIONAL_ID ?? "my-transactional-producer",
  maxInFlightRequests: 1,
  idempotent: true,
});

await producer.connect();

const transaction = await producer.transaction();
try {
  await transaction.send({ topic, messages: [{ key: "order-1", value: "paid" }, { key: "order-2", value: "paid" }] });
  await transaction.commit();
  console.log("committed 2 messages");
} catch (e) {
  await transaction.abort();
  throw e;
}

const second = await producer.transaction();
await second.send({ topic, messages: [{ key: "order-3", value: "cancelled before commit" }] });
await second.abort();
console.log("aborted 1 message");

await producer.disconnect();
