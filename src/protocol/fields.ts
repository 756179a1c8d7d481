/**
 * Helpers shared by the API codecs: each picks the compact or the classic encoding
 * from a `flexible` flag, and the readers enforce non-nullable fields.
 *
 * @module
 */

import { CorruptResponseError } from "../errors.ts";
import { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/**
 * Reads a nullable string, compact when `flexible`.
 *
 * @example
 * ```ts
 * import { Reader } from "./reader.ts";
 * import { readNullableString } from "./fields.ts";
 * console.log(readNullableString(new Reader(new Uint8Array([0])), true)); // null
 * ```
 */
export function readNullableString(r: Reader, flexible: boolean): string | null {
  return flexible ? r.compactString() : r.string();
}

/**
 * Reads a non-nullable string, compact when `flexible`; a null is corrupt.
 *
 * @example
 * ```ts
 * import { Reader } from "./reader.ts";
 * import { readString } from "./fields.ts";
 * console.log(readString(new Reader(new Uint8Array([2, 104])), true)); // "h"
 * ```
 */
export function readString(r: Reader, flexible: boolean, what = "string"): string {
  const s = readNullableString(r, flexible);
  if (s === null) throw new CorruptResponseError(`${what} is null but the field is not nullable`);
  return s;
}

/**
 * Writes a (nullable) string, compact when `flexible`.
 *
 * @example
 * ```ts
 * import { Writer } from "./writer.ts";
 * import { writeString } from "./fields.ts";
 * console.log(writeString(new Writer(), true, "h").finish()); // Uint8Array(2) [2, 104]
 * ```
 */
export function writeString(w: Writer, flexible: boolean, s: string | null): Writer {
  return flexible ? w.compactString(s) : w.string(s);
}

/**
 * Reads a nullable array, compact when `flexible`.
 *
 * @example
 * ```ts
 * import { Reader } from "./reader.ts";
 * import { readNullableArray } from "./fields.ts";
 * console.log(readNullableArray(new Reader(new Uint8Array([0])), true, (r) => r.int8())); // null
 * ```
 */
export function readNullableArray<T>(r: Reader, flexible: boolean, each: (r: Reader) => T): T[] | null {
  return flexible ? r.compactArray(each) : r.array(each);
}

/**
 * Reads a non-nullable array, compact when `flexible`; a null is corrupt.
 *
 * @example
 * ```ts
 * import { Reader } from "./reader.ts";
 * import { readArray } from "./fields.ts";
 * console.log(readArray(new Reader(new Uint8Array([2, 7])), true, (r) => r.int8())); // [7]
 * ```
 */
export function readArray<T>(r: Reader, flexible: boolean, each: (r: Reader) => T, what = "array"): T[] {
  const items = readNullableArray(r, flexible, each);
  if (items === null) throw new CorruptResponseError(`${what} is null but the field is not nullable`);
  return items;
}

/**
 * Writes a (nullable) array, compact when `flexible`.
 *
 * @example
 * ```ts
 * import { Writer } from "./writer.ts";
 * import { writeArray } from "./fields.ts";
 * console.log(writeArray(new Writer(), true, [7], (w, n) => w.int8(n)).finish()); // Uint8Array(2) [2, 7]
 * ```
 */
export function writeArray<T>(
  w: Writer,
  flexible: boolean,
  items: readonly T[] | null,
  each: (w: Writer, item: T) => void,
): Writer {
  return flexible ? w.compactArray(items, each) : w.array(items, each);
}

/**
 * Reads a non-nullable array of int32, compact when `flexible`.
 *
 * @example
 * ```ts
 * import { Reader } from "./reader.ts";
 * import { readInt32Array } from "./fields.ts";
 * console.log(readInt32Array(new Reader(new Uint8Array([2, 0, 0, 0, 9])), true)); // [9]
 * ```
 */
export function readInt32Array(r: Reader, flexible: boolean, what = "int32 array"): number[] {
  return readArray(r, flexible, (x) => x.int32(), what);
}

/**
 * Writes an array of int32, compact when `flexible`.
 *
 * @example
 * ```ts
 * import { Writer } from "./writer.ts";
 * import { writeInt32Array } from "./fields.ts";
 * console.log(writeInt32Array(new Writer(), false, [9]).length); // 8
 * ```
 */
export function writeInt32Array(w: Writer, flexible: boolean, items: readonly number[]): Writer {
  return writeArray(w, flexible, items, (x, n) => x.int32(n));
}

/**
 * Writes an empty tagged-field section if `flexible`; nothing otherwise.
 *
 * @example
 * ```ts
 * import { Writer } from "./writer.ts";
 * import { writeNoTags } from "./fields.ts";
 * console.log(writeNoTags(new Writer(), true).length); // 1
 * ```
 */
export function writeNoTags(w: Writer, flexible: boolean): Writer {
  return flexible ? w.taggedFields() : w;
}

/**
 * Reads and discards a tagged-field section if `flexible`, for structs whose tagged
 * fields this client does not use.
 *
 * @example
 * ```ts
 * import { Reader } from "./reader.ts";
 * import { skipTags } from "./fields.ts";
 * const r = new Reader(new Uint8Array([1, 5, 1, 0]));
 * skipTags(r, true);
 * console.log(r.remaining); // 0
 * ```
 */
export function skipTags(r: Reader, flexible: boolean): void {
  if (flexible) r.taggedFields();
}

/**
 * Ends a struct: skips its tagged-field section if `flexible` and returns the struct.
 * Arguments are evaluated in order, so the fields of an object literal passed as
 * `struct` are read before the tagged fields that follow them.
 *
 * @example
 * ```ts
 * import { Reader } from "./reader.ts";
 * import { endStruct } from "./fields.ts";
 * const r = new Reader(new Uint8Array([0, 7, 0]));
 * console.log(endStruct(r, true, { id: r.int16() }), r.remaining); // { id: 7 } 0
 * ```
 */
export function endStruct<T>(r: Reader, flexible: boolean, struct: T): T {
  skipTags(r, flexible);
  return struct;
}

/**
 * Decodes a tagged field's value with `decode` and checks that it used every byte.
 *
 * @example
 * ```ts
 * import { readTagged } from "./fields.ts";
 * console.log(readTagged(new Uint8Array([1]), (r) => r.bool())); // true
 * ```
 */
export function readTagged<T>(data: Uint8Array, decode: (r: Reader) => T, what = "tagged field"): T {
  const r = new Reader(data);
  const value = decode(r);
  if (r.remaining !== 0) throw new CorruptResponseError(`${what} has ${r.remaining} unexpected trailing bytes`);
  return value;
}
