import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BuiltInPartitioner,
  isPartitionAvailable,
  NodeLatencyTracker,
  PartitionLoadStatsCollector,
  StickyPartitionInfo,
} from "../../src/producer/built_in_partitioner.ts";
import { Cluster } from "../../src/client/metadata.ts";
import type { PartitionInfo, TopicInfo } from "../../src/client/metadata.ts";
import { ConfigError, KafkaError } from "../../src/errors.ts";
import { mulberry32 } from "../support/random.ts";

const NODE_IDS = [0, 1, 2, 11];

/** A cluster of brokers 0, 1, 2 and 11; each topic lists its partitions' leaders (-1 for none). */
function clusterOf(leadersByTopic: Record<string, number[]>, nodeIds: number[] = NODE_IDS): Cluster {
  const topics = new Map<string, TopicInfo>();
  for (const [name, leaders] of Object.entries(leadersByTopic)) {
    const partitions = leaders.map((leader, partition): PartitionInfo => ({
      topic: name,
      partition,
      leader,
      leaderEpoch: 0,
      replicas: NODE_IDS,
      isr: NODE_IDS,
      offlineReplicas: [],
      errorCode: leader < 0 ? 5 : 0,
    }));
    topics.set(name, { name, topicId: null, isInternal: false, errorCode: 0, partitions });
  }
  const nodes = nodeIds.map((id) => ({ id, host: "localhost", port: 9000 + id, rack: null }));
  return new Cluster(nodes, topics, nodeIds[0] ?? -1, "cluster");
}

/** Draws 0, 1, 2, ... as 31-bit integers, like Java's SequentialPartitioner; counts draws. */
function sequential() {
  const source = { draws: 0, random: () => source.draws++ / 2 ** 31 };
  return source;
}

/** Peeks, counts the partition and appends `bytes`, `times` times; returns counts per partition. */
function produce(partitioner: BuiltInPartitioner, cluster: Cluster, times: number, bytes = 1): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < times; i++) {
    const info = partitioner.peekCurrentPartitionInfo(cluster);
    counts.set(info.partition(), (counts.get(info.partition()) ?? 0) + 1);
    partitioner.updatePartitionInfo(info, bytes, cluster);
  }
  return counts;
}

test("the sticky partition stays until stickyBatchSize bytes went to it, then switches", () => {
  const cluster = clusterOf({ topicA: [0, 1, 2], topicB: [0] });
  const source = sequential();
  const a = new BuiltInPartitioner("topicA", 3, source.random);
  const first = a.peekCurrentPartitionInfo(cluster);
  assert.equal(first.partition(), 0);
  for (let bytes = 1; bytes <= 2; bytes++) {
    a.updatePartitionInfo(first, 1, cluster);
    assert.equal(first.producedBytes, bytes);
    assert.equal(a.peekCurrentPartitionInfo(cluster), first);
    assert.equal(a.isPartitionChanged(first), false);
  }
  a.updatePartitionInfo(first, 1, cluster);
  const second = a.peekCurrentPartitionInfo(cluster);
  assert.equal(a.isPartitionChanged(first), true);
  assert.equal(second.partition(), 1);
  assert.equal(second.producedBytes, 0);
  assert.equal(source.draws, 2);

  // Switching still works, and stays on partition 0, when the topic has one partition.
  const b = new BuiltInPartitioner("topicB", 1, sequential().random);
  for (let i = 0; i < 10; i++) {
    const info = b.peekCurrentPartitionInfo(cluster);
    assert.equal(info.partition(), 0);
    b.updatePartitionInfo(info, 1, cluster);
    assert.equal(b.isPartitionChanged(info), true);
  }
});

test("one append of at least stickyBatchSize bytes switches at once", () => {
  const cluster = clusterOf({ t: [0, 1, 2] });
  const partitioner = new BuiltInPartitioner("t", 100, sequential().random);
  const info = partitioner.peekCurrentPartitionInfo(cluster);
  partitioner.updatePartitionInfo(info, 250, cluster);
  assert.equal(partitioner.peekCurrentPartitionInfo(cluster).partition(), 1);
});

