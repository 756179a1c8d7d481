/**
 * Reading record batches (magic 2) back: for splitting a batch the broker refused as
 * too large, for tests, and for fuzzing. Every malformed input is a CorruptResponseError.
 *
 * @module
 */
import { CorruptResponseError, KafkaError } from "../errors.ts";
import { crc32c } from "./crc32c.ts";
import { Reader } from "./reader.ts";
import type { RecordHeader } from "./record_batch.ts";
import {
  ATTRIBUTES_OFFSET,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  LOG_OVERHEAD,
  MAX_CODEC_ID,
  MIN_RECORD_SIZE,
  RECORD_BATCH_OVERHEAD,
  TIMESTAMP_TYPE_FLAG,
  TRANSACTIONAL_FLAG,
} from "./record_batch.ts";

/**
 * One record read back by {@linkcode decodeRecordBatches}. Keys, values and header
 * values are views of the input (or of the decompressed records), not copies.
 */
export interface DecodedRecord {
  /** The record's offset relative to the batch's base offset. */
  offsetDelta: number;
  /** Base timestamp + delta, in ms; in LogAppendTime batches the batch's maxTimestamp applies instead. */
  timestamp: number;
  /** The key, or null. */
  key: Uint8Array | null;
  /** The value, or null (a tombstone). */
  value: Uint8Array | null;
  /** The headers, in order. */
  headers: RecordHeader[];
}

/**
 * One record batch read back by {@linkcode decodeRecordBatches}: its header fields and
 * its records.
 *
 * @example
 * ```ts
 * import type { DecodedRecordBatch } from "./record_batch_decoder.ts";
 * function count(b: DecodedRecordBatch): number { return b.records.length; }
 * console.log(typeof count);
 * ```
 */
export interface DecodedRecordBatch {
  /** The offset of the first record (0 in batches a producer sends). */
  baseOffset: bigint;
  /** The batch size minus the 12 bytes of baseOffset and batchLength. */
  batchLength: number;
  /** The leader epoch the broker stamped, or -1. */
  partitionLeaderEpoch: number;
  /** The format version; always 2. */
  magic: number;
  /** The stored CRC-32C (already verified). */
  crc: number;
  /** The raw attributes. */
  attributes: number;
  /** The compression codec id (attribute bits 0-2). */
  compression: number;
  /** 0 for CreateTime, 1 for LogAppendTime (attribute bit 3). */
  timestampType: 0 | 1;
  /** Attribute bit 4. */
  isTransactional: boolean;
  /** Attribute bit 5: the records are control records (transaction markers). */
  isControl: boolean;
  /** The offset delta of the last record. */
  lastOffsetDelta: number;
  /** The first record's timestamp. */
  baseTimestamp: number;
  /** The largest timestamp in the batch. */
  maxTimestamp: number;
  /** The producer id, or -1. */
  producerId: bigint;
  /** The producer epoch, or -1. */
  producerEpoch: number;
  /** The first record's sequence number, or -1. */
  baseSequence: number;
  /** The records. */
  records: DecodedRecord[];
}

/**
 * Decodes one or more concatenated record batches (magic 2), verifying each CRC.
 * Compressed batches are passed to `decompress` with their codec id. Any mismatch,
 * truncation or malformed field throws {@linkcode CorruptResponseError}; a compressed
 * batch without a `decompress` throws {@linkcode KafkaError}.
 *
 * @example
 * ```ts
 * import { initCrc32c } from "./crc32c.ts";
 * import { RecordBatchBuilder } from "./record_batch.ts";
 * import { decodeRecordBatches } from "./record_batch_decoder.ts";
 * await initCrc32c();
 * const b = new RecordBatchBuilder(new Uint8Array(1024), 1024);
 * b.append(1000, null, new TextEncoder().encode("hi"), []);
 * const [batch] = decodeRecordBatches(b.build({}));
 * console.log(batch.records[0].timestamp); // 1000
 * ```
 */
export function decodeRecordBatches(
  bytes: Uint8Array,
  decompress?: (codecId: number, data: Uint8Array) => Uint8Array,
): DecodedRecordBatch[] {
  const out: DecodedRecordBatch[] = [];
  let at = 0;
  while (at < bytes.length) {
    const r = new Reader(bytes, at);
    r.int64(); // base offset, read again below with the rest of the header
    const batchLength = r.int32();
    if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD || batchLength > r.remaining) {
      throw new CorruptResponseError(
        `record batch at offset ${at} has length ${batchLength}, but ${r.remaining} bytes remain and a header needs ${
          RECORD_BATCH_OVERHEAD - LOG_OVERHEAD
        }`,
      );
    }
    const end = at + LOG_OVERHEAD + batchLength;
    out.push(decodeBatch(bytes.subarray(at, end), at, decompress));
    at = end;
  }
  return out;
}

