/**
 * zstd (codec id 4) over @bokuweb/zstd-wasm, the reference zstd library compiled to
 * WebAssembly (shipped in the npm package). Output is one standard zstd frame.
 *
 * The package sizes its output buffer from the frame header alone, trusting any
 * declared content size and guessing when there is none (the Java client's streaming
 * writer never declares one). So each frame's structure is walked here first: block
 * headers give a hard upper bound of its decoded size, a declared size above that
 * bound is rejected, and the package is handed the bound. Frames are decoded one at
 * a time, so concatenated frames work too.
 *
 * @module
 */

import { compress as zstdCompress, decompress as zstdDecompress, init as initZstdWasm } from "@bokuweb/zstd-wasm";
import { codecOf, type CompressionCodec, DEFAULT_MAX_DECOMPRESSED_BYTES, outputLimitError } from "./codec.ts";
import { scanFrames } from "./frame_scan.ts";
import { CompressionError, wrapCodecErrors } from "./compression_error.ts";
import { concatBytes } from "../bytes.ts";

const MAGIC = 0xfd2fb528;
const MAX_BLOCK_SIZE = 128 * 1024;
// The module's memory tops out at 2 GiB and must hold input and output at once.
const MAX_WASM_OUTPUT = 1 << 30;

let ready: Promise<void> | undefined;
// The smallest valid WebAssembly module: the package's init neither resolves nor rejects when the
// runtime refuses to compile WebAssembly (it only logs), so that is asked first, with this.
const EMPTY_WASM_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/**
 * Compiles and instantiates the zstd WebAssembly module, once per program (the module is shared).
 *
 * @example
 * ```ts
 * import { initZstd, zstdCompressFrame } from "./zstd.ts";
 * await initZstd();
 * console.log(zstdCompressFrame(new Uint8Array(10), 3).length > 0); // true
 * ```
 */
export function initZstd(): Promise<void> {
  ready ??= WebAssembly.instantiate(EMPTY_WASM_MODULE).then(() => initZstdWasm()).catch((err: unknown) => {
    ready = undefined;
    throw new CompressionError("zstd", "could not load the WebAssembly module", err);
  });
  return ready;
}

function corrupt(problem: string): CompressionError {
  return new CompressionError("zstd", problem);
}

function readLE(d: Uint8Array, p: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + d[p + i];
  return v;
}

/**
 * Walks one frame from `pos` (its magic already checked); returns its end and an upper
 * bound of its size, which is exact when the frame declares its size.
 */
function walkFrame(data: Uint8Array, pos: number): { end: number; bound: number; exact: boolean } {
  let p = pos + 4;
  if (data.length - p < 1) throw corrupt("truncated frame header");
  const descriptor = data[p++];
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  if (descriptor & 0x08) throw corrupt("reserved frame header bit is set");
  const hasChecksum = (descriptor & 0x04) !== 0;
  const didSize = [0, 1, 2, 4][descriptor & 3];
  const fcsSize = fcsFlag === 0 ? (singleSegment ? 1 : 0) : [0, 2, 4, 8][fcsFlag];
  const headerRest = (singleSegment ? 0 : 1) + didSize + fcsSize;
  if (data.length - p < headerRest) throw corrupt("truncated frame header");
  let windowSize = Infinity;
  if (!singleSegment) {
    const wd = data[p++];
    const windowLog = 10 + (wd >> 3);
    const base = 2 ** windowLog;
    windowSize = base + (base / 8) * (wd & 7);
  }
  if (didSize > 0 && readLE(data, p, didSize) !== 0) throw corrupt("frames that need a dictionary are not supported");
  p += didSize;
  let contentSize: number | undefined;
  if (fcsSize > 0) {
    contentSize = readLE(data, p, fcsSize) + (fcsSize === 2 ? 256 : 0);
    p += fcsSize;
    if (singleSegment) windowSize = contentSize;
  }
  const blockMax = Math.min(windowSize, MAX_BLOCK_SIZE);
  let bound = 0;
  for (;;) {
    if (data.length - p < 3) throw corrupt("truncated block header");
    const header = data[p] | (data[p + 1] << 8) | (data[p + 2] << 16);
    p += 3;
    const last = (header & 1) !== 0;
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    if (type === 3) throw corrupt("reserved block type");
    if (size > blockMax) throw corrupt(`block of ${size} bytes exceeds the maximum of ${blockMax}`);
    // Raw blocks carry `size` bytes, RLE blocks 1 byte repeated `size` times, and a
    // compressed block of `size` bytes decodes to at most the block maximum.
    const stored = type === 1 ? 1 : size;
    if (data.length - p < stored) throw corrupt("truncated block");
    p += stored;
    bound += type === 2 ? blockMax : size;
    if (last) break;
  }
  if (hasChecksum) {
    if (data.length - p < 4) throw corrupt("truncated content checksum");
    p += 4;
  }
  if (contentSize !== undefined) {
    if (contentSize > bound) throw corrupt(`declared content size ${contentSize} is more than its blocks can hold`);
    bound = contentSize;
  }
  return { end: p, bound, exact: contentSize !== undefined };
}

