/**
 * Topic administration for the test-broker harness, over the hand-written
 * wire client (no JVM start per call, no dependency on the code under test).
 *
 * @module
 */

import { requireRunning } from "./cluster.ts";
import { adminPort, type ClusterState, nodeProc } from "./config.ts";
import { sleep } from "./procs.ts";
import { ErrorCode, errorName, KafkaWireError, type TopicInfo, withConnection } from "./wire.ts";

/** Options of {@link createTopic}. */
export interface CreateTopicOptions {
  /** Partition count (default: the broker's `num.partitions`, i.e. 1). */
  partitions?: number;
  /** Replication factor (default: min(3, number of brokers)). */
  replicationFactor?: number;
  /** Topic configs, e.g. `{ "cleanup.policy": "compact" }`. */
  configs?: Record<string, string>;
  /** Succeed (and still wait for leaders) if the topic already exists. */
  ifNotExists?: boolean;
  /** Overall deadline in ms (default 60 000). */
  timeoutMs?: number;
}

/** A topic as reported by {@link listTopics} / {@link describeTopic}. */
export interface TopicDescription {
  /** Topic name. */
  name: string;
  /** Whether it is internal (`__consumer_offsets`, ...). */
  internal: boolean;
  /** Number of partitions. */
  partitions: number;
  /** Replicas of partition 0. */
  replicationFactor: number;
  /** Leader per partition index (-1 = none). */
  leaders: number[];
}

// Errors after which CreateTopics/DeleteTopics may simply be sent again.
const RETRIABLE = new Set<number>([
  ErrorCode.NOT_CONTROLLER,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.LEADER_NOT_AVAILABLE,
]);

/**
 * Creates a topic and waits until every live broker reports a leader for
 * each of its partitions, so a test can produce right away.
 *
 * When the replication factor is below the cluster's `min.insync.replicas`
 * (2 on a 3-node cluster) and `configs` does not set it, the topic gets
 * `min.insync.replicas` = its replication factor, so `acks=all` still works.
 */
export async function createTopic(name: string, opts: CreateTopicOptions = {}): Promise<TopicDescription> {
  const state = requireRunning();
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const rf = opts.replicationFactor ?? Math.min(3, state.brokers);
  const configs = { ...(opts.configs ?? {}) };
  if (rf < state.minInsyncReplicas && configs["min.insync.replicas"] === undefined) {
    configs["min.insync.replicas"] = String(rf);
  }
  let retried = false;
  for (;;) {
    const res = await onAnyNode(
      state,
      deadline,
      (c) => c.createTopic({ name, partitions: opts.partitions ?? -1, replicationFactor: rf, configs, timeoutMs: 30_000 }),
    );
    if (res.errorCode === ErrorCode.NONE) break;
    // After a retried (possibly applied) request, "already exists" is our own topic.
    if (res.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS && (opts.ifNotExists || retried)) break;
    if (!RETRIABLE.has(res.errorCode) || Date.now() > deadline) {
      throw new KafkaWireError(res.errorCode, `create topic ${name}`, res.errorMessage);
    }
    retried = true;
    await sleep(200);
  }
  return await waitForTopic(state, name, deadline, opts.partitions);
}

