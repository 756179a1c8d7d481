/**
 * Compression codecs for magic-v2 record batches: gzip (id 1), snappy (2), lz4 (3)
 * and zstd (4), in the wire formats the Java client writes and librdkafka reads.
 * All run unchanged on Deno, Bun and Node: pure TypeScript, or WebAssembly shipped
 * inside the npm package.
 *
 * Loading is asynchronous so WebAssembly can be compiled; once loaded, `compress` and
 * `decompress` are synchronous.
 *
 * @example Compress a records section and read it back by codec id
 * ```ts
 * import { loadCompressionCodec, loadDecompressor } from "./mod.ts";
 * const codec = (await loadCompressionCodec("zstd", 6))!;
 * const packed = codec.compress(new TextEncoder().encode("records"));
 * const decompress = await loadDecompressor();
 * console.log(new TextDecoder().decode(decompress(codec.id, packed))); // "records"
 * ```
 *
 * @module
 */

import { type CompressionCodec, type CompressionType, resolveLevel } from "./codec.ts";
import { CompressionError } from "./compression_error.ts";
import { loadNativeGzip } from "../runtimes/native_gzip.ts";

export {
  COMPRESSION_IDS,
  COMPRESSION_LEVELS,
  type CompressionCodec,
  type CompressionType,
  compressionTypeOf,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type LevelRange,
} from "./codec.ts";
export { CompressionError } from "./compression_error.ts";

const cache = new Map<string, Promise<CompressionCodec>>();

function create(type: Exclude<CompressionType, "none">, level: number | undefined): Promise<CompressionCodec> {
  switch (type) {
    // Each codec (and its npm package or WebAssembly) loads only when asked for.
    case "gzip":
      return Promise.all([import("./gzip.ts"), loadNativeGzip()]).then(([gzip, native]) => gzip.createGzipCodec(level!, native));
    case "snappy":
      return import("./snappy.ts").then((snappy) => snappy.createSnappyCodec());
    case "lz4":
      return import("./lz4.ts").then((lz4) => lz4.createLz4Codec(level!));
    case "zstd":
      return import("./zstd.ts").then((zstd) => zstd.createZstdCodec(level!));
  }
}

/**
 * The codec for a compression type at a level, or `null` for `"none"`. Codecs are
 * cached per type and level, so repeated calls are cheap.
 *
 * @param level The Java client's `compression.<type>.level`; omitted means its default.
 * @throws {ConfigError} For a level out of range, or any level for snappy or none.
 * @throws {CompressionError} For an unknown type, or if a WebAssembly module fails to load.
 * @example
 * ```ts
 * import { loadCompressionCodec } from "./mod.ts";
 * const gzip = (await loadCompressionCodec("gzip", 9))!;
 * console.log(gzip.id, gzip.level); // 1 9
 * console.log(await loadCompressionCodec("none")); // null
 * ```
 */
export function loadCompressionCodec(type: CompressionType, level?: number): Promise<CompressionCodec | null> {
  try {
    if (!["none", "gzip", "snappy", "lz4", "zstd"].includes(type)) {
      throw new CompressionError("unknown", `unknown compression type ${JSON.stringify(type)}`);
    }
    const resolved = resolveLevel(type, level);
    if (type === "none") return Promise.resolve(null);
    const key = `${type}:${resolved}`;
    let codec = cache.get(key);
    if (codec === undefined) {
      codec = create(type, resolved);
      cache.set(key, codec);
      // A failed load (say, WebAssembly refused) may succeed later, so do not keep it.
      codec.catch(() => cache.delete(key));
    }
    return codec;
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Loads all four codecs and returns one function that decompresses by codec id, as
 * read from a record batch's attributes. Id 0 returns the input unchanged.
 *
 * @throws {CompressionError} From the returned function: for an unknown id, or corrupt input.
 * @example
 * ```ts
 * import { loadCompressionCodec, loadDecompressor } from "./mod.ts";
 * const lz4 = (await loadCompressionCodec("lz4"))!;
 * const decompress = await loadDecompressor();
 * console.log(decompress(3, lz4.compress(new Uint8Array([9, 9, 9])))); // Uint8Array(3) [9, 9, 9]
 * ```
 */
export async function loadDecompressor(): Promise<(codecId: number, data: Uint8Array, maxOutputBytes?: number) => Uint8Array> {
  const codecs = await Promise.all((["gzip", "snappy", "lz4", "zstd"] as const).map((type) => loadCompressionCodec(type)));
  const byId: (CompressionCodec | null)[] = [null, ...codecs];
  return (codecId, data, maxOutputBytes) => {
    if (codecId === 0) return data;
    const codec = Number.isInteger(codecId) ? byId[codecId] : undefined;
    if (!codec) throw new CompressionError("unknown", `unknown compression codec id ${codecId}`);
    return codec.decompress(data, maxOutputBytes);
  };
}
