/**
 * `deno task bench:registry`: what Schema Registry serialization costs, on Node, in one
 * run against the harness's registry and broker.
 *
 * 1. Serialization per record, ours against @kafkajs/confluent-schema-registry (the
 *    most used JavaScript serdes), same schema, same values, same registry, after one
 *    warm-up record: Avro and JSON Schema. Ratios are theirs over ours.
 * 2. The async-serialization design: records/s through the producer with the registry
 *    serializer as `valueSerializer` (a promise only for the first record, bytes at once
 *    after), against the app awaiting `serialize()` before each `send()`, against
 *    bytes serialized beforehand (the ceiling).
 *
 *   deno task bench:registry [--records 200000] [--produce 100000]
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { KafkaProducer } from "../mod.ts";
import { AvroSerializer, JsonSchemaSerializer, type RegistrySerializer, SchemaRegistryClient } from "../src/schema_registry/mod.ts";
import { createTopic, up } from "./kafka.ts";
import { registryUp } from "./registry.ts";
import { type Order, ORDER_AVRO, ORDER_JSON_SCHEMA, orderAt } from "../tests/support/orders.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const PEERS = join(root, "bench", "peers");

const AVRO = ORDER_AVRO;
const JSON_SCHEMA = ORDER_JSON_SCHEMA;
const order = orderAt;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

/** Nanoseconds per record of `run(values)`, the best of three rounds. */
async function perRecord(values: Order[], run: (values: Order[]) => Promise<unknown> | unknown): Promise<number> {
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    await run(values);
    best = Math.min(best, ((performance.now() - started) * 1e6) / values.length);
  }
  return best;
}

async function kafkajsRegistry(url: string) {
  if (!existsSync(join(PEERS, "node_modules", "@kafkajs", "confluent-schema-registry"))) {
    await new Promise<void>((resolve, reject) =>
      spawn("npm", ["install", "--no-audit", "--no-fund"], { cwd: PEERS, stdio: "inherit" })
        .on("close", (code) => code === 0 ? resolve() : reject(new Error(`npm install in bench/peers exited with ${code}`)))
    );
  }
  const module = await import(join(PEERS, "node_modules", "@kafkajs", "confluent-schema-registry", "dist", "index.js"));
  const { SchemaRegistry, SchemaType } = module.default ?? module;
  return { registry: new SchemaRegistry({ host: url }), SchemaType };
}

async function main(): Promise<void> {
  const records = flag("records", 200_000);
  const produced = flag("produce", 100_000);
  const log = (message: string) => console.error(message);
  const [{ url }, cluster] = await Promise.all([registryUp({ log }), up({ log })]);
  const values = Array.from({ length: records }, (_, i) => order(i));
  const registry = new SchemaRegistryClient({ url });
  const peer = await kafkajsRegistry(url);
  const topic = `bench-registry-${Date.now()}`;
  console.log(`Schema Registry serialization on Node ${process.versions.node}, ${records} records of Order (2 items), registry ${url}`);

  const formats: { name: string; ours: RegistrySerializer<Order>; theirs: () => Promise<number> }[] = [
    {
      name: "Avro",
      ours: new AvroSerializer<Order>(registry, { schema: AVRO }),
      theirs: async () =>
        (await peer.registry.register({ type: peer.SchemaType.AVRO, schema: JSON.stringify(AVRO) }, {
          subject: `${topic}-avro-value`,
          compatibility: "NONE",
        })).id,
    },
    {
      name: "JSON Schema",
      ours: new JsonSchemaSerializer<Order>(registry, { schema: JSON_SCHEMA }),
      theirs: async () =>
        (await peer.registry.register({ type: peer.SchemaType.JSON, schema: JSON.stringify(JSON_SCHEMA) }, {
          subject: `${topic}-json-value`,
          compatibility: "NONE",
        })).id,
    },
  ];
  console.log("\nformat       ours sync (ns)  ours await (ns)  @kafkajs encode (ns)  ratio @kafkajs/ours (sync)  (await)");
  for (const format of formats) {
    const subjectTopic = `${topic}-${format.name === "Avro" ? "avro" : "json"}`;
    await format.ours.serialize(subjectTopic, values[0]);
    const id = await format.theirs();
    await peer.registry.encode(id, values[0]);
    const context = { signal: new AbortController().signal };
    const sync = await perRecord(values, (vs) => {
      for (const value of vs) format.ours.serializer(value, subjectTopic, context);
    });
    const awaited = await perRecord(values, async (vs) => {
      for (const value of vs) await format.ours.serialize(subjectTopic, value);
    });
    const theirs = await perRecord(values, async (vs) => {
      for (const value of vs) await peer.registry.encode(id, value);
    });
    console.log(
      `${format.name.padEnd(12)} ${sync.toFixed(0).padStart(14)} ${awaited.toFixed(0).padStart(16)} ${theirs.toFixed(0).padStart(21)} ${
        (theirs / sync).toFixed(2).padStart(27)
      } ${(theirs / awaited).toFixed(2).padStart(8)}`,
    );
  }

  // The producer: the same Avro records three ways, to one topic of 6 partitions, acks=all.
  await createTopic(topic, { partitions: 6 });
  const avro = formats[0].ours;
  const sendAll = async (
    label: string,
    produce: (producer: KafkaProducer<string, unknown>) => Promise<unknown>,
    serializer: RegistrySerializer<Order> | undefined,
    report: boolean,
  ) => {
    const producer = new KafkaProducer<string, unknown>({
      bootstrapServers: cluster.bootstrapServers,
      lingerMs: 5,
      batchSize: 65_536,
      ...(serializer === undefined ? {} : { valueSerializer: serializer.serializer as never }),
    });
    await producer.send({ topic, value: new Uint8Array(1) as never }).catch(() => {});
    const started = performance.now();
    await produce(producer);
    const seconds = (performance.now() - started) / 1000;
    await producer.close();
    if (report) console.log(`${label.padEnd(58)} ${Math.round(produced / seconds).toLocaleString("en-US").padStart(10)} records/s`);
  };
  const batch = values.slice(0, produced);
  console.log(`\nproducing ${produced} Avro records (lingerMs 5, batchSize 64 KiB, acks=all, idempotent), send all then await all;`);
  console.log("each way runs twice (a fresh serializer each run, so the first record asks the registry), the second run is printed:");
  const preSerialized = await Promise.all(batch.map((value) => avro.serialize(topic, value)));
  for (const round of [1, 2]) {
    const report = round === 2;
    await sendAll(
      "bytes serialized beforehand (ceiling)",
      (p) => Promise.all(preSerialized.map((value) => p.send({ topic, key: "k", value }))),
      undefined,
      report,
    );
    await sendAll(
      "valueSerializer, cold: all sent before the registry answers",
      (p) => Promise.all(batch.map((value) => p.send({ topic, key: "k", value }))),
      new AvroSerializer<Order>(registry, { schema: AVRO }),
      report,
    );
    const warm = new AvroSerializer<Order>(registry, { schema: AVRO });
    await warm.serialize(topic, batch[0]);
    await sendAll(
      "valueSerializer, warm: the schema id already known",
      (p) => Promise.all(batch.map((value) => p.send({ topic, key: "k", value }))),
      warm,
      report,
    );
    await sendAll(
      "app awaits serialize() before each send()",
      async (p) => {
        const fresh = new AvroSerializer<Order>(registry, { schema: AVRO });
        const sends = [];
        for (const value of batch) sends.push(p.send({ topic, key: "k", value: await fresh.serialize(topic, value) }));
        await Promise.all(sends);
      },
      undefined,
      report,
    );
  }
}

await main();
process.exit(0);
