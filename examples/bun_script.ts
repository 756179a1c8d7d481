/**
 * Sends a few records from a Bun script and prints where each landed.
 *
 *   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 TOPIC=greetings bun examples/bun_script.ts
 */
import { KafkaProducer } from "../mod.ts";

// With bun-types installed this declaration is not needed; it keeps `deno check` happy.
declare const Bun: { env: Record<string, string | undefined>; version: string };

const bootstrapServers = Bun.env.KAFKA_BOOTSTRAP_SERVERS ?? "127.0.0.1:9092";
const topic = Bun.env.TOPIC ?? "greetings";

// `await using` closes the producer at the end of the script, after sending what is buffered.
await using producer = new KafkaProducer({ bootstrapServers, clientId: "bun-script" });
const words = ["hello", "from", `bun-${Bun.version}`];
// Send all, then await all, so the records travel in batches rather than one request each.
const sends = words.map((word, i) => producer.send({ topic, key: `word-${i}`, value: word }));
for (const [i, { partition, offset }] of (await Promise.all(sends)).entries()) {
  console.log(`${words[i]} -> ${topic} partition ${partition} offset ${offset}`);
}
