/**
 * A growable byte buffer that encodes Kafka protocol primitives.
 *
 * @module
 */

import { putUvarint, uvarintSize } from "./varint.ts";

// One encoder for the whole process: TextEncoder is stateless.
const encoder = new TextEncoder();
// Below this, bytes written by reference are copied: a chunk of their own would cost more than the copy.
const EXTERNAL_MIN_BYTES = 1024;

/** One tagged field of a flexible-version struct: its tag and its already-encoded value. */
export interface TaggedField {
  /** The field's tag number. */
  readonly tag: number;
  /** The encoded value. */
  readonly data: Uint8Array;
}

/**
 * A growable byte buffer with chainable writers for every Kafka primitive type.
 *
 * The buffer starts at the given capacity and doubles when full. Strings are UTF-8.
 * `finish()` returns a view of the bytes written so far; `reset()` rewinds the writer
 * so the same buffer can encode the next message.
 *
 * @example Encode a size-prefixed body
 * ```ts
 * import { Writer } from "./writer.ts";
 * const w = new Writer();
 * const size = w.reserve(4);
 * w.int16(18).compactString("hi").taggedFields();
 * w.setInt32(size, w.length - 4);
 * console.log(w.finish()); // Uint8Array(10) [0, 0, 0, 6, 0, 18, 3, 104, 105, 0]
 * ```
 */
export class Writer {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;
  // Bytes written by reference (see `external`), each after the inline bytes up to `at`.
  readonly #external: { at: number; bytes: Uint8Array }[] = [];
  #externalBytes = 0;

  /**
   * Creates an empty writer.
   *
   * @param initialCapacity The starting buffer size in bytes (default 256).
   */
  constructor(initialCapacity = 256) {
    // `|| 1` also catches NaN, which would otherwise make the doubling loop spin forever.
    this.#buf = new Uint8Array(Math.max(1, Math.floor(initialCapacity) || 1));
    this.#view = new DataView(this.#buf.buffer);
  }

  /** The number of bytes written so far, those written by reference included. */
  get length(): number {
    return this.#pos + this.#externalBytes;
  }

  /** Forgets everything written, keeping the buffer for reuse. */
  reset(): this {
    this.#pos = 0;
    this.#external.length = 0;
    this.#externalBytes = 0;
    return this;
  }

