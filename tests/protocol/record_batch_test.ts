import { test } from "node:test";
import assert from "node:assert/strict";
import { CorruptResponseError, KafkaError } from "../../src/errors.ts";
import { crc32c, initCrc32c } from "../../src/protocol/crc32c.ts";
import { decodeRecordBatches } from "../../src/protocol/record_batch_decoder.ts";
import {
  RECORD_BATCH_OVERHEAD,
  RecordBatchBuilder,
  type RecordHeader,
  recordSizeUpperBound,
  setProducerState,
} from "../../src/protocol/record_batch.ts";
import { hex, toHex } from "../support/helpers.ts";
import { referenceCrc32c } from "./_crc32c_reference.ts";

const utf8 = new TextEncoder();
const bytes = (s: string) => utf8.encode(s);
const TS = 1_700_000_000_000; // 0x18bcfe56800

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Rewrites the CRC of a hand-edited batch so the decoder gets past the checksum. */
function fixCrc(batch: Uint8Array): Uint8Array {
  view(batch).setUint32(17, crc32c(batch.subarray(21)));
  return batch;
}

function singleRecordBatch(): Uint8Array {
  const b = new RecordBatchBuilder(new Uint8Array(1024), 1024);
  b.append(TS, bytes("k"), bytes("v"), [{ key: "h", value: bytes("x") }]);
  return b.build();
}

const GOLDEN = `
  0000000000000000   // base offset
  0000003e           // batch length: 74 - 12
  ffffffff           // partition leader epoch
  02                 // magic
  5e93538d           // crc (computed independently)
  0000               // attributes
  00000000           // last offset delta
  0000018bcfe56800   // base timestamp
  0000018bcfe56800   // max timestamp
  ffffffffffffffff   // producer id
  ffff               // producer epoch
  ffffffff           // base sequence
  00000001           // record count
  18                 // record length 12
  00 00 00           // attributes, timestamp delta 0, offset delta 0
  02 "k" 02 "v"      // key, value
  02 02 "h" 02 "x"   // one header h=x
`;

test("single-record batch golden bytes, field by field", async () => {
  await initCrc32c();
  const batch = singleRecordBatch();
  assert.equal(toHex(batch), toHex(hex(GOLDEN)));
  const v = view(batch);
  assert.equal(batch.length, 74);
  assert.equal(v.getBigInt64(0), 0n);
  assert.equal(v.getInt32(8), batch.length - 12);
  assert.equal(v.getInt32(12), -1);
  assert.equal(v.getInt8(16), 2);
  assert.equal(v.getUint32(17), referenceCrc32c(batch.subarray(21)));
  assert.equal(v.getUint32(17), 0x5e93538d);
  assert.equal(v.getInt16(21), 0);
  assert.equal(v.getInt32(23), 0);
  assert.equal(v.getBigInt64(27), BigInt(TS));
  assert.equal(v.getBigInt64(35), BigInt(TS));
  assert.equal(v.getBigInt64(43), -1n);
  assert.equal(v.getInt16(51), -1);
  assert.equal(v.getInt32(53), -1);
  assert.equal(v.getInt32(57), 1);
});

test("decoding the golden batch gives back its fields and record", async () => {
  await initCrc32c();
  const [b, ...rest] = decodeRecordBatches(hex(GOLDEN));
  assert.equal(rest.length, 0);
  assert.deepEqual({ ...b, records: [] }, {
    baseOffset: 0n,
    batchLength: 62,
    partitionLeaderEpoch: -1,
    magic: 2,
    crc: 0x5e93538d,
    attributes: 0,
    compression: 0,
    timestampType: 0,
    isTransactional: false,
    isControl: false,
    lastOffsetDelta: 0,
    baseTimestamp: TS,
    maxTimestamp: TS,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    records: [],
  });
  assert.deepEqual(b.records, [{
    offsetDelta: 0,
    timestamp: TS,
    key: bytes("k"),
    value: bytes("v"),
    headers: [{ key: "h", value: bytes("x") }],
  }]);
});

