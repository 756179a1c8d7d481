/**
 * The chaos suite: rounds of sending through a fault, each read back with the Java consumer and judged.
 *
 *   deno task chaos [--rounds N] [--runtime deno|bun|node ...] [--faults a,b] [--mode idempotent|transactions|both|at-least-once]
 *                   [--json FILE] [--log-level debug|info|warn|error]
 *
 * Runs against `deno task kafka up --brokers 3` (replication factor 3, min.insync.replicas 2,
 * brokers closing connections idle for {@link BROKER_IDLE_MS}), started here if nothing runs.
 * Each round: a fresh 3-partition topic, the workload (`workload.ts`, a process of the runtime
 * under test) sending about 2,000 records/s, the fault injected and healed, the workload
 * stopped, then every record read back (read_committed for transactions) and compared
 * (`checker.ts`). `--rounds` is per fault and runtime; with `--mode both` rounds alternate
 * between the idempotent producer and transactions. `--json` is rewritten after every round. Prints a line per round, a table per
 * fault, and the summary line `rounds=R acked=A lost=L duplicated=D reordered=O unsettled=U`.
 * `--mode at-least-once` (idempotence off, not part of `both`) is the control: it should
 * show the duplicates and reordering that idempotence prevents.
 * Exits 1 when a round broke a guarantee.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createTopic, deleteTopic, requireRunning, up } from "../kafka.ts";
import { readTopic } from "../../tests/support/reader.ts";
import { scriptCommand, type ScriptRuntime } from "../script_command.ts";
import { addVerdict, checkRound, emptyVerdict, isClean, type RoundVerdict } from "./checker.ts";
import { type Fault, FAULTS } from "./faults.ts";
import { FaultyProxy } from "./proxy.ts";
import type { WorkloadPlan, WorkloadResult } from "./round.ts";

/** The brokers' `connections.max.idle.ms`: short, so a client freeze outlives it. */
export const BROKER_IDLE_MS = 5_000;
const REQUEST_TIMEOUT_MS = 4_000;
const DELIVERY_TIMEOUT_MS = 30_000;
const WARMUP_MS = 1_500;
const TAIL_MS = 2_000;

type Mode = WorkloadPlan["mode"];

interface RoundRecord {
  runtime: ScriptRuntime;
  fault: string;
  mode: Mode;
  round: number;
  description: string;
  verdict: RoundVerdict;
  failedByName: Record<string, number>;
  restarts: number;
  seconds: number;
}

interface Options {
  rounds: number;
  runtimes: ScriptRuntime[];
  faults: Fault[];
  modes: Mode[];
  json: string | undefined;
  logLevel: WorkloadPlan["logLevel"];
}

function parseOptions(args: string[]): Options {
  const options: Options = {
    rounds: 20,
    runtimes: [],
    faults: [...FAULTS],
    modes: ["idempotent", "transactions"],
    json: undefined,
    logLevel: undefined,
  };
  for (let i = 0; i < args.length; i++) {
    const value = args[i + 1];
    switch (args[i]) {
      case "--rounds":
        options.rounds = Number(value);
        if (!Number.isInteger(options.rounds) || options.rounds < 1) throw new Error(`--rounds must be a positive integer, got ${value}`);
        break;
      case "--runtime":
        if (value !== "deno" && value !== "bun" && value !== "node") throw new Error(`--runtime must be deno, bun or node, got ${value}`);
        options.runtimes.push(value);
        break;
      case "--faults":
        options.faults = value.split(",").map((name) => {
          const fault = FAULTS.find((f) => f.name === name);
          if (!fault) throw new Error(`unknown fault ${name}; the faults are ${FAULTS.map((f) => f.name).join(", ")}`);
          return fault;
        });
        break;
      case "--mode":
        if (value !== "idempotent" && value !== "transactions" && value !== "at-least-once" && value !== "both") {
          throw new Error(`--mode must be idempotent, transactions, both or at-least-once, got ${value}`);
        }
        options.modes = value === "both" ? ["idempotent", "transactions"] : [value];
        break;
      case "--json":
        options.json = value;
        break;
      case "--log-level":
        if (!["debug", "info", "warn", "error"].includes(value)) throw new Error(`--log-level must be debug, info, warn or error`);
        options.logLevel = value as WorkloadPlan["logLevel"];
        break;
      default:
        throw new Error(`unknown argument ${args[i]}`);
    }
    i++;
  }
  if (options.runtimes.length === 0) options.runtimes.push("deno");
  return options;
}