  /**
   * A view of the bytes written so far. It shares memory with the writer, so it is
   * only valid until the next write or `reset()`; copy it (`slice()`) to keep it.
   * A writer that wrote bytes by reference has no single view: see {@link toChunks}.
   */
  finish(): Uint8Array {
    if (this.#external.length > 0) throw new RangeError("bytes written by reference: use toChunks() or toBytes()");
    return this.#buf.subarray(0, this.#pos);
  }

  /**
   * Writes `b` by reference, not copied: the caller keeps it unchanged until the chunks
   * are used (a produce request's record batches, until the request is written). Short
   * ones are copied anyway: a separate chunk would cost more than the copy.
   */
  external(b: Uint8Array): this {
    if (b.length < EXTERNAL_MIN_BYTES) return this.raw(b);
    this.#external.push({ at: this.#pos, bytes: b });
    this.#externalBytes += b.length;
    return this;
  }

  /**
   * Everything written, as chunks to write in order: copies of the inline bytes (the
   * writer may be reused at once) and the bytes written by reference as they are.
   */
  toChunks(): Uint8Array[] {
    const chunks: Uint8Array[] = [];
    let from = 0;
    for (const { at, bytes } of this.#external) {
      if (at > from) chunks.push(this.#buf.slice(from, at));
      chunks.push(bytes);
      from = at;
    }
    if (this.#pos > from || chunks.length === 0) chunks.push(this.#buf.slice(from, this.#pos));
    return chunks;
  }

  /** Everything written, as one new array (the bytes written by reference copied in). */
  toBytes(): Uint8Array {
    if (this.#external.length === 0) return this.#buf.slice(0, this.#pos);
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.toChunks()) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  /** Makes room for `n` more bytes, doubling the buffer as often as needed. */
  #ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  /**
   * Skips `n` bytes to be filled in later (e.g. a size prefix) and returns their offset.
   */
  reserve(n: number): number {
    this.#ensure(n);
    const at = this.#pos;
    this.#buf.fill(0, at, at + n);
    this.#pos += n;
    return at;
  }

  /** Overwrites the int32 at `offset` (which must already have been written or reserved). */
  setInt32(offset: number, v: number): this {
    if (offset < 0 || offset + 4 > this.#pos) throw new RangeError(`setInt32 at ${offset} is outside the written bytes`);
    this.#view.setInt32(offset, v);
    return this;
  }

  /** Writes a signed 8-bit integer. */
  int8(v: number): this {
    this.#ensure(1);
    this.#view.setInt8(this.#pos, v);
    this.#pos += 1;
    return this;
  }

  /** Writes a big-endian signed 16-bit integer. */
  int16(v: number): this {
    this.#ensure(2);
    this.#view.setInt16(this.#pos, v);
    this.#pos += 2;
    return this;
  }

  /** Writes a big-endian signed 32-bit integer. */
  int32(v: number): this {
    this.#ensure(4);
    this.#view.setInt32(this.#pos, v);
    this.#pos += 4;
    return this;
  }

  /** Writes a big-endian unsigned 32-bit integer. */
  uint32(v: number): this {
    this.#ensure(4);
    this.#view.setUint32(this.#pos, v);
    this.#pos += 4;
    return this;
  }

  /** Writes a big-endian signed 64-bit integer. */
  int64(v: bigint): this {
    this.#ensure(8);
    this.#view.setBigInt64(this.#pos, v);
    this.#pos += 8;
    return this;
  }

  /** Writes a big-endian IEEE 754 double. */
  float64(v: number): this {
    this.#ensure(8);
    this.#view.setFloat64(this.#pos, v);
    this.#pos += 8;
    return this;
  }

  /** Writes a boolean as one byte, 1 or 0. */
  bool(v: boolean): this {
    this.#ensure(1);
    this.#buf[this.#pos++] = v ? 1 : 0;
    return this;
  }

  /** Writes an unsigned varint; `v` must be an integer in 0..2^32-1. */
  uvarint(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`uvarint out of range: ${v}`);
    this.#ensure(5);
    this.#pos = putUvarint(this.#buf, this.#pos, v);
    return this;
  }

  /** Writes a zigzag-encoded signed varint; `v` must be an int32. */
  varint(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`varint out of range: ${v}`);
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /** Writes a zigzag-encoded signed varlong; `v` must fit in an int64. */
  varlong(v: bigint): this {
    // Zigzag of an int32-sized value equals its 32-bit zigzag, so skip bigint math.
    if (v >= -0x80000000n && v <= 0x7fffffffn) return this.varint(Number(v));
    if (v < -0x8000000000000000n || v > 0x7fffffffffffffffn) throw new RangeError(`varlong out of range: ${v}`);
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.#ensure(10);
    const buf = this.#buf;
    while (u >= 0x80n) {
      buf[this.#pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    buf[this.#pos++] = Number(u);
    return this;
  }

  /** Writes a string with an int16 byte-length prefix; null is written as length -1. */
  string(s: string | null): this {
    if (s === null) return this.int16(-1);
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    this.#ensure(2 + s.length * 3);
    const { written } = encoder.encodeInto(s, this.#buf.subarray(this.#pos + 2));
    if (written > 0x7fff) throw new RangeError(`string of ${written} bytes is too long for an int16 length`);
    this.#view.setInt16(this.#pos, written);
    this.#pos += 2 + written;
    return this;
  }

  /** Writes a string with an unsigned-varint (length + 1) prefix; null is written as 0. */
  compactString(s: string | null): this {
    if (s === null) return this.uvarint(0);
    const maxPrefix = uvarintSize(s.length * 3 + 1);
    this.#ensure(maxPrefix + s.length * 3);
    const start = this.#pos;
    // Encode after the largest possible prefix, then slide left if the prefix is shorter.
    const { written } = encoder.encodeInto(s, this.#buf.subarray(start + maxPrefix));
    const prefix = uvarintSize(written + 1);
    if (prefix < maxPrefix) {
      this.#buf.copyWithin(start + prefix, start + maxPrefix, start + maxPrefix + written);
    }
    this.#pos = putUvarint(this.#buf, this.#pos, written + 1);
    this.#pos += written;
    return this;
  }

  /** Writes bytes with an int32 length prefix; null is written as length -1. */
  bytes(b: Uint8Array | null, byReference = false): this {
    if (b === null) return this.int32(-1);
    this.int32(b.length);
    return byReference ? this.external(b) : this.raw(b);
  }

  /** Writes bytes with an unsigned-varint (length + 1) prefix; null is written as 0. `byReference`: see {@link external}. */
  compactBytes(b: Uint8Array | null, byReference = false): this {
    if (b === null) return this.uvarint(0);
    this.uvarint(b.length + 1);
    return byReference ? this.external(b) : this.raw(b);
  }

  /** Writes bytes with no prefix. */
  raw(b: Uint8Array): this {
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
    return this;
  }

  /** Writes a 16-byte UUID. */
  uuid(b: Uint8Array): this {
    if (b.length !== 16) throw new RangeError(`a UUID has 16 bytes, not ${b.length}`);
    return this.raw(b);
  }

  /** Writes an array with an int32 count prefix; null is written as count -1. */
  array<T>(items: readonly T[] | null, each: (w: Writer, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) each(this, item);
    return this;
  }

  /** Writes an array with an unsigned-varint (count + 1) prefix; null is written as 0. */
  compactArray<T>(items: readonly T[] | null, each: (w: Writer, item: T) => void): this {
    if (items === null) return this.uvarint(0);
    this.uvarint(items.length + 1);
    for (const item of items) each(this, item);
    return this;
  }

  /**
   * Writes a tagged-field section: the field count, then each tag, size and value.
   * Tags must be in strictly ascending order, as the protocol requires. No fields
   * writes a single 0 byte.
   */
  taggedFields(fields?: ReadonlyArray<TaggedField>): this {
    if (fields === undefined || fields.length === 0) return this.uvarint(0);
    this.uvarint(fields.length);
    let last = -1;
    for (const f of fields) {
      if (f.tag <= last) throw new RangeError(`tagged fields must be in ascending tag order (${f.tag} after ${last})`);
      last = f.tag;
      this.uvarint(f.tag).uvarint(f.data.length).raw(f.data);
    }
    return this;
  }
}
