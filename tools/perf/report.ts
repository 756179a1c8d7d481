/**
 * What `bench:compare` measured, as a console table, a Markdown page and an SVG bar
 * chart. Ratios are against the Java producer measured in the same run.
 *
 * @module
 */

/** One peer's outcome on one scenario. */
export interface Measurement {
  scenario: string;
  peer: string;
  runtime: string;
  /** Set when the peer did not run (unsupported) or failed; the figures are then absent. */
  note?: string;
  recordsPerSec?: number;
  mbPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  p999Ms?: number;
  /** Client CPU seconds (user + sys). */
  cpuS?: number;
  /** CPU microseconds per record. */
  cpuUsPerRecord?: number;
  peakRssMb?: number;
  /** S4: median wall time of a cold start, in ms. */
  coldStartMs?: number;
}

/** A whole run. */
export interface BenchRun {
  startedAt: string;
  machine: string;
  kafkaVersion: string;
  /** The scenarios run, in order; `partitions` is the topic's (absent in runs before S7: 6). */
  scenarios: { id: string; title: string; partitions?: number }[];
  /** RSS of an empty process per runtime, MB (the base of the S5 target). */
  emptyRssMb: Record<string, number>;
  results: Measurement[];
}

const fixed = (value: number | undefined, digits = 0) => value === undefined ? "–" : value.toFixed(digits);

function ratio(value: number | undefined, reference: number | undefined): string {
  if (value === undefined || reference === undefined || reference === 0) return "";
  return ` (${(value / reference).toFixed(2)}×)`;
}

/** The scenario whose peak RSS, per client, is the base of S7's memory per partition: S7-1p, else S1. */
const PER_PARTITION_BASES = ["S7-1p", "S1"];
const PER_PARTITION_SCENARIO = "S7";

/**
 * A client's memory per partition on S7, in KB: (its peak RSS on S7 − its peak RSS on the base
 * scenario) ÷ (S7's partitions − the base's), the base being S7-1p (the same keyed records on one
 * partition) or, where that did not run, S1 (unkeyed, 6 partitions). Undefined without both figures.
 *
 * @example
 * ```ts ignore
 * const { kb, base } = memoryPerPartition(run, "edge-kafka on Bun") ?? {};
 * ```
 */
export function memoryPerPartition(run: BenchRun, peer: string): { kb: number; base: string } | undefined {
  const partitions = (id: string) => run.scenarios.find((s) => s.id === id)?.partitions ?? 6;
  const rss = (id: string) => run.results.find((r) => r.scenario === id && r.peer === peer)?.peakRssMb;
  const s7 = rss(PER_PARTITION_SCENARIO);
  if (s7 === undefined) return undefined;
  for (const base of PER_PARTITION_BASES) {
    const baseRss = rss(base);
    const extra = partitions(PER_PARTITION_SCENARIO) - partitions(base);
    if (baseRss !== undefined && extra > 0) return { kb: ((s7 - baseRss) * 1024) / extra, base };
  }
  return undefined;
}

/** The line under S7's table: how its memory per partition is computed, with the partition counts of this run. */
function perPartitionNote(run: BenchRun): string {
  const partitions = (id: string) => run.scenarios.find((s) => s.id === id)?.partitions ?? 6;
  const p = (id: string) => partitions(id).toLocaleString("en-US");
  const base = run.scenarios.some((s) => s.id === "S7-1p") ? "S7-1p" : "S1";
  return `Memory per partition: (peak RSS on S7 − the same client's peak RSS on ${base}) ÷ (${p("S7")} − ${p(base)}) partitions, in KB. ` +
    "S7-1p sends the same keyed records to one partition, so what differs is what the partitions cost: open batches, queues " +
    `and state per partition. Marked † where S7-1p did not run for the client: S1 (unkeyed, ${p("S1")} partitions) is then the base. ` +
    `Peak RSS moves by a few MB between runs: ±${(4096 / Math.max(1, partitions("S7") - partitions(base))).toFixed(1)} KB ` +
    "per partition for ±4 MB.";
}