/** Where a workload's stderr is kept when its round goes wrong. */
const LOG_DIR = join(tmpdir(), "edge-kafka-chaos");

/** How long a workload may take to finish after STOP: its sends' deadline, plus room for a commit or abort retried once. */
const FINISH_LIMIT_MS = 4 * DELIVERY_TIMEOUT_MS;

/** Starts the workload and resolves once it is connected; `finish` stops it and resolves with its result. */
async function startWorkload(runtime: ScriptRuntime, plan: WorkloadPlan) {
  const [command, ...args] = scriptCommand(runtime, "tools/chaos/workload.ts", [JSON.stringify(plan)]);
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<number | string>((resolve) => child.on("close", (code, signal) => resolve(code ?? signal ?? "?")));
  /** Keeps the stderr in a file and returns an error naming it. */
  const failure = (what: string) => {
    mkdirSync(LOG_DIR, { recursive: true });
    const path = join(LOG_DIR, `${plan.topic}.log`);
    writeFileSync(path, stderr);
    return new Error(`${what} (stderr in ${path}):\n${stderr.slice(-1500)}`);
  };
  let ready = false;
  const readiness = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Uint8Array) => {
      stdout += new TextDecoder().decode(chunk);
      if (!ready && stdout.includes("READY\n")) {
        ready = true;
        resolve();
      }
    });
    exited.then((code) => {
      if (!ready) reject(failure(`the workload exited with ${code} before it was ready`));
    });
  });
  child.stderr.on("data", (chunk: Uint8Array) => stderr += new TextDecoder().decode(chunk));
  await readiness;
  return {
    pid: child.pid!,
    async finish(): Promise<WorkloadResult> {
      child.stdin.write("STOP\n");
      let hung = false;
      const limit = setTimeout(() => {
        hung = true;
        child.kill("SIGKILL");
      }, FINISH_LIMIT_MS);
      const code = await exited;
      clearTimeout(limit);
      if (hung) throw failure(`the workload had not finished ${FINISH_LIMIT_MS} ms after STOP: killed`);
      // With --log-level every round's log is kept.
      if (plan.logLevel !== undefined) failure("kept");
      const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
      if (line === undefined) throw failure(`the workload exited with ${code} and no result`);
      return JSON.parse(line.slice("RESULT ".length)) as WorkloadResult;
    },
  };
}

