// Golden vectors written by the reference libraries (Python's gzip/zlib, python-snappy,
// python-lz4 and zstandard, i.e. zlib, Google snappy, liblz4 and libzstd), and the exact
// bytes the Java client's framing requires from us.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCompressionCodec, loadDecompressor } from "../../src/compression/mod.ts";
import { crc32 } from "../../src/compression/gzip.ts";
import { xxh32 } from "../../src/compression/xxhash32.ts";
import { utf8 } from "./_data.ts";
import { hex } from "../support/helpers.ts";

const MESSAGE = "Kafka golden vector: hello hello hello hello hello, records records records!";

// gzip.compress(msg, 6, mtime=0); zlib.compressobj(6, DEFLATED, 31) writes the same bytes.
const GZIP = "1f8b0800000000000003f34e4ccb4e5448cfcf4949cd53284b4d2ec92fb252c848cdc9c9c745ea2814a526e717a514a3d38a002a4e01394c000000";
// snappy.compress(msg): one raw block, as librdkafka writes.
const SNAPPY_RAW = "4c644b61666b6120676f6c64656e20766563746f723a2068656c6c6f5e0600202c207265636f7264733e08000021";
// xerial header, then two chunks (msg[:40], msg[40:]) each int32-length-prefixed raw blocks.
const SNAPPY_XERIAL = "82534e415050590000000001000000010000002a289c4b61666b6120676f6c64656e20766563746f723a2068656c6c6f2068" +
  "656c6c6f2068656c6c6f2068000000192414656c6c6f20680106202c207265636f7264733e08000021";
// lz4.frame.compress(msg): linked blocks, 64 KiB, content size stored.
const LZ4_LINKED_WITH_SIZE = "04224d1868404c000000000000006b31000000ff0b4b61666b6120676f6c64656e20766563746f723a2068656c6c6f06" +
  "0005982c207265636f7264730800506f7264732100000000";
// lz4.frame.compress(msg, block_size=64KB, block_linked=False, store_size=False): Kafka's flags.
const LZ4_KAFKA_FLAGS = "04224d1860408231000000ff0b4b61666b6120676f6c64656e20766563746f723a2068656c6c6f060005982c2072656" +
  "36f7264730800506f7264732100000000";
// lz4.frame.compress(msg, content_checksum=True, block_checksum=True).
const LZ4_CHECKSUMS = "04224d187c404c000000000000000631000000ff0b4b61666b6120676f6c64656e20766563746f723a2068656c6c6f06" +
  "0005982c207265636f7264730800506f7264732138007297000000001e6c3153";
// zstandard.ZstdCompressor(level=3).compress(msg): single segment, content size stored.
const ZSTD_L3 = "28b52ffd204c75010044024b61666b6120676f6c64656e20766563746f723a2068656c6c6f2c207265636f7264732102002bc831601903";
// ... with write_content_size=False, write_checksum=True: the output size is not declared.
const ZSTD_NO_SIZE_CHECKSUM = "28b52ffd040075010044024b61666b6120676f6c64656e20766563746f723a2068656c6c6f2c207265636f72647321" +
  "02002bc831601903cce3f4b0";
// Two frames: msg[:30] and msg[30:].
const ZSTD_TWO_FRAMES = "28b52ffd201ef100004b61666b6120676f6c64656e20766563746f723a2068656c6c6f2068656c28b52ffd202ec5000080" +
  "6c6f2068656c2c207265636f7264732102002bc8895c8a";

async function decompress(id: number, vector: string): Promise<string> {
  return utf8((await loadDecompressor())(id, hex(vector)));
}

test("gzip: decompresses zlib's output", async () => {
  assert.equal(await decompress(1, GZIP), MESSAGE);
});

test("snappy: decompresses a raw block (librdkafka's form)", async () => {
  assert.equal(await decompress(2, SNAPPY_RAW), MESSAGE);
});

test("snappy: decompresses xerial framing with several chunks (the Java client's form)", async () => {
  assert.equal(await decompress(2, SNAPPY_XERIAL), MESSAGE);
});

test("lz4: decompresses frames with linked blocks, a content size, and block and content checksums", async () => {
  assert.equal(await decompress(3, LZ4_LINKED_WITH_SIZE), MESSAGE);
  assert.equal(await decompress(3, LZ4_KAFKA_FLAGS), MESSAGE);
  assert.equal(await decompress(3, LZ4_CHECKSUMS), MESSAGE);
});