test("with enableSwitch false the switch waits until the batch is full, or twice the batch size", () => {
  const cluster = clusterOf({ t: [0, 1, 2] });
  const partitioner = new BuiltInPartitioner("t", 10, sequential().random);
  let info = partitioner.peekCurrentPartitionInfo(cluster);
  partitioner.updatePartitionInfo(info, 12, cluster, false);
  assert.equal(partitioner.isPartitionChanged(info), false);
  // The batch still fills: no switch. Once full, the deferred switch happens.
  assert.equal(partitioner.partitionChanged(info, false, cluster), false);
  assert.equal(partitioner.partitionChanged(info, true, cluster), true);
  assert.equal(partitioner.peekCurrentPartitionInfo(cluster).partition(), 1);

  info = partitioner.peekCurrentPartitionInfo(cluster);
  partitioner.updatePartitionInfo(info, 19, cluster, false);
  assert.equal(partitioner.isPartitionChanged(info), false);
  partitioner.updatePartitionInfo(info, 1, cluster, false);
  assert.equal(partitioner.isPartitionChanged(info), true, "20 bytes = 2 x stickyBatchSize switches regardless");

  // Below the batch size a full batch does not switch.
  info = partitioner.peekCurrentPartitionInfo(cluster);
  partitioner.updatePartitionInfo(info, 3, cluster, false);
  assert.equal(partitioner.partitionChanged(info, true, cluster), false);
});

test("null info (a record with its own partition) and stale info change nothing", () => {
  const cluster = clusterOf({ t: [0, 1, 2] });
  const partitioner = new BuiltInPartitioner("t", 1, sequential().random);
  assert.equal(partitioner.isPartitionChanged(null), false);
  assert.equal(partitioner.partitionChanged(null, true, cluster), false);
  partitioner.updatePartitionInfo(null, 1000, cluster);

  const first = partitioner.peekCurrentPartitionInfo(cluster);
  partitioner.updatePartitionInfo(first, 1, cluster);
  const second = partitioner.peekCurrentPartitionInfo(cluster);
  assert.notEqual(second, first);
  assert.equal(partitioner.partitionChanged(first, false, cluster), true);
  partitioner.updatePartitionInfo(first, 1000, cluster);
  assert.equal(partitioner.peekCurrentPartitionInfo(cluster), second);
  assert.equal(second.producedBytes, 0);
  assert.equal(first.producedBytes, 1);
});

test("only partitions with a known leader are chosen", () => {
  // Partition 1 of topicA has no leader; partition 0 of topicB's leader (7) is not a known broker.
  const cluster = clusterOf({ topicA: [0, -1, 2], topicB: [7, 0] });
  const a = new BuiltInPartitioner("topicA", 1, mulberry32(1));
  const counts = produce(a, cluster, 200);
  assert.equal(counts.get(1), undefined);
  assert.ok((counts.get(0) ?? 0) > 50 && (counts.get(2) ?? 0) > 50, `counts ${[...counts]}`);

  const b = new BuiltInPartitioner("topicB", 1, mulberry32(2));
  assert.deepEqual([...produce(b, cluster, 100)], [[1, 100]]);
  assert.equal(isPartitionAvailable(cluster, cluster.topics.get("topicB")!.partitions[0]), false);
  assert.equal(isPartitionAvailable(cluster, cluster.topics.get("topicB")!.partitions[1]), true);
});

test("when no partition has a leader, any partition is chosen", () => {
  const cluster = clusterOf({ topicC: [-1], topicD: [-1, -1, -1] });
  const c = new BuiltInPartitioner("topicC", 1, mulberry32(3));
  assert.deepEqual([...produce(c, cluster, 5)], [[0, 5]]);

  const d = new BuiltInPartitioner("topicD", 1, sequential().random);
  const order: number[] = [];
  for (let i = 0; i < 4; i++) {
    const info = d.peekCurrentPartitionInfo(cluster);
    order.push(info.partition());
    d.updatePartitionInfo(info, 1, cluster);
  }
  assert.deepEqual(order, [0, 1, 2, 0]);
});

