/**
 * The statistics of Kafka's `kafka-producer-perf-test` (the `Stats` class of
 * `org.apache.kafka.tools.ProducerPerformance`), reimplemented so our tools print the
 * same lines, computed the same way, as the Java tool: benchmarks can then put our
 * numbers next to the Java client's without any conversion.
 *
 * @example
 * ```ts
 * import { PerfStats } from "./perf_stats.ts";
 * const stats = new PerfStats(3);
 * for (let i = 0; i < 3; i++) {
 *   const start = Date.now();
 *   // ... send one 100-byte record and wait for it ...
 *   stats.completed(start, 100);
 * }
 * stats.printTotal();
 * // 3 records sent, ... records/sec (... MB/sec), ... ms avg latency, ... ms max latency, ... ms 50th, ...
 * ```
 *
 * @module
 */

/** Java keeps at most about this many latency samples (every `sampling`-th record). */
export const MAX_SAMPLES = 500_000;

/** A progress line is printed when a record completes this long after the window began. */
export const REPORTING_INTERVAL_MS = 5000;

/** Options of {@link PerfStats}. */
export interface PerfStatsOptions {
  /** Wall clock in ms (default `Date.now`, Java's `System.currentTimeMillis`). */
  now?: () => number;
  /** Where lines go (default `console.log`, Java's `System.out`). */
  print?: (line: string) => void;
  /** Statistics after the warm-up records: the total line says "steady state". */
  steadyState?: boolean;
}

/** The numbers of the final line, for programs that compare runs. */
export interface PerfSummary {
  /** Records that completed successfully. */
  records: number;
  /** Their payload bytes. */
  bytes: number;
  /** Milliseconds from the creation of the stats to now. */
  elapsedMs: number;
  recordsPerSec: number;
  /** MiB (1024 * 1024 bytes) per second. */
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

/** The numbers of one progress line. */
export interface PerfWindow {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
}

const MB = 1024 * 1024;

/**
 * Formats like Java's `String.format("%.Nf", x)`: Java rounds HALF_UP on the shortest
 * decimal form of the double (so 1.005 gives "1.01" where `toFixed` gives "1.00").
 * Above 1e16 Java 17 may print a few more non-zero digits than the shortest form has;
 * no rate or latency gets there.
 */
export function javaFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  // toExponential() without an argument yields the shortest digits that round-trip.
  const [mantissa, exponent] = Math.abs(x).toExponential().split("e");
  const significant = mantissa.replace(".", "");
  // Digits before the point, then how many of the significant digits survive the rounding.
  const keep = Number(exponent) + 1 + digits;
  let scaled = 0n;
  if (keep > 0) {
    const kept = significant.slice(0, keep).padEnd(keep, "0");
    scaled = BigInt(kept) + (keep < significant.length && significant[keep] >= "5" ? 1n : 0n);
  } else if (keep === 0 && significant[0] >= "5") {
    scaled = 1n;
  }
  const text = scaled.toString().padStart(digits + 1, "0");
  const whole = text.slice(0, text.length - digits);
  return digits === 0 ? sign + whole : `${sign}${whole}.${text.slice(text.length - digits)}`;
}

/** A progress line, as `printWindow` prints it. */
export function formatWindow(w: PerfWindow): string {
  return `${w.records} records sent, ${javaFixed(w.recordsPerSec, 1)} records/sec (${javaFixed(w.mbPerSec, 2)} MB/sec), ` +
    `${javaFixed(w.avgLatencyMs, 1)} ms avg latency, ${javaFixed(w.maxLatencyMs, 1)} ms max latency.`;
}

/** The final line, as `printTotal` prints it. */
export function formatTotal(s: PerfSummary, steadyState = false): string {
  return `${s.records}${steadyState ? " steady state" : ""} records sent, ${javaFixed(s.recordsPerSec, 6)} records/sec ` +
    `(${javaFixed(s.mbPerSec, 2)} MB/sec), ${javaFixed(s.avgLatencyMs, 2)} ms avg latency, ${
      javaFixed(s.maxLatencyMs, 2)
    } ms max latency, ` +
    `${s.p50Ms} ms 50th, ${s.p95Ms} ms 95th, ${s.p99Ms} ms 99th, ${s.p999Ms} ms 99.9th.`;
}

/**
 * Latency and throughput of a producer run, recorded per completed send, with a progress
 * line every {@link REPORTING_INTERVAL_MS} and the Java tool's final line.
 */
export class PerfStats {
  private readonly now: () => number;
  private readonly print: (line: string) => void;
  private readonly steadyState: boolean;
  private readonly start: number;
  private readonly sampling: number;
  // Int32Array: Java's int[] (whole milliseconds), zero-filled like Java's.
  private readonly latencies: Int32Array;
  private iteration = 0;
  private index = 0;
  private count = 0;
  private bytes = 0;
  private maxLatency = 0;
  private totalLatency = 0;
  private windowStart: number;
  private windowCount = 0;
  private windowMaxLatency = 0;
  private windowTotalLatency = 0;
  private windowBytes = 0;
  private suppressed = false;

