/**
 * `deno task fuzz [--cases N] [--network-cases N] [--seed S]`: mutates recorded broker
 * responses and checks that every case decodes or ends in a typed error, with no crash,
 * hang, unbounded allocation or unhandled rejection (see `fuzz.ts`). Runs the same
 * under Bun and Node. Exits 1 when any case failed, printing each failure.
 */
import process from "node:process";
import { countingUnhandledRejections, emptyReport, fuzzDecoders, fuzzNetworkClient, loadSeeds } from "./fuzz.ts";
// The seeded generator tests share: a failing case is replayed from its run seed.
import { mulberry32 } from "../../tests/support/random.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const cases = flag("--cases", 100_000);
const networkCases = flag("--network-cases", 10_000);
const seed = flag("--seed", Date.now() % 2 ** 31);
const seeds = loadSeeds();
const report = emptyReport();
const random = mulberry32(seed);
const started = performance.now();
await countingUnhandledRejections(report, async () => {
  fuzzDecoders(seeds, cases, random, report);
  await fuzzNetworkClient(seeds, networkCases, random, report);
});
const seconds = (performance.now() - started) / 1000;
for (const f of report.failures.slice(0, 20)) console.log(`FAIL ${f.seed} (${f.mutation}): ${f.problem}`);
console.log(
  `fuzz seed=${seed} seeds=${seeds.length} cases=${report.cases} decoded=${report.decoded} typed-errors=${report.typedErrors} ` +
    `failures=${report.failures.length} unhandled-rejections=${report.unhandledRejections} slowest=${report.slowestMs.toFixed(1)}ms ` +
    `in ${seconds.toFixed(1)} s`,
);
process.exit(report.failures.length > 0 || report.unhandledRejections > 0 ? 1 : 0);
