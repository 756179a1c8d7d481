/**
 * The producer's metrics under the Java client's names (group "producer-metrics"): what
 * the Sender records per produce request and per batch (SenderMetricsRegistry), the
 * buffer pool's gauges and waits (RecordAccumulator, BufferPool), and the network
 * counters (Selector). Rates, averages and maxima are windowed as in Java
 * (`metricsSampleWindowMs`, `metricsNumSamples`); totals count from the start.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { NetworkClientSensors } from "../client/network_client_sensors.ts";
import type { MetricWindowConfig } from "./metric_stats.ts";
import { AvgMax, Meter, SampledStat } from "./metric_stats.ts";
import type { ProducerBatch } from "./producer_batch.ts";

/**
 * Every metric `producer.metrics()` reports, by its Java name. Averages and maxima read
 * NaN while their window holds no event, as in Java; rates are per second.
 *
 * @example
 * ```ts
 * import { PRODUCER_METRIC_NAMES } from "./producer_metrics.ts";
 * console.log(PRODUCER_METRIC_NAMES.includes("record-send-total")); // true
 * ```
 */
export const PRODUCER_METRIC_NAMES = [
  // The Sender (SenderMetricsRegistry).
  "batch-size-avg",
  "batch-size-max",
  "compression-rate-avg",
  "record-queue-time-avg",
  "record-queue-time-max",
  "request-latency-avg",
  "request-latency-max",
  "produce-throttle-time-avg",
  "produce-throttle-time-max",
  "record-send-rate",
  "record-send-total",
  "records-per-request-avg",
  "record-retry-rate",
  "record-retry-total",
  "record-error-rate",
  "record-error-total",
  "record-size-avg",
  "record-size-max",
  "requests-in-flight",
  "batch-split-rate",
  "batch-split-total",
  // Buffer memory (RecordAccumulator, BufferPool).
  "waiting-threads",
  "buffer-total-bytes",
  "buffer-available-bytes",
  "bufferpool-wait-ratio",
  "bufferpool-wait-time-total",
  "bufferpool-wait-time-ns-total",
  "buffer-exhausted-rate",
  "buffer-exhausted-total",
  // The network (Selector).
  "connection-count",
  "connection-creation-rate",
  "connection-creation-total",
  "connection-close-rate",
  "connection-close-total",
  "network-io-rate",
  "network-io-total",
  "outgoing-byte-rate",
  "outgoing-byte-total",
  "incoming-byte-rate",
  "incoming-byte-total",
  "request-rate",
  "request-total",
  "request-size-avg",
  "request-size-max",
  "response-rate",
  "response-total",
] as const;

/** One of {@link PRODUCER_METRIC_NAMES}. */
export type ProducerMetricName = typeof PRODUCER_METRIC_NAMES[number];

/**
 * What `producer.metrics()` returns: a fresh plain object from each metric's Java name to
 * its value at the time of the call.
 *
 * @example
 * ```ts
 * import type { ProducerMetricsSnapshot } from "./producer_metrics.ts";
 * function report(metrics: ProducerMetricsSnapshot): string {
 *   return `${metrics["record-send-total"]} sent, ${metrics["record-error-total"]} failed`;
 * }
 * ```
 */
export type ProducerMetricsSnapshot = Record<ProducerMetricName, number>;

/** Values read when a snapshot is taken, as Java's gauges; a missing one reads 0. */
export interface ProducerMetricsGauges {
  /** `buffer-total-bytes`: the buffer memory budget. */
  bufferTotalBytes?(): number;
  /** `buffer-available-bytes`: buffer memory free now. */
  bufferAvailableBytes?(): number;
  /** `waiting-threads`: appends waiting for buffer memory. */
  waitingThreads?(): number;
  /** `requests-in-flight`: requests sent and not yet answered. */
  requestsInFlight?(): number;
  /** `connection-count`: open connections. */
  connectionCount?(): number;
}

/** An {@link AvgMax} read as Java's `<name>-avg` and `<name>-max`. */
function avgMax<N extends string>(name: N, stat: AvgMax, now: number): Record<`${N}-avg` | `${N}-max`, number> {
  return { [`${name}-avg`]: stat.avg.measure(now), [`${name}-max`]: stat.max.measure(now) } as Record<`${N}-avg` | `${N}-max`, number>;
}