/**
 * Decompresses a payload of one or more zstd frames (skippable frames are skipped).
 * Call {@link initZstd} first.
 *
 * @throws {CompressionError} For corrupt or truncated input, a checksum mismatch, or output over `maxOutputBytes`.
 * @example
 * ```ts
 * import { initZstd, zstdCompressFrame, zstdDecompressFrames } from "./zstd.ts";
 * await initZstd();
 * const frame = zstdCompressFrame(new TextEncoder().encode("zstd zstd zstd"), 3);
 * console.log(new TextDecoder().decode(zstdDecompressFrames(frame))); // "zstd zstd zstd"
 * ```
 */
export function zstdDecompressFrames(data: Uint8Array, maxOutputBytes: number = DEFAULT_MAX_DECOMPRESSED_BYTES): Uint8Array {
  const frames = scanFrames(data, "zstd", MAGIC, (d, pos) => {
    const frame = walkFrame(d, pos);
    return { frame: { start: pos, ...frame }, next: frame.end };
  });
  const limit = Math.min(maxOutputBytes, MAX_WASM_OUTPUT);
  let room = limit;
  const parts = frames.map(({ start, end, bound, exact }) => {
    // The package trusts a declared size, so that one must fit; otherwise it gets the
    // walked bound, cut to the room left, and a frame that needs more fails.
    if (exact && bound > room) throw outputLimitError("zstd", limit);
    const capacity = Math.min(bound, room);
    let part: Uint8Array;
    try {
      part = zstdDecompress(data.subarray(start, end), { defaultHeapSize: capacity });
    } catch (err) {
      if (capacity < bound) throw outputLimitError("zstd", limit);
      throw new CompressionError("zstd", `decompress failed: ${err instanceof Error ? err.message : err}`, err);
    }
    room -= part.length;
    return part;
  });
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}

/**
 * Compresses `data` into one zstd frame (with its content size). Call {@link initZstd} first.
 *
 * @param level -131072..22; 3 is zstd's and Java's default.
 * @example
 * ```ts
 * import { initZstd, zstdCompressFrame } from "./zstd.ts";
 * await initZstd();
 * console.log(zstdCompressFrame(new Uint8Array(1000), 19).length < 20); // true
 * ```
 */
export function zstdCompressFrame(data: Uint8Array, level: number): Uint8Array {
  return wrapCodecErrors("zstd", "compress", () => zstdCompress(data, level));
}

/**
 * A zstd codec at the given level, once the WebAssembly module is loaded.
 *
 * @param level A level already checked by `resolveLevel`: -131072..22.
 * @example
 * ```ts
 * import { createZstdCodec } from "./zstd.ts";
 * const codec = await createZstdCodec(3);
 * console.log(codec.decompress(codec.compress(new Uint8Array([4, 5]))));
 * ```
 */
export async function createZstdCodec(level: number): Promise<CompressionCodec> {
  await initZstd();
  return codecOf("zstd", level, (data) => zstdCompressFrame(data, level), zstdDecompressFrames);
}