test("zstd: decompresses frames with and without a declared size, and concatenated frames", async () => {
  assert.equal(await decompress(4, ZSTD_L3), MESSAGE);
  assert.equal(await decompress(4, ZSTD_NO_SIZE_CHECKSUM), MESSAGE);
  assert.equal(await decompress(4, ZSTD_TWO_FRAMES), MESSAGE);
  // A hand-made frame: single segment, content size 3, one raw block "abc".
  assert.equal(await decompress(4, "28b52ffd 20 03 190000 616263"), "abc");
});

test("lz4: our frame header is exactly Kafka's (FLG 0x60, BD 0x40, checksum 0x82), with no content size", async () => {
  const lz4 = (await loadCompressionCodec("lz4"))!;
  assert.deepEqual(lz4.compress(new Uint8Array(0)), hex("04224d18 60 40 82 00000000"));
  const frame = lz4.compress(new TextEncoder().encode(MESSAGE));
  assert.deepEqual(frame.subarray(0, 7), hex("04224d18 60 40 82"));
  assert.deepEqual(frame.subarray(frame.length - 4), hex("00000000"));
});

test("snappy: our output is xerial framing: magic, version 1, compatible version 1, 32 KiB chunks", async () => {
  const snappy = (await loadCompressionCodec("snappy"))!;
  assert.deepEqual(snappy.compress(new Uint8Array(0)), hex("82534e4150505900 00000001 00000001"));
  const framed = snappy.compress(new TextEncoder().encode(MESSAGE));
  const view = new DataView(framed.buffer, framed.byteOffset, framed.byteLength);
  assert.deepEqual(framed.subarray(0, 16), hex("82534e4150505900 00000001 00000001"));
  assert.equal(view.getInt32(16), framed.length - 20, "one chunk, its big-endian length");
  assert.equal(framed[20], MESSAGE.length, "the chunk is a raw block starting with its varint length");

  const chunks = snappy.compress(new Uint8Array(100_000));
  let pos = 16;
  let count = 0;
  while (pos < chunks.length) {
    const size = new DataView(chunks.buffer, chunks.byteOffset).getInt32(pos);
    count++;
    pos += 4 + size;
  }
  assert.equal(pos, chunks.length);
  assert.equal(count, 4, "100000 bytes make 3 full 32 KiB chunks and one partial");
});

test("gzip: our header has a zero mtime and deflate method, like Java's GZIPOutputStream", async () => {
  const gzip = (await loadCompressionCodec("gzip"))!;
  const out = gzip.compress(new TextEncoder().encode(MESSAGE));
  assert.deepEqual(out.subarray(0, 8), hex("1f8b0800 00000000"));
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  assert.equal(view.getUint32(out.length - 4, true), MESSAGE.length);
  assert.equal(view.getUint32(out.length - 8, true), crc32(new TextEncoder().encode(MESSAGE)));
});

test("zstd: our output is a standard zstd frame", async () => {
  const zstd = (await loadCompressionCodec("zstd"))!;
  assert.deepEqual(zstd.compress(new TextEncoder().encode(MESSAGE)).subarray(0, 4), hex("28b52ffd"));
});

test("xxh32 matches the reference implementation", () => {
  const cases: [Uint8Array, number, number][] = [
    [new Uint8Array(0), 0x02cc5d05, 0x36b78ae7],
    [new TextEncoder().encode("a"), 0x550d7456, 0x9e1633e4],
    [new TextEncoder().encode("abc"), 0x32d153ff, 0xa1ae7709],
    [new TextEncoder().encode("Nobody inspects the spammish repetition"), 0xe2293b2f, 0xc9e89e68],
  ];
  const bytes = new Uint8Array(768).map((_, i) => i & 0xff);
  cases.push([bytes, 0xcdb946b1, 0xaed9c9a4]);
  for (const [data, seed0, seedGolden] of cases) {
    assert.equal(xxh32(data), seed0);
    assert.equal(xxh32(data, 0, data.length, 0x9e3779b1), seedGolden);
  }
  // A sub-range hashes like a copy of it.
  assert.equal(xxh32(bytes, 10, 50), xxh32(bytes.slice(10, 50)));
});

test("crc32 matches the standard check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});