/** A {@link Meter} read as Java's `<name>-rate` and `<name>-total`. */
function meter<N extends string>(name: N, stat: Meter, now: number): Record<`${N}-rate` | `${N}-total`, number> {
  return { [`${name}-rate`]: stat.rate(now), [`${name}-total`]: stat.total } as Record<`${N}-rate` | `${N}-total`, number>;
}

/**
 * Collects the producer's metrics. The Sender, the accumulator and the network client
 * call the `record*` methods as they work (per request and per batch, never per record);
 * {@link ProducerMetrics.snapshot} reads them.
 *
 * @example
 * ```ts
 * import { ProducerMetrics } from "./producer_metrics.ts";
 * let now = 0;
 * const metrics = new ProducerMetrics({ sampleWindowMs: 30_000, numSamples: 2 }, { now: () => now });
 * metrics.recordProduceResponse(12, 0, now);
 * now += 1_000;
 * console.log(metrics.snapshot()["request-latency-avg"]); // 12
 * ```
 */
export class ProducerMetrics implements NetworkClientSensors {
  readonly #clock: Clock;
  readonly #gauges: ProducerMetricsGauges;
  readonly #batchSize: AvgMax;
  readonly #compressionRateAvg: SampledStat;
  readonly #queueTime: AvgMax;
  readonly #latency: AvgMax;
  readonly #throttle: AvgMax;
  readonly #recordsSent: Meter;
  readonly #recordsPerRequestAvg: SampledStat;
  readonly #retries: Meter;
  readonly #errors: Meter;
  readonly #recordSize: AvgMax;
  readonly #batchSplits: Meter;
  // Recorded in ms; read as a ratio of time and as ns totals, as Java's nanosecond Meter.
  readonly #bufferPoolWait: Meter;
  readonly #bufferExhausted: Meter;
  readonly #connectionsCreated: Meter;
  readonly #connectionsClosed: Meter;
  readonly #networkIo: Meter;
  readonly #bytesSent: Meter;
  readonly #bytesReceived: Meter;
  readonly #requestsSent: Meter;
  readonly #requestSize: AvgMax;
  readonly #responsesReceived: Meter;

  /**
   * @param config The sample window.
   * @param clock The time a snapshot is taken at.
   * @param gauges Current values read at snapshot time.
   */
  constructor(config: MetricWindowConfig, clock: Clock, gauges: ProducerMetricsGauges = {}) {
    this.#clock = clock;
    this.#gauges = gauges;
    const avg = () => new SampledStat("avg", config);
    this.#batchSize = new AvgMax(config);
    this.#compressionRateAvg = avg();
    this.#queueTime = new AvgMax(config);
    this.#latency = new AvgMax(config);
    this.#throttle = new AvgMax(config);
    this.#recordsSent = new Meter(config);
    this.#recordsPerRequestAvg = avg();
    this.#retries = new Meter(config);
    this.#errors = new Meter(config);
    this.#recordSize = new AvgMax(config);
    this.#batchSplits = new Meter(config);
    this.#bufferPoolWait = new Meter(config, false, 1);
    this.#bufferExhausted = new Meter(config);
    this.#connectionsCreated = new Meter(config);
    this.#connectionsClosed = new Meter(config);
    this.#networkIo = new Meter(config, true);
    this.#bytesSent = new Meter(config);
    this.#bytesReceived = new Meter(config);
    this.#requestsSent = new Meter(config, true);
    this.#requestSize = new AvgMax(config);
    this.#responsesReceived = new Meter(config, true);
  }

  /**
   * One produce request's batches, as they are sent (Java's `updateProduceRequestMetrics`):
   * their size (compressed), queue time, compression ratio and largest record, and
   * the records sent.
   */
  recordProduceRequest(batches: readonly ProducerBatch[], now: number): void {
    let records = 0;
    for (const batch of batches) {
      const size = batch.sizeInBytes;
      this.#batchSize.record(size, now);
      const queueTime = now - batch.createdMs;
      this.#queueTime.record(queueTime, now);
      this.#compressionRateAvg.record(batch.compressionRatio, now);
      this.#recordSize.record(batch.maxRecordSize, now);
      records += batch.recordCount;
    }
    this.#recordsSent.record(records, now);
    this.#recordsPerRequestAvg.record(records, now);
  }

