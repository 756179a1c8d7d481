/**
 * Record batches, message format v2 (magic 2): a builder that encodes records straight
 * into a pooled buffer, and in-place rewriting of the producer id, epoch and sequence.
 * Reading batches back is record_batch_decoder.ts's job.
 *
 * A batch is a 61-byte header followed by the records (compressed as one block when
 * the batch is compressed):
 *
 * | offset | field                | type   |
 * |-------:|----------------------|--------|
 * |      0 | baseOffset           | int64  |
 * |      8 | batchLength          | int32 (bytes after this field) |
 * |     12 | partitionLeaderEpoch | int32  |
 * |     16 | magic                | int8 (2) |
 * |     17 | crc                  | uint32 (CRC-32C of offset 21 to the end) |
 * |     21 | attributes           | int16  |
 * |     23 | lastOffsetDelta      | int32  |
 * |     27 | baseTimestamp        | int64  |
 * |     35 | maxTimestamp         | int64  |
 * |     43 | producerId           | int64  |
 * |     51 | producerEpoch        | int16  |
 * |     53 | baseSequence         | int32  |
 * |     57 | recordCount          | int32  |
 *
 * Every function that computes a CRC needs `initCrc32c()` (crc32c.ts) to have resolved.
 *
 * @module
 */

import { crc32c } from "./crc32c.ts";
import { putUvarint, putVarlong, uvarintSize, varintSize, varlongSize } from "./varint.ts";

/** The size of a record batch header (magic 2) in bytes. */
export const RECORD_BATCH_OVERHEAD = 61;

/**
 * One record header. Keys are UTF-8 strings; values are bytes or null. A record may
 * carry the same key more than once, and the order is kept.
 */
export interface RecordHeader {
  /** The header key. */
  key: string;
  /** The header value, or null. */
  value: Uint8Array | null;
}

/**
 * A pluggable compression codec for {@linkcode RecordBatchBuilder.build}.
 */
export interface RecordBatchCompression {
  /** The codec id stored in attribute bits 0-2 (1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  id: number;
  /** Compresses the records section (everything after the batch header). */
  compress(data: Uint8Array): Uint8Array;
}

/**
 * Options of {@linkcode RecordBatchBuilder.build}.
 */
export interface RecordBatchBuildOptions {
  /** The codec to compress the records with; absent or null means none. */
  compression?: RecordBatchCompression | null;
  /** The producer id (default -1, none). */
  producerId?: bigint;
  /** The producer epoch (default -1, none). */
  producerEpoch?: number;
  /** The sequence number of the first record (default -1, none). */
  baseSequence?: number;
  /** Whether the batch is part of a transaction (default false). */
  isTransactional?: boolean;
  /** 0 for CreateTime (the default), 1 for LogAppendTime. */
  timestampType?: 0 | 1;
  /**
   * false: leave the CRC out, for a caller that stamps the producer state next with
   * {@link setProducerState}, which computes it (an idempotent producer: one CRC per batch,
   * not two). Default true.
   */
  crc?: boolean;
}

// Header field offsets.
const BATCH_LENGTH_OFFSET = 8;
const LEADER_EPOCH_OFFSET = 12;
const MAGIC_OFFSET = 16;
const CRC_OFFSET = 17;
/** Where the attributes field (and the CRC's coverage) starts. */
export const ATTRIBUTES_OFFSET = 21;
const LAST_OFFSET_DELTA_OFFSET = 23;
const BASE_TIMESTAMP_OFFSET = 27;
const MAX_TIMESTAMP_OFFSET = 35;
const PRODUCER_ID_OFFSET = 43;
const PRODUCER_EPOCH_OFFSET = 51;
const BASE_SEQUENCE_OFFSET = 53;
const RECORD_COUNT_OFFSET = 57;
/** The bytes `batchLength` does not count: baseOffset and batchLength itself. */
export const LOG_OVERHEAD = 12;
/** Length, attributes, the longest timestamp delta and the longest offset delta. */
const MAX_RECORD_OVERHEAD = 21;
/** The attribute bit of a transactional batch. */
export const TRANSACTIONAL_FLAG = 0x10;
/** The attribute bit of a control batch (transaction markers). */
export const CONTROL_FLAG = 0x20;
/** The attribute bit set when timestamps are log-append times. */
export const TIMESTAMP_TYPE_FLAG = 0x08;
/** The attribute bits that hold the compression codec id. */
export const COMPRESSION_MASK = 0x07;
/** The highest compression codec id Kafka defines (4, zstd); ids 5-7 are not defined. */
export const MAX_CODEC_ID = 4;
/** The fewest bytes one encoded record can take: seven one-byte fields. */
export const MIN_RECORD_SIZE = 7;
// One encoder for the whole process: TextEncoder is stateless.
const encoder = new TextEncoder();