test("a topic the cluster does not know has no partition to choose", () => {
  const partitioner = new BuiltInPartitioner("missing", 1);
  assert.throws(() => partitioner.peekCurrentPartitionInfo(clusterOf({ other: [0] })), (e: unknown) => {
    return e instanceof KafkaError && e.retriable && e.message.includes("missing");
  });
});

test("a newer cluster snapshot with a new leader is taken into account", () => {
  const partitioner = new BuiltInPartitioner("t", 1, mulberry32(4));
  assert.deepEqual([...produce(partitioner, clusterOf({ t: [-1, 1] }), 20)], [[1, 20]]);
  const counts = produce(partitioner, clusterOf({ t: [0, -1] }), 20);
  assert.equal(counts.get(1), 1, "the partition chosen before the update is used once more");
  assert.equal(counts.get(0), 19);
});

test("adaptive: each partition is chosen in proportion to maxSizePlus1 - queueSize (Java's test)", () => {
  const queueSizes = [5, 0, 3, 0, 1];
  const expected = queueSizes.map((size) => 6 - size); // 6 = max + 1
  const cluster = clusterOf({ topicA: queueSizes.map((_, i) => NODE_IDS[i % NODE_IDS.length]) });
  const partitioner = new BuiltInPartitioner("topicA", 1, sequential().random);
  partitioner.updatePartitionLoadStats([...queueSizes], queueSizes.map((_, i) => i), queueSizes.length);
  assert.equal(partitioner.loadStatsRangeEnd(), 21);

  // Sequential draws cover the range exactly twice.
  const counts = produce(partitioner, cluster, partitioner.loadStatsRangeEnd() * 2);
  assert.deepEqual(queueSizes.map((_, i) => counts.get(i) ?? 0), expected.map((weight) => weight * 2));
});

test("adaptive: random draws follow the inverse-load weights", () => {
  const queueSizes = [1, 5, 0, 2, 5, 3];
  const weights = [5, 1, 6, 4, 1, 3]; // 6 - size, total 20
  const cluster = clusterOf({ t: [0, 1, 2, 0, 1, 2] });
  const partitioner = new BuiltInPartitioner("t", 1, mulberry32(42));
  partitioner.updatePartitionLoadStats([...queueSizes], [0, 1, 2, 3, 4, 5], 6);
  const draws = 60_000;
  const counts = produce(partitioner, cluster, draws);
  for (let i = 0; i < weights.length; i++) {
    const share = (counts.get(i) ?? 0) / draws;
    assert.ok(Math.abs(share - weights[i] / 20) < 0.01, `partition ${i}: ${share} vs ${weights[i] / 20}`);
  }
});

test("load stats become a cumulative frequency table in place, mapped to partition ids", () => {
  // The example from Java's comment: sizes 0 3 1 -> weights 4 1 3 -> table 4 5 8.
  const queueSizes = [0, 3, 1];
  const partitioner = new BuiltInPartitioner("t", 1, sequential().random);
  partitioner.updatePartitionLoadStats(queueSizes, [10, 11, 12], 3);
  assert.deepEqual(queueSizes, [4, 5, 8]);
  assert.equal(partitioner.loadStatsRangeEnd(), 8);
  const cluster = clusterOf({ t: [0, 1, 2] });
  const chosen: number[] = [];
  for (let i = 0; i < 8; i++) {
    const info = partitioner.peekCurrentPartitionInfo(cluster);
    chosen.push(info.partition());
    partitioner.updatePartitionInfo(info, 1, cluster);
  }
  assert.deepEqual(chosen, [10, 10, 10, 10, 11, 12, 12, 12]);
});