test("builder getters track records, size and timestamps", async () => {
  await initCrc32c();
  const b = new RecordBatchBuilder(new Uint8Array(1024), 1024);
  assert.deepEqual([b.recordCount, b.sizeInBytes, b.maxTimestamp, b.isBuilt], [0, RECORD_BATCH_OVERHEAD, -1, false]);
  assert.equal(b.append(2000, null, bytes("a"), []), 0);
  assert.equal(b.sizeInBytes, RECORD_BATCH_OVERHEAD + 8); // 0e 00 00 00 01 02 "a" 00
  assert.equal(b.append(5000, null, bytes("b"), []), 1);
  assert.equal(b.append(1000, null, bytes("c"), []), 2);
  assert.deepEqual([b.recordCount, b.baseTimestamp, b.maxTimestamp], [3, 2000, 5000]);
  const batch = b.build();
  assert.equal(batch.length, b.sizeInBytes);
  assert.equal(b.isBuilt, true);
  assert.equal(view(batch).getInt32(23), 2);
});

const headerRecords: { ts: number; key: Uint8Array | null; value: Uint8Array | null; headers: RecordHeader[] }[] = [
  { ts: 10_000, key: bytes("key-1"), value: bytes("value-1"), headers: [] },
  { ts: 10_005, key: null, value: bytes("no key"), headers: [{ key: "a", value: null }] },
  { ts: 10_001, key: bytes("tombstone"), value: null, headers: [] },
  {
    ts: 9_000,
    key: null,
    value: null,
    headers: [{ key: "dup", value: bytes("1") }, { key: "x", value: bytes("") }, { key: "dup", value: bytes("2") }],
  },
  { ts: 10_002, key: new Uint8Array(0), value: new Uint8Array(0), headers: [{ key: "", value: new Uint8Array(0) }] },
  {
    ts: 0,
    key: bytes("utf8"),
    value: bytes("v"),
    headers: [{ key: "é", value: bytes("2 bytes") }, { key: "日本", value: null }, { key: "😀x", value: bytes("pair") }],
  },
];

test("multi-record round trip: nulls, tombstones, duplicate and multibyte headers, negative deltas", async () => {
  await initCrc32c();
  const b = new RecordBatchBuilder(new Uint8Array(4096), 4096);
  headerRecords.forEach((r, i) => assert.equal(b.append(r.ts, r.key, r.value, r.headers), i));
  const [decoded] = decodeRecordBatches(b.build());
  assert.equal(decoded.baseTimestamp, 10_000);
  assert.equal(decoded.maxTimestamp, 10_005);
  assert.equal(decoded.lastOffsetDelta, headerRecords.length - 1);
  assert.deepEqual(
    decoded.records,
    headerRecords.map((r, i) => ({ offsetDelta: i, timestamp: r.ts, key: r.key, value: r.value, headers: r.headers })),
  );
});

test("header keys are written as UTF-8 with their byte length", async () => {
  await initCrc32c();
  const b = new RecordBatchBuilder(new Uint8Array(256), 256);
  b.append(0, null, null, [{ key: "é😀", value: null }]);
  const batch = b.build();
  // record: length, attrs, ts, offset, key -1, value -1, 1 header, key length 6, key, value -1
  assert.equal(toHex(batch.subarray(61)), toHex(hex(`1c 00 00 00 01 01 02 0c c3a9 f09f9880 01`)));
});

test("a lone surrogate in a header key is encoded as U+FFFD, with a matching length", async () => {
  await initCrc32c();
  const b = new RecordBatchBuilder(new Uint8Array(256), 256);
  b.append(0, null, null, [{ key: "a\ud800b", value: null }]);
  assert.equal(decodeRecordBatches(b.build())[0].records[0].headers[0].key, "a\ufffdb");
});

