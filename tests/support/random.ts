/**
 * The one seeded generator of the tests and the tools (the fuzzer and the simulator use it
 * too), so a run can be replayed from its seed on every runtime.
 *
 * @module
 */

/** A generator of numbers in [0, 1) from a 32-bit seed (mulberry32): the same seed gives the same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
