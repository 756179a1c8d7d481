/**
 * lz4 (codec id 3): the LZ4 frame format, as Kafka's `Lz4BlockOutputStream` writes it
 * for magic-v2 batches: version 1, independent blocks, 64 KiB maximum block size, no
 * block or content checksum, no content size, a correct header checksum, blocks
 * that do not shrink stored uncompressed, and an end mark.
 *
 * Decoding accepts any valid frame: linked blocks, block and content checksums
 * (verified), a content size (verified), larger block sizes, concatenated frames and
 * skippable frames. Only frames that need a dictionary are refused.
 *
 * @module
 */

import { codecOf, COMPRESSION_LEVELS, type CompressionCodec, DEFAULT_MAX_DECOMPRESSED_BYTES, outputLimitError } from "./codec.ts";
import { read32, scanFrames } from "./frame_scan.ts";
import { CompressionError } from "./compression_error.ts";
import { compressBlockFast, compressBlockHC, decompressBlock, lz4BlockBound } from "./lz4_block.ts";
import { xxh32 } from "./xxhash32.ts";

const MAGIC = 0x184d2204;
// The legacy frame (lz4 -l) is a different format, refused by name.
const UNSUPPORTED = new Map([[0x184c2102, "the legacy LZ4 frame format is not supported"]]);
const BLOCK_SIZE = 64 * 1024;
// Version 01, block independence; block max size id 4 (64 KiB).
const KAFKA_FLG = 0x60;
const KAFKA_BD = 0x40;
const UNCOMPRESSED_BIT = 0x80000000;

const FLG_DICT_ID = 0x01;
const FLG_RESERVED = 0x02;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_CONTENT_SIZE = 0x08;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_BLOCK_INDEPENDENCE = 0x20;

function corrupt(problem: string): CompressionError {
  return new CompressionError("lz4", problem);
}

function write32(d: Uint8Array, p: number, v: number): void {
  d[p] = v;
  d[p + 1] = v >>> 8;
  d[p + 2] = v >>> 16;
  d[p + 3] = v >>> 24;
}

/**
 * Compresses `data` into one LZ4 frame that Kafka's `Lz4BlockInputStream` accepts.
 * Level 9 (Java's default) uses the fast compressor, as Java does; any other level
 * uses the hash-chain compressor, searching more candidates the higher the level.
 *
 * @param level 1..17.
 * @example
 * ```ts
 * import { lz4CompressFrame } from "./lz4.ts";
 * const frame = lz4CompressFrame(new Uint8Array(0), 9);
 * console.log(frame); // magic, FLG 0x60, BD 0x40, header checksum, end mark (11 bytes)
 * ```
 */
export function lz4CompressFrame(data: Uint8Array, level: number): Uint8Array {
  const blocks = Math.ceil(data.length / BLOCK_SIZE);
  const out = new Uint8Array(7 + blocks * (4 + lz4BlockBound(BLOCK_SIZE)) + 4);
  write32(out, 0, MAGIC);
  out[4] = KAFKA_FLG;
  out[5] = KAFKA_BD;
  out[6] = (xxh32(out, 4, 6) >>> 8) & 0xff;
  const attempts = Math.min(1 << (level - 1), 1 << 12);
  let op = 7;
  for (let start = 0; start < data.length; start += BLOCK_SIZE) {
    const end = Math.min(start + BLOCK_SIZE, data.length);
    const at = op + 4;
    const blockEnd = level === COMPRESSION_LEVELS.lz4.default
      ? compressBlockFast(data, start, end, out, at)
      : compressBlockHC(data, start, end, out, at, attempts);
    const size = blockEnd - at;
    if (size >= end - start) {
      // Like Java: a block that does not shrink is stored as is.
      write32(out, op, (end - start) | UNCOMPRESSED_BIT);
      out.set(data.subarray(start, end), at);
      op = at + (end - start);
    } else {
      write32(out, op, size);
      op = blockEnd;
    }
  }
  write32(out, op, 0);
  return out.slice(0, op + 4);
}

interface Block {
  readonly at: number;
  readonly size: number;
  readonly compressed: boolean;
}

interface Frame {
  readonly independent: boolean;
  readonly maxBlockSize: number;
  readonly contentSize: number | undefined;
  readonly contentChecksum: number | undefined;
  readonly blocks: readonly Block[];
  /** Upper bound of the frame's decoded size. */
  readonly bound: number;
}

