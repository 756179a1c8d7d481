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

/** What {@link raceDeadline} resolves with when the deadline came first. */
export const DEADLINE_PASSED: unique symbol = Symbol("deadline passed");

/**
 * Waits for `work` or for `ms` of the clock's time, whichever comes first, and resolves
 * with the work's value or {@link DEADLINE_PASSED}. The work goes on either way; its timer
 * never outlives the race (a pending timer would hold a process open), and a rejection of
 * work abandoned at the deadline is not left unhandled.
 *
 * @example
 * ```ts
 * import { DEADLINE_PASSED, raceDeadline, systemClock } from "./clock.ts";
 * const slow = new Promise((resolve) => setTimeout(resolve, 1000));
 * console.log(await raceDeadline(systemClock, slow, 10) === DEADLINE_PASSED); // true
 * ```
 */
export async function raceDeadline<T>(clock: Clock, work: Promise<T>, ms: number): Promise<T | typeof DEADLINE_PASSED> {
  if (ms === Infinity) return await work;
  if (ms <= 0) {
    // No time to wait, not even a timer's turn (a test clock may never fire it): work already done still wins.
    work.catch(() => {});
    return await Promise.race<T | typeof DEADLINE_PASSED>([work, DEADLINE_PASSED]);
  }
  let timer: unknown;
  const passed = new Promise<typeof DEADLINE_PASSED>((resolve) => {
    timer = setClockTimer(clock, () => resolve(DEADLINE_PASSED), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, passed]);
  } finally {
    clearClockTimer(clock, timer);
    work.catch(() => {});
  }
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
