/**
 * The fault schedule of one seed: per-request probabilities (lost responses, resets
 * before and after the broker applied a request, black-holed connections, slow
 * responses, broker errors before and after an append, UNKNOWN_PRODUCER_ID after retention
 * removed a partition's records, coordinator errors) and timed events (leader moves, broker restarts
 * with leader election, TLS authentication failures, partition growth, coordinator
 * moves). Everything stops at `healAtMs`, so the run can check that the producer
 * recovers.
 *
 * @module
 */
import type { Random } from "./random.ts";

/** A fault at a moment of the run (virtual ms since the start). */
export type ScheduledFault =
  | { at: number; kind: "leader-move"; topic: string; partition: number }
  | { at: number; kind: "broker-restart"; broker: number; downMs: number; electionMs: number }
  | { at: number; kind: "auth-failure"; broker: number; durationMs: number }
  | { at: number; kind: "partition-growth"; topic: string; add: number }
  | { at: number; kind: "coordinator-move"; loadMs: number }
  | { at: number; kind: "network-partition"; broker: number; durationMs: number }
  | { at: number; kind: "producer-expiry" };

/** Everything that goes wrong in one seed. */
export interface FaultPlan {
  /** When faults stop (virtual ms since the start). */
  healAtMs: number;
  /** One-way network latency, min and max ms. */
  latencyMs: [number, number];
  /** Per request: the connection resets before the broker sees it. */
  dropBeforeApply: number;
  /** Per request: the broker applies it, then the connection resets before the response. */
  dropAfterApply: number;
  /** Per request: the broker applies it, then the connection goes silent (until the client gives up on it). */
  blackhole: number;
  /** Per request: the response is late by up to `slowMs`. */
  slow: number;
  slowMs: number;
  /** Per produced partition: a retriable error before the append (NOT_ENOUGH_REPLICAS). */
  errorBeforeAppend: number;
  /** Per produced partition: appended, but answered NOT_ENOUGH_REPLICAS_AFTER_APPEND or REQUEST_TIMED_OUT. */
  errorAfterAppend: number;
  /**
   * Per produced partition: retention removed the partition's records, and with them the
   * producer's state, so the broker answers UNKNOWN_PRODUCER_ID. Only with `legacyBroker`: a pre-2.5 broker then refuses every
   * batch of that producer not starting at sequence 0, as ProducerAppendInfo did.
   */
  unknownProducerId: number;
  /** Brokers before 2.5 (KIP-360): an unknown producer must start at sequence 0. */
  legacyBroker: boolean;
  /** Per coordinator request: NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS or COORDINATOR_NOT_AVAILABLE. */
  coordinatorError: number;
  /** Per connection attempt: refused. */
  connectRefused: number;
  /** The broker's max.message.bytes: larger batches get MESSAGE_TOO_LARGE (Infinity: off). */
  maxMessageBytes: number;
  /** Whether the second topic is compacted, so keyless records to it fail with INVALID_RECORD. */
  compactedSecondTopic: boolean;
  /** Whether a retry in the duplicate window is answered DUPLICATE_SEQUENCE_NUMBER (older brokers) rather than NONE. */
  duplicateAsError: boolean;
  /** How long transaction markers take, min and max ms. */
  markerDelayMs: [number, number];
  /** How often the coordinator looks for timed-out transactions. */
  abortCheckIntervalMs: number;
  /** Timed faults, in time order. */
  events: ScheduledFault[];
}

/** The topology a plan is made for. */
export interface Topology {
  brokers: number;
  topics: { name: string; partitions: number }[];
}

/**
 * Draws the faults of one seed. About one seed in eight runs without faults, so the
 * happy path is covered too; the others draw each kind with its own odds.
 */
