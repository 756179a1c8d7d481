/**
 * Runs the whole suite on Deno, Bun and Node against one real broker started by the
 * harness, then prints each runtime's counts and a closing `N passed, N failed` line.
 *
 *   deno task test [--runtime deno|bun|node ...] [--compat 3.9.x ...] [--keep-broker] [FILTER_PATH ...]
 *
 * `--compat V` then runs the integration tests again against Kafka V (CI: 3.9.x).
 * When a selected file's path names schema_registry, the registry harness (Apicurio)
 * starts too, once, and SCHEMA_REGISTRY_URL tells the tests where it is.
 * The broker runs the harness's `--security all` layout, so the TLS and SASL tests
 * find their listeners in KAFKA_SECURED_LISTENERS.
 */
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { down, up, type UpResult } from "./kafka.ts";
import { registryDown, registryUp } from "./registry.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);

type Runtime = "deno" | "bun" | "node";
interface Counts {
  passed: number;
  failed: number;
  failedNames?: string[];
}

function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith("_test.ts")) found.push(relative(root, path));
  }
  return found.sort();
}

function commandFor(runtime: Runtime, files: string[]): string[] {
  switch (runtime) {
    case "deno":
      return [bin("deno"), "test", "-A", "--no-check", ...files];
    case "bun":
      return [bin("bun"), "test", "--timeout", "180000", ...files.map((f) => `./${f}`)];
    case "node":
      // Not process.execPath: under `deno run` that is Deno itself.
      return ["node", "--import", "./tools/node_ts_register.mjs", "--test", "--test-concurrency=1", ...files];
  }
}

const ANSI_COLOR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

