/**
 * Sends a few records from a Node script and prints where each landed. Node 20 runs
 * TypeScript through the project's loader hook (Node ≥ 22.18 strips types by itself).
 *
 *   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 TOPIC=greetings node --import ./tools/node_ts_register.mjs examples/node_script.ts
 */
import process from "node:process";
import { KafkaProducer } from "../mod.ts";

const bootstrapServers = process.env.KAFKA_BOOTSTRAP_SERVERS ?? "127.0.0.1:9092";
const topic = process.env.TOPIC ?? "greetings";

// `await using` closes the producer at the end of the script, after sending what is buffered.
await using producer = new KafkaProducer({ bootstrapServers, clientId: "node-script" });
const words = ["hello", "from", `node-${process.versions.node}`];
// Send all, then await all, so the records travel in batches rather than one request each.
const sends = words.map((word, i) => producer.send({ topic, key: `word-${i}`, value: word }));
for (const [i, { partition, offset }] of (await Promise.all(sends)).entries()) {
  console.log(`${words[i]} -> ${topic} partition ${partition} offset ${offset}`);
}
