import { test } from "node:test";
import assert from "node:assert/strict";
import { javaFixed, PerfStats } from "../../tools/perf/perf_stats.ts";

const MiB = 1024 * 1024;

/** Stats on a clock the test moves by hand, printing into an array. */
function fakeStats(numRecords: number, options: { steadyState?: boolean } = {}) {
  const clock = { ms: 1000 };
  const lines: string[] = [];
  const stats = new PerfStats(numRecords, { now: () => clock.ms, print: (line) => lines.push(line), ...options });
  /** Records a send completing at `at` ms after `latency` ms. */
  const complete = (at: number, latency: number, bytes: number) => {
    clock.ms = at;
    stats.completed(at - latency, bytes);
  };
  return { clock, lines, stats, complete };
}

test("javaFixed rounds half-up on the shortest decimal form, as Java's %f does", () => {
  // Each expectation was printed by Java 17's String.format.
  assert.equal(javaFixed(1.005, 2), "1.01");
  assert.equal(javaFixed(2.675, 2), "2.68");
  assert.equal(javaFixed(0.15, 1), "0.2");
  assert.equal(javaFixed(0.125, 2), "0.13");
  assert.equal(javaFixed(0.045, 1), "0.0");
  assert.equal(javaFixed(0.95, 1), "1.0");
  assert.equal(javaFixed(99.95, 1), "100.0");
  assert.equal(javaFixed(1 / 3, 6), "0.333333");
  assert.equal(javaFixed(123456789.123456789, 6), "123456789.123457");
  assert.equal(javaFixed(0.0000005, 6), "0.000001");
  assert.equal(javaFixed(5e20, 1), "500000000000000000000.0");
  assert.equal(javaFixed(0, 6), "0.000000");
  assert.equal(javaFixed(NaN, 2), "NaN");
  assert.equal(javaFixed(Infinity, 6), "Infinity");
});

test("a progress line is printed when a send completes 5 s after the window began, in Java's format", () => {
  const { lines, complete } = fakeStats(10);
  complete(2000, 10, MiB);
  complete(3000, 20, MiB);
  complete(5999, 5, MiB);
  assert.deepEqual(lines, [], "4999 ms is still inside the window");
  complete(6000, 5, MiB);
  assert.deepEqual(lines, ["4 records sent, 0.8 records/sec (0.80 MB/sec), 10.0 ms avg latency, 20.0 ms max latency."]);
  // The next window starts at 6000 and holds only what completes after it.
  complete(11_000, 3, 512 * 1024);
  assert.equal(lines[1], "1 records sent, 0.2 records/sec (0.10 MB/sec), 3.0 ms avg latency, 3.0 ms max latency.");
});

test("the final line has Java's format: %f rate, two-decimal latencies, sampled percentiles", () => {
  const { clock, lines, stats, complete } = fakeStats(4);
  complete(2000, 10, MiB);
  complete(3000, 20, MiB);
  complete(4000, 5, MiB);
  complete(7000, 7, MiB);
  assert.equal(lines.length, 1, "one progress line at 7000");
  clock.ms = 11_000;
  stats.printTotal();
  // sorted [5, 7, 10, 20]: index (int)(0.5 * 4) = 2, (int)(0.95 * 4) = 3, ...
  assert.equal(
    lines[1],
    "4 records sent, 0.400000 records/sec (0.40 MB/sec), 10.50 ms avg latency, 20.00 ms max latency, 10 ms 50th, 20 ms 95th, 20 ms 99th, 20 ms 99.9th.",
  );
  assert.deepEqual(stats.summary(), {
    records: 4,
    bytes: 4 * MiB,
    elapsedMs: 10_000,
    recordsPerSec: 0.4,
    mbPerSec: 0.4,
    avgLatencyMs: 10.5,
    maxLatencyMs: 20,
    p50Ms: 10,
    p95Ms: 20,
    p99Ms: 20,
    p999Ms: 20,
  });
});

test("percentiles are sorted[(int)(p * n)] over 1000 samples", () => {
  const { clock, stats } = fakeStats(1000);
  // Latencies 1..1000 in a shuffled order, all completing within one window.
  for (let i = 0; i < 1000; i++) stats.record(((i * 7919) % 1000) + 1, 100, 1000);
  clock.ms = 3000;
  const s = stats.summary();
  assert.deepEqual([s.p50Ms, s.p95Ms, s.p99Ms, s.p999Ms], [501, 951, 991, 1000]);
  assert.equal(s.avgLatencyMs, 500.5);
  assert.equal(s.maxLatencyMs, 1000);
  assert.match(
    stats.totalLine(),
    /^1000 records sent, 500\.000000 records\/sec \(0\.05 MB\/sec\), 500\.50 ms avg latency, 1000\.00 ms max latency, 501 ms 50th/,
  );
});

test("above 500,000 records only every (numRecords / 500,000)-th latency is sampled, with Java's integer division", () => {
  const { clock, stats } = fakeStats(1_000_000);
  // Sampling is 2: the even iterations (latency 1) are kept, the odd ones (1000) only count toward avg and max.
  for (let i = 0; i < 1_000_000; i++) stats.record(i % 2 === 0 ? 1 : 1000, 10, 1000);
  clock.ms = 2000;
  const s = stats.summary();
  assert.deepEqual([s.p50Ms, s.p95Ms, s.p99Ms, s.p999Ms], [1, 1, 1, 1]);
  assert.equal(s.maxLatencyMs, 1000);
  assert.equal(s.avgLatencyMs, 500.5);
  assert.equal(s.recordsPerSec, 1_000_000);

  // 999,999 records: 999,999 / 500,000 is 1 in integer division, so every latency is a sample.
  const every = fakeStats(999_999);
  for (let i = 0; i < 999_999; i++) every.stats.record(i % 2 === 0 ? 1 : 1000, 10, 1000);
  assert.equal(every.stats.summary().p95Ms, 1000, "the odd iterations were sampled too");
});

test("with no completed sends the final line shows NaN and zero percentiles, as Java prints them", () => {
  const { clock, stats } = fakeStats(5);
  clock.ms = 2000;
  assert.equal(
    stats.totalLine(),
    "0 records sent, 0.000000 records/sec (0.00 MB/sec), NaN ms avg latency, 0.00 ms max latency, 0 ms 50th, 0 ms 95th, 0 ms 99th, 0 ms 99.9th.",
  );
});

test("steady-state stats say so in the final line and announce the first window; suppressPrinting silences windows", () => {
  const steady = fakeStats(3, { steadyState: true });
  steady.complete(6000, 4, 100);
  assert.deepEqual(steady.lines, [
    "In steady state.",
    "1 records sent, 0.2 records/sec (0.00 MB/sec), 4.0 ms avg latency, 4.0 ms max latency.",
  ]);
  steady.stats.printTotal();
  assert.match(steady.lines[2], /^1 steady state records sent, 0\.200000 records\/sec/);

  const quiet = fakeStats(3);
  quiet.stats.suppressPrinting();
  quiet.complete(6000, 4, 100);
  assert.deepEqual(quiet.lines, []);
  assert.equal(quiet.stats.totalCount, 1);
});
