/**
 * `deno task bench:compare`: one broker from the harness, then each client in turn on
 * the same scenarios (the Java producer, librdkafka, KafkaJS, @platformatic/kafka, and
 * ours on Deno, Bun and Node). Prints a table with ratios against Java, writes the run
 * as JSON under `bench/results/`, and regenerates `docs/benchmarks.md` with an SVG chart.
 *
 *   deno task bench:compare [--smoke] [--facade] [--scenarios S1,S3] [--peers java,bun] [--records N] [--no-docs]
 *   deno task bench:compare --render bench/results/<run>.json     (docs from a saved run, a --facade run's too)
 *
 * `--smoke` (CI) runs S1, S6, S7-1p, S7 (100 partitions) and S8 with small counts and one cold
 * start per client, and writes no docs. `--records N` sends N records in every scenario but S4
 * (a quick check of the instruments, not a measurement). Scenarios: S1 1,000,000 × 100 B
 * unthrottled; S2 200,000 × 1 KiB with gzip, lz4 and zstd; S3 20,000 records/s for 30 s; S4 cold
 * start, median of 10; S5 peak RSS during S1 (a column of S1); S6 S1 against the ack-only
 * loopback broker; S7-1p 1,000,000 keyed records (100,000 keys) on one partition, and S7 the
 * same on one topic of 1,000 partitions; S8 100,000 × 10 KiB.
 *
 * Memory per partition (a column of S7): (peak RSS on S7 − the same client's peak RSS on S7-1p)
 * ÷ 999, the partitions S7 has beyond S7-1p's one; both send the same keyed records, so the key
 * table and the per-record work cancel out and what remains is what the partitions cost (open
 * batches, per-partition queues and state). Where S7-1p did not run, S1 is the baseline (÷ 994).
 *
 * `--facade` runs S1 only, through ours on each runtime, the KafkaJS facade on each runtime
 * (`sendBatch()` of 1000 messages, `send()` of one) and KafkaJS itself, prints the ratios
 * and writes `docs/benchmarks_kafkajs.md`. The smoke run includes the facade on S1.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { createTopic, deleteTopic, up } from "./kafka.ts";
import { resolveJars } from "./kafka/maven.ts";
import { FACADE_PEERS, KAFKA_TOOLS, partitionsOf, type Peer, type PeerEnvironment, PEERS, type Scenario } from "./perf/peers.ts";
import { bundleBench } from "./perf/bundle.ts";
import { keyName } from "./perf/keys.ts";
import { facadeMarkdown, facadeTable } from "./perf/facade_report.ts";
import { startAckBroker } from "./perf/ack_broker.ts";
import { type BenchRun, checkTargets, markdown, type Measurement, scenarioTable, throughputSvg } from "./perf/report.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const CONFLUENT_KAFKA = "2.16.1";

// S7: 1,000 records a partition, so each partition sends several batches and the steady state outweighs
// the start (metadata of 1,000 partitions, 1,000 first batches); 100,000 keys, about 100 a partition, so
// every partition gets keys and each key recurs 10 times, as keyed traffic does.
const S7 = { numRecords: 1_000_000, recordSize: 100, throughput: -1, compression: "none", keys: 100_000 } as const;

function scenarios(smoke: boolean): Scenario[] {
  if (smoke) {
    return [
      { id: "S1", title: "10,000 × 100 B (smoke)", numRecords: 10_000, recordSize: 100, throughput: -1, compression: "none" },
      { id: "S4", title: "cold start (smoke: one run)", numRecords: 1, recordSize: 100, throughput: -1, compression: "none" },
      {
        id: "S6",
        title: "10,000 × 100 B against the ack-only broker (smoke)",
        numRecords: 10_000,
        recordSize: 100,
        throughput: -1,
        compression: "none",
        ackBroker: true,
      },
      {
        id: "S7-1p",
        title: "S7's records on one partition (smoke; before S7: its baseline)",
        ...S7,
        numRecords: 10_000,
        keys: 1000,
        partitions: 1,
      },
      // 100 partitions, not 1,000: deleting a 1,000-partition topic takes the broker about 6 s per client.
      {
        id: "S7",
        title: "10,000 keyed records (1,000 keys), 100 partitions (smoke)",
        ...S7,
        numRecords: 10_000,
        keys: 1000,
        partitions: 100,
      },
      { id: "S8", title: "1,000 × 10 KiB (smoke)", numRecords: 1000, recordSize: 10_240, throughput: -1, compression: "none" },
    ];
  }
  return [
    {
      id: "S1",
      title: "1,000,000 × 100 B, acks=all, idempotent, linger 5 ms, batch 64 KiB, unthrottled",
      numRecords: 1_000_000,
      recordSize: 100,
      throughput: -1,
      compression: "none",
    },
    { id: "S2-gzip", title: "200,000 × 1 KiB, gzip", numRecords: 200_000, recordSize: 1024, throughput: -1, compression: "gzip" },
    { id: "S2-lz4", title: "200,000 × 1 KiB, lz4", numRecords: 200_000, recordSize: 1024, throughput: -1, compression: "lz4" },
    { id: "S2-zstd", title: "200,000 × 1 KiB, zstd", numRecords: 200_000, recordSize: 1024, throughput: -1, compression: "zstd" },
    {
      id: "S3",
      title: "20,000 records/s for 30 s (600,000 × 100 B)",
      numRecords: 600_000,
      recordSize: 100,
      throughput: 20_000,
      compression: "none",
    },
    {
      id: "S4",
      title: "cold start: a fresh process connects, sends one record with acks=all, exits",
      numRecords: 1,
      recordSize: 100,
      throughput: -1,
      compression: "none",
    },
    {
      id: "S6",
      title: "S1 against the ack-only loopback broker (each client's own ceiling)",
      numRecords: 1_000_000,
      recordSize: 100,
      throughput: -1,
      compression: "none",
      ackBroker: true,
    },
    // Before S7, so S7's table has its memory per partition.
    { id: "S7-1p", title: "S7's records on a topic of one partition (the memory-per-partition baseline)", ...S7, partitions: 1 },
    { id: "S7", title: "1,000,000 × 100 B keyed (100,000 keys), one topic of 1,000 partitions", ...S7, partitions: 1000 },
    // 1,000 MB per client: about 16,000 batches of six records at 64 KiB, as many bytes per record as 100 S1 records.
    {
      id: "S8",
      title: "100,000 × 10 KiB (10,240 B), unkeyed, no compression",
      numRecords: 100_000,
      recordSize: 10_240,
      throughput: -1,
      compression: "none",
    },
  ];
}

/** Runs a command under the rusage wrapper; returns its output and resource use. */
function measure(command: string, args: string[], cwd: string, timeoutMs: number) {
  const usageFile = join(root, "bench", ".build", `rusage-${process.pid}.json`);
  rmSync(usageFile, { force: true });
  return new Promise<{ output: string; code: number; usage?: { userS: number; sysS: number; maxRssKb: number; wallMs: number } }>(
    (resolve) => {
      const child = spawn("python3", [join(root, "tools", "perf", "rusage.py"), usageFile, command, ...args], {
        cwd,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk) => output += chunk);
      child.stderr.on("data", (chunk) => output += chunk);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("close", (code) => {
        clearTimeout(timer);
        const usage = existsSync(usageFile) ? JSON.parse(readFileSync(usageFile, "utf8")) : undefined;
        resolve({ output, code: code ?? 1, usage });
      });
    },
  );
}