/** The rows of one scenario as Markdown table lines, with ratios against the Java row. */
export function scenarioTable(run: BenchRun, scenarioId: string): string[] {
  const rows = run.results.filter((r) => r.scenario === scenarioId);
  const java = rows.find((r) => r.runtime === "JVM 17");
  const perPartition = scenarioId === PER_PARTITION_SCENARIO;
  if (scenarioId === "S4") {
    const lines = ["| client | runtime | cold start, median of runs (ms) |", "| --- | --- | ---: |"];
    for (const r of rows) {
      lines.push(`| ${r.peer} | ${r.runtime} | ${r.note ?? `${fixed(r.coldStartMs)}${ratio(r.coldStartMs, java?.coldStartMs)}`} |`);
    }
    return lines;
  }
  const lines = [
    `| client | runtime | records/s | MB/s | p50 ms | p99 ms | p99.9 ms | CPU s | CPU µs/record | peak RSS MB |${
      perPartition ? " memory per partition KB |" : ""
    }`,
    `| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${perPartition ? " ---: |" : ""}`,
  ];
  for (const r of rows) {
    if (r.note !== undefined && r.recordsPerSec === undefined) {
      lines.push(`| ${r.peer} | ${r.runtime} | ${r.note} | | | | | | | |${perPartition ? " |" : ""}`);
      continue;
    }
    const memory = perPartition ? memoryPerPartition(run, r.peer) : undefined;
    lines.push(
      `| ${r.peer} | ${r.runtime} | ${fixed(r.recordsPerSec)}${ratio(r.recordsPerSec, java?.recordsPerSec)} | ${fixed(r.mbPerSec, 2)} | ${
        fixed(r.p50Ms)
      } | ${fixed(r.p99Ms)}${ratio(r.p99Ms, java?.p99Ms)} | ${fixed(r.p999Ms)} | ${fixed(r.cpuS, 2)} | ${fixed(r.cpuUsPerRecord, 2)}${
        ratio(r.cpuUsPerRecord, java?.cpuUsPerRecord)
      } | ${fixed(r.peakRssMb)} |${perPartition ? ` ${fixed(memory?.kb, 1)}${memory?.base === "S1" ? " †" : ""} |` : ""}`,
    );
  }
  if (perPartition) lines.push("", perPartitionNote(run));
  return lines;
}

