/**
 * A bounds-checked cursor that decodes Kafka protocol primitives.
 *
 * @module
 */

import { CorruptResponseError } from "../errors.ts";
import type { TaggedField } from "./writer.ts";

// Fatal, so invalid UTF-8 is reported instead of silently replaced.
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * A cursor over a byte array with a read method for every Kafka primitive type.
 *
 * Every malformed input throws {@linkcode CorruptResponseError}: reading past the end,
 * an invalid negative length, a length or count larger than the bytes left (checked
 * before anything is allocated), an over-long varint, or invalid UTF-8. Byte fields are
 * returned as views of the input, not copies.
 *
 * @example Decode a string and a varint
 * ```ts
 * import { Reader } from "./reader.ts";
 * const r = new Reader(new Uint8Array([0, 2, 104, 105, 0x96, 0x01]));
 * console.log(r.string(), r.uvarint(), r.remaining); // "hi" 150 0
 * ```
 */
export class Reader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  #pos: number;

  /**
   * Creates a reader over `buf`.
   *
   * @param buf The bytes to read.
   * @param offset Where to start reading (default 0).
   */
  constructor(buf: Uint8Array, offset = 0) {
    if (!Number.isInteger(offset) || offset < 0 || offset > buf.length) {
      throw new CorruptResponseError(`reader offset ${offset} is outside a buffer of ${buf.length} bytes`);
    }
    this.#buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.#pos = offset;
  }

  /** The position of the next byte to read. */
  get offset(): number {
    return this.#pos;
  }

  /** How many bytes are left. */
  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  /** Advances past `n` bytes, returning the old position; throws if fewer are left. */
  #take(n: number, what: string): number {
    if (!(n >= 0 && n <= this.#buf.length - this.#pos)) {
      throw new CorruptResponseError(
        `${what} needs ${n} bytes at offset ${this.#pos} but only ${this.#buf.length - this.#pos} remain`,
      );
    }
    const at = this.#pos;
    this.#pos += n;
    return at;
  }

  /** Reads a signed 8-bit integer. */
  int8(): number {
    return this.#view.getInt8(this.#take(1, "int8"));
  }

  /** Reads a big-endian signed 16-bit integer. */
  int16(): number {
    return this.#view.getInt16(this.#take(2, "int16"));
  }

  /** Reads a big-endian signed 32-bit integer. */
  int32(): number {
    return this.#view.getInt32(this.#take(4, "int32"));
  }

  /** Reads a big-endian unsigned 32-bit integer. */
  uint32(): number {
    return this.#view.getUint32(this.#take(4, "uint32"));
  }

  /** Reads a big-endian signed 64-bit integer. */
  int64(): bigint {
    return this.#view.getBigInt64(this.#take(8, "int64"));
  }

  /** Reads a big-endian IEEE 754 double. */
  float64(): number {
    return this.#view.getFloat64(this.#take(8, "float64"));
  }

  /** Reads a one-byte boolean; any non-zero byte is true. */
  bool(): boolean {
    return this.#buf[this.#take(1, "bool")] !== 0;
  }

  /** Reads an unsigned varint of at most 5 bytes holding a uint32. */
  uvarint(): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.#buf[this.#take(1, "varint")];
      if (i === 4) {
        // The fifth byte holds the top 4 bits; anything more is not a uint32.
        if (b > 0x0f) throw new CorruptResponseError(`varint at offset ${this.#pos - 5} is longer than 5 bytes or above 2^32`);
        return value + b * 0x10000000;
      }
      value |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return value;
    }
    // The loop above always returns or throws; this only satisfies the type checker.
    throw new CorruptResponseError("unreachable");
  }

  /** Reads a zigzag-encoded signed varint (an int32). */
  varint(): number {
    const u = this.uvarint();
    // `u` may exceed 2^31, so halve by division rather than `>>>` on a sign-flipped int.
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Reads a zigzag-encoded signed varlong (an int64) of at most 10 bytes. */
  varlong(): bigint {
    const start = this.#pos;
    // Fast path: up to 4 bytes fit in a number (28 bits) without bigint arithmetic.
    let small = 0;
    for (let i = 0; i < 4; i++) {
      const b = this.#buf[this.#take(1, "varlong")];
      small |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return BigInt((small >>> 1) ^ -(small & 1));
    }
    let u = BigInt(small);
    for (let i = 4; i < 10; i++) {
      const b = this.#buf[this.#take(1, "varlong")];
      if (i === 9 && b > 0x01) {
        throw new CorruptResponseError(`varlong at offset ${start} is longer than 10 bytes or above 2^64`);
      }
      u |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return (u >> 1n) ^ -(u & 1n);
    }
    // The loop above always returns or throws; this only satisfies the type checker.
    throw new CorruptResponseError("unreachable");
  }

  /** Checks a length prefix: -1 means null; other negatives and overlong lengths are corrupt. */
  #length(n: number, what: string): number | null {
    if (n === -1) return null;
    if (n < 0) throw new CorruptResponseError(`${what} has invalid length ${n} at offset ${this.#pos}`);
    if (n > this.remaining) {
      throw new CorruptResponseError(`${what} of length ${n} at offset ${this.#pos} exceeds the ${this.remaining} bytes left`);
    }
    return n;
  }

  #utf8(n: number): string {
    const at = this.#take(n, "string");
    try {
      return decoder.decode(this.#buf.subarray(at, at + n));
    } catch (e) {
      throw new CorruptResponseError(`invalid UTF-8 in string at offset ${at}`, e);
    }
  }

  /** Reads a string with an int16 length prefix; length -1 is null. */
  string(): string | null {
    const n = this.#length(this.int16(), "string");
    return n === null ? null : this.#utf8(n);
  }

  /** Reads a string with an unsigned-varint (length + 1) prefix; 0 is null. */
  compactString(): string | null {
    const n = this.#length(this.uvarint() - 1, "compact string");
    return n === null ? null : this.#utf8(n);
  }

  /** Reads bytes with an int32 length prefix, as a view of the input; length -1 is null. */
  bytes(): Uint8Array | null {
    const n = this.#length(this.int32(), "bytes");
    return n === null ? null : this.raw(n);
  }

  /** Reads bytes with an unsigned-varint (length + 1) prefix, as a view of the input; 0 is null. */
  compactBytes(): Uint8Array | null {
    const n = this.#length(this.uvarint() - 1, "compact bytes");
    return n === null ? null : this.raw(n);
  }

  /** Reads `n` bytes with no prefix, as a view of the input. */
  raw(n: number): Uint8Array {
    const at = this.#take(n, "raw bytes");
    return this.#buf.subarray(at, at + n);
  }

  /** Reads a 16-byte UUID, as a copy so it does not keep the whole input alive. */
  uuid(): Uint8Array {
    const at = this.#take(16, "uuid");
    return this.#buf.slice(at, at + 16);
  }

  /** Reads an array with an int32 count prefix; count -1 is null. */
  array<T>(each: (r: Reader) => T): T[] | null {
    return this.#items(this.#count(this.int32(), "array"), each);
  }

  /** Reads an array with an unsigned-varint (count + 1) prefix; 0 is null. */
  compactArray<T>(each: (r: Reader) => T): T[] | null {
    return this.#items(this.#count(this.uvarint() - 1, "compact array"), each);
  }

  // Every element takes at least one byte, so a count above the bytes left is corrupt.
  #count(n: number, what: string): number | null {
    return this.#length(n, `${what} count`);
  }

  #items<T>(n: number | null, each: (r: Reader) => T): T[] | null {
    if (n === null) return null;
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(each(this));
    return out;
  }

  /**
   * Reads a tagged-field section and returns its fields, each value a view of the input.
   * Codecs pick out the tags they know and ignore the rest.
   */
  taggedFields(): TaggedField[] {
    const n = this.uvarint();
    // Each field takes at least two bytes (tag and size).
    if (n * 2 > this.remaining) {
      throw new CorruptResponseError(`tagged field count ${n} at offset ${this.#pos} exceeds the ${this.remaining} bytes left`);
    }
    const out: TaggedField[] = [];
    for (let i = 0; i < n; i++) {
      const tag = this.uvarint();
      const size = this.uvarint();
      out.push({ tag, data: this.raw(size) });
    }
    return out;
  }
}