test("no load stats, equal queues or too few partitions mean uniform choice", () => {
  const cluster = clusterOf({ t: [0, 1, 2] });
  const partitioner = new BuiltInPartitioner("t", 1, sequential().random);
  partitioner.updatePartitionLoadStats([4, 0, 9], [0, 1, 2], 3);
  assert.equal(partitioner.loadStatsRangeEnd(), 17); // weights 6 10 1

  partitioner.updatePartitionLoadStats(null, [], 0);
  assert.equal(partitioner.loadStatsRangeEnd(), 0);
  const counts = produce(partitioner, cluster, 300);
  assert.deepEqual([0, 1, 2].map((p) => counts.get(p)), [100, 100, 100]);

  partitioner.updatePartitionLoadStats([3, 3, 3], [0, 1, 2], 3);
  assert.equal(partitioner.loadStatsRangeEnd(), 0, "all equal: uniform");
  partitioner.updatePartitionLoadStats([3], [0], 1);
  assert.equal(partitioner.loadStatsRangeEnd(), 0, "one partition");
  partitioner.updatePartitionLoadStats([3, 1], [0, 1], 0);
  assert.equal(partitioner.loadStatsRangeEnd(), 0, "all left out");
});

test("equal queues still limit the choice to the partitions kept when some were left out", () => {
  const cluster = clusterOf({ t: [0, 1, 2] });
  const partitioner = new BuiltInPartitioner("t", 1, mulberry32(5));
  partitioner.updatePartitionLoadStats([2, 2, 2], [2, 0, 1], 2);
  assert.equal(partitioner.loadStatsRangeEnd(), 2);
  const counts = produce(partitioner, cluster, 400);
  assert.equal(counts.get(1), undefined);
  assert.ok((counts.get(2) ?? 0) > 150 && (counts.get(0) ?? 0) > 150);
});

test("updatePartitionLoadStats rejects inconsistent arrays", () => {
  const partitioner = new BuiltInPartitioner("t", 1);
  assert.throws(() => partitioner.updatePartitionLoadStats([1, 2], [0], 1), KafkaError);
  assert.throws(() => partitioner.updatePartitionLoadStats([1, 2], [0, 1], 3), KafkaError);
});

test("the sticky batch size must be a non-negative integer; 0 counts as 1", () => {
  assert.throws(() => new BuiltInPartitioner("t", -1), ConfigError);
  assert.throws(() => new BuiltInPartitioner("t", 1.5), ConfigError);
  assert.equal(new BuiltInPartitioner("t", 0).stickyBatchSize, 1);
  assert.equal(new BuiltInPartitioner("t", 16384).stickyBatchSize, 16384);
  assert.equal(new StickyPartitionInfo(4).partition(), 4);
});

test("NodeLatencyTracker marks a node that has not drained for longer than the timeout", () => {
  const now = 10_000;
  const latency = new NodeLatencyTracker(100);
  assert.equal(latency.isUnavailable(0), false, "never seen");
  latency.updateNodeLatencyStats(0, now - 200, true);
  latency.updateNodeLatencyStats(0, now, false);
  assert.deepEqual(latency.stats(0), { readyTimeMs: now, drainTimeMs: now - 200 });
  assert.equal(latency.isUnavailable(0), true);
  latency.updateNodeLatencyStats(0, now + 1, true);
  assert.equal(latency.isUnavailable(0), false);

  latency.updateNodeLatencyStats(1, now, true);
  latency.updateNodeLatencyStats(1, now + 100, false);
  assert.equal(latency.isUnavailable(1), false, "exactly the timeout is still fine");

  const off = new NodeLatencyTracker(0);
  off.updateNodeLatencyStats(0, 0, true);
  off.updateNodeLatencyStats(0, 1_000_000, false);
  assert.equal(off.stats(0), undefined);
  assert.equal(off.isUnavailable(0), false);
});

test("partitions on a slow leader are left out of the adaptive choice (Java's accumulator test)", () => {
  // Partitions 0 and 1 are led by node 0, which has not drained for 200 ms; partition 2 by node 1.
  const cluster = clusterOf({ t: [0, 0, 1] });
  const latency = new NodeLatencyTracker(100);
  latency.updateNodeLatencyStats(0, 800, true);
  latency.updateNodeLatencyStats(0, 1000, false);
  latency.updateNodeLatencyStats(1, 1000, true);
  const queueSizes = [1, 7, 2];
  const stats = new PartitionLoadStatsCollector(3);
  for (const [partition, size] of queueSizes.entries()) {
    stats.add(partition, size, latency.isUnavailable(cluster.leaderFor("t", partition)!.id));
  }
  assert.equal(stats.length, 1);
  const partitioner = new BuiltInPartitioner("t", 1, mulberry32(6));
  partitioner.updatePartitionLoadStats(stats.queueSizes, stats.partitionIds, stats.length);
  assert.deepEqual([...produce(partitioner, cluster, 10)], [[2, 10]]);
});

