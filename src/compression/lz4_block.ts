/**
 * The LZ4 block format: a fast compressor (LZ4's default algorithm, which the Java
 * client uses at its default level 9), a hash-chain compressor for the other levels
 * (the role LZ4HC plays in Java), and a decompressor that bounds-checks every
 * length and offset.
 *
 * Written here rather than taken from npm: no package fits. lz4js is unmaintained,
 * skips all bounds checks when decoding, and can place a match in the last 12 bytes
 * of a block, which lz4-java's safe decompressor rejects; the WebAssembly ports
 * either cannot compress, load their binary from disk with `fs`, or speak only a
 * size-prefixed block format.
 *
 * @module
 */

import { CompressionError } from "./compression_error.ts";

const MIN_MATCH = 4;
// The format's end-of-block rules: the last 5 bytes are literals, and the last match
// starts at least 12 bytes before the end.
const LAST_LITERALS = 5;
const MFLIMIT = 12;
const MAX_DISTANCE = 65535;
// How quickly the fast compressor skips ahead through incompressible input (LZ4's value).
const SKIP_TRIGGER = 6;
const FAST_HASH_LOG = 14;
const HC_HASH_LOG = 15;

const fastTable = new Int32Array(1 << FAST_HASH_LOG);
const hcHead = new Int32Array(1 << HC_HASH_LOG);
// Indexed by position mod 64 Ki: blocks are at most 64 KiB, so positions never collide.
const hcChain = new Int32Array(1 << 16);

function read32(d: Uint8Array, p: number): number {
  return d[p] | (d[p + 1] << 8) | (d[p + 2] << 16) | (d[p + 3] << 24);
}

function hashFast(v: number): number {
  return Math.imul(v, 2654435761) >>> (32 - FAST_HASH_LOG);
}

function hashHC(v: number): number {
  return Math.imul(v, 2654435761) >>> (32 - HC_HASH_LOG);
}

/**
 * The most bytes compressing `n` bytes into one LZ4 block can produce.
 *
 * @example
 * ```ts
 * import { lz4BlockBound } from "./lz4_block.ts";
 * console.log(lz4BlockBound(65536)); // 65809
 * ```
 */
export function lz4BlockBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

function writeLength(dst: Uint8Array, op: number, rest: number): number {
  while (rest >= 255) {
    dst[op++] = 255;
    rest -= 255;
  }
  dst[op++] = rest;
  return op;
}

function copyLiterals(src: Uint8Array, from: number, n: number, dst: Uint8Array, op: number): void {
  // Short runs are the common case, and a loop beats set()+subarray() for them.
  if (n > 32) dst.set(src.subarray(from, from + n), op);
  else for (let i = 0; i < n; i++) dst[op + i] = src[from + i];
}

function emitSequence(
  src: Uint8Array,
  anchor: number,
  litLen: number,
  dst: Uint8Array,
  op: number,
  offset: number,
  matchLen: number,
): number {
  const tokenAt = op++;
  let token: number;
  if (litLen >= 15) {
    token = 0xf0;
    op = writeLength(dst, op, litLen - 15);
  } else {
    token = litLen << 4;
  }
  copyLiterals(src, anchor, litLen, dst, op);
  op += litLen;
  dst[op++] = offset & 0xff;
  dst[op++] = offset >>> 8;
  const ml = matchLen - MIN_MATCH;
  if (ml >= 15) {
    token |= 15;
    op = writeLength(dst, op, ml - 15);
  } else {
    token |= ml;
  }
  dst[tokenAt] = token;
  return op;
}

function emitLastLiterals(src: Uint8Array, anchor: number, litLen: number, dst: Uint8Array, op: number): number {
  if (litLen >= 15) {
    dst[op++] = 0xf0;
    op = writeLength(dst, op, litLen - 15);
  } else {
    dst[op++] = litLen << 4;
  }
  copyLiterals(src, anchor, litLen, dst, op);
  return op + litLen;
}

/**
 * Compresses `src[start..end)` (at most 64 KiB) into one independent LZ4 block at
 * `dst[op..]`, with LZ4's fast greedy algorithm, and returns the end offset.
 * `dst` needs `lz4BlockBound(end - start)` bytes of room.
 *
 * @example
 * ```ts
 * import { compressBlockFast, decompressBlock, lz4BlockBound } from "./lz4_block.ts";
 * const src = new TextEncoder().encode("abcabcabcabcabcabcabcabc");
 * const dst = new Uint8Array(lz4BlockBound(src.length));
 * const n = compressBlockFast(src, 0, src.length, dst, 0);
 * const out = new Uint8Array(src.length);
 * console.log(decompressBlock(dst, 0, n, out, 0, out.length, 0)); // 24
 * ```
 */
