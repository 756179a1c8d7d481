/**
 * CRC-32C (Castagnoli), the checksum of record batches (magic 2), computed by
 * hash-wasm's WebAssembly CRC-32 with the Castagnoli polynomial.
 *
 * Creating the WebAssembly hasher is asynchronous but using it is not, so await
 * {@linkcode initCrc32c} once (e.g. when a producer starts) and then call
 * {@linkcode crc32c} synchronously on the hot path.
 *
 * @module
 */

import { createCRC32, type IHasher } from "hash-wasm";

/** The reflected Castagnoli polynomial, which turns hash-wasm's CRC-32 into CRC-32C. */
const CASTAGNOLI = 0x82f63b78;

let hasher: IHasher | null = null;
let ready: Promise<void> | null = null;

/**
 * Prepares {@linkcode crc32c}. Idempotent: every call returns the same promise, and a
 * failed attempt (e.g. WebAssembly unavailable) is forgotten so a later call retries.
 *
 * @example
 * ```ts
 * import { crc32c, initCrc32c } from "./crc32c.ts";
 * await initCrc32c();
 * console.log(crc32c(new TextEncoder().encode("123456789")).toString(16)); // "e3069283"
 * ```
 */
export function initCrc32c(): Promise<void> {
  ready ??= createCRC32(CASTAGNOLI).then(
    (h) => {
      hasher = h;
    },
    (e: unknown) => {
      ready = null;
      throw e;
    },
  );
  return ready;
}

/**
 * The CRC-32C of `data` as an unsigned 32-bit number. Throws if
 * {@linkcode initCrc32c} has not resolved yet.
 *
 * @example
 * ```ts
 * import { crc32c, initCrc32c } from "./crc32c.ts";
 * await initCrc32c();
 * console.log(crc32c(new Uint8Array(32))); // 2324772522 (0x8a9136aa, RFC 3720)
 * ```
 */
export function crc32c(data: Uint8Array): number {
  const h = hasher;
  if (h === null) {
    throw new Error("crc32c() was called before initCrc32c() resolved: await initCrc32c() once before encoding record batches");
  }
  // The digest is the CRC's four bytes, most significant first.
  const d = h.init().update(data).digest("binary");
  return ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
}
