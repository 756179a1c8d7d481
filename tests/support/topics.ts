/**
 * Fresh topics for integration tests, made with the broker harness (not with the code
 * under test) and ready to produce to: every partition has a leader; and what the
 * brokers stored in them.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createTopic, type CreateTopicOptions, requireRunning } from "../../tools/kafka.ts";
import { bootstrapServers, uniqueTopic } from "./broker.ts";

/**
 * Creates a topic named `<prefix>-<unique suffix>` with `partitions` partitions on the
 * test broker (starting the harness broker first if needed) and returns its name.
 */
export async function createTestTopic(
  prefix: string,
  partitions: number,
  opts: Omit<CreateTopicOptions, "partitions"> = {},
): Promise<string> {
  await bootstrapServers();
  const name = uniqueTopic(prefix);
  await createTopic(name, { ...opts, partitions });
  return name;
}

/** One record batch as a broker stored it. */
export interface StoredBatch {
  partition: number;
  baseOffset: number;
  /** The codec id from the batch attributes: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  codec: number;
  records: number;
  /** The producer id, epoch and base sequence stamped by an idempotent producer (-1 without). */
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
}

/**
 * The record batches of `topic` as they lie in the harness brokers' log segments, in
 * offset order per partition: shows how the producer batched and compressed, which no
 * consumer reveals. Reads the first replica found of each partition.
 */
export function storedBatches(topic: string): StoredBatch[] {
  const batches: StoredBatch[] = [];
  const seen = new Set<number>();
  for (const node of requireRunning().nodes) {
    const dataDir = join(node.dir, "data");
    if (!existsSync(dataDir)) continue;
    for (const entry of readdirSync(dataDir)) {
      const match = /^(.+)-(\d+)$/.exec(entry);
      if (match === null || match[1] !== topic || seen.has(Number(match[2]))) continue;
      const partition = Number(match[2]);
      seen.add(partition);
      for (const file of readdirSync(join(dataDir, entry)).filter((f) => f.endsWith(".log")).sort()) {
        const log = readFileSync(join(dataDir, entry, file));
        const view = new DataView(log.buffer, log.byteOffset, log.byteLength);
        // Batch header: baseOffset int64, batchLength int32, ..., attributes int16 at 21, recordsCount int32 at 57.
        for (let at = 0; at + 61 <= log.length;) {
          const length = view.getInt32(at + 8);
          if (length < 49 || at + 12 + length > log.length) break;
          batches.push({
            partition,
            baseOffset: Number(view.getBigInt64(at)),
            codec: view.getInt16(at + 21) & 7,
            records: view.getInt32(at + 57),
            producerId: view.getBigInt64(at + 43),
            producerEpoch: view.getInt16(at + 51),
            baseSequence: view.getInt32(at + 53),
          });
          at += 12 + length;
        }
      }
    }
  }
  return batches.sort((a, b) => a.partition - b.partition || a.baseOffset - b.baseOffset);
}
