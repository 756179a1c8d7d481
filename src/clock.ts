/**
 * One source of time for the whole client, so tests can swap in a fake one.
 *
 * @module
 */

/**
 * Reads the current time in milliseconds since the Unix epoch.
 *
 * @example A fake clock for tests
 * ```ts
 * import type { Clock } from "./clock.ts";
 * let now = 0;
 * const fake: Clock = { now: () => now };
 * now += 1000;
 * console.log(fake.now()); // 1000
 * ```
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/**
 * The real clock.
 *
 * @example
 * ```ts
 * import { systemClock } from "./clock.ts";
 * console.log(systemClock.now() > 0); // true
 * ```
 */
export const systemClock: Clock = { now: () => Date.now() };
