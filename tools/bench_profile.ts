/**
 * `deno task bench:profile`: runs our producer's bench (tools/bench.ts, bundled as
 * `bench:compare` runs it, plus source maps) on one runtime with its CPU profiler on, and
 * writes a flame graph and the top frames:
 *
 *   deno task bench:profile --runtime deno|bun|node [--scenario S6|S1] [--records N] [--interval US] [--heap]
 *
 * S6 (default) runs against the ack-only loopback broker, started here as `bench:compare`
 * starts it; S1 against the harness's Kafka (`deno task kafka up`, started if need be) on a
 * fresh 6-partition topic. Both: 100 B records, acks=all, idempotence, linger 5 ms, batch
 * 64 KiB, 1,000,000 records unless `--records`. Writes `docs/flamegraphs/<scenario>-<runtime>.svg`
 * and `.md` (the top frames by self and total time); the raw profile stays in
 * `bench/.build/profile/`. `--interval` is the sampling interval in µs (default 1000).
 *
 * `--heap` then runs the bench once more with tools/perf/heap_sampler.ts preloaded (memory
 * over time on every runtime; on Deno and Node the sampling heap profiler, counting what GC
 * collected too) and writes `<scenario>-<runtime>-heap.md` (top allocation sites by bytes, or
 * on Bun the object types at the largest heap) and, on Deno and Node, `-heap.svg`.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import process from "node:process";
import { createTopic, deleteTopic, up } from "./kafka.ts";
import { bundleBench } from "./perf/bundle.ts";
import { PEERS, type Scenario } from "./perf/peers.ts";
import { startAckBroker } from "./perf/ack_broker.ts";
import { flameGraphSvg, type FlameNode, kindShares, profileTree, topFramesMarkdown, type Unit } from "./perf/flamegraph.ts";
import { sourceMapsBesideScripts } from "./perf/source_map.ts";
import type { MemoryRecord } from "./perf/heap_sampler.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const RUNTIMES = { deno: "Deno", bun: "Bun", node: "Node" } as const;
type Runtime = keyof typeof RUNTIMES;
const USAGE = "usage: bench:profile --runtime deno|bun|node [--scenario S6|S1] [--records N] [--interval US] [--heap]";

interface Options {
  runtime: Runtime;
  scenario: "S6" | "S1";
  records: number;
  intervalUs: number;
  heap: boolean;
}

function parseOptions(argv: string[]): Options {
  const value = (flag: string, fallback?: string) => {
    const i = argv.indexOf(flag);
    const v = i >= 0 ? argv[i + 1] : fallback;
    if (v === undefined) throw new Error(`${flag} is required\n${USAGE}`);
    return v;
  };
  const runtime = value("--runtime") as Runtime;
  const scenario = value("--scenario", "S6") as Options["scenario"];
  const records = Number(value("--records", "1000000"));
  const intervalUs = Number(value("--interval", "1000"));
  if (!(runtime in RUNTIMES)) throw new Error(`--runtime must be deno, bun or node\n${USAGE}`);
  if (scenario !== "S6" && scenario !== "S1") throw new Error(`--scenario must be S6 or S1\n${USAGE}`);
  if (!Number.isInteger(records) || records <= 0) throw new Error("--records must be a positive integer");
  if (!Number.isInteger(intervalUs) || intervalUs <= 0) throw new Error("--interval must be a positive integer (µs)");
  return { runtime, scenario, records, intervalUs, heap: argv.includes("--heap") };
}

/** The command bench:compare runs for ours on this runtime, with `flags` before the script. */
function benchCommand(options: Options, bundle: string, bootstrap: string, topic: string, flags: string[]) {
  const peer = PEERS.find((p) => p.name === `edge-kafka on ${RUNTIMES[options.runtime]}`)!;
  const scenario: Scenario = {
    id: options.scenario,
    title: options.scenario,
    numRecords: options.records,
    recordSize: 100,
    throughput: -1,
    compression: "none",
    ackBroker: options.scenario === "S6",
  };
  const env = { root, bootstrap, javaLib: "", python: "", oursBundle: bundle, kcatInput: () => "" };
  const { command, args, cwd } = peer.command(env, scenario, topic);
  // Deno's flags go after `run`; Bun's and Node's before the script.
  const at = options.runtime === "deno" ? args.indexOf("run") + 1 : 0;
  return { command, args: [...args.slice(0, at), ...flags, ...args.slice(at)], cwd };
}

