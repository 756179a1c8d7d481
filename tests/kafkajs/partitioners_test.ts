/**
 * KafkaJS's partitioners: the hashes against the test vectors published with KafkaJS
 * (its murmur2 specs: Java's values for the default, KafkaJS 1.x's for the legacy one),
 * and the choices both make for partitions, keys and keyless messages.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { keyBytes, legacyMurmur2, Partitioners } from "../../src/kafkajs/partitioners.ts";
import { murmur2 } from "../../src/producer/partitioner.ts";
import type { PartitionMetadata } from "../../src/kafkajs/types.ts";

const JAVA = { "0": 971027396, "1": -1993445489, "128": -326012175, "2187": -1508407203, "16384": -325739742, "100:48069": 1009543857 };
const LEGACY = { "0": 272173970, "1": 1311020360, "128": 2053105854, "2187": -2081355488, "16384": 204404061, "170859375": 102939717 };

const partitions = (leaders: number[]): PartitionMetadata[] =>
  leaders.map((leader, partitionId) => ({ partitionId, leader, partitionErrorCode: 0, replicas: [1], isr: [1] }));

test("DefaultPartitioner hashes with Java's murmur2 (the values Java computes)", () => {
  for (const [key, hash] of Object.entries(JAVA)) assert.equal(murmur2(keyBytes(key)), hash, key);
  const choose = Partitioners.DefaultPartitioner();
  for (const [key, hash] of Object.entries(JAVA)) {
    assert.equal(
      choose({ topic: "t", partitionMetadata: partitions([1, 1, 1, 1, 1, 1, 1]), message: { key, value: "v" } }),
      (hash & 0x7fffffff) % 7,
    );
  }
});

test("LegacyPartitioner hashes as KafkaJS 1.x did, which differs from Java for most keys", () => {
  for (const [key, hash] of Object.entries(LEGACY)) assert.equal(legacyMurmur2(keyBytes(key)), hash, key);
  const legacy = Partitioners.LegacyPartitioner();
  const java = Partitioners.DefaultPartitioner();
  const partitionMetadata = partitions([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  let differ = 0;
  for (let i = 0; i < 100; i++) {
    const message = { key: `user-${i}`, value: "v" };
    if (legacy({ topic: "t", partitionMetadata, message }) !== java({ topic: "t", partitionMetadata, message })) differ++;
  }
  assert.ok(differ > 50, `${differ} of 100 keys land elsewhere`);
});

test("a message's own partition wins; bytes and strings of the same UTF-8 hash alike", () => {
  for (const create of [Partitioners.DefaultPartitioner, Partitioners.LegacyPartitioner]) {
    const choose = create();
    const partitionMetadata = partitions([1, 1, 1]);
    assert.equal(choose({ topic: "t", partitionMetadata, message: { key: "k", value: "v", partition: 2 } }), 2);
    assert.equal(
      choose({ topic: "t", partitionMetadata, message: { key: "héllo", value: "v" } }),
      choose({ topic: "t", partitionMetadata, message: { key: new TextEncoder().encode("héllo"), value: "v" } }),
    );
  }
});

test("keyless messages go round-robin over the partitions that have a leader, per topic", () => {
  const choose = Partitioners.DefaultPartitioner();
  const counts = new Map<number, number>();
  for (let i = 0; i < 30; i++) {
    const partition = choose({ topic: "a", partitionMetadata: partitions([1, -1, 1, 1]), message: { value: "v" } });
    counts.set(partition, (counts.get(partition) ?? 0) + 1);
  }
  assert.deepEqual([...counts].sort((a, b) => a[0] - b[0]), [[0, 10], [2, 10], [3, 10]]);
  // Without any leader, a partition still comes back (the send then waits for one).
  const anyway = choose({ topic: "b", partitionMetadata: partitions([-1, -1]), message: { value: "v" } });
  assert.ok(anyway === 0 || anyway === 1);
});