const JAVA_TOTAL =
  /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\./;

/** The figures a peer printed: a BENCH_JSON line, or the Java tool's final line. */
function parseFigures(
  output: string,
): { recordsPerSec: number; mbPerSec: number; p50Ms: number; p99Ms: number; p999Ms: number } | undefined {
  const json = output.split("\n").find((l) => l.startsWith("BENCH_JSON "));
  if (json) return JSON.parse(json.slice("BENCH_JSON ".length));
  const m = JAVA_TOTAL.exec(output);
  if (!m) return undefined;
  return { recordsPerSec: Number(m[2]), mbPerSec: Number(m[3]), p50Ms: Number(m[6]), p99Ms: Number(m[8]), p999Ms: Number(m[9]) };
}

/** ": N of M records failed: <the first error>" from a send loop's last lines, when it printed them. */
function failedRecords(output: string): string {
  const json = output.split("\n").find((l) => l.startsWith("BENCH_JSON "));
  const first = /the first error: (.*)/.exec(output)?.[1];
  if (json === undefined || first === undefined) return "";
  const { records, failed } = JSON.parse(json.slice("BENCH_JSON ".length)) as { records: number; failed?: number };
  if (!failed) return "";
  const error = first.length > 140 ? `${first.slice(0, 140)}…` : first;
  return `: ${failed.toLocaleString("en-US")} of ${(records + failed).toLocaleString("en-US")} records failed, the first with ${error}`;
}