  /** A produce response: its latency (sent to answered, in ms) and the broker's throttle time. */
  recordProduceResponse(latencyMs: number, throttleTimeMs: number, now: number): void {
    this.#latency.record(latencyMs, now);
    this.#throttle.record(throttleTimeMs, now);
  }

  /** Records of a batch that will be sent again. */
  recordRetries(records: number, now: number): void {
    this.#retries.record(records, now);
  }

  /** Records whose send failed: a failed batch's, or one that never reached a batch. */
  recordErrors(records: number, now: number): void {
    this.#errors.record(records, now);
  }

  /** A batch the broker found too large, split into smaller ones. */
  recordBatchSplit(now: number): void {
    this.#batchSplits.record(1, now);
  }

  /** An append waited this long for buffer memory. */
  recordBufferPoolWait(waitedMs: number, now: number): void {
    this.#bufferPoolWait.record(waitedMs, now);
  }

  /** An append gave up waiting for buffer memory (`maxBlockMs`). */
  recordBufferExhausted(now: number): void {
    this.#bufferExhausted.record(1, now);
  }

  /** A request frame of `bytes` (size prefix included) went to the network. */
  requestSent(bytes: number, now: number): void {
    this.#requestsSent.record(bytes, now);
    this.#requestSize.record(bytes, now);
    this.#bytesSent.record(bytes, now);
    this.#networkIo.record(bytes, now);
  }

  /** A response frame of `bytes` (size prefix included) arrived. */
  responseReceived(bytes: number, now: number): void {
    this.#responsesReceived.record(bytes, now);
    this.#bytesReceived.record(bytes, now);
    this.#networkIo.record(bytes, now);
  }

  /** A connection opened. */
  connectionCreated(now: number): void {
    this.#connectionsCreated.record(1, now);
  }

  /** A connection closed or failed. */
  connectionClosed(now: number): void {
    this.#connectionsClosed.record(1, now);
  }

  /** Every metric's value now (see {@link PRODUCER_METRIC_NAMES}). */
  snapshot(now: number = this.#clock.now()): ProducerMetricsSnapshot {
    const g = this.#gauges;
    return {
      ...avgMax("batch-size", this.#batchSize, now),
      "compression-rate-avg": this.#compressionRateAvg.measure(now),
      ...avgMax("record-queue-time", this.#queueTime, now),
      ...avgMax("request-latency", this.#latency, now),
      ...avgMax("produce-throttle-time", this.#throttle, now),
      ...meter("record-send", this.#recordsSent, now),
      "records-per-request-avg": this.#recordsPerRequestAvg.measure(now),
      ...meter("record-retry", this.#retries, now),
      ...meter("record-error", this.#errors, now),
      ...avgMax("record-size", this.#recordSize, now),
      "requests-in-flight": g.requestsInFlight?.() ?? 0,
      ...meter("batch-split", this.#batchSplits, now),
      "waiting-threads": g.waitingThreads?.() ?? 0,
      "buffer-total-bytes": g.bufferTotalBytes?.() ?? 0,
      "buffer-available-bytes": g.bufferAvailableBytes?.() ?? 0,
      "bufferpool-wait-ratio": this.#bufferPoolWait.rate(now),
      // Nanoseconds under both names, as in Java (the older name kept its unit).
      "bufferpool-wait-time-total": this.#bufferPoolWait.total * 1e6,
      "bufferpool-wait-time-ns-total": this.#bufferPoolWait.total * 1e6,
      ...meter("buffer-exhausted", this.#bufferExhausted, now),
      "connection-count": g.connectionCount?.() ?? 0,
      ...meter("connection-creation", this.#connectionsCreated, now),
      ...meter("connection-close", this.#connectionsClosed, now),
      ...meter("network-io", this.#networkIo, now),
      ...meter("outgoing-byte", this.#bytesSent, now),
      ...meter("incoming-byte", this.#bytesReceived, now),
      ...meter("request", this.#requestsSent, now),
      ...avgMax("request-size", this.#requestSize, now),
      ...meter("response", this.#responsesReceived, now),
    };
  }
}