export function planFaults(
  random: Random,
  topology: Topology,
  chaosMs: number,
  options: { slowNetwork: boolean; batchSize: number },
): FaultPlan {
  const slowNetwork = options.slowNetwork;
  const calm = random.chance(0.12);
  const p = (probability: number, max: number) => (!calm && random.chance(probability) ? random.float() * max : 0);
  const plan: FaultPlan = {
    healAtMs: chaosMs,
    latencyMs: slowNetwork
      ? random.pick<[number, number]>([[1, 10], [5, 30]])
      : random.pick<[number, number]>([[0, 1], [1, 3], [1, 10], [5, 30]]),
    dropBeforeApply: p(0.5, 0.03),
    dropAfterApply: p(0.6, 0.04),
    blackhole: p(0.3, 0.015),
    slow: p(0.4, 0.1),
    slowMs: random.pick([50, 300, 2_000]),
    errorBeforeAppend: p(0.4, 0.05),
    errorAfterAppend: p(0.5, 0.05),
    unknownProducerId: 0,
    legacyBroker: false,
    coordinatorError: p(0.4, 0.08),
    connectRefused: p(0.3, 0.2),
    // Mostly above batchSize (only oversized batches, holding a record larger than batchSize, are refused
    // and split), sometimes below it (every full batch is refused).
    maxMessageBytes: !calm && random.chance(0.35)
      ? (random.chance(0.7) ? options.batchSize + random.int(200, 3_000) : random.int(1_200, 6_000))
      : Infinity,
    compactedSecondTopic: !calm && random.chance(0.2),
    duplicateAsError: random.chance(0.3),
    markerDelayMs: random.pick<[number, number]>([[0, 2], [1, 20], [10, 300]]),
    abortCheckIntervalMs: random.pick([200, 1_000]),
    events: [],
  };
  if (calm) return plan;
  // Either a pre-2.5 broker that loses producer state and says so, or a current one whose idle producers expire.
  if (random.chance(0.25)) {
    plan.legacyBroker = true;
    plan.unknownProducerId = random.float() * 0.02;
  }
  const at = () => random.int(0, chaosMs - 1);
  const events = plan.events;
  const broker = () => random.int(1, topology.brokers);
  for (let i = random.int(0, 4); i > 0; i--) {
    const topic = random.pick(topology.topics);
    events.push({ at: at(), kind: "leader-move", topic: topic.name, partition: random.int(0, topic.partitions - 1) });
  }
  if (random.chance(0.35)) {
    events.push({ at: at(), kind: "broker-restart", broker: broker(), downMs: random.int(100, 3_000), electionMs: random.int(20, 1_000) });
  }
  if (random.chance(0.2)) events.push({ at: at(), kind: "auth-failure", broker: broker(), durationMs: random.int(100, 2_000) });
  if (random.chance(0.2)) events.push({ at: at(), kind: "partition-growth", topic: topology.topics[0].name, add: random.int(1, 2) });
  if (random.chance(0.3)) events.push({ at: at(), kind: "coordinator-move", loadMs: random.int(0, 500) });
  if (random.chance(0.15)) events.push({ at: at(), kind: "network-partition", broker: broker(), durationMs: random.int(200, 4_000) });
  if (!plan.legacyBroker && random.chance(0.2)) events.push({ at: at(), kind: "producer-expiry" });
  events.sort((a, b) => a.at - b.at);
  return plan;
}

/** A one-line description of a plan, for the trace and failure reports. */
export function describePlan(plan: FaultPlan): string {
  const rates = Object.entries(plan)
    .filter(([, v]) => typeof v === "number" && v > 0 && v < 1)
    .map(([k, v]) => `${k}=${(v as number).toFixed(3)}`);
  const events = plan.events.map((e) => `${e.kind}@${e.at}`);
  const size = Number.isFinite(plan.maxMessageBytes) ? ` maxMessageBytes=${plan.maxMessageBytes}` : "";
  return `${rates.join(" ")}${size}${plan.compactedSecondTopic ? " compacted" : ""}${plan.legacyBroker ? " legacy-broker" : ""} events=[${
    events.join(",")
  }]`;
}
