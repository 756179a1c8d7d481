/**
 * Key hashing and the custom partitioner contract, as the Java client's
 * `Utils.murmur2`, `Utils.toPositive`, `BuiltInPartitioner.partitionForKey` and the
 * `Partitioner` interface.
 *
 * A keyed record goes to `toPositive(murmur2(key)) % numPartitions`, bit for bit as the
 * Java client computes it, so records with the same key land on the same partition
 * whichever client (Java, librdkafka's `murmur2_random`, or this one) produced them.
 *
 * @module
 */
import type { Cluster } from "../client/metadata.ts";
import { KafkaError } from "../errors.ts";
import { describeValue } from "../validation.ts";

// Mixing constants of MurmurHash2 and the seed the Java client uses.
const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/**
 * The 32-bit MurmurHash2 of `data`, identical to Java's `Utils.murmur2`: seed
 * `0x9747b28c`, little-endian 4-byte blocks, result as a signed 32-bit integer.
 *
 * @example
 * ```ts
 * import { murmur2 } from "./partitioner.ts";
 * console.log(murmur2(new TextEncoder().encode("foobar"))); // -790332482
 * ```
 */
export function murmur2(data: Uint8Array): number {
  // Anything else (a string) would hash as garbage without an error: its "bytes" read as undefined.
  if (!(data instanceof Uint8Array)) throw new KafkaError(`murmur2(data) needs a Uint8Array, not ${describeValue(data)}`);
  const length = data.length;
  // Math.imul and `| 0` keep every step in Java's wrapping int arithmetic.
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // The tail: Java's switch falls through from case 3 to case 1.
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2] << 16;
  if (rest >= 2) h ^= data[tail + 1] << 8;
  if (rest >= 1) {
    h ^= data[tail];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * Clears the sign bit of a 32-bit integer, as Java's `Utils.toPositive`. This is not the
 * absolute value: `toPositive(-1)` is `2147483647`. Keyed partitioning depends on exactly
 * this mapping, so it must not change.
 *
 * @example
 * ```ts
 * import { toPositive } from "./partitioner.ts";
 * console.log(toPositive(-790332482)); // 1357151166
 * ```
 */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/**
 * The partition of a keyed record: `toPositive(murmur2(keyBytes)) % numPartitions`, as
 * Java's `BuiltInPartitioner.partitionForKey`. `numPartitions` counts all the topic's
 * partitions, available or not, so a key keeps its partition while a leader is down.
 *
 * @example
 * ```ts
 * import { partitionForKey } from "./partitioner.ts";
 * console.log(partitionForKey(new TextEncoder().encode("foobar"), 6)); // 0
 * ```
 *
 * @throws {KafkaError} When `keyBytes` is not a Uint8Array or `numPartitions` is not a positive integer.
 */
export function partitionForKey(keyBytes: Uint8Array, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new KafkaError(`partitionForKey(numPartitions) must be a positive integer, not ${describeValue(numPartitions)}`);
  }
  if (!(keyBytes instanceof Uint8Array)) {
    throw new KafkaError(`partitionForKey(keyBytes) needs a Uint8Array, not ${describeValue(keyBytes)}`);
  }
  return toPositive(murmur2(keyBytes)) % numPartitions;
}

/**
 * A user-supplied partitioner, the counterpart of Java's `Partitioner.partition`. It is
 * called for each record that has no explicit partition, with the serialized key and
 * value (null when absent) and the current cluster snapshot, and returns the partition
 * number. `cluster.topics.get(topic)!.partitions.length` is the partition count; the
 * producer has waited for the topic's metadata before calling it.
 *
 * The result must be an integer in `0 .. numPartitions - 1`. Any other value (negative,
 * too large, fractional, NaN) is an error that the producer reports for that record
 * instead of sending it; an exception thrown here is reported the same way.
 *
 * @example Route by the first key byte, falling back to partition 0 for unkeyed records
 * ```ts
 * import type { Partitioner } from "./partitioner.ts";
 * const byFirstByte: Partitioner = (topic, key, _value, cluster) => {
 *   const count = cluster.topics.get(topic)!.partitions.length;
 *   return key === null || key.length === 0 ? 0 : key[0] % count;
 * };
 * ```
 */
export type Partitioner = (topic: string, key: Uint8Array | null, value: Uint8Array | null, cluster: Cluster) => number;

/**
 * The partition `send()` puts a record in: its own, the custom partitioner's choice
 * (checked), the key's murmur2 partition, or -1 for the sticky partitioner to choose.
 *
 * @example
 * ```ts
 * import { choosePartition } from "./partitioner.ts";
 * const key = new TextEncoder().encode("order-17");
 * console.log(choosePartition({ topic: "orders" }, key, null, 6, { partitionerIgnoreKeys: false }, { brokers: [], topics: new Map() } as never));
 * ```
 */
export function choosePartition(
  record: { topic: string; partition?: number | null },
  key: Uint8Array | null,
  value: Uint8Array | null,
  count: number,
  config: { partitioner?: Partitioner; partitionerIgnoreKeys: boolean },
  cluster: Cluster,
): number {
  // recordProblem let through only undefined, null or a non-negative integer; send() waited until the topic has it.
  if (record.partition !== undefined && record.partition !== null) return record.partition;
  const custom = config.partitioner;
  if (custom !== undefined) {
    const chosen = custom(record.topic, key, value, cluster);
    if (!Number.isInteger(chosen) || chosen < 0 || chosen >= count) {
      throw new KafkaError(`the partitioner chose partition ${chosen} for ${record.topic}, which has ${count}`);
    }
    return chosen;
  }
  if (key !== null && !config.partitionerIgnoreKeys) return partitionForKey(key, count);
  return -1;
}
