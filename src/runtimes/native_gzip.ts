/**
 * The runtime's own zlib for gzip compression, where there is one: Node, Bun and Deno
 * all provide `node:zlib` in native code, several times faster than deflate in
 * JavaScript. Elsewhere (a Worker without Node compatibility) this yields null and
 * the codec keeps fflate.
 *
 * @module
 */

/** Compresses `data` into one gzip member at zlib `level` (1..9). */
export type GzipFunction = (data: Uint8Array, level: number) => Uint8Array;

let loading: Promise<GzipFunction | null> | undefined;

/**
 * The runtime's gzip, or null when it has none.
 *
 * @example
 * ```ts
 * import { loadNativeGzip } from "./native_gzip.ts";
 * const gzip = await loadNativeGzip();
 * console.log(gzip === null ? "fflate" : gzip(new Uint8Array(100), 6).length);
 * ```
 */
export function loadNativeGzip(): Promise<GzipFunction | null> {
  return loading ??= import("node:zlib").then(
    (zlib) => (data: Uint8Array, level: number) => {
      const out = zlib.gzipSync(data, { level });
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    },
    () => null,
  );
}
