/**
 * What the LZ4 and zstd frame formats share: little-endian 32-bit fields, payloads of
 * concatenated frames, and "skippable frames" (magic 0x184D2A5?), which both decoders
 * step over.
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

/**
 * Splits a payload of concatenated frames: skippable frames are stepped over, and each
 * other frame whose magic number is `magic` is handed to `parse`, which checks its
 * structure and returns it with the offset after it.
 *
 * @param codec Named by the errors.
 * @param magic The magic number of the codec's frames.
 * @param parse Parses the frame at `pos` (its magic already checked).
 * @param unsupported What to say for the magic numbers of formats the codec does not read.
 * @throws {CompressionError} For empty input, trailing bytes, a bad magic number, or what `parse` throws.
 * @example
 * ```ts
 * import { scanFrames } from "./frame_scan.ts";
 * const skippable = [0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0];
 * const data = new Uint8Array([...skippable, 0x28, 0xb5, 0x2f, 0xfd, 9]);
 * console.log(scanFrames(data, "zstd", 0xfd2fb528, (_, pos) => ({ frame: pos, next: pos + 5 }))); // [8]
 * ```
 */
export function scanFrames<F>(
  data: Uint8Array,
  codec: "lz4" | "zstd",
  magic: number,
  parse: (data: Uint8Array, pos: number) => { frame: F; next: number },
  unsupported?: ReadonlyMap<number, string>,
): F[] {
  if (data.length === 0) throw new CompressionError(codec, "empty input");
  const frames: F[] = [];
  let pos = 0;
  while (pos < data.length) {
    if (data.length - pos < 4) throw new CompressionError(codec, "trailing bytes after the last frame");
    const skippedTo = skippableFrameEnd(data, pos, codec);
    if (skippedTo >= 0) {
      pos = skippedTo;
      continue;
    }
    const found = read32(data, pos);
    const problem = unsupported?.get(found);
    if (problem !== undefined) throw new CompressionError(codec, problem);
    if (found !== magic) throw new CompressionError(codec, `bad magic number 0x${found.toString(16)}`);
    const { frame, next } = parse(data, pos);
    frames.push(frame);
    pos = next;
  }
  return frames;
}
