/**
 * The deterministic simulator (tools/sim) as a test: a fixed range of seeds must keep every
 * invariant, and a seed must replay identically. `SIM_SEEDS` (default 2000) and
 * `SIM_START` (default 0) choose the range; a failure lists each failing seed with its
 * violated invariants, to replay with `deno task sim --seed N --trace`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { runSeed } from "../../tools/sim/simulation.ts";

const TOTAL = Number(process.env.SIM_SEEDS ?? 2000);
const START = Number(process.env.SIM_START ?? 0);
// Small chunks keep each test within bun's default 5 s timeout (a chunk of 100 seeds takes about 2 s there).
const CHUNKS = Math.max(1, Math.ceil(TOTAL / 100));

async function failingSeeds(from: number, to: number): Promise<string[]> {
  const failures: string[] = [];
  for (let seed = from; seed < to; seed++) {
    const result = await runSeed(seed);
    if (result.violations.length === 0) continue;
    const invariants = [...new Set(result.violations.map((v) => v.invariant))].join(", ");
    failures.push(`seed ${seed} [${invariants}]: ${result.violations[0].detail.slice(0, 240)}`);
  }
  return failures;
}

const size = Math.ceil(TOTAL / CHUNKS);
for (let chunk = 0; chunk < CHUNKS; chunk++) {
  const from = START + chunk * size;
  const to = Math.min(START + TOTAL, from + size);
  if (from >= to) continue;
  test(`simulated seeds ${from}..${to - 1} keep every invariant`, { timeout: 600_000 }, async () => {
    const failures = await failingSeeds(from, to);
    assert.deepEqual(
      failures,
      [],
      `${failures.length} of ${to - from} seeds failed (replay: deno task sim --seed N --trace):\n${failures.join("\n")}`,
    );
  });
}

test("a seed replays identically (same trace hash)", async () => {
  for (const seed of [1, 7, 42, 105]) {
    const first = await runSeed(seed);
    const second = await runSeed(seed);
    assert.equal(second.traceHash, first.traceHash, `seed ${seed} gave two different runs`);
    assert.deepEqual(second.stats.records, first.stats.records);
    assert.deepEqual(second.violations, first.violations);
  }
});

test("different seeds give different runs", async () => {
  const hashes = new Set<string>();
  for (let seed = 0; seed < 5; seed++) hashes.add((await runSeed(seed)).traceHash);
  assert.equal(hashes.size, 5);
});
