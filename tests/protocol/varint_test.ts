import { test } from "node:test";
import assert from "node:assert/strict";
import { putUvarint, putVarint, putVarlong, uvarintSize, varintSize, varlongSize } from "../../src/protocol/varint.ts";

// The encodings spelled out with bigint, 7 bits at a time, independent of the code under test.
function referenceUvarint(u: bigint): number[] {
  const bytes: number[] = [];
  while (u >= 0x80n) {
    bytes.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  bytes.push(Number(u));
  return bytes;
}
const zigzag = (n: bigint): bigint => BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));

// Each length's edges, the 32-bit edges where `>>>` and division part ways, and the bigint fall-back's edge (2^51).
const edges = [0, 1, 2 ** 7 - 1, 2 ** 7, 2 ** 14 - 1, 2 ** 14, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28];
const unsigned = [...edges, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 35 - 1, 2 ** 35, 2 ** 49, 2 ** 51, 2 ** 53 - 1];
const signed = [...edges, 2 ** 31, 2 ** 32, 2 ** 50, 2 ** 51 - 1].flatMap((n) => [n, -n]);
const timestampDeltas = [...signed, 2 ** 51, -(2 ** 51), 2 ** 60, -(2 ** 60), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];

function written(put: (buf: Uint8Array, pos: number, n: number) => number, n: number): number[] {
  const buf = new Uint8Array(16).fill(0xee);
  // From position 3, so the returned position is checked as an offset, not a length.
  const end = put(buf, 3, n);
  return [...buf.subarray(3, end)];
}

test("unsigned varints: the bytes and the size agree with a bigint encoder up to 2^53", () => {
  for (const u of unsigned) {
    const expected = referenceUvarint(BigInt(u));
    assert.deepEqual(written(putUvarint, u), expected, `putUvarint(${u})`);
    assert.equal(uvarintSize(u), expected.length, `uvarintSize(${u})`);
  }
});

test("zigzag varints: the bytes and the size agree with a bigint encoder, negative and positive", () => {
  for (const n of signed) {
    const expected = referenceUvarint(zigzag(BigInt(n)));
    assert.deepEqual(written(putVarint, n), expected, `putVarint(${n})`);
    assert.equal(varintSize(n), expected.length, `varintSize(${n})`);
  }
});

test("zigzag varlongs: past 2^51 they go through bigint and stay exact, to the safe integers' ends", () => {
  for (const n of timestampDeltas) {
    const expected = referenceUvarint(zigzag(BigInt(n)));
    assert.deepEqual(written(putVarlong, n), expected, `putVarlong(${n})`);
    assert.equal(varlongSize(n), expected.length, `varlongSize(${n})`);
  }
});
