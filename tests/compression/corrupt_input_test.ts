// Corrupt, truncated and hostile input must fail with CompressionError, before any
// allocation a bogus length would demand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type CompressionCodec, CompressionError, type CompressionType, loadCompressionCodec } from "../../src/compression/mod.ts";
import { jsonText, randomBytes, throwsCompressionError } from "./_data.ts";
import { hex } from "../support/helpers.ts";
import { concatBytes } from "../../src/bytes.ts";

const text = jsonText(200_000);

async function codec(type: Exclude<CompressionType, "none">): Promise<CompressionCodec> {
  return (await loadCompressionCodec(type))!;
}

function withByte(data: Uint8Array, at: number, value: number): Uint8Array {
  const copy = data.slice();
  copy[at] = value;
  return copy;
}

const concat = (...parts: Uint8Array[]) => concatBytes(parts);

test("every codec: empty input, garbage and truncation throw CompressionError", async () => {
  for (const type of ["gzip", "snappy", "lz4", "zstd"] as const) {
    const c = await codec(type);
    throwsCompressionError(() => c.decompress(new Uint8Array(0)));
    throwsCompressionError(() => c.decompress(hex("ffffffffffffffffffffffffffffffffffffffff")));
    const packed = c.compress(text);
    for (const cut of [1, 7, 100, Math.floor(packed.length / 2)]) {
      throwsCompressionError(() => c.decompress(packed.subarray(0, packed.length - cut)));
    }
  }
});

test("every codec: the output limit is enforced before decompressing", async () => {
  for (const type of ["gzip", "snappy", "lz4", "zstd"] as const) {
    const c = await codec(type);
    const packed = c.compress(text);
    assert.equal(c.decompress(packed, text.length).length, text.length);
    throwsCompressionError(() => c.decompress(packed, text.length - 1), /exceeds the limit/);
  }
});

test("every codec: random corruption yields the right bytes or a CompressionError, nothing else", async () => {
  for (const type of ["gzip", "snappy", "lz4", "zstd"] as const) {
    const c = await codec(type);
    const packed = c.compress(text.subarray(0, 20_000));
    const noise = randomBytes(600, type.length);
    for (let i = 0; i < 200; i++) {
      const mutated = packed.slice(0, packed.length - (noise[3 * i] % 4));
      const at = ((noise[3 * i + 1] << 8) | noise[3 * i + 2]) % mutated.length;
      mutated[at] ^= 1 << (i % 8);
      try {
        const out = c.decompress(mutated);
        assert.ok(out instanceof Uint8Array);
      } catch (err) {
        assert.ok(err instanceof CompressionError, `${type}: mutation ${i} threw ${err}`);
      }
    }
  }
});

test("gzip: a bogus ISIZE is refused without allocating it", async () => {
  const gzip = await codec("gzip");
  const packed = gzip.compress(new TextEncoder().encode("small"));
  const huge = packed.slice();
  huge.set([0xff, 0xff, 0xff, 0xff], huge.length - 4);
  throwsCompressionError(() => gzip.decompress(huge), /trailer claims 4294967295 bytes/);
});

test("gzip: CRC, length, header and multi-member problems are detected", async () => {
  const gzip = await codec("gzip");
  const packed = gzip.compress(text);
  throwsCompressionError(() => gzip.decompress(withByte(packed, packed.length - 8, packed[packed.length - 8] ^ 1)), /CRC-32/);
  throwsCompressionError(() => gzip.decompress(withByte(packed, packed.length - 4, packed[packed.length - 4] ^ 1)), /CRC-32/);
  throwsCompressionError(() => gzip.decompress(withByte(packed, 0, 0x1e)), /magic/);
  throwsCompressionError(() => gzip.decompress(withByte(packed, 2, 7)), /compression method/);
  throwsCompressionError(() => gzip.decompress(withByte(packed, 3, 0x80)), /reserved header flags/);
  // Two members: Java reads both; every Kafka client writes one, and we refuse rather than drop data.
  const small = gzip.compress(new TextEncoder().encode("one"));
  throwsCompressionError(() => gzip.decompress(concat(small, gzip.compress(new TextEncoder().encode("two")))), /multi-member/);
});