async function playRound(
  runtime: ScriptRuntime,
  fault: Fault,
  mode: Mode,
  round: number,
  logLevel: WorkloadPlan["logLevel"],
): Promise<RoundRecord> {
  const started = Date.now();
  const state = requireRunning();
  const bootstrap = state.nodes.map((n) => `127.0.0.1:${n.port}`).join(",");
  const topic = `chaos-${fault.name}-${runtime}-${round}-${Date.now().toString(36)}`;
  await createTopic(topic, { partitions: 3, replicationFactor: 3 });
  const proxies = fault.proxied ? state.nodes.map((n) => new FaultyProxy({ host: "127.0.0.1", port: n.port })) : [];
  const proxyPorts: Record<string, number> = {};
  for (const proxy of proxies) proxyPorts[proxy.target.port] = await proxy.listen();
  try {
    const workload = await startWorkload(runtime, {
      bootstrapServers: bootstrap,
      topic,
      mode,
      proxyPorts,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
      recordsPerTick: 20,
      transactionSize: 200,
      logLevel,
    });
    await sleep(WARMUP_MS);
    const description = await fault.inject({
      topic,
      proxies,
      workloadPid: workload.pid,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      brokerIdleMs: BROKER_IDLE_MS,
    });
    await sleep(TAIL_MS);
    const result = await workload.finish();
    const isolationLevel = mode === "transactions" ? "read_committed" : "read_uncommitted";
    const stored = (await readTopic(bootstrap, topic, { isolationLevel, timeoutMs: 120_000 })).map((r) => ({
      partition: r.partition,
      offset: r.offset,
      seq: Number(new TextDecoder().decode(r.value ?? new Uint8Array())),
    }));
    const verdict = checkRound(mode, result, stored);
    return {
      runtime,
      fault: fault.name,
      mode,
      round,
      description,
      verdict,
      failedByName: result.failed,
      restarts: result.restarts,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await Promise.all(proxies.map((p) => p.close()));
    await deleteTopic(topic, { ifExists: true }).catch(() => {});
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function columns(v: RoundVerdict): string {
  return `acked=${v.acked} lost=${v.lost} duplicated=${v.duplicated} reordered=${v.reordered} unsettled=${v.unsettled}`;
}

function details(v: RoundVerdict): string {
  return `misplaced=${v.misplaced} aborted_visible=${v.abortedVisible} unhandled=${v.unhandledRejections} failed=${v.failed} ` +
    `unknown_txns=${v.unknownTransactions}`;
}

/** One markdown row per runtime and fault. */
function table(records: RoundRecord[]): string {
  const rows = [
    "| runtime | fault | rounds | acked | lost | duplicated | reordered | misplaced | aborted visible | unsettled | unhandled | failed sends |",
  ];
  rows.push("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  const groups = new Map<string, RoundRecord[]>();
  for (const r of records) groups.set(`${r.runtime}|${r.fault}`, [...(groups.get(`${r.runtime}|${r.fault}`) ?? []), r]);
  for (const [key, group] of groups) {
    const [runtime, fault] = key.split("|");
    const v = group.reduce((total, r) => addVerdict(total, r.verdict), emptyVerdict());
    rows.push(
      `| ${runtime} | ${fault} | ${group.length} | ${v.acked} | ${v.lost} | ${v.duplicated} | ${v.reordered} | ${v.misplaced} | ` +
        `${v.abortedVisible} | ${v.unsettled} | ${v.unhandledRejections} | ${v.failed} |`,
    );
  }
  return rows.join("\n");
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const cluster = await up({ brokers: 3, connectionsMaxIdleMs: BROKER_IDLE_MS, log: (m) => console.error(m) });
  console.log(`chaos: Kafka ${cluster.state.version}, 3 brokers at ${cluster.bootstrapServers}`);
  const records: RoundRecord[] = [];
  let broken = 0;
  // Round-robin over runtimes and faults, so a run cut short still covers each of them evenly.
  for (let round = 0; round < options.rounds; round++) {
    const mode = options.modes[round % options.modes.length];
    for (const runtime of options.runtimes) {
      for (const fault of options.faults) {
        let record: RoundRecord;
        try {
          record = await playRound(runtime, fault, mode, round, options.logLevel);
        } catch (error) {
          // A round the suite itself could not finish (workload crashed, reader failed) counts as broken.
          console.log(`[${runtime}] ${fault.name} #${round} ${mode}: ERROR ${(error as Error).stack ?? error}`);
          broken++;
          continue;
        }
        records.push(record);
        if (options.json) writeFileSync(options.json, JSON.stringify({ kafka: cluster.state.version, records }, null, 1) + "\n");
        if (!isClean(record.verdict)) broken++;
        const failures = Object.entries(record.failedByName).map(([name, n]) => `${name}:${n}`).join(",");
        console.log(
          `[${runtime}] ${fault.name} #${round} ${mode}: ${columns(record.verdict)} ${details(record.verdict)}` +
            `${failures ? ` (${failures})` : ""}${record.restarts ? ` restarts=${record.restarts}` : ""} ` +
            `in ${record.seconds.toFixed(1)} s: ${record.description}`,
        );
      }
    }
  }
  console.log(`\n${table(records)}\n`);
  const total = records.reduce((sum, r) => addVerdict(sum, r.verdict), emptyVerdict());
  console.log(details(total) + ` broken_rounds=${broken}`);
  console.log(`rounds=${records.length} ${columns(total)}`);
  return broken > 0 ? 1 : 0;
}

process.exit(await main());
