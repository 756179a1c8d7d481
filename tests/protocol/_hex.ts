/**
 * Test helper: golden bytes written as annotated hex.
 *
 * @module
 */

const ascii = new TextEncoder();

/**
 * Parses annotated hex into bytes. Whitespace and `//` comments are ignored, and a
 * double-quoted segment stands for its UTF-8 bytes, so a golden frame can be written
 * field by field: `hex('0003 "abc" // name')`.
 *
 * @example
 * ```ts
 * import { hex } from "./_hex.ts";
 * console.log(hex('00 02 "hi" // a string')); // Uint8Array(4) [0, 2, 104, 105]
 * ```
 */
export function hex(text: string): Uint8Array {
  const out: number[] = [];
  for (const line of text.split("\n")) {
    // Split on quoted segments first so a `//` inside quotes is not a comment.
    const parts = line.split('"');
    for (let i = 0; i < parts.length; i++) {
      if (i % 2 === 1) {
        out.push(...ascii.encode(parts[i]));
        continue;
      }
      const cut = parts[i].indexOf("//");
      const digits = (cut >= 0 ? parts[i].slice(0, cut) : parts[i]).replace(/\s+/g, "");
      if (!/^[0-9a-fA-F]*$/.test(digits) || digits.length % 2 !== 0) {
        throw new Error(`bad hex in golden text: ${JSON.stringify(parts[i])}`);
      }
      for (let j = 0; j < digits.length; j += 2) out.push(parseInt(digits.slice(j, j + 2), 16));
      if (cut >= 0) break;
    }
  }
  return new Uint8Array(out);
}

/**
 * Prepends the int32 size of `body`, as a request frame has.
 *
 * @example
 * ```ts
 * import { sized } from "./_hex.ts";
 * console.log(sized(new Uint8Array([1, 2]))); // Uint8Array(6) [0, 0, 0, 2, 1, 2]
 * ```
 */
export function sized(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 4);
  new DataView(out.buffer).setInt32(0, body.length);
  out.set(body, 4);
  return out;
}

/**
 * Formats bytes as hex, for readable assertion failures.
 *
 * @example
 * ```ts
 * import { toHex } from "./_hex.ts";
 * console.log(toHex(new Uint8Array([1, 255]))); // "01ff"
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