/** The UTF-8 length of `s` as TextEncoder writes it (a lone surrogate becomes U+FFFD, 3 bytes). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      n += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: two code units, four bytes.
      n += 2;
      i++;
    } else {
      n += 2;
    }
  }
  return n;
}

/** The UTF-8 lengths of the header keys last sized by payloadSize, so append need not recount them. */
const headerKeyLengths: number[] = [];

/** The encoded size of the key, value and headers fields of a record. */
function payloadSize(key: Uint8Array | null, value: Uint8Array | null, headers: readonly RecordHeader[]): number {
  let size = key === null ? 1 : uvarintSize(key.length * 2) + key.length;
  size += value === null ? 1 : uvarintSize(value.length * 2) + value.length;
  size += uvarintSize(headers.length * 2);
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i];
    const keyLength = utf8Length(h.key);
    headerKeyLengths[i] = keyLength;
    size += uvarintSize(keyLength * 2) + keyLength;
    size += h.value === null ? 1 : uvarintSize(h.value.length * 2) + h.value.length;
  }
  return size;
}

/** The size of a record body (everything after its length prefix). */
function bodySize(
  offsetDelta: number,
  timestampDelta: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
  headers: readonly RecordHeader[],
): number {
  return 1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + payloadSize(key, value, headers);
}

/**
 * An upper bound of one record's encoded size, including its length prefix but not the
 * batch header ({@linkcode RECORD_BATCH_OVERHEAD}), whatever its timestamp and offset.
 * A buffer of `RECORD_BATCH_OVERHEAD + recordSizeUpperBound(...)` bytes always holds a
 * batch of that one record.
 *
 * @example
 * ```ts
 * import { recordSizeUpperBound } from "./record_batch.ts";
 * console.log(recordSizeUpperBound(null, new Uint8Array(100), [])); // 21 + 1 + 2 + 100 + 1 = 125
 * ```
 */
export function recordSizeUpperBound(key: Uint8Array | null, value: Uint8Array | null, headers: readonly RecordHeader[]): number {
  return MAX_RECORD_OVERHEAD + payloadSize(key, value, headers);
}

function checkTimestamp(timestamp: number): void {
  // -1 is the protocol's "no timestamp"; other negatives are refused, as the Java client does.
  if (!Number.isSafeInteger(timestamp) || timestamp < -1) {
    throw new RangeError(`invalid record timestamp ${timestamp}: must be a non-negative integer of milliseconds (or -1)`);
  }
}

