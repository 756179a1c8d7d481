import { test } from "node:test";
import assert from "node:assert/strict";
import { murmur2, partitionForKey, toPositive } from "../../src/producer/partitioner.ts";
import type { Partitioner } from "../../src/producer/partitioner.ts";
import { Cluster } from "../../src/client/metadata.ts";
import type { PartitionInfo } from "../../src/client/metadata.ts";
import { KafkaError } from "../../src/errors.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);
const hex = (digits: string) => new Uint8Array((digits.match(/../g) ?? []).map((pair) => parseInt(pair, 16)));

// From Java's UtilsTest.testMurmur2.
const JAVA_UTILS_TEST: [Uint8Array, number][] = [
  [utf8("21"), -973932308],
  [utf8("foobar"), -790332482],
  [utf8("a-little-bit-long-string"), -985981536],
  [utf8("a-little-bit-longer-string"), -1486304829],
  [utf8("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971],
  [new Uint8Array([0x61, 0x62, 0x63]), 479470107],
];

// [key bytes, Utils.murmur2, BuiltInPartitioner.partitionForKey(key, 6), ...(key, 100)],
// printed by a throwaway Java 17 program against kafka-clients 4.3.1 (strings as UTF-8).
// Covers every tail length (0-3 bytes past a 4-byte block), bytes >= 0x80 and multi-byte characters.
const JAVA_CLIENT_TABLE: [Uint8Array, number, number, number][] = [
  [utf8(""), 275646681, 3, 81],
  [utf8("a"), -1563381124, 4, 24],
  [utf8("ab"), 316155434, 2, 34],
  [utf8("abc"), 479470107, 3, 7],
  [utf8("abcd"), -1323649548, 2, 0],
  [utf8("abcde"), 461995741, 1, 41],
  [utf8("key"), -1079937367, 1, 81],
  [utf8("key-0"), 29210041, 1, 41],
  [utf8("key-1"), 193331640, 0, 40],
  [utf8("key-2"), 852269702, 2, 2],
  [utf8("key-3"), -1839136101, 5, 47],
  [utf8("key-42"), -187086521, 3, 27],
  [utf8("user-1001"), -1052335918, 4, 30],
  [utf8("order:123456"), 367518033, 3, 33],
  [utf8("customer_7"), -1618974634, 4, 14],
  [utf8("21"), -973932308, 0, 40],
  [utf8("foobar"), -790332482, 0, 66],
  [utf8("a-little-bit-long-string"), -985981536, 2, 12],
  [utf8("a-little-bit-longer-string"), -1486304829, 5, 19],
  [utf8("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971, 5, 77],
  [utf8("The quick brown fox jumps over the lazy dog"), 495243318, 0, 18],
  [utf8("été"), -2101193575, 1, 73],
  [utf8("日本語"), 1431860170, 4, 70],
  [utf8("🙂 emoji"), 709957530, 0, 30],
  [utf8("00000000-0000-0000-0000-000000000000"), 713427837, 3, 37],
  [hex("00"), 375494588, 2, 88],
  [hex("ff"), -311467685, 3, 63],
  [hex("80"), 857690492, 2, 92],
  [hex("7f"), 21296028, 0, 28],
  [hex("ffffffff"), 644171429, 5, 29],
  [hex("80000000"), -65415266, 0, 82],
  [hex("00000000"), 850957120, 4, 20],
  [hex("fffefdfcfb"), 524068735, 1, 35],
  [hex("0102030405060708090a0b"), -234812442, 2, 6],
  [hex("deadbeefcafebabe"), 1652713879, 1, 79],
  [hex("ffffff"), 1548199422, 0, 22],
];

test("murmur2 matches Java's UtilsTest vectors", () => {
  for (const [key, expected] of JAVA_UTILS_TEST) assert.equal(murmur2(key), expected);
});

test("murmur2 and partitionForKey match the Java client for 36 keys", () => {
  for (const [key, hash, p6, p100] of JAVA_CLIENT_TABLE) {
    const label = Array.from(key, (b) => b.toString(16).padStart(2, "0")).join("");
    assert.equal(murmur2(key), hash, `murmur2(${label})`);
    assert.equal(partitionForKey(key, 6), p6, `partitionForKey(${label}, 6)`);
    assert.equal(partitionForKey(key, 100), p100, `partitionForKey(${label}, 100)`);
  }
});

test("murmur2 returns a signed 32-bit integer", () => {
  for (const [key] of JAVA_CLIENT_TABLE) {
    const h = murmur2(key);
    assert.ok(Number.isInteger(h) && h >= -0x80000000 && h <= 0x7fffffff);
  }
});

test("murmur2 reads only the view's bytes, not the whole underlying buffer", () => {
  const backing = new Uint8Array([9, 9, 0x66, 0x6f, 0x6f, 0x62, 0x61, 0x72, 9]);
  assert.equal(murmur2(backing.subarray(2, 8)), -790332482);
});

test("toPositive clears the sign bit as Java's Utils.toPositive", () => {
  assert.equal(toPositive(0), 0);
  assert.equal(toPositive(42), 42);
  assert.equal(toPositive(0x7fffffff), 0x7fffffff);
  assert.equal(toPositive(-1), 0x7fffffff);
  assert.equal(toPositive(-0x80000000), 0);
  assert.equal(toPositive(-790332482), 1357151166);
});

test("partitionForKey is stable and within range", () => {
  const key = utf8("key");
  assert.equal(partitionForKey(key, 3), partitionForKey(key, 3));
  for (let n = 1; n <= 64; n++) {
    const p = partitionForKey(key, n);
    assert.ok(p >= 0 && p < n);
    assert.equal(p, toPositive(murmur2(key)) % n);
  }
});

test("partitionForKey rejects a partition count below 1", () => {
  for (const bad of [0, -3, NaN, 1.5]) assert.throws(() => partitionForKey(utf8("k"), bad), KafkaError);
});

test("a custom Partitioner gets the topic, the serialized key and value, and the cluster", () => {
  const partitions: PartitionInfo[] = [0, 1, 2].map((partition) => ({
    topic: "t",
    partition,
    leader: 1,
    leaderEpoch: 0,
    replicas: [1],
    isr: [1],
    offlineReplicas: [],
    errorCode: 0,
  }));
  const cluster = new Cluster(
    [{ id: 1, host: "b1", port: 9092, rack: null }],
    new Map([["t", { name: "t", topicId: null, isInternal: false, errorCode: 0, partitions }]]),
    1,
    "c",
  );
  const calls: unknown[] = [];
  const lastByte: Partitioner = (topic, key, value, snapshot) => {
    calls.push([topic, key, value]);
    return key === null ? 0 : key[key.length - 1] % snapshot.topics.get(topic)!.partitions.length;
  };
  assert.equal(lastByte("t", new Uint8Array([7]), null, cluster), 1);
  assert.equal(lastByte("t", null, utf8("v"), cluster), 0);
  assert.deepEqual(calls, [["t", new Uint8Array([7]), null], ["t", null, utf8("v")]]);
});
