/**
 * Checks the packed npm package the way a user gets it: builds it (tools/build_npm.ts),
 * installs the tarball into a fresh Node project (`npm install --offline`) and a fresh
 * Bun project (`bun add`), and in each runs a script that imports "@edge-kafka/producer"
 * and sends one record per compression type (so every lazily loaded chunk, WebAssembly
 * included, runs from the bundle), and one that sends through "@edge-kafka/producer/kafkajs"; Deno runs the same script in the Node project, through
 * its node_modules. The script is also bundled again by esbuild for Node, as a user's
 * build would, and run; and a Worker importing the package is bundled as wrangler would
 * and served by workerd (tools/package_smoke_workerd.ts). The Java consumer then reads the
 * topic back and every offset a script printed must hold that script's record. Last, tsc
 * type-checks a small consumer against the installed package in a fresh strict
 * TypeScript project.
 *
 *   deno run -A tools/package_smoke.ts [--tarball dist/x.tgz] [--timing RUNS]
 *
 * Uses KAFKA_BOOTSTRAP_SERVERS when set, otherwise starts (or reuses) the harness broker.
 * `--timing RUNS` also measures import-to-first-ack on each runtime: the time from
 * spawning a process that imports the package, creates a producer and awaits one send,
 * to its ack; it prints the median of RUNS runs.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { buildNpm } from "./build_npm.ts";
import { up } from "./kafka.ts";
import { registryDown, registryUp } from "./registry.ts";
import { withConnection } from "./kafka/wire.ts";
import { workerdSmoke } from "./package_smoke_workerd.ts";
import { readTopic } from "../tests/support/reader.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules/.bin");
const RUNTIMES = {
  node: ["node"],
  bun: [join(BIN, "bun")],
  deno: [join(BIN, "deno"), "run", "-A"],
} as const;
type Runtime = keyof typeof RUNTIMES;
const COMPRESSIONS = ["none", "gzip", "snappy", "lz4", "zstd"] as const;

// Plain JavaScript, so each runtime runs it as a user's program would, with no TypeScript loader.
const SEND_SCRIPT = `import process from "node:process";
import { KafkaProducer } from "@edge-kafka/producer";
const [bootstrapServers, topic, runtime, ...compressions] = process.argv.slice(2);
for (const compressionType of compressions) {
  const producer = new KafkaProducer({ bootstrapServers, clientId: "package-smoke-" + runtime, compressionType });
  try {
    const value = runtime + "/" + compressionType;
    const md = await producer.send({ topic, key: runtime, value });
    console.log(JSON.stringify({ runtime, compressionType, value, partition: md.partition, offset: md.offset }));
  } finally {
    await producer.close();
  }
}
`;

// The same through the KafkaJS-compatible subpath, as KafkaJS code with its import changed.
const KAFKAJS_SCRIPT = `import process from "node:process";
import { CompressionTypes, Kafka, logLevel } from "@edge-kafka/producer/kafkajs";
const [bootstrapServers, topic, runtime] = process.argv.slice(2);
const kafka = new Kafka({ clientId: "package-smoke-kafkajs-" + runtime, brokers: bootstrapServers.split(","), logLevel: logLevel.WARN });
const producer = kafka.producer();
await producer.connect();
try {
  const value = runtime + "/kafkajs";
  const [md] = await producer.send({ topic, compression: CompressionTypes.GZIP, messages: [{ key: runtime, value }] });
  console.log(JSON.stringify({ runtime, compressionType: "kafkajs+gzip", value, partition: md.partition, offset: Number(md.baseOffset) }));
} finally {
  await producer.disconnect();
}
`;

// The parent times spawn to the ack line; inside, performance.now() counts from the
// runtime's own time origin, which splits that into boot, import, and import to ack.
const TIMING_SCRIPT = `const started = performance.now();
const { KafkaProducer } = await import("@edge-kafka/producer");
const imported = performance.now();
const [bootstrapServers, topic] = (await import("node:process")).default.argv.slice(2);
const producer = new KafkaProducer({ bootstrapServers, clientId: "package-timing" });
const md = await producer.send({ topic, value: "first" });
console.log(JSON.stringify({ started, imported, acked: performance.now(), offset: md.offset }));
await producer.close();
`;

// The Schema Registry subpath, as a user's program imports it: one Avro record, registered on first use.
const REGISTRY_SCRIPT = `import process from "node:process";
import { KafkaProducer } from "@edge-kafka/producer";
import { AvroDeserializer, AvroSerializer, SchemaRegistryClient } from "@edge-kafka/producer/schema-registry";
const [bootstrapServers, registryUrl, topic, runtime] = process.argv.slice(2);
const registry = new SchemaRegistryClient({ url: registryUrl });
const schema = { type: "record", name: "Smoke", fields: [{ name: "runtime", type: "string" }] };
const serializer = new AvroSerializer(registry, { schema });
const producer = new KafkaProducer({ bootstrapServers, valueSerializer: serializer.serializer });
try {
  const md = await producer.send({ topic, key: runtime, value: { runtime } });
  const bytes = await serializer.serialize(topic, { runtime });
  const back = await new AvroDeserializer(registry).deserialize(topic, bytes);
  console.log(JSON.stringify({ runtime, partition: md.partition, offset: md.offset, hex: Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""), back }));
} finally {
  await producer.close();
}
`;

const CONSUMER_TS =
  `import { KafkaError, KafkaProducer, type ProducerConfig, type RecordMetadata, type SendCallback } from "@edge-kafka/producer";
import { awsCredentialsFromEnv, mskIamTokenProvider } from "@edge-kafka/producer/msk-iam";
import { Kafka, KafkaJSError, type Producer, type RecordMetadata as KafkaJSRecordMetadata } from "@edge-kafka/producer/kafkajs";

// No console here: the project's lib is bare ES2022, so only the package's own types are in play.
export const offsets: number[] = [];
const config: ProducerConfig = { bootstrapServers: "127.0.0.1:9092", compressionType: "zstd", lingerMs: 5 };
const producer = new KafkaProducer(config);
try {
  const md: RecordMetadata = await producer.send({ topic: "orders", key: "k", value: JSON.stringify({ n: 1 }) });
  const offset: number = md.offset;
  offsets.push(offset);
  // The callback form returns nothing; a one-parameter callback fits too.
  const onDelivery: SendCallback = (error, written) => {
    if (written !== null) offsets.push(written.offset);
    else if (!(error instanceof KafkaError)) throw error;
  };
  const nothing: void = producer.send({ topic: "orders", value: "v" }, onDelivery);
  producer.send({ topic: "orders", value: "w" }, (error) => void error);
  await producer.flush();
} catch (err) {
  if (!(err instanceof KafkaError && err.retriable)) throw err;
} finally {
  await producer.close();
}
// The MSK IAM entry's provider is an OAUTHBEARER provider.
export const msk: ProducerConfig = {
  bootstrapServers: "b-1.example.kafka.us-east-1.amazonaws.com:9098",
  ssl: true,
  sasl: { mechanism: "oauthbearer", oauthBearerProvider: mskIamTokenProvider({ region: "us-east-1", credentials: awsCredentialsFromEnv({}) }) },
  tracing: false,
};
// The types must be real, not any: a wrong config is an error.
// @ts-expect-error bootstrapServers is a string
new KafkaProducer({ bootstrapServers: 9092 });

// The KafkaJS-compatible subpath resolves to its own declarations.
const kafkajs: Producer = new Kafka({ brokers: ["127.0.0.1:9092"] }).producer({ idempotent: true });
export async function viaKafkaJS(): Promise<string | undefined> {
  try {
    const sent: KafkaJSRecordMetadata[] = await kafkajs.send({ topic: "orders", messages: [{ key: "k", value: "v" }] });
    return sent[0]?.baseOffset;
  } catch (err) {
    if (err instanceof KafkaJSError) return err.name;
    throw err;
  }
}
// @ts-expect-error messages is required
kafkajs.send({ topic: "orders" });
`;

/** `@edge-kafka/producer/schema-registry` on Node, Bun and Deno: an Avro record through the harness's registry, read back by the Java consumer. */
async function registrySubpathSmoke(nodeDir: string, bunDir: string, bootstrapServers: string, log: (line: string) => void): Promise<void> {
  const registry = await registryUp({ log: (message) => console.error(`[registry] ${message}`) });
  try {
    const topic = `package-smoke-registry-${Date.now()}`;
    await createTopic(bootstrapServers, topic);
    const written: { partition: number; offset: number; hex: string }[] = [];
    for (const runtime of Object.keys(RUNTIMES) as Runtime[]) {
      const [command, ...args] = RUNTIMES[runtime];
      const dir = runtime === "bun" ? bunDir : nodeDir;
      writeFileSync(join(dir, "registry.mjs"), REGISTRY_SCRIPT);
      const ran = await mustRun(command, [...args, "registry.mjs", bootstrapServers, registry.url, topic, runtime], dir);
      const line = JSON.parse(ran.stdout.trim());
      if (line.back?.runtime !== runtime || !line.hex.startsWith("00")) {
        throw new Error(`${runtime}: schema-registry subpath printed ${ran.stdout}`);
      }
      log(`${runtime}: @edge-kafka/producer/schema-registry -> ${topic}-${line.partition}@${line.offset}, ${line.hex}`);
      written.push(line);
    }
    const records = await readTopic(bootstrapServers, topic);
    for (const w of written) {
      const stored = records.find((r) => r.partition === w.partition && r.offset === w.offset);
      const hex = Array.from(stored?.value ?? [], (b) => b.toString(16).padStart(2, "0")).join("");
      if (hex !== w.hex) throw new Error(`reader: ${topic}-${w.partition}@${w.offset} holds ${hex}, not ${w.hex}`);
    }
    log(`reader: the ${written.length} Avro records in Confluent's format read back byte for byte`);
  } finally {
    if (!registry.reused) await registryDown();
  }
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to each stdout line. */
  lineTimes: number[];
}

