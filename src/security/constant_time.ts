/**
 * Comparison of secret-derived bytes without an early exit.
 *
 * @module
 */

/**
 * Whether `a` and `b` hold the same bytes, looking at every byte so the time taken
 * does not reveal where they first differ. Lengths are not secret (a SCRAM signature
 * always has the hash's length), so different lengths return false.
 *
 * @example
 * ```ts
 * import { constantTimeEqual } from "./constant_time.ts";
 * console.log(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))); // true
 * console.log(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))); // false
 * ```
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  const n = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  // Out-of-range reads give undefined, which `| 0` turns into 0, so the loop never branches.
  for (let i = 0; i < n; i++) diff |= (a[i] | 0) ^ (b[i] | 0);
  return diff === 0;
}