test("PartitionLoadStatsCollector keeps order, skips slow leaders with queued data, and bounds its size", () => {
  const stats = new PartitionLoadStatsCollector(4);
  stats.add(3, 2, false);
  stats.add(0, 5, true); // left out
  stats.add(1, 0, true); // an empty queue is not checked for latency, as in Java
  stats.add(2, 1, false);
  assert.equal(stats.length, 3);
  assert.deepEqual(stats.partitionIds.slice(0, 3), [3, 1, 2]);
  assert.deepEqual(stats.queueSizes.slice(0, 3), [2, 0, 1]);
  stats.add(5, 1, true); // left out; its slot is reused
  stats.add(6, 1, false);
  assert.equal(stats.length, 4);
  assert.deepEqual(stats.partitionIds, [3, 1, 2, 6]);
  assert.throws(() => stats.add(7, 1, false), KafkaError);
});

/** A batch in the simulated accumulator: full once closed or out of room. */
interface SimBatch {
  bytes: number;
  limit: number;
  closed: boolean;
}

/**
 * Java's RecordAccumulator.append loop, reduced to batch sizes: the order of calls the
 * module documentation prescribes. A new batch holds max(batchSize, record + 61 bytes of
 * overhead); a record that does not fit closes the last batch.
 */
function simulatedAppend(partitioner: BuiltInPartitioner, deques: Map<number, SimBatch[]>, cluster: Cluster, size: number): number {
  const allBatchesFull = (dq: SimBatch[]) => {
    const last = dq.at(-1);
    return last === undefined || last.closed || last.bytes >= last.limit;
  };
  for (;;) {
    const info = partitioner.peekCurrentPartitionInfo(cluster);
    const partition = info.partition();
    let dq = deques.get(partition);
    if (dq === undefined) deques.set(partition, dq = []);
    if (partitioner.partitionChanged(info, allBatchesFull(dq), cluster)) continue;
    const last = dq.at(-1);
    if (last !== undefined && !last.closed && last.bytes + size <= last.limit) {
      last.bytes += size;
      partitioner.updatePartitionInfo(info, size, cluster, allBatchesFull(dq));
      return partition;
    }
    if (last !== undefined) last.closed = true;
    // A buffer allocation (possibly awaited) would come here, hence the second check.
    if (partitioner.partitionChanged(info, allBatchesFull(dq), cluster)) continue;
    dq.push({ bytes: size, limit: Math.max(BATCH, size + 61), closed: false });
    partitioner.updatePartitionInfo(info, size, cluster, allBatchesFull(dq));
    return partition;
  }
}
const BATCH = 1024;

test("the accumulator's append loop switches only at batch boundaries (Java's testUniformBuiltInPartitioner)", () => {
  const cluster = clusterOf({ t: [0, 1, 2] });
  const source = sequential();
  const partitioner = new BuiltInPartitioner("t", BATCH, source.random);
  const deques = new Map<number, SimBatch[]>();

  assert.equal(simulatedAppend(partitioner, deques, cluster, 10), 0);
  assert.equal(source.draws, 1);
  // Past the sticky limit, but the new batch is not full: no switch yet.
  assert.equal(simulatedAppend(partitioner, deques, cluster, BATCH), 0);
  assert.equal(source.draws, 1);
  // This record closes that batch, which completes the deferred switch before appending.
  assert.equal(simulatedAppend(partitioner, deques, cluster, BATCH), 1);
  assert.equal(source.draws, 2);
  assert.equal(simulatedAppend(partitioner, deques, cluster, BATCH), 2);
  assert.equal(source.draws, 3);
  assert.equal(simulatedAppend(partitioner, deques, cluster, BATCH), 0);
  assert.equal(source.draws, 4);
});