function checkInt(v: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${what} ${v} is outside ${min}..${max}`);
}

/** Writes the fields `setProducerState` can change later. */
function putProducerState(
  view: DataView,
  producerId: bigint,
  producerEpoch: number,
  baseSequence: number,
  isTransactional: boolean,
): void {
  if (producerId < -0x8000000000000000n || producerId > 0x7fffffffffffffffn) {
    throw new RangeError(`producer id ${producerId} does not fit in an int64`);
  }
  checkInt(producerEpoch, -1, 0x7fff, "producer epoch");
  checkInt(baseSequence, -1, 0x7fffffff, "base sequence");
  view.setBigInt64(PRODUCER_ID_OFFSET, producerId);
  view.setInt16(PRODUCER_EPOCH_OFFSET, producerEpoch);
  view.setInt32(BASE_SEQUENCE_OFFSET, baseSequence);
  const attributes = view.getInt16(ATTRIBUTES_OFFSET);
  view.setInt16(ATTRIBUTES_OFFSET, isTransactional ? attributes | TRANSACTIONAL_FLAG : attributes & ~TRANSACTIONAL_FLAG);
}

function stampCrc(batch: Uint8Array, view: DataView): void {
  view.setUint32(CRC_OFFSET, crc32c(batch.subarray(ATTRIBUTES_OFFSET)));
}

/** A record without headers, shared so that appending one allocates nothing. */
export const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

/**
 * Encodes one record batch (magic 2) straight into a caller-provided buffer, the way
 * the Java client's MemoryRecordsBuilder does: the 61-byte header is reserved up
 * front, each `append` writes one record after it, and `build` fills in the header.
 *
 * `writeLimit` is the batch-size budget (`batch.size`) that {@linkcode hasRoomFor}
 * enforces; `append` itself only refuses records that do not fit in the buffer. The
 * first record always has room as long as the buffer holds it, so size the buffer as
 * `max(batchSize, RECORD_BATCH_OVERHEAD + recordSizeUpperBound(...))` for it.
 *
 * Record timestamps are stored as deltas from the first record's timestamp, so a later
 * record may carry an earlier timestamp.
 *
 * @example Build a batch of two records
 * ```ts
 * import { initCrc32c } from "./crc32c.ts";
 * import { RecordBatchBuilder } from "./record_batch.ts";
 * await initCrc32c();
 * const b = new RecordBatchBuilder(new Uint8Array(16384), 16384);
 * const value = new TextEncoder().encode("hello");
 * if (b.hasRoomFor(1000, null, value, [])) b.append(1000, null, value, []);
 * b.append(1001, null, null, [{ key: "k", value: null }]);
 * const batch = b.build({});
 * console.log(b.recordCount, batch.length); // 2 ...
 * ```
 */
export class RecordBatchBuilder {
  readonly #buf: Uint8Array;
  readonly #limit: number;
  #pos = RECORD_BATCH_OVERHEAD;
  #count = 0;
  #baseTimestamp = 0;
  #maxTimestamp = -1;
  #built = false;

  /**
   * @param buffer Where the batch is encoded; must hold at least the 61-byte header.
   * @param writeLimit The batch-size budget in bytes, header included.
   */
  constructor(buffer: Uint8Array, writeLimit: number) {
    if (buffer.length < RECORD_BATCH_OVERHEAD) {
      throw new RangeError(`a record batch buffer needs at least ${RECORD_BATCH_OVERHEAD} bytes, not ${buffer.length}`);
    }
    if (!Number.isInteger(writeLimit) || writeLimit < 0) throw new RangeError(`invalid write limit ${writeLimit}`);
    this.#buf = buffer;
    this.#limit = writeLimit;
  }

  /** The number of records appended. */
  get recordCount(): number {
    return this.#count;
  }

  /** The bytes written so far, header included (before compression). */
  get sizeInBytes(): number {
    return this.#pos;
  }

  /** The first record's timestamp (0 while the batch is empty). */
  get baseTimestamp(): number {
    return this.#baseTimestamp;
  }

  /** The largest record timestamp so far (-1 while the batch is empty). */
  get maxTimestamp(): number {
    return this.#maxTimestamp;
  }

  /** Whether `build` has been called; a built batch takes no more records. */
  get isBuilt(): boolean {
    return this.#built;
  }

  /**
   * Whether a record fits: in the buffer, and (unless the batch is still empty) within
   * the write limit. Compression is not taken into account, so the estimate errs on
   * the side of smaller batches.
   */
  hasRoomFor(timestamp: number, key: Uint8Array | null, value: Uint8Array | null, headers: readonly RecordHeader[]): boolean {
    return this.#bodySizeIfFits(timestamp, key, value, headers) >= 0;
  }

  /** The record's body size when it fits (see hasRoomFor), else -1. Also measures its header keys for #write. */
  #bodySizeIfFits(timestamp: number, key: Uint8Array | null, value: Uint8Array | null, headers: readonly RecordHeader[]): number {
    if (this.#built) return -1;
    const body = bodySize(this.#count, this.#count === 0 ? 0 : timestamp - this.#baseTimestamp, key, value, headers);
    const end = this.#pos + uvarintSize(body * 2) + body;
    return end <= this.#buf.length && (this.#count === 0 || end <= this.#limit) ? body : -1;
  }

  /**
   * Appends a record and returns its offset delta (its index in the batch). Throws a
   * RangeError if the buffer cannot hold it, if the timestamp is invalid, or if the
   * batch is already built.
   */
  append(timestamp: number, key: Uint8Array | null, value: Uint8Array | null, headers: readonly RecordHeader[]): number {
    if (this.#built) throw new RangeError("cannot append to a record batch that is already built");
    checkTimestamp(timestamp);
    // The size comes first so the length prefix can be written before the body.
    const body = bodySize(this.#count, this.#count === 0 ? 0 : timestamp - this.#baseTimestamp, key, value, headers);
    if (this.#pos + uvarintSize(body * 2) + body > this.#buf.length) {
      throw new RangeError(`record of ${body} bytes does not fit in the ${this.#buf.length - this.#pos} bytes left in the batch buffer`);
    }
    return this.#write(timestamp, key, value, headers, body);
  }

  /**
   * Appends the record if it fits, as {@linkcode RecordBatchBuilder.hasRoomFor} decides,
   * and returns its offset delta; returns -1, writing nothing, when it does not fit or
   * the batch is built. One size computation serves both steps (the producer's hot path).
   *
   * @example
   * ```ts
   * import { RecordBatchBuilder } from "./record_batch.ts";
   * const b = new RecordBatchBuilder(new Uint8Array(100), 100);
   * console.log(b.tryAppend(1000, null, new Uint8Array(10), []), b.tryAppend(1000, null, new Uint8Array(50), [])); // 0 -1
   * ```
   */
  tryAppend(timestamp: number, key: Uint8Array | null, value: Uint8Array | null, headers: readonly RecordHeader[]): number {
    const body = this.#bodySizeIfFits(timestamp, key, value, headers);
    if (body < 0) return -1;
    checkTimestamp(timestamp);
    return this.#write(timestamp, key, value, headers, body);
  }

  /** Writes a record whose body size was just computed (bodySize also measured its header keys). */
  #write(timestamp: number, key: Uint8Array | null, value: Uint8Array | null, headers: readonly RecordHeader[], body: number): number {
    const offsetDelta = this.#count;
    if (offsetDelta === 0) this.#baseTimestamp = timestamp;
    const timestampDelta = timestamp - this.#baseTimestamp;
    const buf = this.#buf;
    let pos = this.#pos;
    pos = putUvarint(buf, pos, body * 2);
    buf[pos++] = 0; // record attributes: unused
    pos = putVarlong(buf, pos, timestampDelta);
    pos = putUvarint(buf, pos, offsetDelta * 2);
    pos = putBytes(buf, pos, key);
    pos = putBytes(buf, pos, value);
    pos = putUvarint(buf, pos, headers.length * 2);
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i];
      const k = h.key;
      const keyLength = headerKeyLengths[i];
      pos = putUvarint(buf, pos, keyLength * 2);
      if (keyLength === k.length) {
        // Pure ASCII: copying code units beats a subarray and encodeInto for short keys.
        for (let j = 0; j < keyLength; j++) buf[pos + j] = k.charCodeAt(j);
      } else {
        encoder.encodeInto(k, buf.subarray(pos, pos + keyLength));
      }
      pos = putBytes(buf, pos + keyLength, h.value);
    }
    this.#pos = pos;
    this.#count = offsetDelta + 1;
    if (timestamp > this.#maxTimestamp) this.#maxTimestamp = timestamp;
    return offsetDelta;
  }

  /**
   * Finishes the batch: fills in the header (base offset 0, partition leader epoch -1)
   * and the CRC, and returns the batch. Without compression the result is a view of
   * the builder's buffer; with a codec the records section is compressed into a new
   * array and the buffer is left as it was. Throws if the batch is empty or already
   * built.
   */
  build(options: RecordBatchBuildOptions = {}): Uint8Array {
    if (this.#built) throw new RangeError("the record batch is already built");
    if (this.#count === 0) throw new RangeError("cannot build a record batch without records");
    const codec = options.compression ?? null;
    const codecId = codec === null ? 0 : codec.id;
    checkInt(codecId, 0, COMPRESSION_MASK, "compression codec id");
    const timestampType = options.timestampType ?? 0;
    if (timestampType !== 0 && timestampType !== 1) throw new RangeError(`invalid timestamp type ${timestampType}`);
    let batch = this.#buf.subarray(0, this.#pos);
    if (codec !== null && codecId !== 0) {
      const compressed = codec.compress(this.#buf.subarray(RECORD_BATCH_OVERHEAD, this.#pos));
      batch = new Uint8Array(RECORD_BATCH_OVERHEAD + compressed.length);
      batch.set(compressed, RECORD_BATCH_OVERHEAD);
    }
    const view = new DataView(batch.buffer, batch.byteOffset, RECORD_BATCH_OVERHEAD);
    view.setBigInt64(0, 0n);
    view.setInt32(BATCH_LENGTH_OFFSET, batch.length - LOG_OVERHEAD);
    view.setInt32(LEADER_EPOCH_OFFSET, -1);
    view.setInt8(MAGIC_OFFSET, 2);
    view.setInt16(ATTRIBUTES_OFFSET, codecId | (timestampType === 1 ? TIMESTAMP_TYPE_FLAG : 0));
    view.setInt32(LAST_OFFSET_DELTA_OFFSET, this.#count - 1);
    view.setBigInt64(BASE_TIMESTAMP_OFFSET, BigInt(this.#baseTimestamp));
    view.setBigInt64(MAX_TIMESTAMP_OFFSET, BigInt(this.#maxTimestamp));
    putProducerState(
      view,
      options.producerId ?? -1n,
      options.producerEpoch ?? -1,
      options.baseSequence ?? -1,
      options.isTransactional ?? false,
    );
    view.setInt32(RECORD_COUNT_OFFSET, this.#count);
    if (options.crc !== false) stampCrc(batch, view);
    this.#built = true;
    return batch;
  }
}

/** Writes a varint length (-1 for null) and the bytes; returns the next position. */
function putBytes(buf: Uint8Array, pos: number, b: Uint8Array | null): number {
  if (b === null) {
    buf[pos] = 1; // zigzag(-1)
    return pos + 1;
  }
  const n = b.length;
  pos = putUvarint(buf, pos, n * 2);
  // For short fields a loop beats set(), whose call overhead dominates.
  if (n < 32) { for (let i = 0; i < n; i++) buf[pos + i] = b[i]; }
  else buf.set(b, pos);
  return pos + n;
}

/**
 * Rewrites the producer id, producer epoch, base sequence and transactional bit of an
 * already built batch and recomputes its CRC, in place. An idempotent producer uses
 * this to assign sequence numbers when it drains a batch, not when it builds it.
 *
 * @example
 * ```ts
 * import { initCrc32c } from "./crc32c.ts";
 * import { RecordBatchBuilder, setProducerState } from "./record_batch.ts";
 * await initCrc32c();
 * const b = new RecordBatchBuilder(new Uint8Array(1024), 1024);
 * b.append(1000, null, new Uint8Array([1]), []);
 * const batch = b.build({});
 * setProducerState(batch, 4000n, 0, 17, false);
 * ```
 */
export function setProducerState(
  batch: Uint8Array,
  producerId: bigint,
  producerEpoch: number,
  baseSequence: number,
  isTransactional: boolean,
): void {
  if (batch.length < RECORD_BATCH_OVERHEAD || batch[MAGIC_OFFSET] !== 2) {
    throw new RangeError("setProducerState needs a built record batch of magic 2");
  }
  const view = new DataView(batch.buffer, batch.byteOffset, RECORD_BATCH_OVERHEAD);
  putProducerState(view, producerId, producerEpoch, baseSequence, isTransactional);
  stampCrc(batch, view);
}