/** Runs a command, echoing its output; resolves with the output once it exits 0. */
function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  console.error(`$ ${[command, ...args].join(" ")}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => output += chunk);
    child.stderr.on("data", (chunk) => {
      output += chunk;
      process.stderr.write(chunk);
    });
    child.on("close", (code) => code === 0 ? resolve(output) : reject(new Error(`exit ${code}:\n${output.slice(-2000)}`)));
  });
}

/** records/s from the bench's BENCH_JSON line. */
function recordsPerSec(output: string): number | undefined {
  const line = output.split("\n").find((l) => l.startsWith("BENCH_JSON "));
  return line === undefined ? undefined : JSON.parse(line.slice("BENCH_JSON ".length)).recordsPerSec;
}

/** The sampled time per record in µs, (idle) left out. */
function perRecordUs(tree: FlameNode, unit: Unit, records: number): string {
  const busy = tree.total - (kindShares(tree).get("idle") ?? 0);
  return unit.msPerSample === undefined ? "?" : ((busy * unit.msPerSample * 1000) / records).toFixed(2);
}

const MB = (bytes: number) => (bytes / (1 << 20)).toFixed(1);

/** The memory timeline as Markdown: peaks, and about a dozen evenly spaced samples. */
function memoryMarkdown(record: MemoryRecord): string {
  const s = record.samples;
  const peak = (k: "rss" | "heapUsed" | "heapTotal" | "external" | "arrayBuffers") => MB(Math.max(...s.map((x) => x[k])));
  const step = Math.max(1, Math.ceil(s.length / 12));
  const rows = s.filter((_, i) => i % step === 0 || i === s.length - 1);
  const lines = [
    `Peaks over ${s.length} samples of \`process.memoryUsage()\` (every 100 ms): RSS ${peak("rss")} MB, heap used ${
      peak("heapUsed")
    } MB, ` +
    `heap total ${peak("heapTotal")} MB, external ${peak("external")} MB (array buffers ${peak("arrayBuffers")} MB).`,
    "",
    "| ms | RSS MB | heap used MB | heap total MB | external MB | array buffers MB |",
    "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((x) => `| ${x.ms} | ${MB(x.rss)} | ${MB(x.heapUsed)} | ${MB(x.heapTotal)} | ${MB(x.external)} | ${MB(x.arrayBuffers)} |`),
    "",
  ];
  if (record.jscPeak !== undefined) {
    const top = Object.entries(record.jscPeak.objectTypeCounts).sort((a, b) => b[1] - a[1]).slice(0, 20);
    lines.push(
      `### Objects by type at the largest JavaScriptCore heap (${MB(record.jscPeak.heapSize)} MB, ${record.jscPeak.objectCount} objects)`,
      "",
      "Bun has no allocation sampler: these are the live objects at that moment (`bun:jsc` `heapStats()`, every 500 ms), not allocation sites.",
      "",
      "| type | objects |",
      "| --- | ---: |",
      ...top.map(([type, count]) => `| ${type} | ${count} |`),
      "",
    );
  }
  return lines.join("\n");
}