/** A horizontal bar chart of S1 records/s per client. */
export function throughputSvg(run: BenchRun, scenarioId = "S1"): string {
  const rows = run.results.filter((r) => r.scenario === scenarioId && r.recordsPerSec !== undefined);
  const max = Math.max(1, ...rows.map((r) => r.recordsPerSec!));
  const barHeight = 22;
  const labelWidth = 300;
  const chartWidth = 420;
  const height = rows.length * (barHeight + 8) + 40;
  const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const bars = rows.map((r, i) => {
    const y = 30 + i * (barHeight + 8);
    const width = Math.max(1, Math.round((chartWidth * r.recordsPerSec!) / max));
    const ours = r.peer.startsWith("edge-kafka");
    return [
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escape(r.peer)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${width}" height="${barHeight}" fill="${ours ? "#2a7ab0" : "#9aa5b1"}"/>`,
      `<text x="${labelWidth + width + 6}" y="${y + 15}">${Math.round(r.recordsPerSec!).toLocaleString("en-US")}</text>`,
    ].join("");
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${
    labelWidth + chartWidth + 110
  }" height="${height}" font-family="sans-serif" font-size="13">
<text x="8" y="18" font-weight="bold">${escape(scenarioId)}: records/s (${escape(run.startedAt)})</text>
${bars.join("\n")}
</svg>
`;
}

/** One target of the performance issue, checked against a run. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | undefined;
}

const BUFFER_MEMORY_MB = 32;
/** Headroom over bufferMemory and an empty runtime that S1's peak RSS may use. */
const RSS_HEADROOM_MB = 40;

/**
 * Evaluates the performance issue's targets on the run's figures, each a ratio against a peer
 * of the same run (met undefined: a figure is missing).
 *
 * @example
 * ```ts ignore
 * for (const { target, measured, met } of checkTargets(run)) console.log(target, measured, met);
 * ```
 */
export function checkTargets(run: BenchRun): TargetCheck[] {
  const find = (scenario: string, peer: (name: string) => boolean) => run.results.find((r) => r.scenario === scenario && peer(r.peer));
  const java = (scenario: string) => find(scenario, (p) => p.startsWith("Java"));
  const kcat = (scenario: string) => find(scenario, (p) => p.includes("kcat"));
  const ours = (runtime: string, scenario: string) => find(scenario, (p) => p === `edge-kafka on ${runtime}`);
  const kafkajs = (scenario: string) => find(scenario, (p) => p.startsWith("KafkaJS"));
  const platformatic = (scenario: string) => find(scenario, (p) => p.startsWith("@platformatic"));
  const times = (value: number | undefined, factor: number) => value === undefined ? undefined : value * factor;
  const checks: TargetCheck[] = [];
  // `bound` is what `value` must reach (atLeast) or stay under; `peer` the peer's own figure, whose ratio is shown.
  const compare = (target: string, value: number | undefined, bound: number | undefined, atLeast: boolean, unit: string, peer?: number) => {
    const met = value === undefined || bound === undefined ? undefined : atLeast ? value >= bound : value <= bound;
    const digits = unit === "" ? 0 : 2;
    const shown = `${fixed(value, digits)}${unit} vs ${fixed(bound, digits)}${unit}`;
    checks.push({
      target,
      measured: value === undefined || peer === undefined || peer === 0 ? shown : `${shown}: ${(value / peer).toFixed(2)}×`,
      met,
    });
  };
  const against = (value: number | undefined, peer: number | undefined, factor: number, atLeast: boolean, unit: string, target: string) =>
    compare(target, value, times(peer, factor), atLeast, unit, peer);
  const share = { Bun: 1.0, Deno: 0.8, Node: 0.6 };
  for (const [runtime, factor] of Object.entries(share)) {
    const target = `S6 records/s on ${runtime} ≥ ${factor.toFixed(1)} × kcat's`;
    against(ours(runtime, "S6")?.recordsPerSec, kcat("S6")?.recordsPerSec, factor, true, "", target);
  }
  for (const runtime of Object.keys(share)) {
    const s1 = ours(runtime, "S1");
    const platformaticS1 = platformatic("S1")?.recordsPerSec;
    against(s1?.recordsPerSec, platformaticS1, 1.5, true, "", `S1 records/s on ${runtime} ≥ 1.5 × @platformatic/kafka's`);
    if (runtime === "Bun") against(s1?.recordsPerSec, kcat("S1")?.recordsPerSec, 1, true, "", "S1 records/s on Bun ≥ kcat's");
    const cpuFactor = runtime === "Bun" ? 1 : 1.5;
    const cpuTarget = `S1 CPU µs/record on ${runtime} ≤ ${cpuFactor === 1 ? "" : `${cpuFactor} × `}kcat's`;
    against(s1?.cpuUsPerRecord, kcat("S1")?.cpuUsPerRecord, cpuFactor, false, " µs", cpuTarget);
    const empty = run.emptyRssMb[runtime.toLowerCase()];
    compare(
      `S1 peak RSS on ${runtime} ≤ empty ${runtime} (${fixed(empty)} MB) + bufferMemory (${BUFFER_MEMORY_MB} MB) + ${RSS_HEADROOM_MB} MB`,
      s1?.peakRssMb,
      empty === undefined ? undefined : empty + BUFFER_MEMORY_MB + RSS_HEADROOM_MB,
      false,
      " MB",
    );
    against(ours(runtime, "S3")?.p99Ms, java("S3")?.p99Ms, 0.25, false, " ms", `S3 p99 ms on ${runtime} ≤ 0.25 × Java's`);
  }
  against(ours("Node", "S4")?.coldStartMs, kafkajs("S4")?.coldStartMs, 0.5, false, " ms", "S4 cold start on Node ≤ ½ KafkaJS's");
  return checks;
}

/** The Markdown page `docs/benchmarks.md`; `analysis` (hand-written) follows the tables. */
export function markdown(run: BenchRun, command: string, svgName: string, analysis = ""): string {
  const parts = [
    "# Benchmarks",
    "",
    `Generated by \`${command}\` on ${run.startedAt} (${run.machine}; Kafka ${run.kafkaVersion}, one broker on loopback on the same machine).`,
    "Every client ran one after another against the same broker, each on a fresh topic of 6 partitions (S7: 1,000; S7-1p: one).",
    "Ratios in parentheses are against the Java producer of the same run (none on S7: Java's tool sends no keys). CPU is the client",
    "process's user + sys time; peak RSS its maximum resident set.",
    "",
    `![records per second, S1](${svgName})`,
    "",
  ];
  parts.push("## Targets", "", "| target | measured | met |", "| --- | --- | --- |");
  for (const check of checkTargets(run)) {
    parts.push(`| ${check.target} | ${check.measured} | ${check.met === undefined ? "not measured" : check.met ? "yes" : "**no**"} |`);
  }
  parts.push("");
  for (const scenario of run.scenarios) {
    parts.push(`## ${scenario.id}: ${scenario.title}`, "", ...scenarioTable(run, scenario.id), "");
  }
  parts.push(
    "## Empty-process RSS",
    "",
    "| runtime | RSS MB |",
    "| --- | ---: |",
    ...Object.entries(run.emptyRssMb).map(([runtime, mb]) => `| ${runtime} | ${mb.toFixed(0)} |`),
    "",
  );
  if (analysis.trim() !== "") parts.push(analysis.trim(), "");
  return parts.join("\n");
}
