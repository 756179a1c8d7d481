// What Kafka's Lz4BlockInputStream and lz4-java's safe decompressor demand of our frames.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lz4CompressFrame } from "../../src/compression/lz4.ts";
import { xxh32 } from "../../src/compression/xxhash32.ts";
import { jsonText, randomBytes } from "./_data.ts";

interface ParsedBlock {
  readonly compressed: boolean;
  readonly bytes: Uint8Array;
}

/** Parses one frame the way Kafka's Lz4BlockInputStream does, asserting its rules. */
function parseKafkaFrame(frame: Uint8Array): ParsedBlock[] {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  assert.equal(view.getUint32(0, true), 0x184d2204, "magic");
  const flg = frame[4];
  assert.equal(flg >> 6, 1, "version 1");
  assert.equal(flg & 0x20, 0x20, "block independence (Java rejects dependent blocks)");
  assert.equal(flg & 0x08, 0, "no content size, as Java writes");
  assert.equal(flg & 0x03, 0, "reserved bits and dictionary id clear");
  assert.equal(frame[5], 0x40, "64 KiB maximum block size");
  assert.equal(frame[6], (xxh32(frame, 4, 6) >>> 8) & 0xff, "header checksum");
  const blocks: ParsedBlock[] = [];
  let pos = 7;
  for (;;) {
    const word = view.getUint32(pos, true);
    pos += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    assert.ok(size <= 65536, `block of ${size} bytes`);
    blocks.push({ compressed: (word & 0x80000000) === 0, bytes: frame.subarray(pos, pos + size) });
    pos += size;
  }
  assert.equal(pos, frame.length, "nothing after the end mark");
  return blocks;
}

/**
 * Walks a compressed block's sequences and checks LZ4's end-of-block rules, which
 * lz4-java's safe decompressor enforces when the block fills its 64 KiB buffer: the
 * last 5 bytes are literals and the last match starts at least 12 bytes before the end.
 */
function assertEndOfBlockRules(block: Uint8Array, decodedSize: number): void {
  let sp = 0;
  let out = 0;
  let lastMatchStart = -1;
  let lastMatchEnd = 0;
  for (;;) {
    const token = block[sp++];
    let lit = token >> 4;
    if (lit === 15) { for (let b = 255; b === 255; lit += b) b = block[sp++]; }
    sp += lit;
    out += lit;
    if (sp === block.length) break;
    sp += 2;
    let ml = token & 15;
    if (ml === 15) { for (let b = 255; b === 255; ml += b) b = block[sp++]; }
    lastMatchStart = out;
    out += ml + 4;
    lastMatchEnd = out;
  }
  assert.equal(out, decodedSize);
  if (lastMatchStart >= 0) {
    assert.ok(decodedSize - lastMatchEnd >= 5, `only ${decodedSize - lastMatchEnd} trailing literals`);
    assert.ok(decodedSize - lastMatchStart >= 12, `last match starts ${decodedSize - lastMatchStart} bytes before the end`);
  }
}

// Data that tempts a compressor to match right up to the end of each 64 KiB block.
function periodic(n: number, period: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i % period) * 37;
  return out;
}

const inputs: [string, Uint8Array][] = [
  ["json", jsonText(300_000)],
  ["zeros", new Uint8Array(200_000)],
  ["period 3", periodic(3 * 65536, 3)],
  ["period 251", periodic(2 * 65536 + 100, 251)],
  ["random", randomBytes(150_000, 7)],
  ["13 bytes", periodic(13, 2)],
];

for (const level of [9, 1, 17]) {
  test(`lz4 level ${level}: frames follow Kafka's flags and LZ4's end-of-block rules`, () => {
    for (const [name, data] of inputs) {
      const blocks = parseKafkaFrame(lz4CompressFrame(data, level));
      assert.equal(blocks.length, Math.ceil(data.length / 65536), name);
      blocks.forEach((block, i) => {
        const decodedSize = Math.min(65536, data.length - i * 65536);
        if (block.compressed) assertEndOfBlockRules(block.bytes, decodedSize);
        else assert.equal(block.bytes.length, decodedSize, `${name}: a stored block holds its input`);
      });
    }
  });
}

test("lz4: incompressible blocks are stored uncompressed, as Java does", () => {
  const blocks = parseKafkaFrame(lz4CompressFrame(randomBytes(3 * 65536, 99), 9));
  assert.deepEqual(blocks.map((b) => b.compressed), [false, false, false]);
});
