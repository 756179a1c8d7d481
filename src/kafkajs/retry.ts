/**
 * KafkaJS's retry schedule for the calls that retry here as a whole (an admin's
 * `deleteTopics` while the topic is unknown): `retries` more attempts, waits from
 * `initialRetryTime` growing by `multiplier` up to `maxRetryTime`, each spread by
 * ±`factor`; then KafkaJSNumberOfRetriesExceeded, caused by the last error.
 *
 * @module
 */
import type { RETRY_DEFAULTS } from "./config.ts";
import { KafkaJSNumberOfRetriesExceeded } from "./errors.ts";

/**
 * Runs `attempt` until it succeeds, throws an error `retriable` refuses, or the retries run out.
 *
 * @example
 * ```ts
 * import { withRetries } from "./retry.ts";
 * import { RETRY_DEFAULTS } from "./config.ts";
 * let calls = 0;
 * await withRetries({ ...RETRY_DEFAULTS, initialRetryTime: 1 }, () => ++calls < 3 ? Promise.reject(new Error("x")) : Promise.resolve(), () => true);
 * console.log(calls); // 3
 * ```
 */
export async function withRetries<T>(
  retry: typeof RETRY_DEFAULTS,
  attempt: () => Promise<T>,
  retriable: (error: unknown) => boolean,
): Promise<T> {
  let wait = retry.initialRetryTime;
  for (let retryCount = 0;; retryCount++) {
    try {
      return await attempt();
    } catch (error) {
      if (!retriable(error)) throw error;
      if (retryCount >= retry.retries) throw new KafkaJSNumberOfRetriesExceeded(error as Error, { retryCount, retryTime: wait });
    }
    const spread = wait * retry.factor * (Math.random() * 2 - 1);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.round(wait + spread))));
    wait = Math.min(wait * retry.multiplier, retry.maxRetryTime);
  }
}
