/**
 * KafkaJS's compression constants, and the per-send profiles (acks, timeout, codec) its
 * `send()` options become. Every codec is built in: KafkaJS's `CompressionCodecs`
 * registry is kept so that code registering snappy, lz4 or zstd packages still runs, but
 * what it registers is not used.
 *
 * @module
 */
import type { CompressionCodec, CompressionType } from "../compression/mod.ts";
import { loadCompressionCodec } from "../compression/mod.ts";
import type { SendProfile } from "../producer/send_profile.ts";
import { KafkaJSNonRetriableError } from "./errors.ts";

/**
 * The codecs, as KafkaJS numbers them (the record batch's codec ids).
 *
 * @example
 * ```ts
 * import { CompressionTypes } from "./compression.ts";
 * console.log(CompressionTypes.GZIP, CompressionTypes.ZSTD); // 1 4
 * ```
 */
export const CompressionTypes = { None: 0, GZIP: 1, Snappy: 2, LZ4: 3, ZSTD: 4 } as const;

/** A codec id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
export type CompressionTypes = typeof CompressionTypes[keyof typeof CompressionTypes];

/**
 * KafkaJS's codec registry, accepted and unused: gzip, snappy, lz4 and zstd are built in
 * (on Cloudflare Workers, gzip and lz4 only).
 *
 * @example
 * ```ts
 * import { CompressionCodecs, CompressionTypes } from "./compression.ts";
 * CompressionCodecs[CompressionTypes.Snappy] = () => ({}); // what `kafkajs-snappy` users write; harmless here
 * ```
 */
export const CompressionCodecs: Record<number, () => unknown> = {};

const TYPES: readonly CompressionType[] = ["none", "gzip", "snappy", "lz4", "zstd"];

/**
 * The profiles of one producer: one object per (acks, timeout, codec), so records sent
 * with equal options share batches, with each codec loaded once.
 *
 * @example
 * ```ts
 * import { SendProfiles } from "./compression.ts";
 * const profiles = new SendProfiles();
 * const profile = await profiles.get(-1, 30000, 1);
 * console.log(profile.compression?.type); // gzip
 * ```
 */
export class SendProfiles {
  readonly #profiles = new Map<string, SendProfile>();
  readonly #codecs = new Map<number, Promise<CompressionCodec | null>>();
  // The last profile handed out, and its codec id: most producers send with one set of options.
  #last: SendProfile | undefined;
  #lastCompression = -1;

  /** The profile, made (and its codec loaded) on first use; a synchronous answer once it exists. */
  get(acks: -1 | 0 | 1, timeoutMs: number, compression: number): SendProfile | Promise<SendProfile> {
    const last = this.#last;
    if (last !== undefined && last.acks === acks && last.timeoutMs === timeoutMs && this.#lastCompression === compression) return last;
    const key = `${acks}/${timeoutMs}/${compression}`;
    const known = this.#profiles.get(key);
    if (known !== undefined) {
      this.#last = known;
      this.#lastCompression = compression;
      return known;
    }
    return this.#codec(compression).then((codec) => {
      const profile = this.#profiles.get(key) ?? { acks, timeoutMs, compression: codec };
      this.#profiles.set(key, profile);
      return profile;
    });
  }

  #codec(id: number): Promise<CompressionCodec | null> {
    const type = TYPES[id];
    if (type === undefined) {
      return Promise.reject(new KafkaJSNonRetriableError(`compression must be one of CompressionTypes (0 to 4), not ${id}`));
    }
    let codec = this.#codecs.get(id);
    if (codec === undefined) {
      codec = loadCompressionCodec(type).catch((error) => {
        this.#codecs.delete(id);
        throw new KafkaJSNonRetriableError(`${type} compression is not available here: ${error?.message ?? error}`, { cause: error });
      });
      this.#codecs.set(id, codec);
    }
    return codec;
  }
}
