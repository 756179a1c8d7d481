import { test } from "node:test";
import assert from "node:assert/strict";
import { CorruptResponseError } from "../../src/errors.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { hex } from "../support/helpers.ts";

function corrupt(bytes: Uint8Array, read: (r: Reader) => unknown, pattern?: RegExp): void {
  assert.throws(() => read(new Reader(bytes)), (e: unknown) => {
    assert.ok(e instanceof CorruptResponseError, `expected CorruptResponseError, got ${e}`);
    assert.equal(e.retriable, true);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

test("reading any fixed-width type past the end is corrupt", () => {
  corrupt(hex(""), (r) => r.int8());
  corrupt(hex("00"), (r) => r.int16());
  corrupt(hex("000000"), (r) => r.int32());
  corrupt(hex("000000"), (r) => r.uint32());
  corrupt(hex("00000000000000"), (r) => r.int64());
  corrupt(hex("00000000000000"), (r) => r.float64());
  corrupt(hex(""), (r) => r.bool());
  corrupt(hex("0001020304050607 08090a0b0c0d0e"), (r) => r.uuid());
  corrupt(hex("0102"), (r) => r.raw(3));
});

test("a failed read does not move the cursor past the end", () => {
  const r = new Reader(hex("0001 02"));
  r.int16();
  assert.throws(() => r.int16(), CorruptResponseError);
  assert.equal(r.remaining, 1);
  assert.equal(r.int8(), 2);
});

test("raw with a negative length is corrupt", () => {
  corrupt(hex("0102"), (r) => r.raw(-1));
});

test("truncated varints are corrupt", () => {
  corrupt(hex(""), (r) => r.uvarint());
  corrupt(hex("80"), (r) => r.uvarint());
  corrupt(hex("ffffff"), (r) => r.varint());
  corrupt(hex("8080808080"), (r) => r.varlong());
});

test("a varint longer than 5 bytes is corrupt", () => {
  corrupt(hex("ffffffff8f01"), (r) => r.uvarint(), /varint/);
  corrupt(hex("8080808080 00"), (r) => r.varint());
  // 5 bytes, but above 2^32.
  corrupt(hex("ffffffff1f"), (r) => r.uvarint());
});

test("a varlong longer than 10 bytes is corrupt", () => {
  corrupt(hex("ffffffffffffffffff81 01"), (r) => r.varlong(), /varlong/);
  // 10 bytes, but above 2^64.
  corrupt(hex("ffffffffffffffffff02"), (r) => r.varlong());
});

test("string length below -1 is corrupt", () => {
  corrupt(hex("fffe"), (r) => r.string(), /invalid length -2/);
  corrupt(hex("8000"), (r) => r.string());
});

test("string length beyond the bytes left is corrupt", () => {
  corrupt(hex('0005 "abc"'), (r) => r.string(), /exceeds/);
  corrupt(hex('05 "abc"'), (r) => r.compactString(), /exceeds/);
});

test("bytes length below -1 or beyond the bytes left is corrupt, even when huge", () => {
  corrupt(hex("fffffffe"), (r) => r.bytes(), /invalid length/);
  corrupt(hex("80000000"), (r) => r.bytes());
  // 2^31-1: must be refused before anything that large is allocated.
  corrupt(hex("7fffffff 00"), (r) => r.bytes(), /exceeds/);
  corrupt(hex("ffffffff0f 00"), (r) => r.compactBytes(), /exceeds/);
});

test("array count below -1 or beyond the bytes left is corrupt", () => {
  corrupt(hex("fffffffe"), (r) => r.array((x) => x.int8()), /invalid length -2/);
  corrupt(hex("7fffffff 00"), (r) => r.array((x) => x.int8()), /exceeds/);
  corrupt(hex("ffffffff0f 00"), (r) => r.compactArray((x) => x.int8()), /exceeds/);
  corrupt(hex("00000003 0102"), (r) => r.array((x) => x.int8()));
});

test("array elements that run past the end are corrupt", () => {
  corrupt(hex("00000002 00000001 0000"), (r) => r.array((x) => x.int32()));
});

test("tagged fields with a huge count or size are corrupt", () => {
  corrupt(hex("ffffffff0f 00"), (r) => r.taggedFields(), /tagged field count/);
  corrupt(hex("01 00 7f 00"), (r) => r.taggedFields());
  corrupt(hex("01 00"), (r) => r.taggedFields());
});

test("invalid UTF-8 is corrupt, with the decoder's error as cause", () => {
  for (const bad of ["0001 ff", "0002 c328", "0003 eda080", "0001 80"]) {
    assert.throws(() => new Reader(hex(bad)).string(), (e: unknown) => {
      assert.ok(e instanceof CorruptResponseError);
      assert.match(e.message, /UTF-8/);
      assert.ok(e.cause instanceof Error);
      return true;
    });
  }
  corrupt(hex("02 ff"), (r) => r.compactString(), /UTF-8/);
});

test("a reader offset outside the buffer is corrupt", () => {
  assert.throws(() => new Reader(hex("00"), 2), CorruptResponseError);
  assert.throws(() => new Reader(hex("00"), -1), CorruptResponseError);
});