async function runPeer(env: PeerEnvironment, peer: Peer, scenario: Scenario, log: (m: string) => void): Promise<Measurement> {
  const base = { scenario: scenario.id, peer: peer.name, runtime: peer.runtime };
  const unsupported = peer.unsupported(scenario);
  if (unsupported !== undefined) return { ...base, note: `n/a: ${unsupported}` };
  const topic = `bench-${scenario.id.toLowerCase()}-${Date.now().toString(36)}`;
  const partitions = partitionsOf(scenario);
  if (scenario.ackBroker) {
    if (!ackBrokers.has(partitions)) ackBrokers.set(partitions, await startAckBroker({ partitions }));
    env = { ...env, bootstrap: ackBrokers.get(partitions)!.bootstrapServers };
  } else await createTopic(topic, { partitions });
  try {
    if (scenario.id === "S4") return { ...base, coldStartMs: await coldStart(env, peer, scenario, topic) };
    const { command, args, cwd } = peer.command(env, scenario, topic);
    const { output, code, usage } = await measure(command, args, cwd, 15 * 60_000);
    const figures = peer.reportsLatency ? parseFigures(output) : undefined;
    if (code !== 0 || usage === undefined || (peer.reportsLatency && figures === undefined)) {
      log(output.trim().split("\n").slice(-5).join("\n"));
      return { ...base, note: `failed (exit ${code})${failedRecords(output)}` };
    }
    const cpuS = usage.userS + usage.sysS;
    // kcat reports nothing: its rate is the records over its whole run.
    const recordsPerSec = figures?.recordsPerSec ?? (1000 * scenario.numRecords) / usage.wallMs;
    return {
      ...base,
      recordsPerSec,
      mbPerSec: figures?.mbPerSec ?? (recordsPerSec * scenario.recordSize) / 1024 / 1024,
      p50Ms: figures?.p50Ms,
      p99Ms: figures?.p99Ms,
      p999Ms: figures?.p999Ms,
      cpuS,
      cpuUsPerRecord: (cpuS * 1e6) / scenario.numRecords,
      peakRssMb: usage.maxRssKb / 1024,
    };
  } finally {
    if (!scenario.ackBroker) await deleteTopic(topic, { ifExists: true }).catch(() => {});
  }
}

let coldRuns = 10;
/** The ack-only brokers started so far, by their partition count. */
const ackBrokers = new Map<number, { bootstrapServers: string; close(): Promise<void> }>();
/** kcat's input files, by records × size × keys (S8's is 1 GB: deleted at the end). */
const kcatFiles = new Map<string, string>();

/** kcat's input: one line per record, `key-<n>:` before the payload when keyed; written in pieces (S8's is 1 GB). */
function writeKcatInput(path: string, scenario: Scenario): void {
  const payload = Array.from({ length: scenario.recordSize }, () => String.fromCharCode(65 + Math.floor(Math.random() * 26))).join("");
  const fd = openSync(path, "w");
  try {
    const perWrite = Math.max(1, Math.floor((4 << 20) / (scenario.recordSize + 16)));
    for (let i = 0; i < scenario.numRecords; i += perWrite) {
      const lines: string[] = [];
      for (let j = i; j < Math.min(scenario.numRecords, i + perWrite); j++) {
        lines.push(scenario.keys === undefined ? payload : `${keyName(j, scenario.keys)}:${payload}`);
      }
      writeSync(fd, lines.join("\n") + "\n");
    }
  } finally {
    closeSync(fd);
  }
}

