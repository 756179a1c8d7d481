import { test } from "node:test";
import assert from "node:assert/strict";
import { type BenchRun, checkTargets, type Measurement, memoryPerPartition, scenarioTable } from "../../tools/perf/report.ts";
import { encodedKeys, keyIndex, keyName } from "../../tools/perf/keys.ts";

const measured = (scenario: string, peer: string, peakRssMb: number): Measurement => ({
  scenario,
  peer,
  runtime: "bun",
  recordsPerSec: 1000,
  peakRssMb,
});

function run(results: Measurement[], withBaseline = true): BenchRun {
  return {
    startedAt: "2026-12-07T00:00:00.000Z",
    machine: "test",
    kafkaVersion: "4.3.1",
    scenarios: [
      { id: "S1", title: "S1", partitions: 6 },
      ...(withBaseline ? [{ id: "S7-1p", title: "S7-1p", partitions: 1 }] : []),
      { id: "S7", title: "S7", partitions: 1000 },
    ],
    emptyRssMb: {},
    results,
  };
}

test("memory per partition: (S7 peak RSS − S7-1p's) ÷ the partitions between them, in KB", () => {
  const r = run([measured("S1", "ours", 60), measured("S7-1p", "ours", 100), measured("S7", "ours", 100 + 999 / 1024 * 64)]);
  const memory = memoryPerPartition(r, "ours");
  assert.equal(memory?.base, "S7-1p");
  assert.ok(Math.abs(memory!.kb - 64) < 1e-9);
});

test("memory per partition falls back to S1 (6 partitions) where S7-1p did not run, and is absent without S7", () => {
  const r = run([measured("S1", "ours", 100), measured("S7", "ours", 100 + 994 / 1024)], false);
  const memory = memoryPerPartition(r, "ours");
  assert.equal(memory?.base, "S1");
  assert.ok(Math.abs(memory!.kb - 1) < 1e-9);
  assert.equal(memoryPerPartition(run([measured("S1", "ours", 100)]), "ours"), undefined);
});

test("S7's table has a memory-per-partition column, † on an S1 base, and a line saying how it is computed", () => {
  const r = run([
    measured("S1", "a", 50),
    measured("S7-1p", "a", 50),
    measured("S7", "a", 50 + 999 / 1024 * 10),
    measured("S1", "b", 50),
    measured("S7", "b", 50 + 994 / 1024 * 2),
    { scenario: "S7", peer: "Java", runtime: "JVM 17", note: "n/a: no keys" },
  ]);
  const lines = scenarioTable(r, "S7");
  assert.match(lines[0], /\| peak RSS MB \| memory per partition KB \|$/);
  assert.match(lines.find((l) => l.startsWith("| a |"))!, /\| 60 \| 10\.0 \|$/);
  assert.match(lines.find((l) => l.startsWith("| b |"))!, /\| 52 \| 2\.0 † \|$/);
  assert.equal(lines.find((l) => l.startsWith("| Java |"))!.split("|").length, lines[0].split("|").length);
  assert.match(lines.at(-1)!, /^Memory per partition: \(peak RSS on S7 − the same client's peak RSS on S7-1p\) ÷ \(1,000 − 1\) partitions/);
  assert.doesNotMatch(scenarioTable(r, "S1").join("\n"), /per partition/);
});

test("targets are ratios against kcat, @platformatic/kafka, Java and KafkaJS of the same run, each marked met or not", () => {
  const row = (scenario: string, peer: string, figures: Partial<Measurement>): Measurement => ({ scenario, peer, runtime: "", ...figures });
  const r: BenchRun = {
    ...run([
      row("S6", "librdkafka (kcat -P)", { recordsPerSec: 1000 }),
      row("S6", "edge-kafka on Bun", { recordsPerSec: 1000 }),
      row("S6", "edge-kafka on Deno", { recordsPerSec: 799 }),
      row("S1", "librdkafka (kcat -P)", { recordsPerSec: 700, cpuUsPerRecord: 2 }),
      row("S1", "@platformatic/kafka 2.12", { recordsPerSec: 400 }),
      row("S1", "edge-kafka on Bun", { recordsPerSec: 700, cpuUsPerRecord: 2.1, peakRssMb: 122 }),
      row("S3", "Java (kafka-clients)", { p99Ms: 40 }),
      row("S3", "edge-kafka on Node", { p99Ms: 10 }),
      row("S4", "KafkaJS 2.2.4", { coldStartMs: 200 }),
      row("S4", "edge-kafka on Node", { coldStartMs: 101 }),
    ]),
    emptyRssMb: { bun: 50 },
  };
  const met = new Map(checkTargets(r).map((c) => [c.target, c.met]));
  assert.equal(met.get("S6 records/s on Bun ≥ 1.0 × kcat's"), true);
  assert.equal(met.get("S6 records/s on Deno ≥ 0.8 × kcat's"), false);
  assert.equal(met.get("S6 records/s on Node ≥ 0.6 × kcat's"), undefined);
  assert.equal(met.get("S1 records/s on Bun ≥ 1.5 × @platformatic/kafka's"), true);
  assert.equal(met.get("S1 records/s on Bun ≥ kcat's"), true);
  assert.equal(met.get("S1 CPU µs/record on Bun ≤ kcat's"), false);
  assert.equal(met.get("S1 peak RSS on Bun ≤ empty Bun (50 MB) + bufferMemory (32 MB) + 40 MB"), true);
  assert.equal(met.get("S3 p99 ms on Node ≤ 0.25 × Java's"), true);
  assert.equal(met.get("S4 cold start on Node ≤ ½ KafkaJS's"), false);
  const measured = new Map(checkTargets(r).map((c) => [c.target, c.measured]));
  assert.equal(measured.get("S6 records/s on Deno ≥ 0.8 × kcat's"), "799 vs 800: 0.80×");
  assert.equal(measured.get("S4 cold start on Node ≤ ½ KafkaJS's"), "101.00 ms vs 100.00 ms: 0.51×");
});

test("keys: each of N keys once in every N records, the same bytes as their names", () => {
  const n = 1000;
  const seen = new Set(Array.from({ length: n }, (_, i) => keyIndex(i + 5 * n, n)));
  assert.equal(seen.size, n);
  assert.equal(keyName(3, 100_000), "key-44813");
  const keys = encodedKeys(n);
  assert.equal(new TextDecoder().decode(keys[keyIndex(7, n)]), keyName(7, n));
  assert.throws(() => encodedKeys(48271 * 2), /multiple of 48271/);
});
