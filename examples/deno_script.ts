/**
 * Sends a few records from a Deno script and prints where each landed.
 *
 *   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 TOPIC=greetings deno run --allow-net --allow-env examples/deno_script.ts
 */
import { KafkaProducer } from "../mod.ts";

const bootstrapServers = Deno.env.get("KAFKA_BOOTSTRAP_SERVERS") ?? "127.0.0.1:9092";
const topic = Deno.env.get("TOPIC") ?? "greetings";

// `await using` closes the producer at the end of the script, after sending what is buffered.
await using producer = new KafkaProducer({ bootstrapServers, clientId: "deno-script" });
const words = ["hello", "from", "deno"];
// Send all, then await all, so the records travel in batches rather than one request each.
const sends = words.map((word, i) => producer.send({ topic, key: `word-${i}`, value: word }));
for (const [i, { partition, offset }] of (await Promise.all(sends)).entries()) {
  console.log(`${words[i]} -> ${topic} partition ${partition} offset ${offset}`);
}
