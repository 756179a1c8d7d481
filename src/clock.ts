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
  /** Runs `callback` once `ms` of this clock's time passed; absent: the global `setTimeout`. */
  setTimeout?(callback: () => void, ms: number): unknown;
  /** Cancels a timer this clock's `setTimeout` returned; absent: the global `clearTimeout`. */
  clearTimeout?(handle: unknown): void;
}

/**
 * Starts a timer on the clock's own timers, or on the global ones when it has none.
 *
 * @example
 * ```ts
 * import { clearClockTimer, setClockTimer, systemClock } from "./clock.ts";
 * const timer = setClockTimer(systemClock, () => console.log("late"), 1000);
 * clearClockTimer(systemClock, timer);
 * ```
 */
export function setClockTimer(clock: Clock, callback: () => void, ms: number): unknown {
  return clock.setTimeout === undefined ? setTimeout(callback, ms) : clock.setTimeout(callback, ms);
}

/** Cancels a timer {@link setClockTimer} started on the same clock. */
export function clearClockTimer(clock: Clock, handle: unknown): void {
  if (clock.clearTimeout === undefined) clearTimeout(handle as ReturnType<typeof setTimeout>);
  else clock.clearTimeout(handle);
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
