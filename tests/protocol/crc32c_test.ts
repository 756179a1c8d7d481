import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32c, initCrc32c, tableCrc32c } from "../../src/protocol/crc32c.ts";
import { hex } from "../support/helpers.ts";
import { referenceCrc32c } from "./_crc32c_reference.ts";

test("crc32c works before initCrc32c resolves, and the JavaScript CRC agrees with the WebAssembly one", async () => {
  const data = new TextEncoder().encode("123456789");
  // Bun shares one module registry between test files, so the WebAssembly may already be in.
  assert.equal(crc32c(data), 0xe3069283);
  await initCrc32c();
  let seed = 777;
  for (const length of [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 65536 + 3]) {
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      bytes[i] = seed >>> 24;
    }
    assert.equal(tableCrc32c(bytes), crc32c(bytes), `length ${length}`);
    assert.equal(tableCrc32c(bytes.subarray(1)), crc32c(bytes.subarray(1)), `length ${length}, unaligned view`);
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
    assert.equal(tableCrc32c(data), referenceCrc32c(data), `length ${length}, in JavaScript`);
  }
});

test("crc32c is unsigned and the hasher is reusable between calls", async () => {
  await initCrc32c();
  const a = new TextEncoder().encode("123456789");
  assert.ok(crc32c(a) > 0x7fffffff);
  crc32c(new Uint8Array(1000).fill(7));
  assert.equal(crc32c(a), 0xe3069283);
});