/** Median wall time of fresh processes that each send one record. */
async function coldStart(env: PeerEnvironment, peer: Peer, scenario: Scenario, topic: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < coldRuns; i++) {
    const { command, args, cwd } = peer.command(env, scenario, topic);
    const { code, usage, output } = await measure(command, args, cwd, 120_000);
    if (code !== 0 || usage === undefined) throw new Error(`${peer.name} cold start failed:\n${output.slice(-800)}`);
    times.push(usage.wallMs);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function emptyRss(): Promise<Record<string, number>> {
  const bin = (name: string) => join(root, "node_modules", ".bin", name);
  const probes: Record<string, [string, string[]]> = {
    deno: [join(root, "node_modules", "deno", "deno"), ["eval", "0"]],
    bun: [bin("bun"), ["-e", "0"]],
    node: ["node", ["-e", "0"]],
  };
  const result: Record<string, number> = {};
  for (const [runtime, [command, args]] of Object.entries(probes)) {
    const { usage } = await measure(command, args, root, 60_000);
    if (usage) result[runtime] = usage.maxRssKb / 1024;
  }
  return result;
}

/** kafka-tools from Maven Central, confluent-kafka from PyPI, the JS peers from npm, and our bundle. */
async function prepare(bootstrap: string, log: (m: string) => void): Promise<PeerEnvironment> {
  const build = join(root, "bench", ".build");
  mkdirSync(build, { recursive: true });
  const javaLib = await resolveJars(`bench-java-${KAFKA_TOOLS}-slf4j1`, [
    `org.apache.kafka:kafka-tools:${KAFKA_TOOLS}`,
    "org.slf4j:slf4j-nop:1.7.36",
  ], log);
  const cache = dirname(javaLib).replace(/\/[^/]+$/, "");
  const venv = join(cache, "bench-venv");
  const python = join(venv, "bin", "python");
  if (!existsSync(python)) await mustRun("python3", ["-m", "venv", venv], root);
  await mustRun(python, ["-m", "pip", "install", "-q", `confluent-kafka==${CONFLUENT_KAFKA}`], root);
  if (!existsSync(join(root, "bench", "peers", "node_modules", "kafkajs"))) {
    await mustRun("npm", ["install", "--no-audit", "--no-fund"], join(root, "bench", "peers"));
  }
  // Users of the npm package run JavaScript; Node would otherwise pay for the TypeScript loader in every cold start.
  const oursBundle = await bundleBench(root, join(build, "ours"));
  return {
    root,
    bootstrap,
    javaLib,
    python,
    oursBundle,
    kcatInput: (scenario) => {
      const key = `${scenario.numRecords}x${scenario.recordSize}${scenario.keys === undefined ? "" : `-keys${scenario.keys}`}`;
      if (!kcatFiles.has(key)) {
        const path = join(build, `kcat-${key}.txt`);
        writeKcatInput(path, scenario);
        kcatFiles.set(key, path);
      }
      return kcatFiles.get(key)!;
    },
  };
}

function mustRun(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
    child.on("close", (code) => code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited with ${code}`)));
  });
}

/** Regenerates docs/benchmarks.md and its chart from a run. */
function writeDocs(run: BenchRun, command: string): void {
  mkdirSync(join(root, "docs"), { recursive: true });
  writeFileSync(join(root, "docs", "benchmarks-s1.svg"), throughputSvg(run));
  // The hand-written analysis (where the time goes, what limits a missed target) is kept across runs.
  const analysisPath = join(root, "docs", "benchmarks_analysis.md");
  const analysis = existsSync(analysisPath) ? readFileSync(analysisPath, "utf8") : "";
  writeFileSync(join(root, "docs", "benchmarks.md"), markdown(run, command, "benchmarks-s1.svg", analysis));
  console.log("regenerated docs/benchmarks.md and docs/benchmarks-s1.svg");
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const smoke = argv.includes("--smoke");
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1]?.split(",") : undefined;
  };
  const render = value("--render")?.[0];
  if (render !== undefined) {
    const saved: BenchRun = JSON.parse(readFileSync(render, "utf8"));
    const command = `deno task bench:compare (results: ${render.replace(`${root}/`, "")})`;
    // A --facade run renders its own page; a full run the main one.
    if (facadeTable(saved).length > 0 && !saved.results.some((r) => r.peer.startsWith("Java"))) {
      writeFileSync(join(root, "docs", "benchmarks_kafkajs.md"), facadeMarkdown(saved, command));
    } else writeDocs(saved, command);
    return 0;
  }
  const facade = argv.includes("--facade");
  const onlyScenarios = facade ? ["S1"] : value("--scenarios");
  const onlyPeers = value("--peers");
  const records = value("--records")?.[0];
  if (records !== undefined && !/^[1-9]\d*$/.test(records)) throw new Error(`--records takes a positive integer, got ${records}`);
  const docs = !smoke && !argv.includes("--no-docs");
  if (smoke) coldRuns = 1;
  const log = (m: string) => console.error(m);

  const cluster = await up({ log });
  const env = await prepare(cluster.bootstrapServers, log);
  const run: BenchRun = {
    startedAt: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    kafkaVersion: cluster.state.version,
    scenarios: [],
    emptyRssMb: await emptyRss(),
    results: [],
  };
  // --facade: the facade against ours and KafkaJS; the smoke run keeps the facade's instrument working too.
  const candidates = facade
    ? [...PEERS.filter((p) => p.name.startsWith("edge-kafka") || p.name.startsWith("KafkaJS")), ...FACADE_PEERS]
    : smoke
    ? [...PEERS, ...FACADE_PEERS]
    : PEERS;
  const peers = candidates.filter((p) => !onlyPeers || onlyPeers.some((f) => p.name.toLowerCase().includes(f.toLowerCase())));
  const chosen = scenarios(smoke)
    .filter((s) => !onlyScenarios || onlyScenarios.some((id) => s.id.startsWith(id)))
    .map((s) =>
      records === undefined || s.id === "S4" ? s : { ...s, numRecords: Number(records), title: `${s.title} (--records ${records})` }
    );
  for (const scenario of chosen) {
    run.scenarios.push({ id: scenario.id, title: scenario.title, partitions: partitionsOf(scenario) });
    console.log(`\n=== ${scenario.id}: ${scenario.title} ===`);
    for (const peer of peers.filter((p) => p.scenarios === undefined || p.scenarios.includes(scenario.id))) {
      const result = await runPeer(env, peer, scenario, log);
      run.results.push(result);
      console.log(`${peer.name} (${peer.runtime}): ${result.note ?? JSON.stringify(result)}`);
    }
    console.log(scenarioTable(run, scenario.id).join("\n"));
  }
  for (const check of checkTargets(run)) {
    console.log(`${check.met === undefined ? "not measured" : check.met ? "met" : "MISSED"}: ${check.target} (${check.measured})`);
  }
  const resultsDir = join(root, "bench", "results");
  mkdirSync(resultsDir, { recursive: true });
  const ratios = facadeTable(run);
  if (ratios.length > 0) console.log(`\nThe KafkaJS facade against the native API and KafkaJS:\n${ratios.join("\n")}`);
  const file = join(resultsDir, `${run.startedAt.replace(/[:.]/g, "-")}${facade ? "-kafkajs" : ""}${smoke ? "-smoke" : ""}.json`);
  writeFileSync(file, JSON.stringify(run, null, 2) + "\n");
  console.log(`\nwrote ${file}`);
  const command = `deno task bench:compare ${argv.join(" ")}`.trim();
  if (docs && facade) {
    writeFileSync(join(root, "docs", "benchmarks_kafkajs.md"), facadeMarkdown(run, command));
    console.log("regenerated docs/benchmarks_kafkajs.md");
  } else if (docs) writeDocs(run, command);
  for (const broker of ackBrokers.values()) await broker.close();
  for (const path of kcatFiles.values()) rmSync(path, { force: true });
  const failed = run.results.filter((r) => r.note?.startsWith("failed"));
  for (const f of failed) console.error(`${f.peer} failed on ${f.scenario}`);
  return failed.length > 0 ? 1 : 0;
}

process.exit(await main());
