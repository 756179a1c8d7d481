/**
 * The codec contract and the facts every codec shares: Kafka's codec ids, the level
 * ranges of the Java client's `compression.<type>.level` settings, and the limit on
 * how large one decompressed payload may grow.
 *
 * @module
 */

import { ConfigError } from "../errors.ts";
import { CompressionError } from "./compression_error.ts";

/** A Kafka compression type, as named by the `compression.type` setting. */
export type CompressionType = "none" | "gzip" | "snappy" | "lz4" | "zstd";

/**
 * Compresses and decompresses the records section of a magic-v2 record batch.
 * Both methods are synchronous, and throw only `CompressionError`.
 *
 * @example Round-trip
 * ```ts
 * import { loadCompressionCodec } from "./mod.ts";
 * const codec = (await loadCompressionCodec("lz4"))!;
 * const packed = codec.compress(new TextEncoder().encode("hello hello hello"));
 * console.log(codec.id, new TextDecoder().decode(codec.decompress(packed)));
 * ```
 */
export interface CompressionCodec {
  /** The compression type. */
  readonly type: CompressionType;
  /** The codec id in the record batch attributes (bits 0-2). */
  readonly id: number;
  /** The level `compress` uses, or `undefined` for snappy, which has none. */
  readonly level: number | undefined;
  /** Compresses `data` into the wire format the Java client writes. */
  compress(data: Uint8Array): Uint8Array;
  /**
   * Decompresses any valid payload of this codec.
   *
   * @param data The compressed bytes.
   * @param maxOutputBytes Fail rather than produce more than this (default {@link DEFAULT_MAX_DECOMPRESSED_BYTES}).
   */
  decompress(data: Uint8Array, maxOutputBytes?: number): Uint8Array;
}

/** The codec id of each compression type in a record batch's attributes. */
export const COMPRESSION_IDS: Readonly<Record<CompressionType, number>> = Object.freeze({
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
});

/**
 * A codec of `type`, its id taken from {@link COMPRESSION_IDS} so no codec writes it again.
 *
 * @param level The level `compress` uses (undefined for snappy).
 * @example
 * ```ts
 * import { codecOf } from "./codec.ts";
 * const identity = codecOf("none", undefined, (data) => data, (data) => data);
 * console.log(identity.id); // 0
 * ```
 */
export function codecOf(
  type: CompressionType,
  level: number | undefined,
  compress: CompressionCodec["compress"],
  decompress: CompressionCodec["decompress"],
): CompressionCodec {
  return { type, id: COMPRESSION_IDS[type], level, compress, decompress };
}

/** The range of a codec's compression level, and the level used when none is given. */
export interface LevelRange {
  /** The lowest accepted level. */
  readonly min: number;
  /** The highest accepted level. */
  readonly max: number;
  /** The level used when none is given (may lie outside min..max, as gzip's -1 does). */
  readonly default: number;
}

/**
 * The levels the Java client accepts for `compression.gzip.level`, `compression.lz4.level`
 * and `compression.zstd.level`. Snappy has no level. gzip's default, -1, means zlib's
 * default (6); it is the only level outside 1..9 that gzip accepts.
 */
export const COMPRESSION_LEVELS: Readonly<Record<"gzip" | "lz4" | "zstd", LevelRange>> = Object.freeze({
  gzip: Object.freeze({ min: 1, max: 9, default: -1 }),
  lz4: Object.freeze({ min: 1, max: 17, default: 9 }),
  zstd: Object.freeze({ min: -131072, max: 22, default: 3 }),
});

/**
 * The default ceiling on one decompressed payload (1 GiB). Every codec checks the
 * size it is about to allocate against the ceiling first, so a bogus length in a
 * corrupt header fails fast instead of exhausting memory.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 1 << 30;

const TYPES_BY_ID: readonly CompressionType[] = ["none", "gzip", "snappy", "lz4", "zstd"];

/**
 * The compression type of a codec id from a record batch's attributes.
 *
 * @throws {CompressionError} For an id other than 0..4.
 * @example
 * ```ts
 * import { compressionTypeOf } from "./codec.ts";
 * console.log(compressionTypeOf(2)); // "snappy"
 * ```
 */
export function compressionTypeOf(id: number): CompressionType {
  const type = Number.isInteger(id) ? TYPES_BY_ID[id] : undefined;
  if (type === undefined) throw new CompressionError("unknown", `unknown compression codec id ${id}`);
  return type;
}

/**
 * Checks a requested level against the Java client's range and returns the level to use.
 *
 * @throws {ConfigError} For a level that is not an integer in range, or any level for snappy or none.
 * @example
 * ```ts
 * import { resolveLevel } from "./codec.ts";
 * console.log(resolveLevel("lz4", undefined)); // 9
 * console.log(resolveLevel("snappy", undefined)); // undefined
 * ```
 */
export function resolveLevel(type: CompressionType, level: number | undefined): number | undefined {
  if (type === "none" || type === "snappy") {
    if (level !== undefined) throw new ConfigError("compression.type", `${type} takes no compression level (got ${level})`);
    return undefined;
  }
  const range = COMPRESSION_LEVELS[type];
  if (level === undefined) return range.default;
  const inRange = Number.isInteger(level) && ((level >= range.min && level <= range.max) || level === range.default);
  if (!inRange) {
    throw new ConfigError(
      `compression.${type}.level`,
      `must be an integer in ${range.min}..${range.max} or ${range.default}; got ${level}`,
    );
  }
  return level;
}

/**
 * Throws unless `bytes` fits under `maxOutputBytes`: the guard each codec runs before
 * it allocates an output buffer.
 *
 * @example
 * ```ts
 * import { checkOutputSize } from "./codec.ts";
 * checkOutputSize("zstd", 1024, 4096); // fine
 * ```
 */
export function checkOutputSize(codec: string, bytes: number, maxOutputBytes: number): void {
  if (bytes > maxOutputBytes) {
    throw new CompressionError(codec, `decompressed size of up to ${bytes} bytes exceeds the limit of ${maxOutputBytes} bytes`);
  }
}

/**
 * The error for output that does not fit under `maxOutputBytes`, found while decoding.
 *
 * @example
 * ```ts
 * import { outputLimitError } from "./codec.ts";
 * console.log(outputLimitError("lz4", 1024).message); // "lz4: decompressed size exceeds the limit of 1024 bytes"
 * ```
 */
export function outputLimitError(codec: string, maxOutputBytes: number): CompressionError {
  return new CompressionError(codec, `decompressed size exceeds the limit of ${maxOutputBytes} bytes`);
}
