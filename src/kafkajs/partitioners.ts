/**
 * KafkaJS's partitioners. Both take a message's `partition` when it has one, hash its key
 * when it has one, and otherwise go round-robin over the partitions that have a leader,
 * from a random start per topic. They differ in the hash:
 *
 * - `DefaultPartitioner` (KafkaJS 2.x's default, once `JavaCompatiblePartitioner`) is
 *   murmur2 as the Java client computes it, in 32-bit integer arithmetic: a key lands
 *   where a Java (or librdkafka `murmur2_random`) producer puts it.
 * - `LegacyPartitioner` (KafkaJS 1.x's default) multiplies in floating point, which loses
 *   the low bits of large products, and its loop runs to `length / 4` unrounded, reading
 *   past the key (as 0) for lengths not divisible by 4. Its partitions differ from Java's
 *   for most keys; it is here so that data written by KafkaJS 1.x keeps its partitions.
 *
 * @module
 */
import { murmur2 } from "../producer/partitioner.ts";
import type { ICustomPartitioner, PartitionerArgs, PartitionMetadata } from "./types.ts";

const encoder = new TextEncoder();

/**
 * A key's bytes as KafkaJS hashes them: bytes as they are, anything else as the UTF-8 of its string form.
 *
 * @example
 * ```ts
 * import { keyBytes } from "./partitioners.ts";
 * console.log(keyBytes("é")); // Uint8Array(2) [195, 169]
 * ```
 */
export function keyBytes(key: unknown): Uint8Array {
  return key instanceof Uint8Array ? key : encoder.encode(String(key));
}

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * KafkaJS 1.x's murmur2, with its floating-point products and its unrounded loop bound,
 * which make it differ from Java's.
 *
 * @example
 * ```ts
 * import { legacyMurmur2 } from "./partitioners.ts";
 * console.log(legacyMurmur2(new TextEncoder().encode("key-1")));
 * ```
 */
export function legacyMurmur2(data: Uint8Array): number {
  const length = data.length;
  // Plain numbers throughout, as JavaScript computes `h *= M` without Math.imul: the
  // product is a double, and the next bitwise operator truncates what is left of it.
  let h: number = SEED ^ length;
  const length4 = length / 4;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k: number = ((data[i4] ?? 0) & 0xff) + (((data[i4 + 1] ?? 0) & 0xff) << 8) + (((data[i4 + 2] ?? 0) & 0xff) << 16) +
      (((data[i4 + 3] ?? 0) & 0xff) << 24);
    k *= M;
    k ^= k >>> 24;
    k *= M;
    h *= M;
    h ^= k;
  }
  const tail = length & ~3;
  switch (length % 4) {
    case 3:
      h ^= (data[tail + 2] & 0xff) << 16;
    // falls through
    case 2:
      h ^= (data[tail + 1] & 0xff) << 8;
    // falls through
    case 1:
      h ^= data[tail] & 0xff;
      h *= M;
  }
  h ^= h >>> 13;
  h *= M;
  h ^= h >>> 15;
  return h;
}

const toPositive = (x: number) => x & 0x7fffffff;

// The partitioners these factories made: they keep nothing of their arguments between calls.
const builtIn = new WeakSet<object>();

/**
 * Whether `partitioner` was made by one of the {@link Partitioners} (which keep nothing of
 * their argument, so a caller may reuse one argument object).
 *
 * @example
 * ```ts
 * import { isBuiltInPartitioner, Partitioners } from "./partitioners.ts";
 * console.log(isBuiltInPartitioner(Partitioners.DefaultPartitioner()), isBuiltInPartitioner(() => 0)); // true false
 * ```
 */
export function isBuiltInPartitioner(partitioner: unknown): boolean {
  return typeof partitioner === "function" && builtIn.has(partitioner);
}

function partitionerWith(hash: (key: Uint8Array) => number): ICustomPartitioner {
  return () => {
    const counters = new Map<string, number>();
    // The partitions with a leader, for the last metadata array seen (a producer passes the same one until it refreshes).
    let seen: PartitionMetadata[] | undefined;
    let available: PartitionMetadata[] = [];
    const partitioner = ({ topic, partitionMetadata, message }: PartitionerArgs) => {
      if (message.partition !== null && message.partition !== undefined) return message.partition;
      const count = partitionMetadata.length;
      if (message.key !== null && message.key !== undefined) return toPositive(hash(keyBytes(message.key))) % count;
      const next = (counters.get(topic) ?? Math.floor(Math.random() * 2 ** 32)) + 1;
      counters.set(topic, next);
      if (partitionMetadata !== seen) [seen, available] = [partitionMetadata, partitionMetadata.filter((p) => p.leader >= 0)];
      // No partition has a leader: one without, which the send will wait for.
      return available.length > 0 ? available[toPositive(next) % available.length].partitionId : toPositive(next) % count;
    };
    builtIn.add(partitioner);
    return partitioner;
  };
}

/**
 * KafkaJS's partitioners by their names.
 *
 * @example Keep KafkaJS 1.x's partitions
 * ```ts
 * import { Partitioners } from "./partitioners.ts";
 * const partition = Partitioners.LegacyPartitioner()({
 *   topic: "orders",
 *   partitionMetadata: [0, 1, 2].map((id) => ({ partitionId: id, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] })),
 *   message: { key: "order-17", value: "{}" },
 * });
 * console.log(partition);
 * ```
 */
export const Partitioners: {
  /** Java's murmur2 for keys, round-robin without (KafkaJS 2.x's default). */
  DefaultPartitioner: ICustomPartitioner;
  /** KafkaJS 1.x's floating-point murmur2 for keys, round-robin without. */
  LegacyPartitioner: ICustomPartitioner;
  /** The old name of DefaultPartitioner. */
  JavaCompatiblePartitioner: ICustomPartitioner;
} = {
  DefaultPartitioner: partitionerWith(murmur2),
  LegacyPartitioner: partitionerWith(legacyMurmur2),
  JavaCompatiblePartitioner: partitionerWith(murmur2),
};
