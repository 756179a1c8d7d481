/**
 * Small byte-array helpers shared by the codecs, the tests and the tools.
 *
 * @module
 */

/**
 * The parts joined into one new array (always a copy, so the result owns its memory).
 *
 * @example
 * ```ts
 * import { concatBytes } from "./bytes.ts";
 * console.log(concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])])); // Uint8Array(3) [1, 2, 3]
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