test("1 MiB values round trip and fit a buffer sized by recordSizeUpperBound", async () => {
  await initCrc32c();
  const value = new Uint8Array(1 << 20);
  for (let i = 0; i < value.length; i++) value[i] = (i * 31) & 0xff;
  const headers = [{ key: "h", value: value.subarray(0, 1000) }];
  const size = Math.max(16384, RECORD_BATCH_OVERHEAD + recordSizeUpperBound(bytes("k"), value, headers));
  const b = new RecordBatchBuilder(new Uint8Array(size), 16384);
  assert.equal(b.hasRoomFor(TS, bytes("k"), value, headers), true);
  b.append(TS, bytes("k"), value, headers);
  assert.equal(b.hasRoomFor(TS, null, bytes("tiny"), []), false);
  const [decoded] = decodeRecordBatches(b.build());
  assert.deepEqual(decoded.records[0].value, value);
  assert.deepEqual(decoded.records[0].headers, headers);
});

test("recordSizeUpperBound bounds the encoded size, whatever the timestamp and offset", async () => {
  await initCrc32c();
  assert.equal(recordSizeUpperBound(null, new Uint8Array(100), []), 21 + 1 + 2 + 100 + 1);
  const cases: [Uint8Array | null, Uint8Array | null, RecordHeader[]][] = [
    [null, null, []],
    [bytes("k"), new Uint8Array(200), [{ key: "日本", value: new Uint8Array(300) }]],
    [new Uint8Array(70000), null, [{ key: "a", value: null }, { key: "b", value: null }]],
  ];
  for (const [key, value, headers] of cases) {
    const bound = recordSizeUpperBound(key, value, headers);
    const first = new RecordBatchBuilder(new Uint8Array(RECORD_BATCH_OVERHEAD + bound), 0);
    first.append(TS, key, value, headers);
    // A later record far from the first timestamp takes the most bytes, and still fits.
    const b = new RecordBatchBuilder(new Uint8Array(RECORD_BATCH_OVERHEAD + 2 * bound), 1 << 30);
    b.append(0, null, null, []);
    const before = b.sizeInBytes;
    b.append(2 ** 52 + 1, key, value, headers);
    assert.ok(b.sizeInBytes - before <= bound, `bound ${bound} < ${b.sizeInBytes - before}`);
  }
});

test("timestamp deltas beyond 2^51 round trip through the bigint path", async () => {
  await initCrc32c();
  const b = new RecordBatchBuilder(new Uint8Array(256), 256);
  b.append(2 ** 52 + 1, null, null, []);
  b.append(0, null, null, []);
  b.append(Number.MAX_SAFE_INTEGER, null, null, []);
  const [decoded] = decodeRecordBatches(b.build());
  assert.deepEqual(decoded.records.map((r) => r.timestamp), [2 ** 52 + 1, 0, Number.MAX_SAFE_INTEGER]);
  assert.equal(decoded.maxTimestamp, Number.MAX_SAFE_INTEGER);
});

test("hasRoomFor: the first record fits past the write limit if the buffer holds it", async () => {
  await initCrc32c();
  const value = new Uint8Array(500);
  const b = new RecordBatchBuilder(new Uint8Array(1000), 100);
  assert.equal(b.hasRoomFor(TS, null, value, []), true);
  b.append(TS, null, value, []);
  assert.equal(b.hasRoomFor(TS, null, new Uint8Array(1), []), false);
  // The limit is advisory for append: the buffer still has room.
  b.append(TS, null, new Uint8Array(1), []);
  assert.equal(b.recordCount, 2);
  const small = new RecordBatchBuilder(new Uint8Array(100), 100);
  assert.equal(small.hasRoomFor(TS, null, value, []), false);
  assert.throws(() => small.append(TS, null, value, []), RangeError);
  assert.equal(small.recordCount, 0);
  assert.equal(small.sizeInBytes, RECORD_BATCH_OVERHEAD);
});

