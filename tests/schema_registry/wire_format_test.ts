import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeFrame, encodeFrame, encodeMessageIndexes } from "../../src/schema_registry/wire_format.ts";
import { SerializationError } from "../../src/errors.ts";

test("message indexes are written as Confluent's serializers write them: [0] as one zero byte, else zig-zag count and indexes", () => {
  assert.deepEqual([...encodeMessageIndexes([0])], [0]);
  assert.deepEqual([...encodeMessageIndexes([1])], [2, 2]);
  assert.deepEqual([...encodeMessageIndexes([1, 0])], [4, 2, 0]);
  assert.deepEqual([...encodeMessageIndexes([0, 2])], [4, 0, 4]);
  // 64 needs two varint bytes once zig-zagged (128).
  assert.deepEqual([...encodeMessageIndexes([64])], [2, 0x80, 0x01]);
});

test("a frame is magic byte 0, the schema id big-endian, the indexes, then the payload, and reads back", () => {
  const frame = encodeFrame(0x01020304, new Uint8Array([9, 9]), encodeMessageIndexes([1, 0]));
  assert.deepEqual([...frame], [0, 1, 2, 3, 4, 4, 2, 0, 9, 9]);
  const read = decodeFrame(frame, "value", true);
  assert.equal(read.schemaId, 0x01020304);
  assert.deepEqual(read.messageIndexes, [1, 0]);
  assert.deepEqual([...read.payload], [9, 9]);
  const plain = decodeFrame(encodeFrame(7, new Uint8Array([5])), "value");
  assert.deepEqual([plain.schemaId, [...plain.payload], plain.messageIndexes], [7, [5], undefined]);
  assert.deepEqual(decodeFrame(new Uint8Array([0, 0, 0, 0, 1, 0, 8]), "value", true).messageIndexes, [0]);
});

test("bytes not in Confluent's format are a SerializationError showing their first bytes", () => {
  assert.throws(() => decodeFrame(new TextEncoder().encode("hello"), "value from topic t"), (error: unknown) => {
    assert.ok(error instanceof SerializationError);
    assert.match(error.message, /^value from topic t is not in Confluent's wire format .*: 5 bytes starting 68 65 6c 6c 6f$/);
    return true;
  });
  assert.throws(() => decodeFrame(new Uint8Array([0, 0, 0]), "value"), /3 bytes starting 00 00 00/);
  assert.throws(() => decodeFrame(new Uint8Array([0, 0, 0, 0, 1, 0x80]), "value", true), /end in the middle of a varint/);
});