function decodeBatch(
  batch: Uint8Array,
  at: number,
  decompress: ((codecId: number, data: Uint8Array) => Uint8Array) | undefined,
): DecodedRecordBatch {
  const r = new Reader(batch);
  const baseOffset = r.int64();
  const batchLength = r.int32();
  const partitionLeaderEpoch = r.int32();
  const magic = r.int8();
  if (magic !== 2) throw new CorruptResponseError(`record batch at offset ${at} has magic ${magic}, not 2`);
  const crc = r.uint32();
  const actual = crc32c(batch.subarray(ATTRIBUTES_OFFSET));
  if (crc !== actual) {
    throw new CorruptResponseError(
      `record batch at offset ${at} is corrupt: stored CRC ${crc.toString(16)} but computed ${actual.toString(16)}`,
    );
  }
  const attributes = r.int16();
  const lastOffsetDelta = r.int32();
  const baseTimestamp = timestampField(r.int64(), "base timestamp", at);
  const maxTimestamp = timestampField(r.int64(), "max timestamp", at);
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const baseSequence = r.int32();
  const recordCount = r.int32();
  const compression = attributes & COMPRESSION_MASK;
  let section = r.raw(r.remaining);
  if (compression !== 0) {
    if (compression > MAX_CODEC_ID) {
      throw new CorruptResponseError(`record batch at offset ${at} has unknown compression codec ${compression}`);
    }
    if (decompress === undefined) {
      throw new KafkaError(`record batch at offset ${at} is compressed with codec ${compression}, but no decompressor was given`);
    }
    try {
      section = decompress(compression, section);
    } catch (e) {
      throw new CorruptResponseError(`cannot decompress record batch at offset ${at} (codec ${compression})`, e);
    }
  }
  // Checked before the loop so a huge count cannot make it run (or allocate) for long.
  if (recordCount < 0 || recordCount * MIN_RECORD_SIZE > section.length) {
    throw new CorruptResponseError(`record batch at offset ${at} claims ${recordCount} records in ${section.length} bytes`);
  }
  const records: DecodedRecord[] = [];
  const rr = new Reader(section);
  for (let i = 0; i < recordCount; i++) records.push(decodeRecord(rr, baseTimestamp, at));
  if (rr.remaining !== 0) {
    throw new CorruptResponseError(`record batch at offset ${at} has ${rr.remaining} bytes after its ${recordCount} records`);
  }
  return {
    baseOffset,
    batchLength,
    partitionLeaderEpoch,
    magic,
    crc,
    attributes,
    compression,
    timestampType: (attributes & TIMESTAMP_TYPE_FLAG) !== 0 ? 1 : 0,
    isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControl: (attributes & CONTROL_FLAG) !== 0,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId,
    producerEpoch,
    baseSequence,
    records,
  };
}

function timestampField(v: bigint, what: string, at: number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new CorruptResponseError(`record batch at offset ${at} has ${what} ${v} out of range`);
  return n;
}

function decodeRecord(section: Reader, baseTimestamp: number, at: number): DecodedRecord {
  const length = section.varint();
  if (length < 0 || length > section.remaining) {
    throw new CorruptResponseError(`record in batch at offset ${at} has length ${length} but ${section.remaining} bytes remain`);
  }
  // A reader bounded to this record, so a bad inner length cannot reach the next record.
  const r = new Reader(section.raw(length));
  r.int8(); // attributes: unused
  const timestamp = timestampField(BigInt(baseTimestamp) + r.varlong(), "record timestamp", at);
  const offsetDelta = r.varint();
  const key = varintBytes(r);
  const value = varintBytes(r);
  const headerCount = r.varint();
  // Each header takes at least two bytes.
  if (headerCount < 0 || headerCount * 2 > r.remaining) {
    throw new CorruptResponseError(`record in batch at offset ${at} claims ${headerCount} headers in ${r.remaining} bytes`);
  }
  const headers: RecordHeader[] = [];
  for (let i = 0; i < headerCount; i++) {
    const keyBytes = varintBytes(r);
    if (keyBytes === null) throw new CorruptResponseError(`record header in batch at offset ${at} has a null key`);
    headers.push({ key: utf8(keyBytes, at), value: varintBytes(r) });
  }
  if (r.remaining !== 0) {
    throw new CorruptResponseError(`record in batch at offset ${at} has ${r.remaining} bytes after its last header`);
  }
  return { offsetDelta, timestamp, key, value, headers };
}

function varintBytes(r: Reader): Uint8Array | null {
  const n = r.varint();
  if (n === -1) return null;
  if (n < 0) throw new CorruptResponseError(`invalid record field length ${n} at offset ${r.offset}`);
  return r.raw(n); // bounds-checked by the reader before anything is sliced
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function utf8(b: Uint8Array, at: number): string {
  try {
    return decoder.decode(b);
  } catch (e) {
    throw new CorruptResponseError(`record header key in batch at offset ${at} is not valid UTF-8`, e);
  }
}