test("hasRoomFor: later records must end within the write limit, exactly at it included", async () => {
  await initCrc32c();
  // Each record of a 10-byte value and no key takes 17 bytes: 7 one-byte fields and the value.
  const value = new Uint8Array(10);
  const limit = RECORD_BATCH_OVERHEAD + 3 * 17;
  const b = new RecordBatchBuilder(new Uint8Array(4096), limit);
  for (let i = 0; i < 3; i++) {
    assert.equal(b.hasRoomFor(TS, null, value, []), true, `record ${i}`);
    b.append(TS, null, value, []);
  }
  assert.equal(b.sizeInBytes, limit);
  assert.equal(b.hasRoomFor(TS, null, null, []), false);
  // A record whose timestamp delta takes more bytes may not fit where a smaller one would.
  const c = new RecordBatchBuilder(new Uint8Array(4096), RECORD_BATCH_OVERHEAD + 34);
  c.append(TS, null, value, []);
  assert.equal(c.hasRoomFor(TS, null, value, []), true);
  assert.equal(c.hasRoomFor(TS + 100, null, value, []), false);
});

test("hasRoomFor: a buffer smaller than the write limit caps later records too", async () => {
  await initCrc32c();
  const b = new RecordBatchBuilder(new Uint8Array(RECORD_BATCH_OVERHEAD + 24), 1 << 20);
  b.append(TS, null, new Uint8Array(10), []);
  assert.equal(b.hasRoomFor(TS, null, new Uint8Array(10), []), false);
  assert.throws(() => b.append(TS, null, new Uint8Array(10), []), RangeError);
  assert.equal(b.hasRoomFor(TS, null, null, []), true);
});

test("build options set attributes and producer fields", async () => {
  await initCrc32c();
  const b = new RecordBatchBuilder(new Uint8Array(256), 256);
  b.append(TS, null, bytes("v"), []);
  const batch = b.build({ producerId: 123456789012n, producerEpoch: 7, baseSequence: 42, isTransactional: true, timestampType: 1 });
  const [d] = decodeRecordBatches(batch);
  assert.deepEqual(
    [d.attributes, d.timestampType, d.isTransactional, d.producerId, d.producerEpoch, d.baseSequence],
    [0x18, 1, true, 123456789012n, 7, 42],
  );
  assert.equal(view(batch).getUint32(17), referenceCrc32c(batch.subarray(21)));
});

test("builder misuse throws: empty build, double build, append after build, bad values", async () => {
  await initCrc32c();
  const b = new RecordBatchBuilder(new Uint8Array(256), 256);
  assert.throws(() => b.build(), RangeError);
  assert.throws(() => b.append(-2, null, null, []), RangeError);
  assert.throws(() => b.append(1.5, null, null, []), RangeError);
  b.append(-1, null, null, []);
  assert.throws(() => b.build({ producerEpoch: 40000 }), RangeError);
  assert.throws(() => b.build({ producerId: 1n << 63n }), RangeError);
  assert.throws(() => b.build({ compression: { id: 8, compress: (d) => d } }), RangeError);
  b.build();
  assert.throws(() => b.build(), RangeError);
  assert.throws(() => b.append(0, null, null, []), RangeError);
  assert.equal(b.hasRoomFor(0, null, null, []), false);
  assert.throws(() => new RecordBatchBuilder(new Uint8Array(60), 100), RangeError);
});

/** A stand-in codec: the records reversed behind a marker byte. */
const fakeCodec = {
  id: 3,
  compress: (data: Uint8Array) => Uint8Array.from([0xcc, ...data].reverse()),
};
function fakeDecompress(codecId: number, data: Uint8Array): Uint8Array {
  assert.equal(codecId, 3);
  const out = data.slice().reverse();
  if (out[0] !== 0xcc) throw new Error("not compressed by the fake codec");
  return out.subarray(1);
}

