/**
 * `deno task sim [--seeds N] [--start S] [--seed N] [--trace] [--verbose]`: runs the
 * deterministic simulator (see simulation.ts) over seeds S..S+N-1 (default 0..199), or
 * replays one seed with `--seed`, printing its trace with `--trace`. Each failing seed is
 * printed with its violated invariants; the exit code is 1 when any seed failed.
 *
 * @module
 */
import process from "node:process";
import { runSeed, type SeedResult } from "./simulation.ts";

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const single = flag("--seed");
const start = Number(flag("--start") ?? 0);
const count = Number(flag("--seeds") ?? 200);
const showTrace = args.includes("--trace");
const verbose = args.includes("--verbose");

function report(result: SeedResult): void {
  console.log(`seed ${result.seed} FAILED (${result.summary})`);
  for (const v of result.violations) console.log(`  [${v.invariant}] ${v.detail}`);
  console.log(`  replay: deno task sim --seed ${result.seed} --trace`);
}

if (single !== undefined) {
  const result = await runSeed(Number(single), { trace: showTrace });
  if (showTrace) { for (const line of result.trace ?? []) console.log(line); }
  if (result.violations.length > 0) report(result);
  else console.log(`seed ${result.seed} ok (${result.summary})`);
  console.log(`trace hash ${result.traceHash}; ${JSON.stringify(result.stats)}`);
  process.exit(result.violations.length > 0 ? 1 : 0);
}

const started = performance.now();
const failing: SeedResult[] = [];
const byInvariant = new Map<string, number[]>();
let slowest = { seed: -1, ms: 0 };
let records = 0;
for (let seed = start; seed < start + count; seed++) {
  const result = await runSeed(seed);
  records += result.stats.records;
  if (result.stats.realMs > slowest.ms) slowest = { seed, ms: result.stats.realMs };
  if (verbose) {
    console.log(`seed ${seed}: ${result.violations.length === 0 ? "ok" : "FAILED"} ${result.stats.realMs.toFixed(1)} ms ${result.summary}`);
  }
  if (result.violations.length === 0) continue;
  failing.push(result);
  report(result);
  for (const invariant of new Set(result.violations.map((v) => v.invariant))) {
    byInvariant.set(invariant, [...(byInvariant.get(invariant) ?? []), seed]);
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `\n${count} seeds (${start}..${start + count - 1}) in ${seconds.toFixed(1)} s (${(seconds * 1000 / count).toFixed(1)} ms/seed, ` +
    `slowest seed ${slowest.seed} ${slowest.ms.toFixed(0)} ms), ${records} records written; ${failing.length} failed`,
);
for (const [invariant, seeds] of [...byInvariant].sort((a, b) => b[1].length - a[1].length)) {
  console.log(`  ${invariant}: ${seeds.length} seed(s): ${seeds.slice(0, 30).join(" ")}${seeds.length > 30 ? " ..." : ""}`);
}
process.exit(failing.length > 0 ? 1 : 0);