/** Writes a flame graph and its Markdown page; returns the page's path. */
function writeOutputs(
  name: string,
  heading: string,
  tree: FlameNode,
  unit: Unit,
  header: string[],
  extra = "",
): string {
  const dir = join(root, "docs", "flamegraphs");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${name}.svg`),
    flameGraphSvg(tree, { title: heading, subtitle: header[0].replace(/`/g, "").replace(": ", ":\n"), unit }),
  );
  const page = [`# ${heading}`, "", ...header, "", `![flame graph](${name}.svg)`, "", extra, topFramesMarkdown(tree, unit, 25)].join("\n");
  writeFileSync(join(dir, `${name}.md`), page);
  return join(dir, `${name}.md`);
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const build = join(root, "bench", ".build", "profile");
  rmSync(build, { recursive: true, force: true });
  const bundle = await bundleBench(root, build, { sourcemap: true, alsoEntries: [join(root, "tools", "perf", "heap_sampler.ts")] });
  const sampler = join(build, "heap_sampler.mjs");
  const topic = `profile-${options.scenario.toLowerCase()}-${Date.now().toString(36)}`;
  let bootstrap: string;
  let stop: () => Promise<void>;
  if (options.scenario === "S6") {
    const broker = await startAckBroker({ partitions: 6 });
    bootstrap = broker.bootstrapServers;
    stop = () => broker.close();
  } else {
    bootstrap = (await up({ log: (m) => console.error(m) })).bootstrapServers;
    await createTopic(topic, { partitions: 6 });
    stop = () => deleteTopic(topic, { ifExists: true });
  }
  const name = `${options.scenario}-${options.runtime}`;
  const label = RUNTIMES[options.runtime];
  const what = options.scenario === "S6" ? "against the ack-only broker" : "against Kafka (one local broker)";
  const records = options.records.toLocaleString("en-US");
  const command = `deno task bench:profile ${process.argv.slice(2).join(" ")}`;
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}`;
  try {
    const profileName = `${name}.cpuprofile`;
    const cpuFlags = options.runtime === "node"
      ? ["--cpu-prof", "--cpu-prof-dir", build, "--cpu-prof-name", profileName, "--cpu-prof-interval", String(options.intervalUs)]
      : ["--cpu-prof", `--cpu-prof-dir=${build}`, `--cpu-prof-name=${profileName}`, `--cpu-prof-interval=${options.intervalUs}`];
    const cpu = benchCommand(options, bundle, bootstrap, topic, cpuFlags);
    const output = await run(cpu.command, cpu.args, cpu.cwd);
    const rate = recordsPerSec(output);
    const profilePath = join(build, profileName);
    if (!existsSync(profilePath)) throw new Error(`${label} wrote no profile at ${profilePath}`);
    const { tree, unit } = profileTree(JSON.parse(readFileSync(profilePath, "utf8")), { root, sourceMaps: sourceMapsBesideScripts() });
    const page = writeOutputs(name, `${options.scenario} on ${label}: our producer, ${records} × 100 B ${what}`, tree, unit, [
      `\`${command}\`, ${new Date().toISOString()}, ${machine}: ${tree.total} samples every ${options.intervalUs} µs, ` +
      `${rate === undefined ? "?" : Math.round(rate).toLocaleString("en-US")} records/s under the profiler; ` +
      `${perRecordUs(tree, unit, options.records)} µs of sampled (wall-clock) time per record, idle left out.`,
      "",
      "A frame's width is its share of the samples; frames are named `function file:line` through the bundle's source maps, " +
      "and coloured by where the code lives: ours (src/), harness (tools/: the bench's send loop), deps, runtime, gc, idle.",
    ]);
    console.log(`wrote ${page.replace(/\.md$/, ".svg")} and ${page} (profile: ${profilePath})`);
    console.log(topFramesMarkdown(tree, unit, 15));
    if (options.heap) await heapRun(options, { bundle, sampler, bootstrap, topic, name, label, records, what, command, machine });
  } finally {
    await stop();
  }
  return 0;
}

/** The --heap run: the bench again with the heap sampler preloaded; its timeline and allocation sites. */
async function heapRun(
  options: Options,
  c: {
    bundle: string;
    sampler: string;
    bootstrap: string;
    topic: string;
    name: string;
    label: string;
    records: string;
    what: string;
    command: string;
    machine: string;
  },
): Promise<void> {
  const out = join(dirname(c.bundle), `${c.name}-heap`);
  const preload = options.runtime === "node" ? ["--import", pathToFileURL(c.sampler).href] : ["--preload", c.sampler];
  const heap = benchCommand(options, c.bundle, c.bootstrap, c.topic, preload);
  const output = await run(heap.command, heap.args, heap.cwd, { HEAP_SAMPLER_OUT: out });
  const rate = recordsPerSec(output);
  const record: MemoryRecord = JSON.parse(readFileSync(`${out}.memory.json`, "utf8"));
  const heading = `${options.scenario} on ${c.label}: memory of our producer, ${c.records} × 100 B ${c.what}`;
  const header = [
    `\`${c.command}\`, ${new Date().toISOString()}, ${c.machine}: ` +
    `${rate === undefined ? "?" : Math.round(rate).toLocaleString("en-US")} records/s under the sampler.`,
  ];
  const dir = join(root, "docs", "flamegraphs");
  if (existsSync(`${out}.heapprofile`)) {
    const { tree, unit } = profileTree(JSON.parse(readFileSync(`${out}.heapprofile`, "utf8")), {
      root,
      sourceMaps: sourceMapsBesideScripts(),
    });
    header[0] += ` ${Math.round(tree.total / options.records).toLocaleString("en-US")} B sampled as allocated per record.`;
    header.push(
      "",
      "Allocation sites from V8's sampling heap profiler (a sample every 64 KiB allocated on average, objects GC collected kept): " +
        "a frame's width is the bytes it and what it calls allocated over the whole run, not what stayed live.",
    );
    writeOutputs(`${c.name}-heap`, heading, tree, unit, header, memoryMarkdown(record));
    console.log(`wrote ${join(dir, `${c.name}-heap.svg`)} and ${join(dir, `${c.name}-heap.md`)}`);
    console.log(topFramesMarkdown(tree, unit, 15));
  } else {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${c.name}-heap.md`), [`# ${heading}`, "", ...header, "", memoryMarkdown(record)].join("\n"));
    console.log(`wrote ${join(dir, `${c.name}-heap.md`)}`);
    console.log(memoryMarkdown(record));
  }
}

process.exit(await main());