test("compression replaces the records section and keeps the builder's buffer intact", async () => {
  await initCrc32c();
  const buffer = new Uint8Array(1024);
  const b = new RecordBatchBuilder(buffer, 1024);
  headerRecords.forEach((r) => b.append(r.ts, r.key, r.value, r.headers));
  const records = buffer.slice(61, b.sizeInBytes);
  const batch = b.build({ compression: fakeCodec });
  assert.notEqual(batch.buffer, buffer.buffer);
  assert.equal(batch.length, 61 + records.length + 1);
  assert.deepEqual(batch.subarray(61), fakeCodec.compress(records));
  assert.deepEqual(buffer.slice(61, 61 + records.length), records);
  const v = view(batch);
  assert.equal(v.getInt32(8), batch.length - 12);
  assert.equal(v.getInt16(21), 3);
  assert.equal(v.getInt32(57), headerRecords.length);
  assert.equal(v.getUint32(17), referenceCrc32c(batch.subarray(21)));
  const [d] = decodeRecordBatches(batch, fakeDecompress);
  assert.equal(d.compression, 3);
  assert.deepEqual(d.records.map((r) => r.value), headerRecords.map((r) => r.value));
  assert.throws(() => decodeRecordBatches(batch), (e) => e instanceof KafkaError && !(e instanceof CorruptResponseError));
  assert.throws(() => decodeRecordBatches(batch, () => new Uint8Array(3)), CorruptResponseError);
  assert.throws(() =>
    decodeRecordBatches(batch, () => {
      throw new Error("bad");
    }), CorruptResponseError);
});

test("compression id 0 means no compression", async () => {
  await initCrc32c();
  const b = new RecordBatchBuilder(new Uint8Array(1024), 1024);
  b.append(TS, bytes("k"), bytes("v"), [{ key: "h", value: bytes("x") }]);
  assert.equal(toHex(b.build({ compression: { id: 0, compress: () => new Uint8Array(0) } })), toHex(hex(GOLDEN)));
});

test("setProducerState rewrites the producer fields and the CRC in place", async () => {
  await initCrc32c();
  const batch = singleRecordBatch();
  const original = batch.slice();
  setProducerState(batch, 4000n, 3, 99, true);
  const v = view(batch);
  assert.deepEqual([v.getBigInt64(43), v.getInt16(51), v.getInt32(53), v.getInt16(21)], [4000n, 3, 99, 0x10]);
  assert.equal(v.getUint32(17), referenceCrc32c(batch.subarray(21)));
  assert.notEqual(v.getUint32(17), 0x5e93538d);
  const [d] = decodeRecordBatches(batch);
  assert.deepEqual([d.producerId, d.producerEpoch, d.baseSequence, d.isTransactional], [4000n, 3, 99, true]);
  // Only the CRC, attributes and producer fields changed.
  for (let i = 0; i < batch.length; i++) {
    if ((i >= 17 && i < 23) || (i >= 43 && i < 57)) continue;
    assert.equal(batch[i], original[i], `byte ${i}`);
  }
  setProducerState(batch, -1n, -1, -1, false);
  assert.deepEqual(batch, original);
  assert.throws(() => setProducerState(batch, 1n, 1, 2 ** 31, false), RangeError);
  assert.throws(() => setProducerState(batch.subarray(0, 60), 1n, 1, 1, false), RangeError);
});

test("setProducerState keeps compression and timestamp-type bits", async () => {
  await initCrc32c();
  const b = new RecordBatchBuilder(new Uint8Array(256), 256);
  b.append(TS, null, bytes("v"), []);
  const batch = b.build({ compression: fakeCodec, timestampType: 1, isTransactional: true });
  setProducerState(batch, 5n, 0, 0, false);
  assert.equal(view(batch).getInt16(21), 0x0b);
  setProducerState(batch, 5n, 0, 0, true);
  assert.equal(view(batch).getInt16(21), 0x1b);
  assert.equal(decodeRecordBatches(batch, fakeDecompress)[0].records.length, 1);
});

