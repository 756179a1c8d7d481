/**
 * The error every codec raises, so a corrupt or unsupported compressed payload never
 * surfaces as a library's own `Error`, a `RangeError` or a WebAssembly trap.
 *
 * @module
 */

import { KafkaError } from "../errors.ts";

/**
 * Compressing or decompressing failed: the input is corrupt or truncated, uses a
 * feature no Kafka client writes (an LZ4 dictionary, a legacy zstd frame), would
 * decompress past the size limit, or names an unknown codec id.
 *
 * @example Branch on a corrupt batch
 * ```ts
 * import { CompressionError } from "./compression_error.ts";
 * const err: unknown = new CompressionError("lz4", "frame descriptor checksum mismatch");
 * if (err instanceof CompressionError) console.log(err.codec, err.message);
 * ```
 */
export class CompressionError extends KafkaError {
  /** The codec that failed, or `"unknown"` for a codec id outside 0..4. */
  readonly codec: string;

  /**
   * @param codec The codec that failed (`"gzip"`, `"snappy"`, `"lz4"`, `"zstd"` or `"unknown"`).
   * @param problem What was wrong.
   * @param cause The underlying library's error, if any.
   */
  constructor(codec: string, problem: string, cause?: unknown) {
    super(`${codec}: ${problem}`, { cause });
    this.codec = codec;
  }
}

/**
 * Runs `fn` and rethrows anything it throws that is not already a `CompressionError`
 * as one, keeping the original as `cause`.
 *
 * @example
 * ```ts
 * import { wrapCodecErrors } from "./compression_error.ts";
 * try {
 *   wrapCodecErrors("gzip", "decompress", () => {
 *     throw new RangeError("offset out of bounds");
 *   });
 * } catch (err) {
 *   console.log((err as Error).name); // "CompressionError"
 * }
 * ```
 */
export function wrapCodecErrors<T>(codec: string, action: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CompressionError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new CompressionError(codec, `${action} failed: ${detail}`, err);
  }
}
