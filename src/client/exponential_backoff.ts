/**
 * Exponential backoff with jitter, as the Java client's `ExponentialBackoff`: the wait
 * doubles with each failed attempt up to a maximum, spread by ±20% so that many
 * clients do not retry in step.
 *
 * @module
 */

/**
 * Computes the wait before attempt `attempts + 1`.
 *
 * @example
 * ```ts
 * import { ExponentialBackoff } from "./exponential_backoff.ts";
 * const backoff = new ExponentialBackoff(50, 1000);
 * backoff.backoff(0); // about 50 ms
 * backoff.backoff(10); // about 1000 ms
 * ```
 */
export class ExponentialBackoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #jitter: number;
  readonly #random: () => number;

  /**
   * @param initialMs The first wait.
   * @param maxMs The largest wait (before jitter).
   * @param jitter The relative spread, 0.2 meaning ±20%.
   * @param random A source of numbers in [0, 1), replaceable in tests.
   */
  constructor(initialMs: number, maxMs: number, jitter = 0.2, random: () => number = Math.random) {
    this.#initialMs = initialMs;
    this.#maxMs = Math.max(initialMs, maxMs);
    this.#jitter = jitter;
    this.#random = random;
  }

  /** The wait in ms after `attempts` failed attempts (0 for the first retry). */
  backoff(attempts: number): number {
    if (this.#initialMs <= 0) return 0;
    const exponent = Math.min(attempts, Math.ceil(Math.log2(this.#maxMs / this.#initialMs)));
    const term = Math.min(this.#initialMs * 2 ** exponent, this.#maxMs);
    const spread = this.#jitter > 0 ? 1 - this.#jitter + 2 * this.#jitter * this.#random() : 1;
    return Math.round(term * spread);
  }
}
