/**
 * The producer's compression: the codec of `compressionType`, loaded once before the Sender
 * starts (its npm package or WebAssembly only when asked for), which compresses each batch
 * as it closes and reads a batch back when the broker found it too large and it must be
 * split. A split batch was compressed by this producer, so only this codec is ever needed.
 *
 * @module
 */
import type { CompressionCodec, CompressionType } from "../compression/mod.ts";
import { loadCompressionCodec } from "../compression/mod.ts";
import { KafkaError } from "../errors.ts";

/**
 * One producer's codec.
 *
 * @example
 * ```ts
 * import { BatchCompression } from "./batch_compression.ts";
 * const compression = new BatchCompression("gzip", 6);
 * await compression.load();
 * console.log(compression.codec?.id); // 1
 * ```
 */
export class BatchCompression {
  readonly #type: CompressionType;
  readonly #level: number | undefined;
  #codec: CompressionCodec | null = null;

  /** `level` is the codec's own (`compressionGzipLevel` and the like); undefined for its default. */
  constructor(type: CompressionType, level?: number) {
    this.#type = type;
    this.#level = level;
  }

  /** Loads the codec; batches close uncompressed until it has loaded (the Sender starts after). */
  async load(): Promise<void> {
    this.#codec = await loadCompressionCodec(this.#type, this.#level);
  }

  /** The codec batches are compressed with, or null for `"none"`. */
  get codec(): CompressionCodec | null {
    return this.#codec;
  }

  /** Reads back a batch this producer compressed (codec id 0: not compressed). */
  readonly decompress = (codecId: number, data: Uint8Array): Uint8Array => {
    if (codecId === 0) return data;
    const codec = this.#codec;
    if (codec === null || codec.id !== codecId) throw new KafkaError(`cannot split a batch compressed with codec id ${codecId}`);
    return codec.decompress(data);
  };
}
