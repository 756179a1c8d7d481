/**
 * The record keys of the keyed scenarios (S7), the same in every peer that can send keys:
 * record `i` of a run with `keys` distinct keys has the key `key-<(i × 48271) mod keys>`,
 * UTF-8. 48271 is prime, so for any `keys` it does not divide, each run of `keys`
 * consecutive records uses every key exactly once, in a scrambled but fixed order.
 * bench/peers/librdkafka_peer.py computes the same; bench_compare writes kcat's input with
 * {@link keyName}.
 *
 * @module
 */

/** The multiplier that scrambles the key order (prime: a bijection modulo any count it does not divide). */
export const KEY_STRIDE = 48271;

/**
 * The index of record `i`'s key among `keys` keys.
 *
 * @example
 * ```ts
 * import { keyIndex } from "./keys.ts";
 * console.log(keyIndex(3, 100_000)); // 44813
 * ```
 */
export function keyIndex(i: number, keys: number): number {
  return (i * KEY_STRIDE) % keys;
}

/**
 * Record `i`'s key as text: `key-<keyIndex(i, keys)>`.
 *
 * @example
 * ```ts
 * import { keyName } from "./keys.ts";
 * console.log(keyName(0, 100_000)); // "key-0"
 * ```
 */
export function keyName(i: number, keys: number): string {
  return `key-${keyIndex(i, keys)}`;
}

/**
 * Every key's UTF-8 bytes, by key index, encoded once so the send loop only picks them. The keys are
 * views of one buffer (one small object each, not one buffer each), which keeps the table to a few MB.
 *
 * @example
 * ```ts
 * import { encodedKeys, keyIndex } from "./keys.ts";
 * const keys = encodedKeys(1000);
 * const keyOfRecord7 = keys[keyIndex(7, 1000)];
 * ```
 */
export function encodedKeys(keys: number): Uint8Array[] {
  if (!Number.isInteger(keys) || keys <= 0) throw new Error(`the key count must be a positive integer, got ${keys}`);
  if (keys % KEY_STRIDE === 0) throw new Error(`the key count must not be a multiple of ${KEY_STRIDE}`);
  // "key-<n>" is ASCII: its bytes are its UTF-16 code units.
  const names = Array.from({ length: keys }, (_, k) => `key-${k}`);
  const all = new Uint8Array(names.reduce((sum, name) => sum + name.length, 0));
  const views: Uint8Array[] = [];
  let pos = 0;
  for (const name of names) {
    for (let j = 0; j < name.length; j++) all[pos + j] = name.charCodeAt(j);
    views.push(all.subarray(pos, pos + name.length));
    pos += name.length;
  }
  return views;
}
