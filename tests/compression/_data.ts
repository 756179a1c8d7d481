/**
 * Test helpers for the codecs: inputs, byte comparison, and a typed-error check (hex is in
 * ../support/helpers.ts).
 *
 * @module
 */

import assert from "node:assert/strict";
import { CompressionError } from "../../src/compression/mod.ts";

/**
 * `n` pseudo-random bytes (a fixed LCG, so every run and runtime sees the same data).
 *
 * @example
 * ```ts
 * import { randomBytes } from "./_data.ts";
 * console.log(randomBytes(4, 1).length); // 4
 * ```
 */
export function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/**
 * About `n` bytes of compressible JSON-ish text, like a batch of small records.
 *
 * @example
 * ```ts
 * import { jsonText } from "./_data.ts";
 * console.log(jsonText(100).length); // 100
 * ```
 */
export function jsonText(n: number): Uint8Array {
  const words = ["alpha", "beta", "gamma", "delta", "topic", "partition", "offset", "key", "value", "timestamp"];
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < n; i++) {
    const part = `{"id":${i},"name":"${words[i % 10]}-${(i * 7919) % 1000}","ts":${1700000000000 + i * 13},"tag":"${
      words[(i * 3) % 10]
    }"},`;
    parts.push(part);
    size += part.length;
  }
  return new TextEncoder().encode(parts.join("").slice(0, n));
}

/**
 * Whether two byte arrays hold the same bytes (fast on every runtime, unlike deepEqual on 1 MiB).
 *
 * @example
 * ```ts
 * import { sameBytes } from "./_data.ts";
 * console.log(sameBytes(new Uint8Array([1]), new Uint8Array([1]))); // true
 * ```
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Asserts that `fn` throws a `CompressionError` (and nothing else), optionally matching `pattern`.
 *
 * @example
 * ```ts
 * import { throwsCompressionError } from "./_data.ts";
 * import { compressionTypeOf } from "../../src/compression/mod.ts";
 * throwsCompressionError(() => compressionTypeOf(7), /unknown/);
 * ```
 */
export function throwsCompressionError(fn: () => unknown, pattern?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CompressionError, `expected CompressionError, got ${e instanceof Error ? `${e.name}: ${e.message}` : e}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

/**
 * Decodes UTF-8.
 *
 * @example
 * ```ts
 * import { utf8 } from "./_data.ts";
 * console.log(utf8(new Uint8Array([104, 105]))); // "hi"
 * ```
 */
export function utf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
