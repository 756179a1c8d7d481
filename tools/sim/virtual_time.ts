/**
 * Virtual time for the simulator. {@link VirtualTime.install} replaces the global timers,
 * `Date.now`, `performance.now` and `Math.random` with virtual, seeded versions, so the
 * real producer runs without real time; {@link VirtualTime.run} is the event loop: it
 * lets every pending microtask run (one real macrotask turn flushes them), then jumps to
 * the next timer. Microtasks stay real: their order is deterministic.
 *
 * @module
 */

type Callback = (...args: unknown[]) => void;

interface Timer {
  id: number;
  at: number;
  seq: number;
  callback: Callback;
  args: unknown[];
  intervalMs: number | undefined;
}

/** What {@link VirtualTime.run} ended on. */
export type RunOutcome = "done" | "deadline" | "idle";

// The real functions, taken once at load: the simulator itself must never use virtual ones.
const real = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: (globalThis as { setImmediate?: (cb: () => void) => unknown }).setImmediate,
  clearImmediate: (globalThis as { clearImmediate?: (h: unknown) => void }).clearImmediate,
  queueMicrotask: globalThis.queueMicrotask,
  dateNow: Date.now,
  performanceNow: performance.now.bind(performance),
  mathRandom: Math.random,
};

/** A real macrotask turn: every microtask queued before it has run when it resolves. */
function realTurn(): Promise<void> {
  const immediate = real.setImmediate;
  if (immediate !== undefined) return new Promise((resolve) => immediate(resolve));
  return new Promise((resolve) => real.setTimeout(resolve, 0));
}

/** The real wall clock in ms, for measuring how long seeds take. */
export function realNow(): number {
  return real.performanceNow();
}

/**
 * A virtual clock with timers, installable over the globals.
 *
 * @example
 * ```ts
 * import { VirtualTime } from "./virtual_time.ts";
 * const time = new VirtualTime(1_000, () => 0.5);
 * time.install();
 * let fired = 0;
 * setTimeout(() => fired = time.now, 250);
 * await time.run(() => fired > 0, 10_000);
 * time.uninstall();
 * console.log(fired); // 1250
 * ```
 */
export class VirtualTime {
  /** The current virtual time in ms since the epoch. */
  now: number;
  readonly #start: number;
  readonly #random: () => number;
  // A binary min-heap on (at, seq); cancelled timers are dropped from #live and skipped when popped.
  readonly #heap: Timer[] = [];
  readonly #live = new Map<number, Timer>();
  #nextId = 1;
  #seq = 0;
  #installed = false;
  /** Timer callbacks fired so far. */
  fired = 0;
  /** Errors thrown from timers or microtasks (a throw there would kill the real process). */
  readonly uncaught: unknown[] = [];

  /**
   * @param start The virtual time to start at, in ms since the epoch.
   * @param random What Math.random returns while installed.
   */
  constructor(start: number, random: () => number) {
    this.now = start;
    this.#start = start;
    this.#random = random;
  }

  /** Virtual ms since the start. */
  get elapsed(): number {
    return this.now - this.#start;
  }

  /** How many timers are pending. */
  get pending(): number {
    return this.#live.size;
  }

  /** Schedules `callback` after `ms` virtual milliseconds. */
  setTimeout(callback: Callback, ms = 0, ...args: unknown[]): number {
    return this.#add(callback, ms, args, undefined);
  }

  /** Cancels a timer (a no-op for unknown ids). */
  clearTimeout(id: unknown): void {
    if (typeof id === "number") this.#live.delete(id);
  }

  /** Replaces the globals with the virtual ones. */
  install(): void {
    if (this.#installed) return;
    this.#installed = true;
    const g = globalThis as unknown as Record<string, unknown>;
    g.setTimeout = (cb: Callback, ms?: number, ...args: unknown[]) => this.#add(cb, ms, args, undefined);
    g.clearTimeout = (id: unknown) => this.clearTimeout(id);
    g.setInterval = (cb: Callback, ms?: number, ...args: unknown[]) => this.#add(cb, ms, args, Math.max(1, Number(ms) || 0));
    g.clearInterval = (id: unknown) => this.clearTimeout(id);
    if (real.setImmediate !== undefined) {
      g.setImmediate = (cb: Callback, ...args: unknown[]) => this.#add(cb, -1, args, undefined);
      g.clearImmediate = (id: unknown) => this.clearTimeout(id);
    }
    // Still real microtasks, only wrapped: a throw inside one is recorded instead of killing the process.
    g.queueMicrotask = (cb: () => void) =>
      real.queueMicrotask(() => {
        try {
          cb();
        } catch (error) {
          this.uncaught.push(error);
        }
      });
    Date.now = () => this.now;
    performance.now = () => this.now - this.#start;
    Math.random = this.#random;
  }

  /** Puts the real globals back. */
  uninstall(): void {
    if (!this.#installed) return;
    this.#installed = false;
    const g = globalThis as unknown as Record<string, unknown>;
    g.setTimeout = real.setTimeout;
    g.clearTimeout = real.clearTimeout;
    g.setInterval = real.setInterval;
    g.clearInterval = real.clearInterval;
    if (real.setImmediate !== undefined) {
      g.setImmediate = real.setImmediate;
      g.clearImmediate = real.clearImmediate;
    }
    g.queueMicrotask = real.queueMicrotask;
    Date.now = real.dateNow;
    performance.now = real.performanceNow;
    Math.random = real.mathRandom;
  }

  /**
   * The event loop: flushes microtasks, stops when `done()` holds, otherwise fires the
   * next timer (advancing the clock to it). Stops at `deadline` (virtual ms since the
   * epoch), or when nothing is scheduled.
   */
  async run(done: () => boolean, deadline: number): Promise<RunOutcome> {
    for (;;) {
      await realTurn();
      if (done()) return "done";
      const next = this.#peek();
      if (next === undefined) return "idle";
      if (next.at > deadline) {
        this.now = Math.max(this.now, deadline);
        return "deadline";
      }
      this.#pop();
      if (next.intervalMs !== undefined) {
        next.at += next.intervalMs;
        next.seq = this.#seq++;
        this.#push(next);
      } else {
        this.#live.delete(next.id);
      }
      this.now = Math.max(this.now, next.at);
      this.fired++;
      try {
        next.callback(...next.args);
      } catch (error) {
        this.uncaught.push(error);
      }
    }
  }

  #add(callback: Callback, ms: number | undefined, args: unknown[], intervalMs: number | undefined): number {
    // As Node: a delay below 1 ms is 1 ms, so a loop of zero timeouts still lets time pass
    // (-1 is setImmediate's "next turn, no delay").
    const delay = ms === -1 ? 0 : Math.max(1, Number(ms) || 0);
    const timer: Timer = { id: this.#nextId++, at: this.now + delay, seq: this.#seq++, callback, args, intervalMs };
    this.#live.set(timer.id, timer);
    this.#push(timer);
    return timer.id;
  }

  /** The earliest live timer, dropping cancelled ones from the top. */
  #peek(): Timer | undefined {
    while (this.#heap.length > 0) {
      const top = this.#heap[0];
      if (this.#live.get(top.id) === top) return top;
      this.#pop();
    }
    return undefined;
  }

  #before(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(timer: Timer): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && this.#before(heap[l], heap[m])) m = l;
      if (r < heap.length && this.#before(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  }
}
