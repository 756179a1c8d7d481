/**
 * The in-process Kafka cluster: brokers, topics and partition leaders, and a request
 * handler per broker that decodes a request of the pinned version (see wire.ts), applies it
 * to the model and encodes the response. Produce is handled here; the coordinators' requests
 * and where the coordinator is are coordinator_requests.ts's. Broker faults that happen
 * inside a request (errors before or after an append, lost producer state) are drawn here;
 * network faults are the transport's.
 *
 * @module
 */
import { decodeRecordBatches } from "../../src/protocol/record_batch_decoder.ts";
import type { Writer } from "../../src/protocol/writer.ts";
import { type CommittedOffset, CoordinatorRequests } from "./coordinator_requests.ts";
import type { FaultPlan } from "./faults.ts";
import { ERR, PartitionLog } from "./partition_log.ts";
import type { Random } from "./random.ts";
import type { Trace } from "./trace.ts";
import type { TransactionCoordinator } from "./txn_coordinator.ts";
import * as wire from "./wire.ts";

/** One broker of the model. */
export interface ModelBrokerNode {
  id: number;
  host: string;
  port: number;
  up: boolean;
  /** Until when (virtual ms since the epoch) connecting fails the TLS handshake. */
  authFailingUntil: number;
  /** Until when connections to it neither open nor answer. */
  partitionedUntil: number;
}

interface ModelPartition {
  log: PartitionLog;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
}

interface ModelTopic {
  name: string;
  partitions: ModelPartition[];
  compacted: boolean;
}

const LEADER_NOT_AVAILABLE = 5;
const CORRUPT_MESSAGE = 2;

/** The id of the send() a record came from, as the workload writes it at the start of each value ("r123|..."). */
export function recordIdOf(value: Uint8Array | null): number {
  if (value === null || value.length < 2 || value[0] !== 0x72) return -1;
  let id = 0;
  for (let i = 1; i < value.length && i < 12; i++) {
    const c = value[i];
    if (c === 0x7c) return id;
    if (c < 0x30 || c > 0x39) return -1;
    id = id * 10 + (c - 0x30);
  }
  return -1;
}

/** When the client wrote a request, and whether it had closed that connection by the time the request arrived. */
export interface RequestDelivery {
  sentAt: number;
  clientGaveUp: boolean;
}

/**
 * The model cluster.
 *
 * @example
 * ```ts
 * import { ModelCluster } from "./model_broker.ts";
 * // Built by simulation.ts with a fault plan, a seeded Random and a Trace.
 * console.log(typeof ModelCluster);
 * ```
 */
export class ModelCluster {
  readonly brokers: ModelBrokerNode[];
  readonly topics = new Map<string, ModelTopic>();
  readonly coordinator: TransactionCoordinator;
  readonly transactionVersion: number;
  readonly versions: Map<number, number>;
  /** What the client did that the protocol does not allow (a client bug the broker would reject or be hurt by). */
  readonly protocolViolations: string[] = [];
  /** States the model itself should never reach. */
  readonly modelErrors: string[] = [];
  readonly #coordinators: CoordinatorRequests;
  readonly #plan: FaultPlan;
  readonly #producerIdExpirationMs: number;
  readonly #random: Random;
  readonly #trace: Trace;
  readonly #now: () => number;
  readonly #later: (ms: number, fn: () => void) => void;
  // How the request being handled came.
  #delivery: RequestDelivery = { sentAt: 0, clientGaveUp: false };
  #startMs: number;
  /** Requests handled per API key, for the report. */
  readonly handled = new Map<number, number>();