/** Parses and checks one frame's structure from `pos`; returns it and the offset after it. */
function parseFrame(data: Uint8Array, pos: number): { frame: Frame; next: number } {
  if (data.length - pos < 7) throw corrupt("truncated frame header");
  const flg = data[pos + 4];
  const bd = data[pos + 5];
  if (flg >> 6 !== 1) throw corrupt(`unsupported frame version ${flg >> 6}`);
  if (flg & FLG_RESERVED || bd & 0x8f) throw corrupt("reserved frame descriptor bits are set");
  if (flg & FLG_DICT_ID) throw corrupt("frames that need a dictionary are not supported");
  const sizeId = (bd >> 4) & 7;
  if (sizeId < 4) throw corrupt(`invalid block maximum size id ${sizeId}`);
  const maxBlockSize = 1 << (2 * sizeId + 8);
  let p = pos + 6;
  let contentSize: number | undefined;
  if (flg & FLG_CONTENT_SIZE) {
    if (data.length - p < 9) throw corrupt("truncated frame header");
    contentSize = read32(data, p) + read32(data, p + 4) * 2 ** 32;
    p += 8;
  }
  const headerChecksum = (xxh32(data, pos + 4, p) >>> 8) & 0xff;
  if (data[p] !== headerChecksum) throw corrupt("frame descriptor checksum mismatch");
  p++;
  const blockChecksums = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  const blocks: Block[] = [];
  let bound = 0;
  for (;;) {
    if (data.length - p < 4) throw corrupt("truncated block header (no end mark)");
    const word = read32(data, p);
    p += 4;
    if (word === 0) break;
    const compressed = (word & UNCOMPRESSED_BIT) === 0;
    const size = word & ~UNCOMPRESSED_BIT;
    if (size > maxBlockSize) throw corrupt(`block of ${size} bytes exceeds the frame's maximum of ${maxBlockSize}`);
    if (data.length - p < size + (blockChecksums ? 4 : 0)) throw corrupt("truncated block");
    if (blockChecksums && xxh32(data, p, p + size) !== read32(data, p + size)) throw corrupt("block checksum mismatch");
    blocks.push({ at: p, size, compressed });
    bound += compressed ? maxBlockSize : size;
    p += size + (blockChecksums ? 4 : 0);
  }
  let contentChecksum: number | undefined;
  if (flg & FLG_CONTENT_CHECKSUM) {
    if (data.length - p < 4) throw corrupt("truncated content checksum");
    contentChecksum = read32(data, p);
    p += 4;
  }
  if (contentSize !== undefined) {
    if (contentSize > bound) throw corrupt(`declared content size ${contentSize} is more than its blocks can hold`);
    bound = contentSize;
  }
  const independent = (flg & FLG_BLOCK_INDEPENDENCE) !== 0;
  return { frame: { independent, maxBlockSize, contentSize, contentChecksum, blocks, bound }, next: p };
}

/**
 * Decompresses a payload of one or more LZ4 frames (skippable frames are skipped).
 * The block headers bound the output size before anything is allocated, and the
 * buffer never exceeds `maxOutputBytes`.
 *
 * @throws {CompressionError} For corrupt or truncated input, a checksum mismatch, or output over `maxOutputBytes`.
 * @example
 * ```ts
 * import { lz4CompressFrame, lz4DecompressFrames } from "./lz4.ts";
 * const text = new TextEncoder().encode("records records records");
 * console.log(new TextDecoder().decode(lz4DecompressFrames(lz4CompressFrame(text, 9))));
 * ```
 */
export function lz4DecompressFrames(data: Uint8Array, maxOutputBytes: number = DEFAULT_MAX_DECOMPRESSED_BYTES): Uint8Array {
  const frames = scanFrames(data, "lz4", MAGIC, parseFrame, UNSUPPORTED);
  let bound = 0;
  for (const frame of frames) bound += frame.bound;
  // The bound counts each compressed block as full, so it may overshoot the real size:
  // allocate at most the limit, and fail only if the data really does not fit.
  const capacity = Math.min(bound, maxOutputBytes);
  const out = new Uint8Array(capacity);
  let dp = 0;
  for (const frame of frames) {
    const frameStart = dp;
    const frameBound = frameStart + frame.bound;
    for (const block of frame.blocks) {
      const blockBound = Math.min(frameBound, dp + frame.maxBlockSize);
      const blockEnd = Math.min(blockBound, capacity);
      try {
        if (block.compressed) {
          dp = decompressBlock(data, block.at, block.at + block.size, out, dp, blockEnd, frame.independent ? dp : frameStart);
        } else {
          if (block.size > blockEnd - dp) throw corrupt("blocks hold more than the declared content size");
          out.set(data.subarray(block.at, block.at + block.size), dp);
          dp += block.size;
        }
      } catch (err) {
        if (blockEnd < blockBound) throw outputLimitError("lz4", maxOutputBytes);
        throw err;
      }
    }
    if (frame.contentSize !== undefined && dp - frameStart !== frame.contentSize) {
      throw corrupt(`frame decoded to ${dp - frameStart} bytes but declares ${frame.contentSize}`);
    }
    if (frame.contentChecksum !== undefined && xxh32(out, frameStart, dp) !== frame.contentChecksum) {
      throw corrupt("content checksum mismatch");
    }
  }
  return dp === out.length ? out : out.slice(0, dp);
}

/**
 * An lz4 codec at the given level.
 *
 * @param level A level already checked by `resolveLevel`: 1..17.
 * @example
 * ```ts
 * import { createLz4Codec } from "./lz4.ts";
 * const codec = createLz4Codec(9);
 * console.log(codec.decompress(codec.compress(new Uint8Array([1, 2, 3]))));
 * ```
 */
export function createLz4Codec(level: number): CompressionCodec {
  return codecOf("lz4", level, (data) => lz4CompressFrame(data, level), lz4DecompressFrames);
}
