/**
 * snappy (codec id 2). The raw block codec is hysnappy (snappy compiled to a small
 * WebAssembly module that ships inside the npm package); this file adds the framing.
 *
 * The Java client writes snappy-java's "xerial" framing: a 16-byte header (magic
 * `82 'SNAPPY' 00`, version 1, compatible version 1) and then chunks of a big-endian
 * int32 length and a raw snappy block, each of at most 32 KiB uncompressed.
 * librdkafka writes one raw snappy block. Both are read here, as both clients do.
 *
 * @module
 */

import { snappyCompressor, snappyUncompressor } from "hysnappy";
import { checkOutputSize, codecOf, type CompressionCodec, DEFAULT_MAX_DECOMPRESSED_BYTES } from "./codec.ts";
import { CompressionError, wrapCodecErrors } from "./compression_error.ts";

/** The 8 magic bytes that open a snappy-java (xerial) stream. */
export const XERIAL_MAGIC: Uint8Array = new Uint8Array([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
// snappy-java's SnappyOutputStream.DEFAULT_BLOCK_SIZE, which Kafka's SnappyFactory uses.
const XERIAL_BLOCK_SIZE = 32 * 1024;
// The densest snappy element is a 3-byte copy of 64 bytes, so no valid block expands
// by more than 64/3; a declared length beyond that is rejected before allocating.
const MAX_SNAPPY_RATIO = 22;

// Blocks bigger than this leave a grown WebAssembly memory behind, so the instance that
// decoded one is dropped and a fresh one made on the next call.
const RELEASE_AFTER_BYTES = 16 * 1024 * 1024;

// One WebAssembly instance each, reused: hysnappy instantiates per call otherwise.
let compressBlockWasm: ((input: Uint8Array) => Uint8Array) | undefined;
let uncompressBlockWasm: ((input: Uint8Array, outputLength: number) => Uint8Array) | undefined;

function wasm(): { compress: (input: Uint8Array) => Uint8Array; uncompress: (input: Uint8Array, n: number) => Uint8Array } {
  return wrapCodecErrors("snappy", "loading the WebAssembly module", () => ({
    compress: compressBlockWasm ??= snappyCompressor(),
    uncompress: uncompressBlockWasm ??= snappyUncompressor(),
  }));
}

function hasXerialMagic(data: Uint8Array, at: number): boolean {
  if (data.length - at < XERIAL_MAGIC.length) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[at + i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** The uncompressed length a raw snappy block declares (a uint32 varint), and the varint's size. */
function declaredLength(block: Uint8Array): { length: number; headerSize: number } {
  let length = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i];
    length += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      if (length > 0xffffffff) break;
      return { length, headerSize: i + 1 };
    }
  }
  throw new CompressionError("snappy", "invalid uncompressed-length header");
}

/**
 * Decompresses one raw snappy block, checking its declared length against the input
 * size and `maxOutputBytes` before allocating.
 *
 * @throws {CompressionError} For a corrupt or truncated block, or one over `maxOutputBytes`.
 * @example
 * ```ts
 * import { snappyUncompressRaw } from "./snappy.ts";
 * // Length 3, then a 3-byte literal "abc".
 * console.log(snappyUncompressRaw(new Uint8Array([3, 8, 97, 98, 99])));
 * ```
 */
export function snappyUncompressRaw(block: Uint8Array, maxOutputBytes: number = DEFAULT_MAX_DECOMPRESSED_BYTES): Uint8Array {
  const { length, headerSize } = declaredLength(block);
  if (length > (block.length - headerSize) * MAX_SNAPPY_RATIO) {
    throw new CompressionError("snappy", `block claims ${length} bytes from ${block.length} compressed bytes`);
  }
  checkOutputSize("snappy", length, maxOutputBytes);
  const { uncompress } = wasm();
  const out = wrapCodecErrors("snappy", "decompress", () => uncompress(block, length));
  // WebAssembly memory only grows: after a large block, let the instance be collected.
  if (block.length + length > RELEASE_AFTER_BYTES) uncompressBlockWasm = undefined;
  return out;
}

/**
 * Decompresses a snappy payload in either form: xerial framing (Java) or one raw
 * block (librdkafka). Concatenated xerial streams are read too, as snappy-java does.
 *
 * @throws {CompressionError} For corrupt or truncated input, or output over `maxOutputBytes`.
 * @example
 * ```ts
 * import { snappyCompressXerial, snappyDecompress } from "./snappy.ts";
 * const framed = snappyCompressXerial(new TextEncoder().encode("kafka"));
 * console.log(new TextDecoder().decode(snappyDecompress(framed))); // "kafka"
 * ```
 */
export function snappyDecompress(data: Uint8Array, maxOutputBytes: number = DEFAULT_MAX_DECOMPRESSED_BYTES): Uint8Array {
  if (!hasXerialMagic(data, 0)) return snappyUncompressRaw(data, maxOutputBytes);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let pos = 0;
  while (pos < data.length) {
    if (hasXerialMagic(data, pos)) {
      if (data.length - pos < XERIAL_HEADER_SIZE) throw new CompressionError("snappy", "truncated xerial header");
      // snappy-java refuses streams whose compatible version is above 1.
      const compatible = view.getInt32(pos + 12);
      if (compatible > 1) throw new CompressionError("snappy", `unsupported xerial compatible version ${compatible}`);
      pos += XERIAL_HEADER_SIZE;
      continue;
    }
    if (data.length - pos < 4) throw new CompressionError("snappy", "truncated xerial chunk length");
    const size = view.getInt32(pos);
    pos += 4;
    if (size < 0 || size > data.length - pos) {
      throw new CompressionError("snappy", `xerial chunk of ${size} bytes at offset ${pos - 4} overruns the ${data.length}-byte input`);
    }
    const chunk = snappyUncompressRaw(data.subarray(pos, pos + size), maxOutputBytes - total);
    pos += size;
    total += chunk.length;
    chunks.push(chunk);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * Compresses `data` into one raw snappy block, as librdkafka writes it.
 *
 * @example
 * ```ts
 * import { snappyCompressRaw, snappyUncompressRaw } from "./snappy.ts";
 * const block = snappyCompressRaw(new Uint8Array(1000));
 * console.log(block.length < 100, snappyUncompressRaw(block).length); // true 1000
 * ```
 */
export function snappyCompressRaw(data: Uint8Array): Uint8Array {
  const { compress } = wasm();
  const out = wrapCodecErrors("snappy", "compress", () => compress(data));
  if (data.length > RELEASE_AFTER_BYTES) compressBlockWasm = undefined;
  return out;
}

/**
 * Compresses `data` into snappy-java's xerial framing, as the Java client writes it:
 * the 16-byte header, then one length-prefixed raw block per 32 KiB of input.
 *
 * @example
 * ```ts
 * import { snappyCompressXerial } from "./snappy.ts";
 * console.log(snappyCompressXerial(new Uint8Array(0)).length); // 16: the header alone
 * ```
 */
export function snappyCompressXerial(data: Uint8Array): Uint8Array {
  const { compress } = wasm();
  const blocks: Uint8Array[] = [];
  let size = XERIAL_HEADER_SIZE;
  wrapCodecErrors("snappy", "compress", () => {
    for (let at = 0; at < data.length; at += XERIAL_BLOCK_SIZE) {
      const block = compress(data.subarray(at, Math.min(at + XERIAL_BLOCK_SIZE, data.length)));
      blocks.push(block);
      size += 4 + block.length;
    }
  });
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(XERIAL_MAGIC, 0);
  view.setInt32(8, 1); // version
  view.setInt32(12, 1); // compatible version
  let pos = XERIAL_HEADER_SIZE;
  for (const block of blocks) {
    view.setInt32(pos, block.length);
    out.set(block, pos + 4);
    pos += 4 + block.length;
  }
  return out;
}

/**
 * A snappy codec: writes xerial framing, reads xerial or raw.
 *
 * @example
 * ```ts
 * import { createSnappyCodec } from "./snappy.ts";
 * const codec = createSnappyCodec();
 * console.log(codec.decompress(codec.compress(new Uint8Array([1, 2]))));
 * ```
 */
export function createSnappyCodec(): CompressionCodec {
  wasm();
  return codecOf("snappy", undefined, snappyCompressXerial, snappyDecompress);
}