function exec(command: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Ran> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    const lineTimes: number[] = [];
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} ran longer than ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      const now = performance.now() - started;
      for (const char of chunk) if (char === "\n") lineTimes.push(now);
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => stderr += chunk);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, lineTimes });
    });
  });
}

async function mustRun(command: string, args: string[], cwd: string, timeoutMs?: number): Promise<Ran> {
  const ran = await exec(command, args, cwd, timeoutMs);
  if (ran.code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${ran.code}\n${ran.stdout}\n${ran.stderr}`);
  return ran;
}

async function createTopic(bootstrapServers: string, topic: string): Promise<void> {
  const [, host, port] = /^\[?(.+?)\]?:(\d+)$/.exec(bootstrapServers.split(",")[0].trim())!;
  const created = await withConnection(
    host,
    Number(port),
    (c) => c.createTopic({ name: topic, partitions: 1, replicationFactor: -1, configs: {}, timeoutMs: 30_000 }),
    30_000,
  );
  if (created.errorCode !== 0) throw new Error(`cannot create ${topic}: error ${created.errorCode} ${created.errorMessage ?? ""}`);
}

function project(dir: string, name: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module" }, null, 2));
  writeFileSync(join(dir, "send.mjs"), SEND_SCRIPT);
  writeFileSync(join(dir, "kafkajs.mjs"), KAFKAJS_SCRIPT);
  writeFileSync(join(dir, "timing.mjs"), TIMING_SCRIPT);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

/** Runs the whole check; throws on the first thing that is wrong. */
export async function packageSmoke(opts: { tarball?: string; timingRuns?: number; log?: (line: string) => void } = {}): Promise<void> {
  const log = opts.log ?? console.log;
  let bootstrapServers = process.env.KAFKA_BOOTSTRAP_SERVERS;
  if (!bootstrapServers) {
    log("KAFKA_BOOTSTRAP_SERVERS is not set: starting (or reusing) the harness broker ...");
    bootstrapServers = (await up({ log: (message) => console.error(message) })).bootstrapServers;
  }
  let tarball = opts.tarball ? resolve(opts.tarball) : undefined;
  if (!tarball) {
    const built = await buildNpm({ log });
    tarball = built.tarball!;
    const { mainMin, mainGzip } = built.sizes.esm;
    log(`built ${tarball}: ${built.tarballBytes} bytes; main entry ${mainMin} B minified, ${mainGzip} B gzipped`);
  }

  const work = mkdtempSync(join(tmpdir(), "edge-kafka-package-"));
  try {
    const nodeDir = join(work, "node");
    const bunDir = join(work, "bun");
    project(nodeDir, "smoke-node");
    project(bunDir, "smoke-bun");
    // --offline: the package has no dependencies, so nothing may be fetched.
    await mustRun("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], nodeDir);
    await mustRun(RUNTIMES.bun[0], ["add", tarball], bunDir);
    log(`installed into ${nodeDir} (npm) and ${bunDir} (bun)`);

    const topic = `package-smoke-${Date.now()}`;
    await createTopic(bootstrapServers, topic);
    const sent: { runtime: string; compressionType: string; value: string; partition: number; offset: number }[] = [];
    for (const runtime of Object.keys(RUNTIMES) as Runtime[]) {
      const [command, ...args] = RUNTIMES[runtime];
      const ran = await mustRun(
        command,
        [...args, "send.mjs", bootstrapServers, topic, runtime, ...COMPRESSIONS],
        runtime === "bun" ? bunDir : nodeDir,
      );
      const lines = ran.stdout.trim().split("\n").map((line) => JSON.parse(line));
      if (lines.length !== COMPRESSIONS.length) throw new Error(`${runtime} printed ${lines.length} acks:\n${ran.stdout}\n${ran.stderr}`);
      for (const line of lines) log(`${runtime}: ${line.compressionType.padEnd(6)} -> ${topic}-${line.partition}@${line.offset}`);
      sent.push(...lines);
      const viaKafkaJS = await mustRun(
        command,
        [...args, "kafkajs.mjs", bootstrapServers, topic, runtime],
        runtime === "bun" ? bunDir : nodeDir,
      );
      const line = JSON.parse(viaKafkaJS.stdout.trim());
      log(`${runtime}: @edge-kafka/producer/kafkajs, gzip -> ${topic}-${line.partition}@${line.offset}`);
      sent.push(line);
    }

    // A user's own bundle for Node must build (no `cloudflare:` import may reach it) and run.
    await mustRun(
      join(BIN, "esbuild"),
      ["send.mjs", "--bundle", "--platform=node", "--format=esm", "--splitting", "--outdir=bundled"],
      nodeDir,
    );
    const bundled = await mustRun("node", ["bundled/send.js", bootstrapServers, topic, "node-rebundled", "none", "zstd"], nodeDir);
    for (const line of bundled.stdout.trim().split("\n").map((l) => JSON.parse(l))) {
      log(`node, rebundled by esbuild: ${line.compressionType.padEnd(6)} -> ${topic}-${line.partition}@${line.offset}`);
      sent.push(line);
    }
    sent.push(...await workerdSmoke(nodeDir, bootstrapServers, topic, log));
    await registrySubpathSmoke(nodeDir, bunDir, bootstrapServers, log);

    const records = await readTopic(bootstrapServers, topic);
    const decoder = new TextDecoder();
    for (const s of sent) {
      const record = records.find((r) => r.partition === s.partition && r.offset === s.offset);
      const value = record?.value ? decoder.decode(record.value) : undefined;
      if (value !== s.value) {
        throw new Error(`reader: ${topic}-${s.partition}@${s.offset} holds ${JSON.stringify(value)}, not ${JSON.stringify(s.value)}`);
      }
    }
    if (records.length !== sent.length) throw new Error(`the reader read ${records.length} records, ${sent.length} were sent`);
    log(`reader: all ${sent.length} records read back at their offsets`);

    const tsDir = join(work, "typescript");
    mkdirSync(tsDir);
    writeFileSync(join(tsDir, "package.json"), JSON.stringify({ name: "smoke-ts", private: true, type: "module" }));
    writeFileSync(
      join(tsDir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "es2022",
          lib: ["es2022", "esnext.disposable"],
          module: "nodenext",
          strict: true,
          noEmit: true,
          types: [],
          skipLibCheck: false,
        },
        files: ["consumer.ts"],
      }),
    );
    writeFileSync(join(tsDir, "consumer.ts"), CONSUMER_TS);
    await mustRun("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], tsDir);
    await mustRun(join(BIN, "tsc"), ["-p", "."], tsDir);
    // The same consumer under the resolution bundlers use.
    await mustRun(join(BIN, "tsc"), ["-p", ".", "--module", "preserve", "--moduleResolution", "bundler"], tsDir);
    log("tsc: the consumer type-checks against the installed package (nodenext and bundler resolution)");

    if (opts.timingRuns) {
      const timingTopic = `package-timing-${Date.now()}`;
      await createTopic(bootstrapServers, timingTopic);
      for (const runtime of Object.keys(RUNTIMES) as Runtime[]) {
        const [command, ...args] = RUNTIMES[runtime];
        const spawnToAck: number[] = [];
        const boot: number[] = [];
        const imports: number[] = [];
        const sendToAck: number[] = [];
        for (let i = 0; i < opts.timingRuns; i++) {
          const ran = await mustRun(command, [...args, "timing.mjs", bootstrapServers, timingTopic], runtime === "bun" ? bunDir : nodeDir);
          const line = JSON.parse(ran.stdout.trim().split("\n")[0]);
          spawnToAck.push(ran.lineTimes[0]);
          boot.push(line.started);
          imports.push(line.imported - line.started);
          sendToAck.push(line.acked - line.imported);
        }
        const f = (values: number[]) => `${median(values).toFixed(0)} ms [${values.map((v) => v.toFixed(0)).join(", ")}]`;
        log(`${runtime}: spawn->ack ${f(spawnToAck)}`);
        log(`${runtime}:   boot (time origin->script) ${f(boot)}; import ${f(imports)}; new+send->ack ${f(sendToAck)}`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const timing = option("--timing");
  await packageSmoke({ tarball: option("--tarball"), timingRuns: timing ? Number(timing) : undefined });
  console.log("package smoke: ok");
}
