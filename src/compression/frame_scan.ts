/**
 * What the LZ4 and zstd frame formats share: little-endian 32-bit fields and
 * "skippable frames" (magic 0x184D2A5?), which both decoders step over.
 *
 * @module
 */
import { CompressionError } from "./compression_error.ts";

const SKIPPABLE_MAGIC = 0x184d2a50; // the low 4 bits are free

/**
 * Reads an unsigned 32-bit little-endian number.
 *
 * @example
 * ```ts
 * import { read32 } from "./frame_scan.ts";
 * console.log(read32(new Uint8Array([1, 0, 0, 0]), 0)); // 1
 * ```
 */
export function read32(d: Uint8Array, p: number): number {
  return (d[p] | (d[p + 1] << 8) | (d[p + 2] << 16) | (d[p + 3] << 24)) >>> 0;
}

/**
 * Where the skippable frame at `pos` ends, or -1 when the frame there is not one.
 * Throws CompressionError (naming `codec`) when it is truncated.
 *
 * @example
 * ```ts
 * import { skippableFrameEnd } from "./frame_scan.ts";
 * const frame = new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9]);
 * console.log(skippableFrameEnd(frame, 0, "zstd")); // 10
 * ```
 */
export function skippableFrameEnd(data: Uint8Array, pos: number, codec: "lz4" | "zstd"): number {
  if ((read32(data, pos) & 0xfffffff0) >>> 0 !== SKIPPABLE_MAGIC) return -1;
  if (data.length - pos < 8) throw new CompressionError(codec, "truncated skippable frame");
  const size = read32(data, pos + 4);
  if (size > data.length - pos - 8) throw new CompressionError(codec, "truncated skippable frame");
  return pos + 8 + size;
}
