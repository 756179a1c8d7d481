/**
 * Stands in for `hash-wasm` in Worker bundles (tools/workerd/build.ts, the npm package's
 * workerd build). workerd refuses to compile WebAssembly from bytes at run time ("Wasm
 * code generation disallowed by embedder"), which is how hash-wasm loads, so loading it
 * fails at once, and src/protocol/crc32c.ts keeps computing CRC-32C in JavaScript.
 *
 * @module
 */

/**
 * Fails: there is no WebAssembly CRC on workerd.
 *
 * @example
 * ```ts
 * import { createCRC32 } from "./no_wasm_crc32.ts";
 * await createCRC32().catch((e) => console.log(e.message));
 * ```
 */
export function createCRC32(): Promise<never> {
  return Promise.reject(new Error("workerd does not compile WebAssembly from bytes: CRC-32C is computed in JavaScript"));
}
