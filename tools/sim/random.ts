/**
 * Seeded randomness for the simulator: a helper around the shared generator (mulberry32, in
 * tests/support/random.ts), so every choice a run makes follows from its seed.
 *
 * @module
 */
import { mulberry32 } from "../../tests/support/random.ts";

/** FNV-1a over a string, 32 bits: stream names and trace hashing use it. */
export function fnv1a(text: string, hash = 0x811c9dc5): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Seeded choices. Each concern (faults, workload, the producer's own Math.random) takes
 * its own stream via {@link Random.fork}, so a change in how often one of them draws does
 * not shift the others.
 *
 * @example
 * ```ts
 * import { Random } from "./random.ts";
 * const random = new Random(7);
 * console.log(random.int(1, 6), random.chance(0.5), random.fork("faults").float());
 * ```
 */
export class Random {
  readonly #seed: number;
  readonly #next: () => number;

  /** @param seed Any integer; the same seed gives the same sequence. */
  constructor(seed: number) {
    this.#seed = seed >>> 0;
    this.#next = mulberry32(this.#seed);
  }

  /** An independent stream named `label`, derived from this one's seed. */
  fork(label: string): Random {
    return new Random(fnv1a(label, this.#seed ^ 0x9e3779b9));
  }

  /** A number in [0, 1). */
  float(): number {
    return this.#next();
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.#next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#next() * items.length)];
  }

  /** The function form, to stand in for Math.random. */
  get source(): () => number {
    return this.#next;
  }
}
