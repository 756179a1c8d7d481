/**
 * Kafka's variable-length integers, as record format v2 writes them (KIP-98): unsigned
 * varints, 7 bits a byte, low bits first, and signed ones zigzag-encoded. Record fields
 * (lengths, offset and timestamp deltas) use them; the record batch builder sizes a record
 * before it writes it, so each has a size function beside its writer. They take JavaScript
 * numbers up to 2^53 (timestamp deltas beyond 2^51 fall back to bigint), where the
 * protocol writer's own varints are for int32 fields.
 *
 * @module
 */

/** Beyond this magnitude a zigzagged number may no longer be exact, so bigint takes over. */
const EXACT_ZIGZAG_LIMIT = 2 ** 51;

/**
 * The size of the unsigned varint `u`, a non-negative integer below 2^53.
 *
 * @example
 * ```ts
 * import { uvarintSize } from "./varint.ts";
 * uvarintSize(127); // 1
 * uvarintSize(300); // 2
 * ```
 */
export function uvarintSize(u: number): number {
  if (u < 0x80) return 1;
  if (u < 0x4000) return 2;
  if (u < 0x200000) return 3;
  if (u < 0x10000000) return 4;
  let size = 5;
  for (u = Math.floor(u / 0x800000000); u > 0; u = Math.floor(u / 128)) size++;
  return size;
}

/**
 * The size of the zigzag varint (or varlong) `n`, an integer of magnitude up to 2^51.
 *
 * @example
 * ```ts
 * import { varintSize } from "./varint.ts";
 * varintSize(-1); // 1: zigzag maps -1 to 1
 * varintSize(64); // 2: zigzag maps 64 to 128
 * ```
 */
export function varintSize(n: number): number {
  return uvarintSize(n >= 0 ? n * 2 : -n * 2 - 1);
}

/**
 * The size of the zigzag varlong of a timestamp delta, which may exceed 2^51 in theory.
 *
 * @example
 * ```ts
 * import { varlongSize } from "./varint.ts";
 * varlongSize(-1_700_000_000_000); // 6
 * ```
 */
export function varlongSize(n: number): number {
  if (n > -EXACT_ZIGZAG_LIMIT && n < EXACT_ZIGZAG_LIMIT) return varintSize(n);
  let u = BigInt.asUintN(64, (BigInt(n) << 1n) ^ (BigInt(n) >> 63n));
  let size = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    size++;
  }
  return size;
}

/**
 * Writes the unsigned varint `u` (below 2^53) at `pos` and returns the next position.
 *
 * @example
 * ```ts
 * import { putUvarint } from "./varint.ts";
 * const buf = new Uint8Array(4);
 * putUvarint(buf, 0, 300); // 2: buf starts 0xac 0x02
 * ```
 */
export function putUvarint(buf: Uint8Array, pos: number, u: number): number {
  while (u >= 0x80) {
    // `&` keeps the low 7 bits even above 2^32, since ToInt32 works modulo 2^32.
    buf[pos++] = (u & 0x7f) | 0x80;
    u = u < 0x80000000 ? u >>> 7 : Math.floor(u / 128);
  }
  buf[pos++] = u;
  return pos;
}

/**
 * Writes the zigzag varint (or varlong) `n` (magnitude up to 2^51) and returns the next position.
 *
 * @example
 * ```ts
 * import { putVarint } from "./varint.ts";
 * const buf = new Uint8Array(4);
 * putVarint(buf, 0, -2); // 1: buf[0] is 3
 * ```
 */
export function putVarint(buf: Uint8Array, pos: number, n: number): number {
  return putUvarint(buf, pos, n >= 0 ? n * 2 : -n * 2 - 1);
}

/**
 * Writes the zigzag varlong of a timestamp delta and returns the next position.
 *
 * @example
 * ```ts
 * import { putVarlong } from "./varint.ts";
 * const buf = new Uint8Array(10);
 * putVarlong(buf, 0, 2 ** 60); // 9
 * ```
 */
export function putVarlong(buf: Uint8Array, pos: number, n: number): number {
  if (n > -EXACT_ZIGZAG_LIMIT && n < EXACT_ZIGZAG_LIMIT) return putVarint(buf, pos, n);
  let u = BigInt.asUintN(64, (BigInt(n) << 1n) ^ (BigInt(n) >> 63n));
  while (u >= 0x80n) {
    buf[pos++] = Number(u & 0x7fn) | 0x80;
    u >>= 7n;
  }
  buf[pos++] = Number(u);
  return pos;
}
