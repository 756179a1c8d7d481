/**
 * gzip (codec id 1) over fflate's deflate, with the checks fflate leaves out: the
 * header is validated, the output is sized from the trailer's ISIZE only after
 * bounding it, and the CRC-32 and length in the trailer are verified, as Java's
 * `GZIPInputStream` does.
 *
 * @module
 */

import { gzipSync, inflateSync } from "fflate";
import { checkOutputSize, codecOf, type CompressionCodec, DEFAULT_MAX_DECOMPRESSED_BYTES } from "./codec.ts";
import { CompressionError, wrapCodecErrors } from "./compression_error.ts";
import type { GzipFunction } from "../runtimes/native_gzip.ts";

// zlib's default, which Java's level -1 (Deflater.DEFAULT_COMPRESSION) selects.
const ZLIB_DEFAULT_LEVEL = 6;
// Deflate cannot expand more than 1032:1, so an ISIZE beyond that is a lie.
const MAX_DEFLATE_RATIO = 1032;

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;

// Slicing-by-8 tables for the reflected CRC-32 polynomial 0xEDB88320.
const CRC_TABLES: Int32Array = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let s = 1; s < 8; s++) t[s * 256 + n] = (t[(s - 1) * 256 + n] >>> 8) ^ t[t[(s - 1) * 256 + n] & 0xff];
  }
  return t;
})();

/**
 * The CRC-32 (ISO-HDLC, as in gzip and zip) of `data`.
 *
 * @example
 * ```ts
 * import { crc32 } from "./gzip.ts";
 * console.log(crc32(new TextEncoder().encode("123456789")).toString(16)); // "cbf43926"
 * ```
 */
export function crc32(data: Uint8Array): number {
  const t = CRC_TABLES;
  let c = -1;
  let i = 0;
  const end8 = data.length - 8;
  for (; i <= end8; i += 8) {
    const a = c ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    c = t[1792 + (a & 0xff)] ^ t[1536 + ((a >>> 8) & 0xff)] ^ t[1280 + ((a >>> 16) & 0xff)] ^ t[1024 + (a >>> 24)] ^
      t[768 + data[i + 4]] ^ t[512 + data[i + 5]] ^ t[256 + data[i + 6]] ^ t[data[i + 7]];
  }
  for (; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** Returns the offset of the deflate stream after a validated gzip member header. */
function skipHeader(data: Uint8Array): number {
  if (data.length < 18) throw new CompressionError("gzip", `${data.length} bytes is too short for a gzip stream`);
  if (data[0] !== 0x1f || data[1] !== 0x8b) throw new CompressionError("gzip", "bad magic bytes");
  if (data[2] !== 8) throw new CompressionError("gzip", `unsupported compression method ${data[2]}`);
  const flags = data[3];
  if (flags & FRESERVED) throw new CompressionError("gzip", `reserved header flags set (0x${flags.toString(16)})`);
  let pos = 10;
  if (flags & FEXTRA) pos += 2 + (data[pos] | (data[pos + 1] << 8));
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    while (pos < data.length && data[pos] !== 0) pos++;
    pos++;
  }
  if (flags & FHCRC) pos += 2;
  if (pos + 8 > data.length) throw new CompressionError("gzip", "header runs past the end of the stream");
  return pos;
}

/**
 * Decompresses a single-member gzip stream (what every Kafka client writes),
 * verifying its CRC-32 and length.
 *
 * @throws {CompressionError} For a corrupt, truncated or multi-member stream, or one over `maxOutputBytes`.
 * @example
 * ```ts
 * import { gunzip, gzip } from "./gzip.ts";
 * console.log(gunzip(gzip(new Uint8Array([1, 2, 3]), 6))); // Uint8Array(3) [1, 2, 3]
 * ```
 */
export function gunzip(data: Uint8Array, maxOutputBytes: number = DEFAULT_MAX_DECOMPRESSED_BYTES): Uint8Array {
  const start = skipHeader(data);
  const end = data.length - 8;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const expectedCrc = view.getUint32(end, true);
  const size = view.getUint32(end + 4, true);
  if (size > (end - start) * MAX_DEFLATE_RATIO) {
    throw new CompressionError("gzip", `trailer claims ${size} bytes from ${end - start} compressed bytes`);
  }
  checkOutputSize("gzip", size, maxOutputBytes);
  // With an `out` buffer fflate never grows it, so a lying ISIZE cannot make it
  // allocate more; the CRC check below then catches the truncated output.
  const out = wrapCodecErrors("gzip", "inflate", () => inflateSync(data.subarray(start, end), { out: new Uint8Array(size) }));
  if (out.length !== size || crc32(out) !== expectedCrc) {
    throw new CompressionError("gzip", "CRC-32 or length mismatch (corrupt data, or a multi-member gzip stream)");
  }
  return out;
}

/**
 * Compresses `data` into one gzip member with a zero mtime, as Java's
 * `GZIPOutputStream` does.
 *
 * @param level 1..9, or -1 for zlib's default (6).
 * @example
 * ```ts
 * import { gzip } from "./gzip.ts";
 * console.log(gzip(new Uint8Array(100), -1).length < 100); // true
 * ```
 */
export function gzip(data: Uint8Array, level: number): Uint8Array {
  const lvl = (level === -1 ? ZLIB_DEFAULT_LEVEL : level) as 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  return wrapCodecErrors("gzip", "compress", () => gzipSync(data, { level: lvl, mtime: 0 }));
}

/**
 * A gzip codec at the given level.
 *
 * @param level A level already checked by `resolveLevel`: 1..9 or -1.
 * @param nativeGzip The runtime's zlib, when it has one (compression only: decompression
 *   stays here, where every check above is made).
 * @example
 * ```ts
 * import { createGzipCodec } from "./gzip.ts";
 * const codec = createGzipCodec(-1);
 * console.log(codec.decompress(codec.compress(new Uint8Array([7]))));
 * ```
 */
export function createGzipCodec(level: number, nativeGzip: GzipFunction | null = null): CompressionCodec {
  const zlibLevel = level === -1 ? ZLIB_DEFAULT_LEVEL : level;
  const compress = nativeGzip === null
    ? (data: Uint8Array) => gzip(data, level)
    : (data: Uint8Array) => wrapCodecErrors("gzip", "compress", () => nativeGzip(data, zlibLevel));
  return codecOf("gzip", level, compress, gunzip);
}