test("snappy: a bogus declared length is refused without allocating it", async () => {
  const snappy = await codec("snappy");
  // Varint 0xffffffff then three bytes: no block that short can expand that far.
  throwsCompressionError(() => snappy.decompress(hex("ffffffff0f 000102")), /claims 4294967295 bytes/);
  throwsCompressionError(() => snappy.decompress(hex("ffffffffff0f 00")), /uncompressed-length header/);
  throwsCompressionError(() => snappy.decompress(hex("80")), /uncompressed-length header/);
});

test("snappy: bad raw blocks are detected", async () => {
  const snappy = await codec("snappy");
  throwsCompressionError(() => snappy.decompress(hex("05 0c 61626364")), /snappy/); // 4 literal bytes, 5 declared
  throwsCompressionError(() => snappy.decompress(hex("03 08 616263 00")), /snappy/); // trailing tag
  throwsCompressionError(() => snappy.decompress(hex("08 05 0a")), /snappy/); // copy before the start
});

test("snappy: bad xerial framing is detected", async () => {
  const snappy = await codec("snappy");
  const header = hex("82534e4150505900 00000001 00000001");
  throwsCompressionError(() => snappy.decompress(header.subarray(0, 12)), /truncated xerial header/);
  throwsCompressionError(() => snappy.decompress(concat(header, hex("00000010 0300"))), /overruns/);
  throwsCompressionError(() => snappy.decompress(concat(header, hex("ffffffff 00"))), /overruns/);
  throwsCompressionError(() => snappy.decompress(concat(header, hex("0000"))), /truncated xerial chunk length/);
  throwsCompressionError(() => snappy.decompress(hex("82534e4150505900 00000002 00000002")), /compatible version/);
});

test("lz4: bad frame headers are detected", async () => {
  const lz4 = await codec("lz4");
  const frame = lz4.compress(text);
  throwsCompressionError(() => lz4.decompress(withByte(frame, 0, 0x05)), /bad magic/);
  throwsCompressionError(() => lz4.decompress(withByte(frame, 6, frame[6] ^ 1)), /descriptor checksum/);
  throwsCompressionError(() => lz4.decompress(withByte(frame, 4, 0xa0)), /version/);
  throwsCompressionError(() => lz4.decompress(withByte(frame, 4, 0x62)), /reserved/);
  throwsCompressionError(() => lz4.decompress(withByte(frame, 4, 0x61)), /dictionary/);
  throwsCompressionError(() => lz4.decompress(withByte(frame, 5, 0x30)), /block maximum size/);
  throwsCompressionError(() => lz4.decompress(hex("02214c18 00000000")), /legacy/);
  throwsCompressionError(() => lz4.decompress(concat(frame, hex("0422"))), /trailing bytes/);
});

