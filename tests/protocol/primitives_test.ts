import { test } from "node:test";
import assert from "node:assert/strict";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { hex } from "../support/helpers.ts";

function bytesOf(fill: (w: Writer) => void): Uint8Array {
  const w = new Writer(1);
  fill(w);
  return w.finish();
}

test("fixed-width integers are big-endian and round-trip", () => {
  const b = bytesOf((w) => w.int8(-2).int16(-2).int32(-2).uint32(0xfffffffe).int64(-2n).float64(1.5).bool(true).bool(false));
  assert.deepEqual(
    b,
    hex("fe fffe fffffffe fffffffe fffffffffffffffe 3ff8000000000000 01 00"),
  );
  const r = new Reader(b);
  assert.equal(r.int8(), -2);
  assert.equal(r.int16(), -2);
  assert.equal(r.int32(), -2);
  assert.equal(r.uint32(), 0xfffffffe);
  assert.equal(r.int64(), -2n);
  assert.equal(r.float64(), 1.5);
  assert.equal(r.bool(), true);
  assert.equal(r.bool(), false);
  assert.equal(r.remaining, 0);
});

test("int64 extremes round-trip", () => {
  for (const v of [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n + 1n]) {
    assert.equal(new Reader(bytesOf((w) => w.int64(v))).int64(), v);
  }
  assert.deepEqual(bytesOf((w) => w.int64(-(2n ** 63n))), hex("8000000000000000"));
  assert.deepEqual(bytesOf((w) => w.int64(2n ** 63n - 1n)), hex("7fffffffffffffff"));
});

test("int32 and int16 extremes round-trip", () => {
  const b = bytesOf((w) => w.int32(-2147483648).int32(2147483647).int16(-32768).int16(32767).uint32(0));
  const r = new Reader(b);
  assert.deepEqual([r.int32(), r.int32(), r.int16(), r.int16(), r.uint32()], [-2147483648, 2147483647, -32768, 32767, 0]);
});

/** Each value encodes to its hex and reads back as itself. */
function roundTrips<T>(kind: string, cases: Array<[T, string]>, write: (w: Writer, v: T) => unknown, read: (r: Reader) => T) {
  for (const [v, h] of cases) {
    const b = bytesOf((w) => write(w, v));
    assert.deepEqual(b, hex(h), `${kind} ${v}`);
    assert.equal(read(new Reader(b)), v);
  }
}

test("uvarint boundaries", () => {
  const cases: Array<[number, string]> = [
    [0, "00"],
    [1, "01"],
    [127, "7f"],
    [128, "8001"],
    [300, "ac02"],
    [16383, "ff7f"],
    [16384, "808001"],
    [2097151, "ffff7f"],
    [2097152, "80808001"],
    [268435455, "ffffff7f"],
    [268435456, "8080808001"],
    [2147483647, "ffffffff07"],
    [4294967295, "ffffffff0f"],
  ];
  roundTrips("uvarint", cases, (w, v) => w.uvarint(v), (r) => r.uvarint());
});

test("varint zigzag boundaries, including negatives", () => {
  const cases: Array<[number, string]> = [
    [0, "00"],
    [-1, "01"],
    [1, "02"],
    [-2, "03"],
    [63, "7e"],
    [-64, "7f"],
    [64, "8001"],
    [-65, "8101"],
    [2147483647, "feffffff0f"],
    [-2147483648, "ffffffff0f"],
  ];
  roundTrips("varint", cases, (w, v) => w.varint(v), (r) => r.varint());
});

test("varlong zigzag boundaries, including int64 extremes", () => {
  const cases: Array<[bigint, string]> = [
    [0n, "00"],
    [-1n, "01"],
    [1n, "02"],
    [-64n, "7f"],
    [64n, "8001"],
    [2147483647n, "feffffff0f"],
    [-2147483648n, "ffffffff0f"],
    [2147483648n, "8080808010"],
    [-2147483649n, "8180808010"],
    [2n ** 63n - 1n, "feffffffffffffffff01"],
    [-(2n ** 63n), "ffffffffffffffffff01"],
  ];
  roundTrips("varlong", cases, (w, v) => w.varlong(v), (r) => r.varlong());
});

test("strings: null vs empty, int16 and compact prefixes", () => {
  const b = bytesOf((w) => w.string(null).string("").string("ab").compactString(null).compactString("").compactString("ab"));
  assert.deepEqual(b, hex('ffff 0000 0002 "ab" 00 01 03 "ab"'));
  const r = new Reader(b);
  assert.equal(r.string(), null);
  assert.equal(r.string(), "");
  assert.equal(r.string(), "ab");
  assert.equal(r.compactString(), null);
  assert.equal(r.compactString(), "");
  assert.equal(r.compactString(), "ab");
  assert.equal(r.remaining, 0);
});

test("UTF-8 multibyte strings use byte lengths", () => {
  const s = "é€😀"; // 2 + 3 + 4 bytes
  const b = bytesOf((w) => w.string(s).compactString(s));
  assert.deepEqual(b, hex("0009 c3a9 e282ac f09f9880 0a c3a9 e282ac f09f9880"));
  const r = new Reader(b);
  assert.equal(r.string(), s);
  assert.equal(r.compactString(), s);
});

