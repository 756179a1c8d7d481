/**
 * `deno task demo` (`npm run demo`): produces 100,000 keyed records to a new 6-partition
 * topic, keeping them all in flight, then prints kafka-producer-perf-test's summary line.
 * Uses KAFKA_BOOTSTRAP_SERVERS when set, otherwise starts the local broker from the harness.
 *
 *   deno run -A tools/demo.ts | bun tools/demo.ts | node --import ./tools/node_ts_register.mjs tools/demo.ts
 */
import process from "node:process";
import { KafkaProducer } from "../mod.ts";
import { createTopic, up } from "./kafka.ts";
import { withConnection } from "./kafka/wire.ts";
import { PerfStats } from "./perf/perf_stats.ts";

const RECORDS = 100_000;
const PARTITIONS = 6;
const topic = `demo-${Date.now()}`;

let bootstrapServers = process.env.KAFKA_BOOTSTRAP_SERVERS;
if (bootstrapServers) {
  // Maybe not the harness's broker, so no harness state: ask the first address directly.
  const [, host, port] = /^\[?(.+?)\]?:(\d+)$/.exec(bootstrapServers.split(",")[0].trim())!;
  const created = await withConnection(
    host,
    Number(port),
    (c) => c.createTopic({ name: topic, partitions: PARTITIONS, replicationFactor: -1, configs: {}, timeoutMs: 30_000 }),
    30_000,
  );
  if (created.errorCode !== 0) throw new Error(`cannot create ${topic}: error ${created.errorCode} ${created.errorMessage ?? ""}`);
} else {
  console.error("KAFKA_BOOTSTRAP_SERVERS is not set: starting the local broker (deno task kafka up) ...");
  bootstrapServers = (await up({ log: (message) => console.error(message) })).bootstrapServers;
  await createTopic(topic, { partitions: PARTITIONS });
}
console.log(`bootstrap.servers=${bootstrapServers}`);
console.log(`producing ${RECORDS} records (1000 keys, 100-byte values) to ${topic} (${PARTITIONS} partitions)`);

// A single redrawn line on a terminal; a few plain lines in a log.
const tty = process.stderr.isTTY === true;
let settled = 0;
let drawnAt = 0;
let nextPlain = RECORDS / 4;
function progress(force = false) {
  if (tty) {
    const now = Date.now();
    if (!force && now - drawnAt < 100) return;
    drawnAt = now;
    const filled = Math.round((30 * settled) / RECORDS);
    process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(30 - filled)}] ${settled}/${RECORDS} acknowledged`);
  } else if (settled >= nextPlain) {
    console.error(`${settled}/${RECORDS} acknowledged`);
    nextPlain += RECORDS / 4;
  }
}
const clearBar = () => tty && process.stderr.write("\r\x1b[K");

const producer = new KafkaProducer({ bootstrapServers, clientId: "demo", lingerMs: 5 });
const stats = new PerfStats(RECORDS, {
  print: (line) => {
    clearBar();
    console.log(line);
  },
});
let firstError: unknown;
const sends: Promise<void>[] = [];
for (let i = 0; i < RECORDS; i++) {
  const value = `record ${i} `.padEnd(100, "abcdefghijklmnopqrstuvwxyz");
  const start = Date.now();
  // Not awaited one by one: the producer batches whatever is in flight.
  sends.push(
    producer.send({ topic, key: `key-${i % 1000}`, value }).then(
      () => stats.completed(start, value.length),
      (error) => void (firstError ??= error),
    ).finally(() => {
      settled++;
      progress();
    }),
  );
}
await Promise.all(sends);
progress(true);
if (tty) process.stderr.write("\n");
stats.printTotal();
await producer.flush();
await producer.close();
if (firstError !== undefined) {
  console.error(`${RECORDS - stats.totalCount} sends failed; the first: ${firstError}`);
  process.exit(1);
}
if (!process.env.KAFKA_BOOTSTRAP_SERVERS) console.error("the broker keeps running; stop it with: deno task kafka down");
