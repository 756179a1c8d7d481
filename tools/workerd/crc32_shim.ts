/**
 * Stands in for `hash-wasm` in the Worker bundle (see build.ts). workerd refuses to
 * compile WebAssembly from bytes at run time ("Wasm code generation disallowed by
 * embedder"), which is how hash-wasm loads, so the bundle gets this table-driven
 * CRC-32 (slicing by 8) with the same shape: `createCRC32(polynomial)` resolving to a
 * hasher whose `digest("binary")` is the CRC's four bytes, most significant first.
 *
 * @module
 */

/** The part of hash-wasm's `IHasher` that src/protocol/crc32c.ts uses. */
export interface IHasher {
  init(): IHasher;
  update(data: Uint8Array): IHasher;
  digest(outputType: "binary"): Uint8Array;
}

function tables(polynomial: number): Uint32Array[] {
  const t = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1;
    t[0][n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) t[k][n] = (t[k - 1][n] >>> 8) ^ t[0][t[k - 1][n] & 0xff];
  }
  return t;
}

/**
 * A CRC-32 hasher over the reflected `polynomial` (0xedb88320 by default, 0x82f63b78 for CRC-32C).
 *
 * @example
 * ```ts
 * import { createCRC32 } from "./crc32_shim.ts";
 * const h = await createCRC32(0x82f63b78);
 * console.log(h.init().update(new TextEncoder().encode("123456789")).digest("binary")); // e3 06 92 83
 * ```
 */
export function createCRC32(polynomial = 0xedb88320): Promise<IHasher> {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = tables(polynomial);
  let crc = ~0;
  const hasher: IHasher = {
    init() {
      crc = ~0;
      return hasher;
    },
    update(data) {
      let c = crc;
      let i = 0;
      const end8 = data.length - (data.length & 7);
      for (; i < end8; i += 8) {
        const a = c ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
        c = t7[a & 0xff] ^ t6[(a >>> 8) & 0xff] ^ t5[(a >>> 16) & 0xff] ^ t4[a >>> 24] ^
          t3[data[i + 4]] ^ t2[data[i + 5]] ^ t1[data[i + 6]] ^ t0[data[i + 7]];
      }
      for (; i < data.length; i++) c = t0[(c ^ data[i]) & 0xff] ^ (c >>> 8);
      crc = c;
      return hasher;
    },
    digest() {
      const v = ~crc >>> 0;
      return new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
    },
  };
  return Promise.resolve(hasher);
}