export function compressBlockFast(src: Uint8Array, start: number, end: number, dst: Uint8Array, op: number): number {
  let anchor = start;
  if (end - start > MFLIMIT) {
    const table = fastTable;
    table.fill(-1);
    const mflimitPlusOne = end - MFLIMIT + 1;
    const matchLimit = end - LAST_LITERALS;
    let ip = start;
    table[hashFast(read32(src, ip))] = ip;
    ip++;
    let h = hashFast(read32(src, ip));
    search: for (;;) {
      let ref = -1;
      let forward = ip;
      let step = 1;
      let attempts = 1 << SKIP_TRIGGER;
      do {
        ip = forward;
        forward += step;
        step = attempts++ >> SKIP_TRIGGER;
        if (forward > mflimitPlusOne) break search;
        ref = table[h];
        const nextHash = hashFast(read32(src, forward));
        table[h] = ip;
        h = nextHash;
      } while (ref < start || ip - ref > MAX_DISTANCE || read32(src, ref) !== read32(src, ip));

      // Extend the match backwards over literals that also match.
      while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      for (;;) {
        let mEnd = ip + MIN_MATCH;
        let r = ref + MIN_MATCH;
        while (mEnd < matchLimit && src[mEnd] === src[r]) {
          mEnd++;
          r++;
        }
        op = emitSequence(src, anchor, ip - anchor, dst, op, ip - ref, mEnd - ip);
        ip = mEnd;
        anchor = ip;
        if (ip >= mflimitPlusOne) break search;
        table[hashFast(read32(src, ip - 2))] = ip - 2;
        // A match right here needs no literals: emit it without searching.
        const here = hashFast(read32(src, ip));
        ref = table[here];
        table[here] = ip;
        if (ref >= start && ip - ref <= MAX_DISTANCE && read32(src, ref) === read32(src, ip)) continue;
        ip++;
        h = hashFast(read32(src, ip));
        continue search;
      }
    }
  }
  return emitLastLiterals(src, anchor, end - anchor, dst, op);
}

/**
 * Like {@link compressBlockFast}, but searches up to `maxAttempts` earlier positions
 * with the same hash for the longest match: slower, smaller output.
 *
 * @example
 * ```ts
 * import { compressBlockHC, lz4BlockBound } from "./lz4_block.ts";
 * const src = new TextEncoder().encode("the cat sat on the mat; the cat sat on the hat");
 * const dst = new Uint8Array(lz4BlockBound(src.length));
 * console.log(compressBlockHC(src, 0, src.length, dst, 0, 64) < src.length); // true
 * ```
 */
export function compressBlockHC(src: Uint8Array, start: number, end: number, dst: Uint8Array, op: number, maxAttempts: number): number {
  let anchor = start;
  if (end - start > MFLIMIT) {
    const head = hcHead;
    const chain = hcChain;
    head.fill(-1);
    const mflimit = end - MFLIMIT;
    const matchLimit = end - LAST_LITERALS;
    let next = start;
    let ip = start;
    while (ip <= mflimit) {
      while (next <= ip) {
        const h = hashHC(read32(src, next));
        chain[next & 0xffff] = head[h];
        head[h] = next;
        next++;
      }
      const seq = read32(src, ip);
      let ref = chain[ip & 0xffff];
      let bestLen = 0;
      let bestRef = -1;
      for (let tries = maxAttempts; ref >= start && ip - ref <= MAX_DISTANCE && tries > 0; tries--) {
        if (src[ref + bestLen] === src[ip + bestLen] && read32(src, ref) === seq) {
          let len = MIN_MATCH;
          while (ip + len < matchLimit && src[ref + len] === src[ip + len]) len++;
          if (len > bestLen) {
            bestLen = len;
            bestRef = ref;
            if (ip + len >= matchLimit) break;
          }
        }
        ref = chain[ref & 0xffff];
      }
      if (bestLen >= MIN_MATCH) {
        op = emitSequence(src, anchor, ip - anchor, dst, op, ip - bestRef, bestLen);
        ip += bestLen;
        anchor = ip;
      } else {
        ip++;
      }
    }
  }
  return emitLastLiterals(src, anchor, end - anchor, dst, op);
}

function corrupt(problem: string): CompressionError {
  return new CompressionError("lz4", `corrupt block: ${problem}`);
}

/**
 * Decodes the LZ4 block `src[sp..sEnd)` into `dst[dp..dEnd)` and returns the end of
 * the output. Matches may reach back to `dLow` (the block's own start for independent
 * blocks, the frame's start for linked ones) and no further.
 *
 * @throws {CompressionError} If the block is truncated, overruns `dEnd`, or has a bad offset.
 * @example
 * ```ts
 * import { decompressBlock } from "./lz4_block.ts";
 * // One sequence: literal "a", then a 5-byte match at offset 1.
 * const out = new Uint8Array(6);
 * console.log(decompressBlock(new Uint8Array([0x11, 97, 1, 0, 0x00]), 0, 5, out, 0, 6, 0)); // 6
 * ```
 */
export function decompressBlock(
  src: Uint8Array,
  sp: number,
  sEnd: number,
  dst: Uint8Array,
  dp: number,
  dEnd: number,
  dLow: number,
): number {
  for (;;) {
    if (sp >= sEnd) throw corrupt("ends without final literals");
    const token = src[sp++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (sp >= sEnd) throw corrupt("truncated literal length");
        b = src[sp++];
        lit += b;
      } while (b === 255);
    }
    if (lit > sEnd - sp) throw corrupt("literals run past the end of the block");
    if (lit > dEnd - dp) throw corrupt("output exceeds the block size");
    copyLiterals(src, sp, lit, dst, dp);
    sp += lit;
    dp += lit;
    if (sp === sEnd) return dp;
    if (sEnd - sp < 2) throw corrupt("truncated match offset");
    const offset = src[sp] | (src[sp + 1] << 8);
    sp += 2;
    if (offset === 0 || offset > dp - dLow) throw corrupt(`match offset ${offset} reaches before the start of the data`);
    let ml = token & 15;
    if (ml === 15) {
      let b: number;
      do {
        if (sp >= sEnd) throw corrupt("truncated match length");
        b = src[sp++];
        ml += b;
      } while (b === 255);
    }
    ml += MIN_MATCH;
    if (ml > dEnd - dp) throw corrupt("output exceeds the block size");
    const from = dp - offset;
    if (offset >= ml && ml > 32) {
      dst.copyWithin(dp, from, from + ml);
    } else {
      // Overlapping copies repeat the last `offset` bytes, so they go byte by byte.
      for (let i = 0; i < ml; i++) dst[dp + i] = dst[from + i];
    }
    dp += ml;
  }
}
