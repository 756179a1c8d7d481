import { test } from "node:test";
import assert from "node:assert/strict";
import { type CompressionCodec, type CompressionType, loadCompressionCodec } from "../../src/compression/mod.ts";
import { snappyCompressRaw, snappyUncompressRaw } from "../../src/compression/snappy.ts";
import { jsonText, randomBytes, sameBytes } from "./_data.ts";

const MiB = 1 << 20;
const random = randomBytes(MiB, 42);
const text = jsonText(MiB);

async function codec(type: Exclude<CompressionType, "none">, level?: number): Promise<CompressionCodec> {
  const loaded = await loadCompressionCodec(type, level);
  assert.ok(loaded);
  return loaded;
}

function roundTrip(c: CompressionCodec, data: Uint8Array): Uint8Array {
  const packed = c.compress(data);
  const back = c.decompress(packed);
  assert.ok(sameBytes(back, data), `${c.type} level ${c.level}: ${data.length} bytes did not survive the round trip`);
  return packed;
}

// Framing overhead allowed on incompressible input: headers plus a few bytes per block.
function assertBarelyGrew(c: CompressionCodec, packed: Uint8Array, input: Uint8Array): void {
  assert.ok(packed.length <= input.length * 1.01 + 64, `${c.type}: ${input.length} random bytes grew to ${packed.length}`);
}

for (const type of ["gzip", "snappy", "lz4", "zstd"] as const) {
  test(`${type}: empty input round-trips`, async () => {
    const c = await codec(type);
    const packed = roundTrip(c, new Uint8Array(0));
    assert.ok(packed.length > 0, "even empty input has a header");
  });

  test(`${type}: a 1-byte input round-trips`, async () => {
    roundTrip(await codec(type), new Uint8Array([0xa5]));
  });

  test(`${type}: 1 MiB of random bytes round-trips without growing much`, async () => {
    const c = await codec(type);
    assertBarelyGrew(c, roundTrip(c, random), random);
  });

  test(`${type}: 1 MiB of JSON-ish text round-trips and shrinks`, async () => {
    const c = await codec(type);
    const packed = roundTrip(c, text);
    assert.ok(packed.length < text.length / 3, `${type}: ${text.length} bytes of text only shrank to ${packed.length}`);
  });

  test(`${type}: input that is a view into a larger buffer round-trips`, async () => {
    const c = await codec(type);
    const backing = jsonText(300_000);
    const view = backing.subarray(1234, 250_000);
    assert.ok(sameBytes(c.decompress(c.compress(view)), view));
    const packed = c.compress(view);
    const framed = new Uint8Array(packed.length + 10);
    framed.set(packed, 7);
    assert.ok(sameBytes(c.decompress(framed.subarray(7, 7 + packed.length)), view));
  });
}

test("gzip: every level round-trips; higher levels do not compress worse than level 1", async () => {
  const sizes = new Map<number, number>();
  for (const level of [-1, 1, 2, 3, 4, 5, 6, 7, 8, 9]) {
    sizes.set(level, roundTrip(await codec("gzip", level), text.subarray(0, 200_000)).length);
  }
  assert.ok(sizes.get(9)! <= sizes.get(1)!);
  assert.equal(sizes.get(-1), sizes.get(6), "-1 means zlib's default, 6");
});

test("lz4: the fast compressor (level 9) and the hash-chain levels all round-trip", async () => {
  const sizes = new Map<number, number>();
  for (const level of [1, 2, 4, 8, 9, 10, 12, 17]) {
    const c = await codec("lz4", level);
    sizes.set(level, roundTrip(c, text.subarray(0, 300_000)).length);
    roundTrip(c, random.subarray(0, 200_000));
    roundTrip(c, new Uint8Array(200_000)); // zeros: long overlapping matches
  }
  assert.ok(sizes.get(17)! < sizes.get(9)!, `level 17 (${sizes.get(17)}) should beat the fast compressor (${sizes.get(9)})`);
});

test("lz4: inputs around the 64 KiB block size round-trip", async () => {
  const c = await codec("lz4");
  for (const n of [12, 13, 14, 65535, 65536, 65537, 2 * 65536, 2 * 65536 + 1]) {
    roundTrip(c, text.subarray(0, n));
    roundTrip(c, random.subarray(0, n));
  }
});

test("snappy: inputs around the 32 KiB xerial chunk size round-trip", async () => {
  const c = await codec("snappy");
  for (const n of [32767, 32768, 32769, 3 * 32768]) {
    roundTrip(c, text.subarray(0, n));
    roundTrip(c, random.subarray(0, n));
  }
});

test("zstd: negative, default and high levels round-trip", async () => {
  const sizes = new Map<number, number>();
  for (const level of [-131072, -5, 1, 3, 9, 19]) {
    sizes.set(level, roundTrip(await codec("zstd", level), text.subarray(0, 300_000)).length);
  }
  assert.ok(sizes.get(19)! < sizes.get(-5)!);
});

test("snappy: raw blocks big enough to retire the WebAssembly instance still round-trip, repeatedly", () => {
  const big = new Uint8Array(17 * MiB);
  big.set(text, 5 * MiB);
  for (let i = 0; i < 2; i++) {
    const block = snappyCompressRaw(big);
    assert.ok(sameBytes(snappyUncompressRaw(block), big));
    assert.ok(sameBytes(snappyUncompressRaw(snappyCompressRaw(text)), text));
  }
});
