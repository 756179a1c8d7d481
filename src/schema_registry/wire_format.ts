/**
 * Confluent's wire format for a key or value written with a Schema Registry: magic byte
 * 0, the schema id as a 4-byte big-endian integer, then (Protobuf only) the message
 * indexes that locate the message type in its .proto file, then the payload.
 *
 * Message indexes are written as Confluent's serializers write them
 * (`MessageIndexes.toByteArray` in Java, `_create_index_array` in Python): a count,
 * then each index, all as zig-zag varints; the common case, the file's first message
 * (`[0]`), is the single byte 0.
 *
 * @module
 */
import { SerializationError } from "../errors.ts";

/** The first byte of every record written in Confluent's wire format. */
export const MAGIC_BYTE = 0;
const HEADER_SIZE = 5;

/** A record's schema id and where its payload starts (after the indexes, for Protobuf). */
export interface Frame {
  /** The schema id the registry gave the writer's schema. */
  schemaId: number;
  /** Protobuf's message indexes; undefined unless read with `withIndexes`. */
  messageIndexes?: number[];
  /** The bytes after the header. */
  payload: Uint8Array;
}

function zigzagVarintSize(value: number): number {
  let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  let size = 1;
  while (zigzag >= 0x80) {
    zigzag >>>= 7;
    size++;
  }
  return size;
}

function writeZigzagVarint(out: Uint8Array, at: number, value: number): number {
  let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  while (zigzag >= 0x80) {
    out[at++] = (zigzag & 0x7f) | 0x80;
    zigzag >>>= 7;
  }
  out[at++] = zigzag;
  return at;
}

/**
 * The message indexes as Confluent writes them: `[0]` as the single byte 0, anything
 * else as a zig-zag varint count followed by each index.
 *
 * @example
 * ```ts
 * import { encodeMessageIndexes } from "./wire_format.ts";
 * console.log(encodeMessageIndexes([0])); // Uint8Array(1) [0]
 * console.log(encodeMessageIndexes([1, 0])); // Uint8Array(3) [4, 2, 0]
 * ```
 */
export function encodeMessageIndexes(indexes: readonly number[]): Uint8Array {
  if (indexes.length === 1 && indexes[0] === 0) return new Uint8Array([0]);
  let size = zigzagVarintSize(indexes.length);
  for (const index of indexes) size += zigzagVarintSize(index);
  const out = new Uint8Array(size);
  let at = writeZigzagVarint(out, 0, indexes.length);
  for (const index of indexes) at = writeZigzagVarint(out, at, index);
  return out;
}

/**
 * Magic byte, schema id, the message indexes if any, then the payload, in one array.
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./wire_format.ts";
 * console.log(encodeFrame(7, new Uint8Array([1, 2]))); // Uint8Array(7) [0, 0, 0, 0, 7, 1, 2]
 * ```
 */
export function encodeFrame(schemaId: number, payload: Uint8Array, messageIndexes?: Uint8Array): Uint8Array {
  const indexes = messageIndexes?.length ?? 0;
  const out = new Uint8Array(HEADER_SIZE + indexes + payload.length);
  out[0] = MAGIC_BYTE;
  new DataView(out.buffer).setUint32(1, schemaId);
  if (messageIndexes !== undefined) out.set(messageIndexes, HEADER_SIZE);
  out.set(payload, HEADER_SIZE + indexes);
  return out;
}

function readZigzagVarint(bytes: Uint8Array, cursor: { at: number }, what: string): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (cursor.at >= bytes.length) throw new SerializationError(`${what}: the message indexes end in the middle of a varint`);
    const byte = bytes[cursor.at++];
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return (result >>> 1) ^ -(result & 1);
  }
  throw new SerializationError(`${what}: a message index varint is longer than 5 bytes`);
}

/**
 * Reads the header of a record written in Confluent's wire format; `withIndexes` also
 * reads Protobuf's message indexes. A record not in that format is a SerializationError
 * saying what its first bytes are.
 *
 * @example
 * ```ts
 * import { decodeFrame } from "./wire_format.ts";
 * const { schemaId, payload } = decodeFrame(new Uint8Array([0, 0, 0, 0, 7, 1, 2]), "orders value");
 * console.log(schemaId, payload); // 7 Uint8Array(2) [1, 2]
 * ```
 */
export function decodeFrame(bytes: Uint8Array, what: string, withIndexes = false): Frame {
  if (!(bytes instanceof Uint8Array)) throw new SerializationError(`${what}: expected bytes (Uint8Array), not ${typeof bytes}`);
  if (bytes.length < HEADER_SIZE || bytes[0] !== MAGIC_BYTE) {
    const start = Array.from(bytes.subarray(0, 5), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new SerializationError(
      `${what} is not in Confluent's wire format (magic byte 0 and a 4-byte schema id): ${bytes.length} bytes starting ${
        start || "(empty)"
      }`,
    );
  }
  const schemaId = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
  if (!withIndexes) return { schemaId, payload: bytes.subarray(HEADER_SIZE) };
  const cursor = { at: HEADER_SIZE };
  const count = readZigzagVarint(bytes, cursor, what);
  if (count < 0 || count > 100) throw new SerializationError(`${what}: ${count} message indexes is not a plausible count`);
  const messageIndexes = count === 0 ? [0] : Array.from({ length: count }, () => readZigzagVarint(bytes, cursor, what));
  return { schemaId, messageIndexes, payload: bytes.subarray(cursor.at) };
}
