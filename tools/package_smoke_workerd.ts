/**
 * The workerd part of tools/package_smoke.ts: a Worker that imports the installed
 * "@edge-kafka/producer" is bundled the way wrangler bundles one (esbuild, conditions
 * workerd/worker/browser, `cloudflare:` and `node:` left to the runtime), served by
 * workerd, and asked to produce one record per compression type. gzip, lz4 and none
 * must be acked; zstd and snappy must fail with the workerd build's explanation, since
 * workerd compiles no WebAssembly from bytes.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { startWorkerd, stopWorkerd } from "./workerd/serve.ts";

const WORKER = `import { KafkaProducer } from "@edge-kafka/producer";
import { CompressionTypes, Kafka, logLevel } from "@edge-kafka/producer/kafkajs";
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const topic = url.searchParams.get("topic");
    if (request.method !== "POST" || !topic) return Response.json({ error: "POST a body to /?topic=<name>" }, { status: 400 });
    if (url.searchParams.get("api") === "kafkajs") {
      const kafka = new Kafka({ clientId: "package-smoke-workerd-kafkajs", brokers: env.KAFKA_BOOTSTRAP_SERVERS.split(","), logLevel: logLevel.WARN });
      const producer = kafka.producer();
      await producer.connect();
      try {
        const [md] = await producer.send({ topic, compression: CompressionTypes.GZIP, messages: [{ key: "workerd", value: await request.text() }] });
        return Response.json({ partition: md.partition, offset: Number(md.baseOffset) });
      } catch (error) {
        return Response.json({ error: error.name + ": " + error.message }, { status: 502 });
      } finally {
        ctx.waitUntil(producer.disconnect());
      }
    }
    const compressionType = url.searchParams.get("compression") ?? "none";
    const producer = new KafkaProducer({
      bootstrapServers: env.KAFKA_BOOTSTRAP_SERVERS,
      clientId: "package-smoke-workerd",
      compressionType,
    });
    try {
      const md = await producer.send({ topic, key: "workerd", value: await request.text() });
      return Response.json({ partition: md.partition, offset: md.offset });
    } catch (error) {
      return Response.json({ error: error.name + ": " + error.message }, { status: 502 });
    } finally {
      ctx.waitUntil(producer.close());
    }
  },
};
`;

const CONFIG = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "brokers", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.bundle.js")],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["nodejs_compat"],
  globalOutbound = "brokers",
  bindings = [(name = "KAFKA_BOOTSTRAP_SERVERS", fromEnvironment = "KAFKA_BOOTSTRAP_SERVERS")],
);
`;

/** One record the Worker had acked. */
export interface WorkerdSent {
  runtime: "workerd";
  compressionType: string;
  value: string;
  partition: number;
  offset: number;
}

/**
 * Bundles and serves the Worker from `projectDir` (which has the package installed),
 * produces to `topic` through it, and returns what was acked, for the read-back check.
 */
export async function workerdSmoke(
  projectDir: string,
  bootstrapServers: string,
  topic: string,
  log: (line: string) => void,
): Promise<WorkerdSent[]> {
  writeFileSync(join(projectDir, "worker.mjs"), WORKER);
  writeFileSync(join(projectDir, "config.capnp"), CONFIG);
  await esbuild.build({
    absWorkingDir: projectDir,
    entryPoints: ["worker.mjs"],
    outfile: join(projectDir, "worker.bundle.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*", "node:*"],
    logLevel: "error",
  });
  await esbuild.stop();

  // The example refuses a GET with 400: that it answers at all means it is up.
  const workerd = await startWorkerd("config.capnp", { KAFKA_BOOTSTRAP_SERVERS: bootstrapServers }, { cwd: projectDir });
  const url = workerd.url;
  const output = workerd.output;
  try {
    const sent: WorkerdSent[] = [];
    for (const compressionType of ["none", "gzip", "lz4", "zstd", "snappy"]) {
      const value = `workerd/${compressionType}`;
      const response = await fetch(`${url}?topic=${topic}&compression=${compressionType}`, { method: "POST", body: value });
      const body = await response.json();
      if (compressionType === "zstd" || compressionType === "snappy") {
        // The codec's WebAssembly cannot load there: the producer does not start, and the send fails at once with the reason.
        if (response.status !== 502 || !/could not start/.test(body.error)) {
          throw new Error(`workerd ${compressionType}: expected a refusal, got ${response.status} ${JSON.stringify(body)}`);
        }
        log(`workerd: ${compressionType.padEnd(6)} -> refused as expected (${body.error})`);
        continue;
      }
      if (response.status !== 200) throw new Error(`workerd ${compressionType}: ${response.status} ${JSON.stringify(body)}\n${output()}`);
      log(`workerd: ${compressionType.padEnd(6)} -> ${topic}-${body.partition}@${body.offset}`);
      sent.push({ runtime: "workerd", compressionType, value, partition: body.partition, offset: body.offset });
    }
    // The KafkaJS-compatible subpath, from its workerd build.
    const response = await fetch(`${url}?topic=${topic}&api=kafkajs`, { method: "POST", body: "workerd/kafkajs" });
    const body = await response.json();
    if (response.status !== 200) {
      throw new Error(`workerd through the kafkajs subpath: ${response.status} ${JSON.stringify(body)}\n${output()}`);
    }
    log(`workerd: @edge-kafka/producer/kafkajs, gzip -> ${topic}-${body.partition}@${body.offset}`);
    sent.push({
      runtime: "workerd",
      compressionType: "kafkajs+gzip",
      value: "workerd/kafkajs",
      partition: body.partition,
      offset: body.offset,
    });
    return sent;
  } finally {
    await stopWorkerd(workerd.child);
  }
}