test("concatenated batches decode in order; empty input is no batches", async () => {
  await initCrc32c();
  const a = singleRecordBatch();
  const b = new RecordBatchBuilder(new Uint8Array(256), 256);
  b.append(5, null, bytes("second"), []);
  const second = b.build();
  const both = new Uint8Array(a.length + second.length);
  both.set(a);
  both.set(second, a.length);
  const decoded = decodeRecordBatches(both);
  assert.deepEqual(decoded.map((d) => d.records[0].value), [bytes("v"), bytes("second")]);
  assert.deepEqual(decodeRecordBatches(new Uint8Array(0)), []);
});

test("decode: any flipped byte from the magic on is detected", async () => {
  await initCrc32c();
  const good = singleRecordBatch();
  for (let i = 16; i < good.length; i++) {
    const bad = good.slice();
    bad[i] ^= 0x01;
    assert.throws(() => decodeRecordBatches(bad), CorruptResponseError, `byte ${i}`);
  }
});

test("decode: every truncation is CorruptResponseError", async () => {
  await initCrc32c();
  const good = singleRecordBatch();
  for (let n = 1; n < good.length; n++) {
    assert.throws(() => decodeRecordBatches(good.subarray(0, n)), CorruptResponseError, `length ${n}`);
  }
  const twice = new Uint8Array(good.length * 2 - 1);
  twice.set(good);
  twice.set(good.subarray(0, good.length - 1), good.length);
  assert.throws(() => decodeRecordBatches(twice), CorruptResponseError);
});

test("decode: huge or negative length fields are refused before allocating", async () => {
  await initCrc32c();
  const good = singleRecordBatch();
  const edit = (at: number, patch: Uint8Array) => {
    const b = good.slice();
    b.set(patch, at);
    return fixCrc(b);
  };
  const cases: [string, Uint8Array][] = [
    ["batch length 2^31-1", edit(8, hex("7fffffff"))],
    ["negative batch length", edit(8, hex("ffffffff"))],
    ["record count 2^31-1", edit(57, hex("7fffffff"))],
    ["negative record count", edit(57, hex("ffffffff"))],
    ["record count 2", edit(57, hex("00000002"))],
    ["record count 0 with a record left over", edit(57, hex("00000000"))],
    ["record length too big", edit(61, hex("7e"))],
    ["negative record length", edit(61, hex("03"))],
    ["record length too small", edit(61, hex("16"))],
    ["key length too big", edit(65, hex("fe"))],
    ["key length -2", edit(65, hex("03"))],
    ["header count huge", edit(69, hex("7e"))],
    ["null header key", edit(70, hex("01"))],
    ["varint longer than 5 bytes", edit(61, hex("ffffffffff"))],
    ["magic 1", edit(16, hex("01"))],
    ["unknown codec 5", edit(22, hex("05"))],
  ];
  for (const [what, bad] of cases) assert.throws(() => decodeRecordBatches(bad), CorruptResponseError, what);
  // Invalid UTF-8 in a header key.
  assert.throws(() => decodeRecordBatches(edit(71, hex("ff"))), CorruptResponseError);
});

test("decode fuzz: random corruption never escapes as anything but CorruptResponseError", async () => {
  await initCrc32c();
  const b = new RecordBatchBuilder(new Uint8Array(4096), 4096);
  headerRecords.forEach((r) => b.append(r.ts, r.key, r.value, r.headers));
  const good = b.build();
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let round = 0; round < 2000; round++) {
    const bad = good.slice(0, good.length - (round % 5 === 0 ? rand(20) : 0));
    for (let k = 1 + rand(3); k > 0; k--) bad[21 + rand(bad.length - 21)] = rand(256);
    // Half the time fix the CRC, so the record parser itself sees the damage.
    if (round % 2 === 0 && bad.length > 21) fixCrc(bad);
    try {
      decodeRecordBatches(bad, () => {
        throw new Error("the records were never compressed");
      });
    } catch (e) {
      assert.ok(e instanceof CorruptResponseError, `round ${round}: ${e}`);
    }
  }
});