/** Deletes a topic and waits until no live broker knows it; `ifExists` tolerates a missing topic. */
export async function deleteTopic(name: string, opts: { ifExists?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const state = requireRunning();
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let retried = false;
  for (;;) {
    const res = await onAnyNode(state, deadline, (c) => c.deleteTopic(name, 30_000));
    if (res.errorCode === ErrorCode.NONE) break;
    if (res.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && (opts.ifExists || retried)) break;
    if (!RETRIABLE.has(res.errorCode) || Date.now() > deadline) {
      throw new KafkaWireError(res.errorCode, `delete topic ${name}`, res.errorMessage);
    }
    retried = true;
    await sleep(200);
  }
  for (;;) {
    const views = await eachLiveNode(state, deadline, (c) => c.metadata([name]));
    if (views.every((md) => md.topics.every((t) => t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION))) return;
    if (Date.now() > deadline) throw new Error(`topic ${name} still visible after deletion`);
    await sleep(100);
  }
}

/** Lists topics (internal ones only with `internal: true`), sorted by name. */
export async function listTopics(opts: { internal?: boolean } = {}): Promise<TopicDescription[]> {
  const state = requireRunning();
  const md = await onAnyNode(state, Date.now() + 30_000, (c) => c.metadata(null));
  return md.topics.filter((t) => opts.internal || !t.internal).map(describe);
}

/** Describes one topic, or returns null if it does not exist. */
export async function describeTopic(name: string): Promise<TopicDescription | null> {
  const state = requireRunning();
  const md = await onAnyNode(state, Date.now() + 30_000, (c) => c.metadata([name]));
  const t = md.topics.find((x) => x.name === name);
  if (!t || t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return null;
  if (t.errorCode !== ErrorCode.NONE && t.errorCode !== ErrorCode.LEADER_NOT_AVAILABLE) {
    throw new KafkaWireError(t.errorCode, `describe topic ${name}`);
  }
  return describe(t);
}

function describe(t: TopicInfo): TopicDescription {
  return {
    name: t.name,
    internal: t.internal,
    partitions: t.partitions.length,
    replicationFactor: t.partitions[0]?.replicas.length ?? 0,
    leaders: t.partitions.map((p) => p.leader),
  };
}

async function waitForTopic(
  state: ClusterState,
  name: string,
  deadline: number,
  partitions?: number,
): Promise<TopicDescription> {
  let seen = "nothing yet";
  for (;;) {
    const views = await eachLiveNode(state, deadline, (c) => c.metadata([name]));
    const ready = views.map((md) => md.topics.find((t) => t.name === name)).filter((t): t is TopicInfo =>
      !!t &&
      t.errorCode === ErrorCode.NONE &&
      t.partitions.length > 0 &&
      (partitions === undefined || t.partitions.length === partitions) &&
      t.partitions.every((p) => p.leader >= 0)
    );
    if (ready.length === views.length) return describe(ready[0]);
    const t = views[0]?.topics[0];
    seen = t ? `${errorName(t.errorCode)}, leaders [${t.partitions.map((p) => p.leader)}]` : seen;
    if (Date.now() > deadline) throw new Error(`topic ${name} has no leader on every broker in time (${seen})`);
    await sleep(100);
  }
}

type Conn = Parameters<Parameters<typeof withConnection>[2]>[0];

function liveNodes(state: ClusterState) {
  const live = state.nodes.filter((n) => nodeProc(n) === "running");
  if (!live.length) throw new Error("no Kafka node is running");
  return live;
}

/** Runs `fn` against the first live node that answers, retrying until `deadline`. */
async function onAnyNode<T>(state: ClusterState, deadline: number, fn: (c: Conn) => Promise<T>): Promise<T> {
  let lastErr: unknown;
  do {
    for (const node of liveNodes(state)) {
      try {
        return await withConnection("127.0.0.1", adminPort(node), fn, 35_000);
      } catch (err) {
        lastErr = err;
      }
    }
    await sleep(250);
  } while (Date.now() < deadline);
  throw lastErr;
}

/**
 * Runs `fn` against every live node; a node that cannot be reached is retried
 * until `deadline` (a just-restarted one may still be catching up).
 */
async function eachLiveNode<T>(state: ClusterState, deadline: number, fn: (c: Conn) => Promise<T>): Promise<T[]> {
  return await Promise.all(
    liveNodes(state).map(async (node) => {
      for (;;) {
        try {
          return await withConnection("127.0.0.1", adminPort(node), fn, 10_000);
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await sleep(250);
        }
      }
    }),
  );
}
