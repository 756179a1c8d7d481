/**
 * CRC-32C (Castagnoli), the checksum of record batches (magic 2).
 *
 * hash-wasm's WebAssembly CRC-32 with the Castagnoli polynomial computes it once
 * {@linkcode initCrc32c} has loaded it. Until then, and where WebAssembly cannot be
 * compiled from bytes (workerd), a table-driven CRC in JavaScript (slicing by 8, measured
 * at 75-90% of the WebAssembly one's speed) computes the same value, so a producer's first
 * batches need not wait for the WebAssembly to load: on Node that load is ~50 ms of a
 * cold start.
 *
 * @module
 */

/** The part of hash-wasm's hasher used here. */
interface Crc32Hasher {
  init(): Crc32Hasher;
  update(data: Uint8Array): Crc32Hasher;
  digest(outputType: "binary"): Uint8Array;
}

/** What hash-wasm's CRC-32 script exports. */
interface HashWasmCrc32 {
  createCRC32(polynomial: number): Promise<Crc32Hasher>;
}

/** The reflected Castagnoli polynomial, which turns hash-wasm's CRC-32 into CRC-32C. */
const CASTAGNOLI = 0x82f63b78;

let hasher: Crc32Hasher | null = null;
let ready: Promise<void> | null = null;

/**
 * Loads the WebAssembly CRC-32C that {@linkcode crc32c} then uses. Idempotent: every call
 * returns the same promise, and a failed attempt (e.g. WebAssembly unavailable) is
 * forgotten so a later call retries; {@linkcode crc32c} works either way.
 *
 * @example
 * ```ts
 * import { crc32c, initCrc32c } from "./crc32c.ts";
 * await initCrc32c();
 * console.log(crc32c(new TextEncoder().encode("123456789")).toString(16)); // "e3069283"
 * ```
 */
export function initCrc32c(): Promise<void> {
  // hash-wasm's CRC-32 build alone (7 KB), not the package's index, which holds every hash it has
  // (284 KB, measured at ~50 ms to load on Node). It is a UMD script: its exports come as the default.
  ready ??= import("hash-wasm/dist/crc32.umd.min.js").then((m: { default?: unknown }) =>
    ((m.default ?? m) as HashWasmCrc32).createCRC32(CASTAGNOLI)
  ).then(
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
 * The CRC-32C of `data` as an unsigned 32-bit number.
 *
 * @example
 * ```ts
 * import { crc32c } from "./crc32c.ts";
 * console.log(crc32c(new Uint8Array(32))); // 2324772522 (0x8a9136aa, RFC 3720)
 * ```
 */
export function crc32c(data: Uint8Array): number {
  const h = hasher;
  if (h === null) return tableCrc32c(data);
  // The digest is the CRC's four bytes, most significant first.
  const d = h.init().update(data).digest("binary");
  return ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
}

let tables: Uint32Array[] | null = null;

/** Table k maps a byte to its CRC shifted through k further zero bytes, so eight bytes fold in one step. */
function buildTables(): Uint32Array[] {
  const t = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CASTAGNOLI : c >>> 1;
    t[0][n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) t[k][n] = (t[k - 1][n] >>> 8) ^ t[0][t[k - 1][n] & 0xff];
  }
  return t;
}

/**
 * The CRC-32C of `data` in JavaScript, whatever {@linkcode initCrc32c} did; exported for
 * tests that compare it with the WebAssembly one.
 *
 * @example
 * ```ts
 * import { tableCrc32c } from "./crc32c.ts";
 * console.log(tableCrc32c(new TextEncoder().encode("123456789")).toString(16)); // "e3069283"
 * ```
 */
export function tableCrc32c(data: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = tables ??= buildTables();
  let c = ~0;
  let i = 0;
  const end8 = data.length - (data.length & 7);
  for (; i < end8; i += 8) {
    const a = c ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    c = t7[a & 0xff] ^ t6[(a >>> 8) & 0xff] ^ t5[(a >>> 16) & 0xff] ^ t4[a >>> 24] ^
      t3[data[i + 4]] ^ t2[data[i + 5]] ^ t1[data[i + 6]] ^ t0[data[i + 7]];
  }
  for (; i < data.length; i++) c = t0[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