test("lz4: bogus block sizes are refused without allocating them", async () => {
  const lz4 = await codec("lz4");
  // Kafka's header, then a block claiming 2 GiB - 1 of stored data.
  throwsCompressionError(() => lz4.decompress(hex("04224d18 604082 ffffff7f 00")), /exceeds the frame's maximum/);
  throwsCompressionError(() => lz4.decompress(hex("04224d18 604082 10000000 00")), /truncated block/);
  throwsCompressionError(() => lz4.decompress(hex("04224d18 604082")), /no end mark/);
});

test("lz4: bad sequences inside a block are detected", async () => {
  const lz4 = await codec("lz4");
  const block = (bytes: string) => {
    const b = hex(bytes);
    const size = new Uint8Array(4);
    new DataView(size.buffer).setUint32(0, b.length, true);
    return concat(hex("04224d18 604082"), size, b, hex("00000000"));
  };
  assert.deepEqual(lz4.decompress(block("11 61 0100 00")), hex("616161616161"));
  throwsCompressionError(() => lz4.decompress(block("11 61 0000 00")), /offset 0/);
  throwsCompressionError(() => lz4.decompress(block("11 61 0200 00")), /offset 2/);
  throwsCompressionError(() => lz4.decompress(block("50 6162")), /literals run past/);
  throwsCompressionError(() => lz4.decompress(block("11 61 01")), /truncated match offset/);
  throwsCompressionError(() => lz4.decompress(block("1f 61 0100 ff")), /truncated match length/);
  throwsCompressionError(() => lz4.decompress(block("11 61 0100")), /without final literals/);
  // A match of 4 + 15 + 300 * 255 bytes: more than the 64 KiB block maximum.
  throwsCompressionError(() => lz4.decompress(block(`1f 61 0100 ${"ff".repeat(300)} 00 00`)), /exceeds the block size/);
});

test("lz4: checksum and content-size mismatches are detected", async () => {
  // Golden frame from python-lz4 with block and content checksums and a content size.
  const frame = hex(
    "04224d187c404c000000000000000631000000ff0b4b61666b6120676f6c64656e20766563746f723a2068656c6c6f06" +
      "0005982c207265636f7264730800506f7264732138007297000000001e6c3153",
  );
  const lz4 = await codec("lz4");
  assert.equal(lz4.decompress(frame).length, 76);
  throwsCompressionError(() => lz4.decompress(withByte(frame, frame.length - 1, 0)), /content checksum/);
  throwsCompressionError(() => lz4.decompress(withByte(frame, frame.length - 9, 0)), /block checksum/);
  // Content size 77 instead of 76, with the header checksum recomputed to match (0x4d).
  const wrongSize = withByte(withByte(frame, 6, 0x4d), 14, 0x4d);
  throwsCompressionError(() => lz4.decompress(wrongSize), /decoded to 76 bytes but declares 77/);
});

test("zstd: bad frames are detected, and bogus sizes refused before allocating", async () => {
  const zstd = await codec("zstd");
  // Single segment, 8-byte content size of 2^40, one 3-byte raw block.
  throwsCompressionError(() => zstd.decompress(hex("28b52ffd e0 0000000000010000 190000 616263")), /more than its blocks can hold/);
  // 2-byte content size 65791, one 3-byte raw block.
  throwsCompressionError(() => zstd.decompress(hex("28b52ffd 60 ffff 190000 616263")), /more than its blocks can hold/);
  throwsCompressionError(() => zstd.decompress(hex("28b52ffd 20 03 070000 61")), /reserved block type/);
  throwsCompressionError(() => zstd.decompress(hex("28b52ffd 21 05 03 190000 616263")), /dictionary/);
  throwsCompressionError(() => zstd.decompress(hex("28b52ffd 28 03 190000 616263")), /reserved frame header bit/);
  throwsCompressionError(() => zstd.decompress(hex("28b52ffd 20 03 190000 6162")), /truncated block/);
  throwsCompressionError(() => zstd.decompress(hex("28b52ffd 20 03 190000 616263 2a4d18")), /trailing bytes/);
  throwsCompressionError(() => zstd.decompress(hex("27b52ffd 20 03 190000 616263")), /bad magic/);
  throwsCompressionError(() => zstd.decompress(hex("5e2a4d18 ffffff00 00")), /truncated skippable/);
  // Window of 1 KiB (descriptor 0x00): a 2 KiB raw block cannot be valid.
  throwsCompressionError(() => zstd.decompress(hex("28b52ffd 00 00 014000")), /exceeds the maximum/);
});

test("zstd: a checksum mismatch from the library surfaces as CompressionError", async () => {
  const zstd = await codec("zstd");
  const frame = hex(
    "28b52ffd040075010044024b61666b6120676f6c64656e20766563746f723a2068656c6c6f2c207265636f7264732102002bc831601903cce3f4b0",
  );
  assert.equal(zstd.decompress(frame).length, 76);
  throwsCompressionError(() => zstd.decompress(withByte(frame, frame.length - 1, 0)), /decompress failed/);
});