  /**
   * @param options The topology, the protocol version and the run's faults, randomness, trace and clock.
   */
  constructor(options: {
    brokers: number;
    topics: { name: string; partitions: number }[];
    transactionVersion: number;
    plan: FaultPlan;
    random: Random;
    trace: Trace;
    now: () => number;
    later: (ms: number, fn: () => void) => void;
    /** How long a producer must be idle before a broker forgets it (see expireIdleProducers). */
    producerIdExpirationMs: number;
  }) {
    this.#producerIdExpirationMs = options.producerIdExpirationMs;
    this.#plan = options.plan;
    this.#random = options.random;
    this.#trace = options.trace;
    this.#now = options.now;
    this.#later = options.later;
    this.#startMs = options.now();
    this.transactionVersion = options.transactionVersion;
    this.versions = wire.pinnedVersions(options.transactionVersion >= 2);
    this.brokers = Array.from({ length: options.brokers }, (_, i) => ({
      id: i + 1,
      host: `broker-${i + 1}`,
      port: 9092,
      up: true,
      authFailingUntil: 0,
      partitionedUntil: 0,
    }));
    options.topics.forEach((t, i) => {
      const topic: ModelTopic = { name: t.name, partitions: [], compacted: i === 1 && options.plan.compactedSecondTopic };
      this.topics.set(t.name, topic);
      for (let p = 0; p < t.partitions; p++) this.#addPartition(topic);
    });
    this.#coordinators = new CoordinatorRequests(this, {
      plan: options.plan,
      random: options.random,
      trace: options.trace,
      writeMarker: (key, producerId, epoch, commit, v2) => this.#writeMarker(key, producerId, epoch, commit, v2),
    });
    this.coordinator = this.#coordinators.coordinator;
  }

  #addPartition(topic: ModelTopic): void {
    const index = topic.partitions.length;
    const leader = this.#random.int(1, this.brokers.length);
    const replicas = this.brokers.map((b) => b.id);
    topic.partitions.push({ log: new PartitionLog(topic.name, index), leader, leaderEpoch: 0, replicas });
  }

  /** Virtual now, in ms since the epoch. */
  now(): number {
    return this.#now();
  }

  /** Runs `fn` after `ms` virtual ms. */
  later(ms: number, fn: () => void): void {
    this.#later(ms, fn);
  }

  /** Whether faults are still on. */
  get chaos(): boolean {
    return this.#now() - this.#startMs < this.#plan.healAtMs;
  }

  /** Virtual ms until the faults heal (0 once they have). */
  get chaosLeftMs(): number {
    return Math.max(0, this.#plan.healAtMs - (this.#now() - this.#startMs));
  }

  /** The broker at an address, if any. */
  brokerAt(host: string, port: number): ModelBrokerNode | undefined {
    return this.brokers.find((b) => b.host === host && b.port === port);
  }

  /** Every partition's log. */
  logs(): PartitionLog[] {
    return [...this.topics.values()].flatMap((t) => t.partitions.map((p) => p.log));
  }

  /** The offsets transactions committed for groups, in commit order. */
  get committedOffsets(): CommittedOffset[] {
    return this.#coordinators.committedOffsets;
  }

  /** Partition counts by topic, now. */
  partitionCounts(): Map<string, number> {
    return new Map([...this.topics.values()].map((t) => [t.name, t.partitions.length]));
  }

  // ---- timed faults --------------------------------------------------------------------

  /** Moves a partition's leadership to another live broker. */
  moveLeader(topicName: string, index: number): void {
    const partition = this.topics.get(topicName)?.partitions[index];
    if (partition === undefined) return;
    const candidates = this.brokers.filter((b) => b.up && b.id !== partition.leader);
    if (candidates.length === 0) return;
    const to = this.#random.pick(candidates).id;
    this.#trace.event("fault", `leader of ${topicName}-${index} moves ${partition.leader} -> ${to}`);
    partition.leader = to;
    partition.leaderEpoch++;
  }

  /** Marks a broker down or up; once down, its partitions are led elsewhere after `electionMs`. */
  setBrokerUp(id: number, up: boolean, electionMs = 0): void {
    const broker = this.brokers[id - 1];
    broker.up = up;
    this.#trace.event("fault", `broker ${id} ${up ? "up" : "down"}`);
    if (up) return;
    this.#later(electionMs, () => {
      if (broker.up) return;
      for (const topic of this.topics.values()) {
        topic.partitions.forEach((p, index) => {
          if (p.leader === id) this.moveLeader(topic.name, index);
        });
      }
      if (this.#coordinators.node === id) this.moveCoordinator(0);
    });
  }

  /** Adds partitions to a topic. */
  growTopic(topicName: string, add: number): void {
    const topic = this.topics.get(topicName);
    if (topic === undefined) return;
    for (let i = 0; i < add; i++) this.#addPartition(topic);
    this.#trace.event("fault", `${topicName} grows to ${topic.partitions.length} partitions`);
  }

  /** Moves the coordinators to another live broker, which loads for `loadMs`. */
  moveCoordinator(loadMs: number): void {
    this.#coordinators.move(loadMs);
  }

  /**
   * Forgets the producers idle for `producerIdExpirationMs` on every partition. A broker
   * forgets a producer only after producer.id.expiration.ms without writes (a day by
   * default), longer than any write of it can be in doubt (its deliveryTimeoutMs); an
   * expiry inside that window would let a retried write in twice, from any client.
   */
  expireIdleProducers(): void {
    for (const log of this.logs()) {
      for (const producerId of log.expireIdleProducers(this.#now() - this.#producerIdExpirationMs)) {
        this.#trace.event("fault", `producer ${producerId} expired on ${log.topic}-${log.partition}`);
      }
    }
  }

  /** Runs the coordinator's timeout check. */
  abortTimedOutTransactions(): void {
    this.coordinator.abortTimedOut();
  }

  // ---- requests ------------------------------------------------------------------------

  /**
   * Handles one request frame (without its size prefix) on a broker. Returns the
   * response frame, or undefined when none is due (acks=0).
   */
  handle(brokerId: number, payload: Uint8Array, delivery: RequestDelivery): Uint8Array | undefined {
    this.#delivery = delivery;
    const r = new wire.Reader(payload);
    const header = wire.readRequestHeader(r);
    this.handled.set(header.apiKey, (this.handled.get(header.apiKey) ?? 0) + 1);
    const pinned = this.versions.get(header.apiKey);
    if (pinned !== header.apiVersion) {
      this.protocolViolations.push(`api ${header.apiKey} sent at v${header.apiVersion}, but the broker announced only v${pinned}`);
      return undefined;
    }
    const respond = (body: (w: Writer) => void) => wire.responseFrame(header, body);
    switch (header.apiKey) {
      case wire.API.ApiVersions:
        return respond((w) => wire.writeApiVersions(w, this.versions, this.transactionVersion));
      case wire.API.Metadata:
        return respond((w) => this.#metadata(w, wire.readMetadata(r).topics));
      case wire.API.Produce: {
        const request = wire.readProduce(r);
        const results = request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => this.#produce(brokerId, request.transactionalId, t.name, p.index, p.records)),
        }));
        if (request.acks === 0) return undefined;
        return respond((w) => wire.writeProduce(w, results));
      }
      default: {
        // The rest are the coordinators' (InitProducerId as well, for an idempotent producer).
        const body = this.#coordinators.handle(brokerId, header, r);
        if (body !== undefined) return respond(body);
        this.protocolViolations.push(`unexpected api key ${header.apiKey}`);
        return undefined;
      }
    }
  }

  #metadata(w: Writer, names: string[] | null): void {
    const live = this.brokers.filter((b) => b.up);
    const topics: wire.MetadataTopicOut[] = (names ?? [...this.topics.keys()]).map((name) => {
      const topic = this.topics.get(name);
      if (topic === undefined) return { errorCode: ERR.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: [] };
      return {
        errorCode: 0,
        name,
        partitions: topic.partitions.map((p, index) => {
          const up = this.brokers[p.leader - 1].up;
          return {
            errorCode: up ? 0 : LEADER_NOT_AVAILABLE,
            index,
            leader: up ? p.leader : -1,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicas,
          };
        }),
      };
    });
    wire.writeMetadata(w, live, live[0]?.id ?? -1, topics);
  }

  #writeMarker(key: string, producerId: bigint, epoch: number, commit: boolean, v2: boolean): number {
    const [topicName, index] = key.split("\u0000");
    const partition = this.topics.get(topicName)?.partitions[Number(index)];
    if (partition === undefined) return ERR.UNKNOWN_TOPIC_OR_PARTITION;
    const error = partition.log.writeMarker(producerId, epoch, commit, v2);
    this.#trace.event("broker", `marker ${commit ? "COMMIT" : "ABORT"} ${topicName}-${index} pid ${producerId} epoch ${epoch} -> ${error}`);
    return error;
  }

  #produce(
    brokerId: number,
    transactionalId: string | null,
    topicName: string,
    index: number,
    records: Uint8Array | null,
  ): wire.ProducePartitionOut {
    const tp = `${topicName}-${index}`;
    const out = (errorCode: number, baseOffset = -1, errorMessage?: string): wire.ProducePartitionOut => {
      this.#trace.event("broker", `${brokerId} produce ${tp} -> ${errorCode} @${baseOffset}${errorMessage ? ` (${errorMessage})` : ""}`);
      return { index, errorCode, baseOffset, errorMessage };
    };
    const topic = this.topics.get(topicName);
    const partition = topic?.partitions[index];
    if (topic === undefined || partition === undefined) return out(ERR.UNKNOWN_TOPIC_OR_PARTITION);
    if (partition.leader !== brokerId || !this.brokers[brokerId - 1].up) return out(ERR.NOT_LEADER_OR_FOLLOWER);
    if (records === null) {
      this.protocolViolations.push(`produce to ${tp} without records`);
      return out(CORRUPT_MESSAGE);
    }
    let batches;
    try {
      batches = decodeRecordBatches(records);
    } catch (error) {
      this.protocolViolations.push(`produce to ${tp} with a batch that does not decode: ${error}`);
      return out(CORRUPT_MESSAGE);
    }
    if (batches.length !== 1) this.protocolViolations.push(`produce to ${tp} with ${batches.length} batches in one partition`);
    const batch = batches[0];
    const chaos = this.chaos;
    if (records.length > this.#plan.maxMessageBytes) return out(ERR.MESSAGE_TOO_LARGE, -1, `${records.length} bytes`);
    if (topic.compacted && batch.records.some((record) => record.key === null)) {
      return out(ERR.INVALID_RECORD, -1, "Compacted topic cannot accept message without key");
    }
    if (chaos && this.#random.chance(this.#plan.errorBeforeAppend)) return out(ERR.NOT_ENOUGH_REPLICAS);
    if (
      chaos && batch.producerId >= 0n && !batch.isTransactional && partition.log.lastStableOffset === partition.log.logEndOffset &&
      this.#random.chance(this.#plan.unknownProducerId)
    ) {
      partition.log.deleteAllRecords();
      return out(ERR.UNKNOWN_PRODUCER_ID);
    }
    const key = `${topicName}\u0000${index}`;
    const v2 = this.transactionVersion >= 2;
    if (batch.isTransactional) {
      if (transactionalId === null) {
        this.protocolViolations.push(`transactional batch to ${tp} in a produce request without a transactional id`);
        return out(ERR.INVALID_TXN_STATE);
      }
      if (v2) {
        // Produce v12 adds the partition to the transaction itself.
        const error = this.coordinator.addPartitions(transactionalId, batch.producerId, batch.producerEpoch, [key]);
        if (error !== ERR.NONE) return out(error === ERR.PRODUCER_FENCED ? ERR.INVALID_PRODUCER_EPOCH : error);
      } else {
        const error = this.coordinator.verifyPartition(transactionalId, batch.producerId, batch.producerEpoch, key);
        // A request sent while the partition was in the transaction may reach the broker after the transaction
        // ended even though the client waited for it (TCP delivers what a network partition held, even after the
        // client closed the connection when the request timed out): the broker's verification refuses it, and the
        // client broke no rule. Ending the transaction while still waiting for the request does break one.
        const unavoidable = this.#delivery.clientGaveUp &&
          this.coordinator.wasInTransaction(transactionalId, batch.producerId, batch.producerEpoch, key, this.#delivery.sentAt);
        if (error === ERR.INVALID_TXN_STATE && !unavoidable) {
          this.protocolViolations.push(
            `transactional batch to ${tp} (pid ${batch.producerId} epoch ${batch.producerEpoch}) before the partition was added to the transaction`,
          );
        }
        if (error !== ERR.NONE) return out(error);
      }
    }
    const ids = batch.records.map((record) => recordIdOf(record.value));
    const result = partition.log.appendBatch(batch, ids, { transactionV2: v2, legacy: this.#plan.legacyBroker, now: this.#now() });
    if (result.errorCode !== ERR.NONE) return out(result.errorCode, -1, result.message);
    if (result.duplicate) return out(this.#plan.duplicateAsError ? 46 : ERR.NONE, result.baseOffset, "duplicate");
    if (chaos && this.#random.chance(this.#plan.errorAfterAppend)) {
      return out(this.#random.pick([ERR.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ERR.REQUEST_TIMED_OUT]), -1, `appended at ${result.baseOffset}`);
    }
    return out(ERR.NONE, result.baseOffset, `seq ${batch.baseSequence} epoch ${batch.producerEpoch} n=${batch.records.length}`);
  }
}
