/**
 * A port of Kafka's `ThroughputThrottler` (org.apache.kafka.server.util): it lets a
 * sender keep a target rate by sleeping, on average, 1/rate between sends, in sleeps of
 * at least 2 ms.
 *
 * @module
 */

const MIN_SLEEP_MS = 2;

/**
 * Throttles a loop to `targetThroughput` items per second (-1: unthrottled).
 *
 * @example
 * ```ts
 * import { ThroughputThrottler } from "./throughput_throttler.ts";
 * const throttler = new ThroughputThrottler(1000, Date.now());
 * for (let i = 0; i < 10; i++) {
 *   const start = Date.now();
 *   if (throttler.shouldThrottle(i, start)) await throttler.throttle();
 * }
 * ```
 */
export class ThroughputThrottler {
  readonly #startMs: number;
  readonly #target: number;
  readonly #sleepPerItemMs: number;
  #deficitMs = 0;

  /**
   * @param targetThroughput Items per second; negative means no limit.
   * @param startMs When the loop started.
   */
  constructor(targetThroughput: number, startMs: number) {
    this.#startMs = startMs;
    this.#target = targetThroughput;
    this.#sleepPerItemMs = targetThroughput > 0 ? 1000 / targetThroughput : Infinity;
  }

  /** Whether `sentSoFar` items by `nowMs` is ahead of the target rate. */
  shouldThrottle(sentSoFar: number, nowMs: number): boolean {
    if (this.#target < 0) return false;
    const elapsedSec = (nowMs - this.#startMs) / 1000;
    return elapsedSec > 0 && sentSoFar / elapsedSec > this.#target;
  }

  /** Sleeps off the accumulated deficit once it reaches 2 ms. */
  async throttle(): Promise<void> {
    this.#deficitMs += this.#sleepPerItemMs;
    if (this.#deficitMs < MIN_SLEEP_MS) return;
    const start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, Math.min(this.#deficitMs, 2_147_483_647)));
    this.#deficitMs = Math.max(0, this.#deficitMs - (performance.now() - start));
  }
}
