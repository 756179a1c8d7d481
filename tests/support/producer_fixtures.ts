/** Shared pieces for producer unit tests: a fake clock, a cluster, settlers that record outcomes. */
import { Cluster } from "../../src/client/metadata.ts";
import type { PartitionInfo, TopicInfo } from "../../src/client/metadata.ts";
import type { RecordSettler } from "../../src/producer/producer_batch.ts";
import type { AppendRequest } from "../../src/producer/record_accumulator.ts";
import type { RecordMetadata } from "../../src/producer/producer_record.ts";
import { type ResolvedProducerConfig, resolveProducerConfig } from "../../src/producer/producer_config.ts";

/**
 * The producer's defaults, as its declarations give them: fixtures take their settings from
 * here and override what their test is about, so a new key needs no fixture of its own.
 */
export const PRODUCER_DEFAULTS: ResolvedProducerConfig = resolveProducerConfig({ bootstrapServers: "b1:9092", clientId: "test" });

export class FakeClock {
  constructor(public ms = 1_000_000) {}
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A cluster of brokers 1..n with the topic's partitions led round-robin (leader -1 where listed as leaderless). */
export function cluster(topic: string, partitions: number, brokers = 1, leaderless: number[] = []): Cluster {
  const nodes = Array.from({ length: brokers }, (_, i) => ({ id: i + 1, host: `b${i + 1}`, port: 9092, rack: null }));
  const infos: PartitionInfo[] = Array.from({ length: partitions }, (_, p) => {
    const leader = leaderless.includes(p) ? -1 : (p % brokers) + 1;
    return { topic, partition: p, leader, leaderEpoch: 0, replicas: [leader], isr: [leader], offlineReplicas: [], errorCode: 0 };
  });
  const info: TopicInfo = { name: topic, topicId: null, isInternal: false, errorCode: 0, partitions: infos };
  return new Cluster(nodes, new Map([[topic, info]]), 1, "test-cluster");
}

/** A settler that records what happened to its record. */
export class Outcome implements RecordSettler {
  metadata: RecordMetadata | undefined;
  error: Error | undefined;
  resolve = (metadata: RecordMetadata): void => {
    this.metadata = metadata;
  };
  reject = (error: Error): void => {
    this.error = error;
  };
  get settled(): boolean {
    return this.metadata !== undefined || this.error !== undefined;
  }
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** What `send()` hands the accumulator for a keyless record without headers, at timestamp 1000. */
export function appendRequest(topic: string, partition: number, value: string | Uint8Array, settler = new Outcome()): AppendRequest {
  return { topic, partition, timestamp: 1000, key: null, value: typeof value === "string" ? bytes(value) : value, headers: [], settler };
}

/** A fake clock whose timers (Clock's optional setTimeout/clearTimeout) fire as the test advances it. */
export class TimerClock extends FakeClock {
  readonly #timers = new Map<number, { at: number; callback: () => void }>();
  #nextId = 1;
  setTimeout = (callback: () => void, ms: number): unknown => {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.ms + Math.max(0, ms), callback });
    return id;
  };
  clearTimeout = (handle: unknown): void => {
    this.#timers.delete(handle as number);
  };
  /** Moves time on, firing each due timer at its own time, in order. */
  override advance(ms: number): void {
    const end = this.ms + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry;
      if (due === undefined) break;
      this.#timers.delete(due[0]);
      this.ms = Math.max(this.ms, due[1].at);
      due[1].callback();
    }
    this.ms = end;
  }
  /** Timers not fired yet. */
  get pendingTimers(): number {
    return this.#timers.size;
  }
}