test("compact strings whose length prefix needs more than one byte", () => {
  for (const n of [126, 127, 128, 200, 16383, 16384, 70000]) {
    const s = "x".repeat(n);
    const b = bytesOf((w) => w.int8(7).compactString(s).int8(9));
    const r = new Reader(b);
    assert.equal(r.int8(), 7);
    assert.equal(r.uvarint(), n + 1);
    assert.equal(r.remaining, n + 1);
    const again = new Reader(b, 1);
    assert.equal(again.compactString(), s);
    assert.equal(again.int8(), 9);
  }
  // Multibyte text whose worst-case size needs a longer prefix than its real size.
  const s = "é".repeat(50); // 100 bytes: a 1-byte prefix, though the worst case (150) needs 2
  const b = bytesOf((w) => w.compactString(s));
  assert.equal(b.length, 101);
  assert.deepEqual(b.subarray(0, 1), hex("65"));
  assert.equal(new Reader(b).compactString(), s);
});

test("string longer than int16 is refused", () => {
  assert.throws(() => new Writer().string("x".repeat(0x8000)), RangeError);
});

test("bytes: null vs empty, views not copies", () => {
  const data = new Uint8Array([1, 2, 3]);
  const b = bytesOf((w) => w.bytes(null).bytes(new Uint8Array(0)).bytes(data).compactBytes(null).compactBytes(data));
  assert.deepEqual(b, hex("ffffffff 00000000 00000003 010203 00 04 010203"));
  const r = new Reader(b);
  assert.equal(r.bytes(), null);
  assert.deepEqual(r.bytes(), new Uint8Array(0));
  const view = r.bytes();
  assert.deepEqual(view, data);
  assert.equal(view?.buffer, b.buffer);
  assert.equal(r.compactBytes(), null);
  assert.deepEqual(r.compactBytes(), data);
});

test("uuid and raw", () => {
  const id = hex("000102030405060708090a0b0c0d0e0f");
  const b = bytesOf((w) => w.uuid(id).raw(hex("abcd")));
  const r = new Reader(b);
  assert.deepEqual(r.uuid(), id);
  assert.deepEqual(r.raw(2), hex("abcd"));
  assert.throws(() => new Writer().uuid(new Uint8Array(15)), RangeError);
});

test("arrays: null vs empty, int32 and compact counts", () => {
  const each = (w: Writer, n: number) => void w.int8(n);
  const b = bytesOf((w) =>
    w.array(null, each).array([], each).array([5, 6], each).compactArray(null, each).compactArray([], each).compactArray([7], each)
  );
  assert.deepEqual(b, hex("ffffffff 00000000 00000002 0506 00 01 02 07"));
  const r = new Reader(b);
  const rd = (x: Reader) => x.int8();
  assert.equal(r.array(rd), null);
  assert.deepEqual(r.array(rd), []);
  assert.deepEqual(r.array(rd), [5, 6]);
  assert.equal(r.compactArray(rd), null);
  assert.deepEqual(r.compactArray(rd), []);
  assert.deepEqual(r.compactArray(rd), [7]);
});

test("tagged fields: none is one zero byte; fields round-trip in order", () => {
  assert.deepEqual(bytesOf((w) => w.taggedFields()), hex("00"));
  assert.deepEqual(bytesOf((w) => w.taggedFields([])), hex("00"));
  const fields = [{ tag: 0, data: hex("0102") }, { tag: 200, data: hex("") }];
  const b = bytesOf((w) => w.taggedFields(fields));
  assert.deepEqual(b, hex("02 00 02 0102 c801 00"));
  assert.deepEqual(new Reader(b).taggedFields(), fields);
  assert.throws(() => new Writer().taggedFields([{ tag: 2, data: hex("") }, { tag: 1, data: hex("") }]), RangeError);
});

test("writer grows by doubling and keeps earlier bytes", () => {
  const w = new Writer(2);
  for (let i = 0; i < 1000; i++) w.int32(i);
  assert.equal(w.length, 4000);
  const r = new Reader(w.finish());
  for (let i = 0; i < 1000; i++) assert.equal(r.int32(), i);
});

test("writer with a zero or invalid initial capacity still grows", () => {
  for (const cap of [0, -5, Number.NaN, 0.5]) {
    const w = new Writer(cap);
    w.int32(1).int64(2n);
    assert.deepEqual(w.finish(), hex("00000001 0000000000000002"));
  }
});

test("reset reuses the buffer; finish is a view of the written bytes", () => {
  const w = new Writer(16);
  w.int32(1).int32(2);
  const first = w.finish();
  assert.equal(first.length, 8);
  w.reset();
  assert.equal(w.length, 0);
  w.int8(9);
  assert.deepEqual(w.finish(), hex("09"));
  assert.equal(first[0], 9); // same memory
});

test("reserve and setInt32 fill in a size prefix", () => {
  const w = new Writer();
  const at = w.reserve(4);
  w.int16(1).int16(2);
  w.setInt32(at, w.length - 4);
  assert.deepEqual(w.finish(), hex("00000004 0001 0002"));
  assert.throws(() => w.setInt32(6, 1), RangeError);
});

test("reader offset and remaining track the cursor", () => {
  const r = new Reader(hex("00 01 02 03"), 1);
  assert.equal(r.offset, 1);
  assert.equal(r.remaining, 3);
  r.int16();
  assert.equal(r.offset, 3);
  assert.equal(r.remaining, 1);
});

test("reader works on a subarray with a non-zero byteOffset", () => {
  const big = hex("ffff 0002 0001 ffff");
  const r = new Reader(big.subarray(2, 6));
  assert.equal(r.int16(), 2);
  assert.equal(r.int16(), 1);
  assert.equal(r.remaining, 0);
});

test("writer refuses out-of-range varints", () => {
  assert.throws(() => new Writer().uvarint(-1), RangeError);
  assert.throws(() => new Writer().uvarint(2 ** 32), RangeError);
  assert.throws(() => new Writer().varint(2 ** 31), RangeError);
  assert.throws(() => new Writer().varlong(2n ** 63n), RangeError);
});
