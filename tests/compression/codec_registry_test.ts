import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "../../src/errors.ts";
import { KafkaError } from "../../src/errors.ts";
import {
  COMPRESSION_IDS,
  COMPRESSION_LEVELS,
  CompressionError,
  type CompressionType,
  compressionTypeOf,
  loadCompressionCodec,
  loadDecompressor,
} from "../../src/compression/mod.ts";
import { throwsCompressionError } from "./_data.ts";

test("codec ids follow the record batch attributes", () => {
  assert.deepEqual({ ...COMPRESSION_IDS }, { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 });
  assert.equal(compressionTypeOf(0), "none");
  assert.equal(compressionTypeOf(1), "gzip");
  assert.equal(compressionTypeOf(2), "snappy");
  assert.equal(compressionTypeOf(3), "lz4");
  assert.equal(compressionTypeOf(4), "zstd");
});

test("compressionTypeOf throws a CompressionError for unknown ids", () => {
  for (const id of [5, 6, 7, -1, 1.5, Number.NaN]) throwsCompressionError(() => compressionTypeOf(id), /unknown compression codec id/);
  try {
    compressionTypeOf(5);
  } catch (err) {
    assert.ok(err instanceof KafkaError);
    assert.equal((err as CompressionError).codec, "unknown");
    assert.equal((err as CompressionError).retriable, false);
  }
});

test("level ranges match the Java client's compression.<type>.level settings", () => {
  assert.deepEqual({ ...COMPRESSION_LEVELS.gzip }, { min: 1, max: 9, default: -1 });
  assert.deepEqual({ ...COMPRESSION_LEVELS.lz4 }, { min: 1, max: 17, default: 9 });
  assert.deepEqual({ ...COMPRESSION_LEVELS.zstd }, { min: -131072, max: 22, default: 3 });
  assert.equal(Object.isFrozen(COMPRESSION_LEVELS), true);
});

test("each codec reports its type, id and default level", async () => {
  const expected: [CompressionType, number, number | undefined][] = [
    ["gzip", 1, -1],
    ["snappy", 2, undefined],
    ["lz4", 3, 9],
    ["zstd", 4, 3],
  ];
  for (const [type, id, level] of expected) {
    const codec = await loadCompressionCodec(type);
    assert.ok(codec);
    assert.equal(codec.type, type);
    assert.equal(codec.id, id);
    assert.equal(codec.level, level);
  }
});

test("none has no codec", async () => {
  assert.equal(await loadCompressionCodec("none"), null);
});

test("levels inside the range, and each default, are accepted", async () => {
  for (const level of [-1, 1, 5, 9]) assert.equal((await loadCompressionCodec("gzip", level))?.level, level);
  for (const level of [1, 9, 17]) assert.equal((await loadCompressionCodec("lz4", level))?.level, level);
  for (const level of [-131072, -5, 0, 1, 3, 22]) assert.equal((await loadCompressionCodec("zstd", level))?.level, level);
});

test("levels outside the range are rejected with a ConfigError naming the setting", async () => {
  const bad: [CompressionType, number, string][] = [
    ["gzip", 0, "compression.gzip.level"],
    ["gzip", 10, "compression.gzip.level"],
    ["gzip", -2, "compression.gzip.level"],
    ["gzip", 2.5, "compression.gzip.level"],
    ["lz4", 0, "compression.lz4.level"],
    ["lz4", 18, "compression.lz4.level"],
    ["zstd", 23, "compression.zstd.level"],
    ["zstd", -131073, "compression.zstd.level"],
    ["zstd", Number.NaN, "compression.zstd.level"],
    ["snappy", 1, "compression.type"],
    ["none", 1, "compression.type"],
  ];
  for (const [type, level, key] of bad) {
    await assert.rejects(loadCompressionCodec(type, level), (e: unknown) => {
      assert.ok(e instanceof ConfigError, `${type} ${level}: ${e}`);
      assert.equal(e.key, key);
      return true;
    });
  }
});

test("an unknown compression type is rejected with a CompressionError", async () => {
  await assert.rejects(loadCompressionCodec("brotli" as CompressionType), CompressionError);
});

test("codecs are cached per type and level", async () => {
  assert.equal(await loadCompressionCodec("zstd", 7), await loadCompressionCodec("zstd", 7));
  assert.equal(await loadCompressionCodec("lz4"), await loadCompressionCodec("lz4", 9));
  assert.notEqual(await loadCompressionCodec("gzip", 1), await loadCompressionCodec("gzip", 2));
});

test("loadDecompressor dispatches on codec id; id 0 passes the bytes through", async () => {
  const decompress = await loadDecompressor();
  const data = new TextEncoder().encode("dispatch by id ".repeat(20));
  for (const type of ["gzip", "snappy", "lz4", "zstd"] as const) {
    const codec = (await loadCompressionCodec(type))!;
    assert.deepEqual(decompress(codec.id, codec.compress(data)), data);
  }
  assert.equal(decompress(0, data), data);
  for (const id of [5, 7, -1]) throwsCompressionError(() => decompress(id, data), /unknown compression codec id/);
});

test("loadDecompressor passes the output limit on to the codec", async () => {
  const decompress = await loadDecompressor();
  const zstd = (await loadCompressionCodec("zstd"))!;
  const packed = zstd.compress(new Uint8Array(10_000));
  assert.equal(decompress(4, packed, 10_000).length, 10_000);
  throwsCompressionError(() => decompress(4, packed, 9_999), /exceeds the limit/);
});
