/**
 * The in-process Kafka cluster: brokers, topics and partition leaders, the transaction
 * and group coordinators, and a request handler per broker that decodes a request of the
 * pinned version (see wire.ts), applies it to the model and encodes the response. Broker
 * faults that happen inside a request (errors before or after an append, lost producer
 * state) are drawn here; network faults are the transport's.
 *
 * @module
 */
import { decodeRecordBatches } from "../../src/protocol/record_batch_decoder.ts";
import type { Writer } from "../../src/protocol/writer.ts";
import type { FaultPlan } from "./faults.ts";
import { ERR, PartitionLog } from "./partition_log.ts";
import type { Random } from "./random.ts";
import type { Trace } from "./trace.ts";
import { TransactionCoordinator } from "./txn_coordinator.ts";
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

/** Offsets a transactional producer committed for a group, tagged with the producer id that did it. */
export interface CommittedOffset {
  group: string;
  topic: string;
  partition: number;
  offset: number;
  producerId: bigint;
}

const LEADER_NOT_AVAILABLE = 5;
const COORDINATOR_NOT_AVAILABLE = 15;
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
  readonly committedOffsets: CommittedOffset[] = [];
  readonly #pendingOffsets = new Map<string, CommittedOffset[]>();
  readonly #plan: FaultPlan;
  readonly #producerIdExpirationMs: number;
  readonly #random: Random;
  readonly #trace: Trace;
  readonly #now: () => number;
  readonly #later: (ms: number, fn: () => void) => void;
  #nextProducerId = 1000n;
  /** The broker that coordinates transactional ids and groups, and until when it is still loading. */
  coordinatorNode = 1;
  #coordinatorLoadingUntil = 0;
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
    this.coordinatorNode = this.#random.int(1, options.brokers);
    this.coordinator = new TransactionCoordinator({
      now: this.#now,
      later: this.#later,
      newProducerId: () => this.#nextProducerId++,
      writeMarker: (key, producerId, epoch, commit, v2) => this.#writeMarker(key, producerId, epoch, commit, v2),
      completeOffsets: (group, producerId, commit) => this.#completeOffsets(group, producerId, commit),
      markerDelayMs: () => this.#random.int(...this.#plan.markerDelayMs),
      trace: (text) => this.#trace.event("coord", text),
      modelError: (text) => this.modelErrors.push(text),
    });
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
      if (this.coordinatorNode === id) this.moveCoordinator(0);
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
    const candidates = this.brokers.filter((b) => b.up && b.id !== this.coordinatorNode);
    if (candidates.length === 0) return;
    this.coordinatorNode = this.#random.pick(candidates).id;
    this.#coordinatorLoadingUntil = this.#now() + loadMs;
    this.#trace.event("fault", `coordinator moves to ${this.coordinatorNode} (loading ${loadMs} ms)`);
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
      case wire.API.FindCoordinator: {
        const request = wire.readFindCoordinator(r);
        return respond((w) => wire.writeFindCoordinator(w, request.keys.map((key) => this.#findCoordinator(key))));
      }
      case wire.API.InitProducerId:
        return respond((w) => this.#initProducerId(w, brokerId, wire.readInitProducerId(r)));
      case wire.API.AddPartitionsToTxn: {
        const request = wire.readAddPartitions(r);
        const keys = request.topics.flatMap((t) => t.partitions.map((p) => `${t.name}\u0000${p}`));
        const error = this.#coordinatorCheck(brokerId) ??
          this.coordinator.addPartitions(request.transactionalId, request.producerId, request.producerEpoch, keys);
        this.#trace.event("broker", `${brokerId} AddPartitionsToTxn [${keys.map((k) => k.replace("\u0000", "-")).join(",")}] -> ${error}`);
        return respond((w) => wire.writeAddPartitions(w, request.topics, error));
      }
      case wire.API.AddOffsetsToTxn: {
        const request = wire.readAddOffsets(r);
        const error = this.#coordinatorCheck(brokerId) ??
          this.coordinator.addOffsets(request.transactionalId, request.producerId, request.producerEpoch, request.groupId);
        this.#trace.event("broker", `${brokerId} AddOffsetsToTxn ${request.groupId} -> ${error}`);
        return respond((w) => wire.writeErrorOnly(w, error));
      }
      case wire.API.TxnOffsetCommit: {
        const request = wire.readTxnOffsetCommit(r);
        const error = this.#txnOffsetCommit(brokerId, request);
        return respond((w) => wire.writeTxnOffsetCommit(w, request, error));
      }
      case wire.API.EndTxn: {
        const request = wire.readEndTxn(r);
        const v2 = header.apiVersion >= 5;
        const check = this.#coordinatorCheck(brokerId);
        const result = check !== undefined
          ? { errorCode: check, producerId: -1n, epoch: -1 }
          : this.coordinator.endTxn(request.transactionalId, request.producerId, request.producerEpoch, request.committed, v2);
        this.#trace.event(
          "broker",
          `${brokerId} EndTxn(${
            request.committed ? "commit" : "abort"
          }) pid ${request.producerId} epoch ${request.producerEpoch} -> ${result.errorCode}` +
            (v2 ? ` next epoch ${result.epoch}` : ""),
        );
        return respond((w) => wire.writeEndTxn(w, header.apiVersion, result.errorCode, result.producerId, result.epoch));
      }
      case wire.API.Produce: {
        const request = wire.readProduce(r);
        const results = request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => this.#produce(brokerId, request.transactionalId, t.name, p.index, p.records)),
        }));
        if (request.acks === 0) return undefined;
        return respond((w) => wire.writeProduce(w, results));
      }
      default:
        this.protocolViolations.push(`unexpected api key ${header.apiKey}`);
        return undefined;
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

  #findCoordinator(key: string): { key: string; nodeId: number; host: string; port: number; errorCode: number } {
    const node = this.brokers[this.coordinatorNode - 1];
    if (!node.up || (this.chaos && this.#random.chance(this.#plan.coordinatorError / 2))) {
      return { key, nodeId: -1, host: "", port: -1, errorCode: COORDINATOR_NOT_AVAILABLE };
    }
    return { key, nodeId: node.id, host: node.host, port: node.port, errorCode: 0 };
  }

  /** NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS (real or injected), or undefined when the broker may answer. */
  #coordinatorCheck(brokerId: number): number | undefined {
    if (brokerId !== this.coordinatorNode) return ERR.NOT_COORDINATOR;
    if (this.#now() < this.#coordinatorLoadingUntil) return ERR.COORDINATOR_LOAD_IN_PROGRESS;
    if (this.chaos && this.#random.chance(this.#plan.coordinatorError)) {
      return this.#random.pick([ERR.NOT_COORDINATOR, ERR.COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE]);
    }
    return undefined;
  }

  #initProducerId(
    w: Writer,
    brokerId: number,
    request: ReturnType<typeof wire.readInitProducerId>,
  ): void {
    if (request.transactionalId === null) {
      // An idempotent producer: any broker hands out a fresh id (the ProducerIdManager).
      const producerId = this.#nextProducerId++;
      this.#trace.event("broker", `${brokerId} InitProducerId(idempotent) -> pid ${producerId}`);
      return wire.writeInitProducerId(w, 0, producerId, 0);
    }
    const check = this.#coordinatorCheck(brokerId);
    const result = check !== undefined
      ? { errorCode: check, producerId: -1n, epoch: -1 }
      : this.coordinator.initProducerId(request.transactionalId, request.transactionTimeoutMs, request.producerId, request.producerEpoch);
    this.#trace.event(
      "broker",
      `${brokerId} InitProducerId(${request.transactionalId}, ${request.producerId}/${request.producerEpoch}) -> ${result.errorCode} pid ${result.producerId} epoch ${result.epoch}`,
    );
    wire.writeInitProducerId(w, result.errorCode, result.producerId, result.epoch);
  }

  #txnOffsetCommit(brokerId: number, request: wire.TxnOffsetCommitIn): number {
    const check = this.#coordinatorCheck(brokerId);
    if (check !== undefined) return check;
    const txn = this.coordinator.transactions.get(request.transactionalId);
    if (txn === undefined || txn.producerId !== request.producerId) return ERR.INVALID_PRODUCER_ID_MAPPING;
    if (request.producerEpoch < txn.epoch) return ERR.INVALID_PRODUCER_EPOCH;
    if (this.transactionVersion >= 2) {
      const error = this.coordinator.addOffsets(request.transactionalId, request.producerId, request.producerEpoch, request.groupId);
      if (error !== ERR.NONE) return error === ERR.PRODUCER_FENCED ? ERR.INVALID_PRODUCER_EPOCH : error;
    } else if (!this.coordinator.hasGroup(request.transactionalId, request.groupId)) {
      this.protocolViolations.push(`TxnOffsetCommit for group ${request.groupId} before AddOffsetsToTxn added it`);
      return ERR.INVALID_TXN_STATE;
    }
    const key = `${request.groupId}\u0000${request.producerId}`;
    const staged = this.#pendingOffsets.get(key) ?? [];
    for (const t of request.topics) {
      for (const p of t.partitions) {
        staged.push({
          group: request.groupId,
          topic: t.name,
          partition: p.index,
          offset: Number(p.offset),
          producerId: request.producerId,
        });
      }
    }
    this.#pendingOffsets.set(key, staged);
    this.#trace.event("broker", `${brokerId} TxnOffsetCommit ${request.groupId} staged ${staged.length}`);
    return ERR.NONE;
  }

  #completeOffsets(group: string, producerId: bigint, commit: boolean): void {
    const key = `${group}\u0000${producerId}`;
    const staged = this.#pendingOffsets.get(key) ?? [];
    this.#pendingOffsets.delete(key);
    if (commit) this.committedOffsets.push(...staged);
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
