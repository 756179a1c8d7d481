import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32c, initCrc32c } from "../../src/protocol/crc32c.ts";
import { hex } from "../support/helpers.ts";
import { referenceCrc32c } from "./_crc32c_reference.ts";

test("crc32c before initCrc32c resolves throws a clear error", () => {
  // Bun shares one module registry between test files, so another file may have
  // initialised the hasher already; Deno and Node load this file's modules afresh.
  let error: unknown = null;
  try {
    crc32c(new Uint8Array(1));
  } catch (e) {
    error = e;
  }
  if (error !== null) {
    assert.ok(error instanceof Error);
    assert.match(error.message, /await initCrc32c\(\)/);
  }
});

test("initCrc32c is memoised", async () => {
  const first = initCrc32c();
  assert.equal(initCrc32c(), first);
  await first;
  await initCrc32c();
});

test("crc32c check value: '123456789' is 0xE3069283", async () => {
  await initCrc32c();
  assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
});

test("crc32c of no bytes is 0", async () => {
  await initCrc32c();
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test("crc32c matches the RFC 3720 (iSCSI) test vectors", async () => {
  await initCrc32c();
  const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
  const descending = Uint8Array.from({ length: 32 }, (_, i) => 31 - i);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(ascending), 0x46dd794e);
  assert.equal(crc32c(descending), 0x113fdb5c);
  const readPdu = hex(`
    01c00000 00000000 00000000 00000000
    14000000 00000400 00000014 00000018
    28000000 00000000 02000000 00000000
  `);
  assert.equal(crc32c(readPdu), 0xd9963a56);
});

test("crc32c reads only the view it is given", async () => {
  await initCrc32c();
  const buf = new Uint8Array(100);
  buf.fill(0xff, 50, 82);
  buf.fill(0x11, 82);
  assert.equal(crc32c(buf.subarray(50, 82)), 0x62a8ab43);
});

test("crc32c agrees with a bitwise reference on many lengths", async () => {
  await initCrc32c();
  let seed = 12345;
  for (let length = 0; length < 300; length += 7) {
    const data = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      data[i] = seed >>> 24;
    }
    assert.equal(crc32c(data), referenceCrc32c(data), `length ${length}`);
  }
});

test("crc32c is unsigned and the hasher is reusable between calls", async () => {
  await initCrc32c();
  const a = new TextEncoder().encode("123456789");
  assert.ok(crc32c(a) > 0x7fffffff);
  crc32c(new Uint8Array(1000).fill(7));
  assert.equal(crc32c(a), 0xe3069283);
});