  /** @param numRecords How many records the run will send (sizes the latency sample). */
  constructor(numRecords: number, options: PerfStatsOptions = {}) {
    if (!Number.isSafeInteger(numRecords) || numRecords <= 0) {
      throw new RangeError(`numRecords must be a positive integer, got ${numRecords}`);
    }
    this.now = options.now ?? Date.now;
    this.print = options.print ?? ((line) => console.log(line));
    this.steadyState = options.steadyState ?? false;
    this.start = this.now();
    this.windowStart = this.start;
    // Integer division as in Java: 1,200,000 records sample every 2nd, keeping 600,000.
    this.sampling = Math.floor(numRecords / Math.min(numRecords, MAX_SAMPLES));
    this.latencies = new Int32Array(Math.floor(numRecords / this.sampling) + 1);
  }

  /** Counts one successful send that took `latencyMs` and carried `bytes`, completing at `timeMs`. */
  record(latencyMs: number, bytes: number, timeMs: number = this.now()): void {
    const latency = Math.trunc(latencyMs);
    this.count++;
    this.bytes += bytes;
    this.totalLatency += latency;
    this.maxLatency = Math.max(this.maxLatency, latency);
    this.windowCount++;
    this.windowBytes += bytes;
    this.windowTotalLatency += latency;
    this.windowMaxLatency = Math.max(this.windowMaxLatency, latency);
    // Java would overflow its array past numRecords; we just stop sampling.
    if (this.iteration % this.sampling === 0 && this.index < this.latencies.length) this.latencies[this.index++] = latency;
    if (timeMs - this.windowStart >= REPORTING_INTERVAL_MS) {
      if (this.steadyState && this.count === this.windowCount) this.print("In steady state.");
      if (!this.suppressed) this.printWindow();
      this.newWindow();
    }
    this.iteration++;
  }

  /** Java's `PerfCallback.onCompletion` for a send that succeeded: the latency runs from `sendStartMs` to now. */
  completed(sendStartMs: number, bytes: number): void {
    const now = this.now();
    this.record(now - sendStartMs, bytes, now);
  }

  /** Successful sends so far. */
  get totalCount(): number {
    return this.count;
  }

  /** Payload bytes of the successful sends so far. */
  get totalBytes(): number {
    return this.bytes;
  }

  /** The numbers of the current window, measured up to now. */
  window(): PerfWindow {
    const elapsed = this.now() - this.windowStart;
    return {
      records: this.windowCount,
      recordsPerSec: 1000.0 * this.windowCount / elapsed,
      mbPerSec: 1000.0 * this.windowBytes / elapsed / MB,
      avgLatencyMs: this.windowTotalLatency / this.windowCount,
      maxLatencyMs: this.windowMaxLatency,
    };
  }

  /** Prints the current window's progress line. */
  printWindow(): void {
    this.print(formatWindow(this.window()));
  }

  /** Starts a new progress window now. */
  newWindow(): void {
    this.windowStart = this.now();
    this.windowCount = 0;
    this.windowMaxLatency = 0;
    this.windowTotalLatency = 0;
    this.windowBytes = 0;
  }

  /** Stops the progress lines (Java does this to the overall stats once warm-up ends). */
  suppressPrinting(): void {
    this.suppressed = true;
  }

  /** The numbers of the final line, measured up to now. */
  summary(): PerfSummary {
    const elapsed = this.now() - this.start;
    const [p50Ms, p95Ms, p99Ms, p999Ms] = this.percentiles(0.5, 0.95, 0.99, 0.999);
    return {
      records: this.count,
      bytes: this.bytes,
      elapsedMs: elapsed,
      recordsPerSec: 1000.0 * this.count / elapsed,
      mbPerSec: 1000.0 * this.bytes / elapsed / MB,
      avgLatencyMs: this.totalLatency / this.count,
      maxLatencyMs: this.maxLatency,
      p50Ms,
      p95Ms,
      p99Ms,
      p999Ms,
    };
  }

  /** The final line, measured up to now. */
  totalLine(): string {
    return formatTotal(this.summary(), this.steadyState);
  }

  /** Prints the final line. */
  printTotal(): void {
    this.print(this.totalLine());
  }

  // Java: sorted[(int) (p * n)] over the samples; with no samples the zero-filled array gives 0.
  private percentiles(...ps: number[]): number[] {
    const size = Math.min(this.index, this.latencies.length);
    const sorted = this.latencies.slice(0, Math.max(size, 1)).sort();
    return ps.map((p) => sorted[Math.trunc(p * size)]);
  }
}