// Each runner closes with its own summary; these read the counts out of it.
function parseCounts(runtime: Runtime, output: string): Counts | undefined {
  const plain = output.replace(ANSI_COLOR, "");
  const number = (pattern: RegExp) => {
    const matches = [...plain.matchAll(pattern)];
    return matches.length === 0 ? undefined : Number(matches[matches.length - 1][1]);
  };
  const passed = runtime === "deno"
    ? number(/\| (\d+) passed/g)
    : runtime === "bun"
    ? number(/^\s*(\d+) pass$/gm)
    : number(/^# pass (\d+)$/gm);
  const failed = runtime === "deno"
    ? number(/\| (\d+) failed/g)
    : runtime === "bun"
    ? number(/^\s*(\d+) fail$/gm)
    : number(/^# fail (\d+)$/gm);
  return passed === undefined || failed === undefined ? undefined : { passed, failed };
}

function run(runtime: Runtime, files: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  const [command, ...args] = commandFor(runtime, files);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const tee = (chunk: Uint8Array, to: NodeJS.WriteStream) => {
      const text = new TextDecoder().decode(chunk);
      output += text;
      to.write(text);
    };
    child.stdout.on("data", (chunk) => tee(chunk, process.stdout));
    child.stderr.on("data", (chunk) => tee(chunk, process.stderr));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** The names of the failed tests in a runner's output, so the closing summary can list them. */
function failedTests(runtime: Runtime, output: string): string[] {
  const plain = output.replace(ANSI_COLOR, "");
  const pattern = runtime === "deno"
    ? /^(.+) => \S+:\d+:\d+$/gm
    : runtime === "bun"
    ? /^\(fail\) (.+?)(?: \[[\d.]+m?s\])?$/gm
    : /^not ok \d+ - (.+)$/gm;
  return [...new Set([...plain.matchAll(pattern)].map((m) => m[1]))];
}

/** Runs the files on each runtime, adding each runtime's counts under `label`. */
async function runSuite(label: string, runtimes: Runtime[], files: string[], env: Record<string, string>, results: Map<string, Counts>) {
  let broken = false;
  for (const runtime of runtimes) {
    const name = `${runtime}${label}`;
    console.log(`\n=== ${name}: ${files.length} test files ===`);
    const { code, output } = await run(runtime, files, env);
    const counts = parseCounts(runtime, output);
    if (counts === undefined) {
      console.log(`${name}: the runner printed no summary (exit code ${code})`);
      broken = true;
      results.set(name, { passed: 0, failed: 1 });
    } else {
      if (code !== 0 && counts.failed === 0) broken = true;
      results.set(name, { ...counts, failedNames: failedTests(runtime, output) });
    }
  }
  return broken;
}

/** The secured listeners and PEM paths, as the JSON `tests/support/broker.ts` reads. */
function securedListenersEnv(cluster: UpResult): string {
  if (cluster.securedListeners === null || cluster.tls === null) throw new Error("the harness started no secured listeners");
  return JSON.stringify({ ...cluster.securedListeners, ...cluster.tls });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const runtimes: Runtime[] = [];
  const filters: string[] = [];
  const compatVersions: string[] = [];
  let keepBroker = process.env.CI !== "true";
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--runtime") runtimes.push(args[++i] as Runtime);
    else if (args[i] === "--keep-broker") keepBroker = true;
    else if (args[i] === "--compat") compatVersions.push(args[++i]);
    else filters.push(args[i]);
  }
  if (runtimes.length === 0) runtimes.push("deno", "bun", "node");
  for (const runtime of runtimes) {
    if (!["deno", "bun", "node"].includes(runtime)) throw new Error(`unknown runtime ${runtime}`);
  }
  const files = findTests(join(root, "tests")).filter((f) => filters.length === 0 || filters.some((filter) => f.includes(filter)));
  const external = process.env.KAFKA_BOOTSTRAP_SERVERS;
  if (external && compatVersions.length > 0) throw new Error("--compat starts its own brokers; unset KAFKA_BOOTSTRAP_SERVERS");

  const results = new Map<string, Counts>();
  let broken = false;
  let startedBroker = false;
  const startBroker = async (version?: string) => {
    // "all": a PLAINTEXT client listener plus SSL, SASL and mTLS listeners for the security tests.
    const cluster = await up({ version, security: "all", log: (message) => console.error(message) });
    startedBroker ||= !cluster.reused;
    console.log(`bootstrap.servers=${cluster.bootstrapServers} (Kafka ${cluster.state.version})`);
    return { KAFKA_BOOTSTRAP_SERVERS: cluster.bootstrapServers, KAFKA_SECURED_LISTENERS: securedListenersEnv(cluster) };
  };

  const env: Record<string, string> = external ? {} : await startBroker();
  // The Schema Registry (Apicurio, a JVM) starts only when a selected file needs it, once for every runtime.
  let startedRegistry = false;
  if (!process.env.SCHEMA_REGISTRY_URL && files.some((f) => f.includes("schema_registry"))) {
    const registry = await registryUp({ log: (message) => console.error(`[registry] ${message}`) });
    startedRegistry = !registry.reused;
    console.log(`schema.registry.url=${registry.url}`);
    env.SCHEMA_REGISTRY_URL = registry.url;
  }
  broken ||= await runSuite("", runtimes, files, env, results);
  if (startedRegistry && !keepBroker) await registryDown();
  // Older brokers: the protocol and client tests again, against each version asked for.
  for (const version of compatVersions) {
    await down();
    const compatEnv = await startBroker(version);
    const compatFiles = files.filter((f) => f.startsWith(join("tests", "integration")));
    broken ||= await runSuite(`@${version}`, runtimes, compatFiles, compatEnv, results);
    await down();
    startedBroker = false;
  }
  if (startedBroker && !keepBroker) await down();

  console.log("\n=== summary ===");
  let passed = 0;
  let failed = 0;
  for (const [name, counts] of results) {
    console.log(`${name}: ${counts.passed} passed, ${counts.failed} failed`);
    for (const failedName of counts.failedNames ?? []) console.log(`  failed: ${failedName}`);
    passed += counts.passed;
    failed += counts.failed;
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 || broken ? 1 : 0;
}

process.exit(await main());
