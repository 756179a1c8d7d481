/** Writer: bytes written by reference (a produce request's record batches). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Writer } from "../../src/protocol/writer.ts";

test("Writer: bytes written by reference are not copied into its buffer; toChunks keeps them, toBytes joins everything", () => {
  const w = new Writer();
  const big = new Uint8Array(2048).fill(9);
  const small = new Uint8Array([5, 6]);
  w.int16(1).bytes(big, true).compactBytes(small, true).int8(7);
  assert.equal(w.length, 2 + 4 + 2048 + 1 + 2 + 1);
  const chunks = w.toChunks();
  assert.equal(chunks.length, 3, "inline bytes, the large field by reference, inline bytes (the small one copied)");
  assert.equal(chunks[1], big, "the very same array");
  assert.deepEqual([...w.toBytes()], [0, 1, 0, 0, 8, 0, ...big, 3, 5, 6, 7]);
  assert.throws(() => w.finish(), /by reference/);
  w.reset().int8(1);
  assert.deepEqual([...w.finish()], [1], "reset forgets the references too");
});
