/**
 * The Java client's windowed statistics (`org.apache.kafka.common.metrics.stats`), small:
 * a value is recorded into the current sample; a sample is `sampleWindowMs` long; the
 * last `numSamples` samples (plus the one overlapping the window's start) are combined
 * when read; samples without an event for `numSamples * sampleWindowMs` are forgotten.
 * Storage is allocated once, so recording allocates nothing.
 *
 * @module
 */

/** The window settings, as the Java client's `metrics.sample.window.ms` and `metrics.num.samples`. */
export interface MetricWindowConfig {
  /** How long one sample lasts (default 30000). */
  sampleWindowMs: number;
  /** How many samples a reading covers (default 2). */
  numSamples: number;
}

/** What a {@link SampledStat} keeps per sample and how it combines them. */
export type SampledStatKind = "sum" | "count" | "avg" | "max";

/**
 * A statistic over the recent samples: `sum` (Java's WindowedSum), `count`
 * (WindowedCount: counts events, ignoring their values), `avg` (Avg) or `max` (Max).
 * An `avg` or `max` without events in the window reads NaN, as in Java.
 *
 * @example
 * ```ts
 * import { SampledStat } from "./metric_stats.ts";
 * const latency = new SampledStat("avg", { sampleWindowMs: 30_000, numSamples: 2 });
 * latency.record(10, 1_000);
 * latency.record(20, 2_000);
 * console.log(latency.measure(3_000)); // 15
 * console.log(latency.measure(100_000)); // NaN: both samples expired
 * ```
 */
export class SampledStat {
  readonly #kind: SampledStatKind;
  readonly #windowMs: number;
  readonly #numSamples: number;
  readonly #initial: number;
  // One slot per sample: Java keeps numSamples + 1 (the extra one overlaps the window's start).
  readonly #value: Float64Array;
  readonly #events: Float64Array;
  readonly #startMs: Float64Array;
  readonly #lastEventMs: Float64Array;
  #used = 0;
  #current = 0;

  /**
   * @param kind What to keep.
   * @param config The window.
   */
  constructor(kind: SampledStatKind, config: MetricWindowConfig) {
    this.#kind = kind;
    this.#windowMs = config.sampleWindowMs;
    this.#numSamples = config.numSamples;
    this.#initial = kind === "max" ? -Infinity : 0;
    const slots = config.numSamples + 1;
    this.#value = new Float64Array(slots);
    this.#events = new Float64Array(slots);
    this.#startMs = new Float64Array(slots);
    this.#lastEventMs = new Float64Array(slots);
  }

  /** Adds one event with `value` at time `now` (ms). */
  record(value: number, now: number): void {
    if (this.#used === 0) this.#reset(this.#used++, now);
    let i = this.#current;
    if (now - this.#startMs[i] >= this.#windowMs) {
      i = this.#current = (i + 1) % this.#value.length;
      if (i >= this.#used) this.#used++;
      this.#reset(i, now);
    }
    switch (this.#kind) {
      case "sum":
      case "avg":
        this.#value[i] += value;
        break;
      case "count":
        this.#value[i] += 1;
        break;
      case "max":
        if (value > this.#value[i]) this.#value[i] = value;
    }
    this.#events[i]++;
    this.#lastEventMs[i] = now;
  }

  /** The statistic over the samples still in the window at `now`. */
  measure(now: number): number {
    this.#purge(now);
    let value = this.#initial;
    let events = 0;
    for (let i = 0; i < this.#used; i++) {
      if (this.#kind === "max") value = Math.max(value, this.#value[i]);
      else value += this.#value[i];
      events += this.#events[i];
    }
    if (this.#kind === "avg") return events === 0 ? NaN : value / events;
    if (this.#kind === "max") return events === 0 ? NaN : value;
    return value;
  }

  /**
   * The time the samples span at `now`, in ms, as Java's `Rate.windowSize`: never less
   * than `numSamples - 1` full windows, so a rate read just after start is not inflated.
   */
  windowSize(now: number): number {
    this.#purge(now);
    if (this.#used === 0) this.#reset(this.#used++, now);
    let oldest = Infinity;
    for (let i = 0; i < this.#used; i++) oldest = Math.min(oldest, this.#startMs[i]);
    let elapsed = now - oldest;
    const fullWindows = Math.floor(elapsed / this.#windowMs);
    const minFullWindows = this.#numSamples - 1;
    if (fullWindows < minFullWindows) elapsed += (minFullWindows - fullWindows) * this.#windowMs;
    return Math.max(elapsed, 1);
  }

  // Java's purgeObsoleteSamples: a sample with no event for the whole window starts afresh.
  #purge(now: number): void {
    const expireAge = this.#numSamples * this.#windowMs;
    for (let i = 0; i < this.#used; i++) {
      if (now - this.#lastEventMs[i] >= expireAge) this.#reset(i, now);
    }
  }

  #reset(i: number, now: number): void {
    this.#value[i] = this.#initial;
    this.#events[i] = 0;
    this.#startMs[i] = now;
    this.#lastEventMs[i] = now;
  }
}

/**
 * The average and the maximum of the same values, as a Java Sensor with an Avg and a Max
 * stat (`request-latency-avg` and `request-latency-max`, ...): one record feeds both.
 *
 * @example
 * ```ts
 * import { AvgMax } from "./metric_stats.ts";
 * const latency = new AvgMax({ sampleWindowMs: 30_000, numSamples: 2 });
 * latency.record(10, 1_000);
 * latency.record(20, 2_000);
 * console.log(latency.avg.measure(3_000), latency.max.measure(3_000)); // 15 20
 * ```
 */
export class AvgMax {
  /** The average. */
  readonly avg: SampledStat;
  /** The maximum. */
  readonly max: SampledStat;

  /** @param config The window. */
  constructor(config: MetricWindowConfig) {
    this.avg = new SampledStat("avg", config);
    this.max = new SampledStat("max", config);
  }

  /** Records `value` at `now` into both. */
  record(value: number, now: number): void {
    this.avg.record(value, now);
    this.max.record(value, now);
  }
}

/**
 * Java's `Meter`: a per-second rate over the window (of the values, or of the events
 * when counting) and a total since the start.
 *
 * @example
 * ```ts
 * import { Meter } from "./metric_stats.ts";
 * const sent = new Meter({ sampleWindowMs: 30_000, numSamples: 2 });
 * sent.record(30, 0);
 * console.log(sent.total, sent.rate(30_000)); // 30 1
 * ```
 */
export class Meter {
  readonly #windowed: SampledStat;
  readonly #counting: boolean;
  readonly #perUnit: number;
  /** The sum of every value recorded (the number of events, when counting). */
  total = 0;

  /**
   * @param config The window.
   * @param counting Count events instead of summing values (Java's WindowedCount).
   * @param unitMs The rate's time unit in ms: 1000 for per second; 1 for ms recorded per ms passed (a ratio).
   */
  constructor(config: MetricWindowConfig, counting = false, unitMs = 1000) {
    this.#windowed = new SampledStat(counting ? "count" : "sum", config);
    this.#counting = counting;
    this.#perUnit = unitMs;
  }

  /** Adds `value` (1 event when counting) at time `now`. */
  record(value: number, now: number): void {
    this.#windowed.record(value, now);
    this.total += this.#counting ? 1 : value;
  }

  /** The rate per unit of time over the window at `now`. */
  rate(now: number): number {
    const value = this.#windowed.measure(now);
    return value / (this.#windowed.windowSize(now) / this.#perUnit);
  }
}
