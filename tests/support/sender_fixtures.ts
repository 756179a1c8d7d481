/** A Sender wired to a fake network client, a real accumulator and metadata, for unit tests. */
import { Sender } from "../../src/producer/sender.ts";
import type { SenderConfig } from "../../src/producer/sender.ts";
import { RecordAccumulator } from "../../src/producer/record_accumulator.ts";
import { ProducerMetadata } from "../../src/producer/producer_metadata.ts";
import type { ProduceRequest, ProduceResponse } from "../../src/protocol/produce.ts";
import type { MetadataResponse } from "../../src/protocol/metadata.ts";
import type { SequenceTracker } from "../../src/producer/sequence_tracker.ts";
import type { ProducerMetrics } from "../../src/producer/producer_metrics.ts";
import type { SendProfile } from "../../src/producer/send_profile.ts";
import { FakeClient } from "./fake_client.ts";
import { bytes, FakeClock, Outcome, PRODUCER_DEFAULTS } from "./producer_fixtures.ts";

export const TOPIC = "t";

export function metadataResponse(partitions: number): MetadataResponse {
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: "b1", port: 9092, rack: null }],
    clusterId: "c",
    controllerId: 1,
    topics: [{
      errorCode: 0,
      name: TOPIC,
      topicId: new Uint8Array(16),
      isInternal: false,
      partitions: Array.from({ length: partitions }, (_, p) => ({
        errorCode: 0,
        partitionIndex: p,
        leaderId: 1,
        leaderEpoch: 0,
        replicaNodes: [1],
        isrNodes: [1],
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: 0,
    }],
    clusterAuthorizedOperations: 0,
    errorCode: 0,
  };
}

/** What one partition of a produce response says; what is left out reads as success at offset 0. */
export interface PartitionResult {
  partition: number;
  errorCode?: number;
  baseOffset?: number;
  logAppendTimeMs?: number;
  logStartOffset?: number;
  errorMessage?: string | null;
  recordErrors?: { batchIndex: number; batchIndexErrorMessage: string | null }[];
}

/** A produce response for partitions of {@link TOPIC}. */
export function produceResponse(results: PartitionResult[]): ProduceResponse {
  return {
    throttleTimeMs: 0,
    responses: [{
      name: TOPIC,
      partitionResponses: results.map((r) => ({
        index: r.partition,
        errorCode: r.errorCode ?? 0,
        baseOffset: BigInt(r.baseOffset ?? 0),
        logAppendTimeMs: BigInt(r.logAppendTimeMs ?? -1),
        logStartOffset: BigInt(r.logStartOffset ?? 0),
        recordErrors: r.recordErrors ?? [],
        errorMessage: r.errorMessage ?? null,
      })),
    }],
  };
}

export function setup(
  overrides: Partial<SenderConfig> = {},
  partitions = 2,
  batchSize = 1024,
  sequences?: SequenceTracker,
  metrics?: (clock: FakeClock) => ProducerMetrics,
) {
  const clock = new FakeClock();
  const client = new FakeClient();
  const metadata = new ProducerMetadata([{ host: "b1", port: 9092 }], { metadataMaxAgeMs: 300_000, retryBackoffMs: 100 }, 300_000);
  metadata.touch(TOPIC, clock.now());
  metadata.update(metadataResponse(partitions), clock.now());
  const config: SenderConfig = { ...PRODUCER_DEFAULTS, guaranteeMessageOrder: false, ...overrides };
  const accumulator = new RecordAccumulator({
    ...PRODUCER_DEFAULTS,
    batchSize,
    lingerMs: 0,
    bufferMemory: 1024 * 1024,
    maxBlockMs: 1000,
    deliveryTimeoutMs: config.deliveryTimeoutMs,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 100,
    partitionerAdaptivePartitioningEnable: false,
    partitionerAvailabilityTimeoutMs: 0,
  });
  const sender = new Sender({ client, metadata, accumulator, config, clock, sequences, metrics: metrics?.(clock) });
  const send = (partition: number, value = "v", timestamp = 5000, profile?: SendProfile) => {
    const outcome = new Outcome();
    accumulator.append(
      { topic: TOPIC, partition, timestamp, key: null, value: bytes(value), headers: [], settler: outcome, profile },
      () => metadata.cluster,
      clock.now,
    );
    return outcome;
  };
  const lastRequest = () => client.requests[client.requests.length - 1].request.body as ProduceRequest;
  /** Answers the oldest unanswered request with these produce results (received at `receivedMs`), then runs the Sender once. */
  const answerProduce = async (results: Parameters<typeof produceResponse>[0], receivedMs?: number) => {
    client.respond(produceResponse(results), undefined, undefined, receivedMs);
    await sender.runOnce();
  };
  return { clock, client, metadata, accumulator, sender, send, lastRequest, answerProduce };
}
