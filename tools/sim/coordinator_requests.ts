/**
 * The model cluster's coordinator side: which broker coordinates transactional ids and
 * groups, whether it answers (loading after a move, errors drawn while faults last), and the
 * requests only it serves: FindCoordinator, InitProducerId (an idempotent producer's from any
 * broker), AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn, each decoded,
 * applied to the transaction coordinator (txn_coordinator.ts) and answered. The group
 * coordinator's part is the offsets a transaction stages, committed or dropped with it.
 * Produce and the partitions stay with the cluster (model_broker.ts), which writes the markers.
 *
 * @module
 */
import type { Writer } from "../../src/protocol/writer.ts";
import type { FaultPlan } from "./faults.ts";
import type { ModelBrokerNode } from "./model_broker.ts";
import { ERR } from "./partition_log.ts";
import type { Random } from "./random.ts";
import type { Trace } from "./trace.ts";
import { TransactionCoordinator } from "./txn_coordinator.ts";
import * as wire from "./wire.ts";

const COORDINATOR_NOT_AVAILABLE = 15;

/** Offsets a transactional producer committed for a group, tagged with the producer id that did it. */
export interface CommittedOffset {
  group: string;
  topic: string;
  partition: number;
  offset: number;
  producerId: bigint;
}

/** What the coordinator side needs from the cluster around it. */
export interface CoordinatorCluster {
  readonly brokers: ModelBrokerNode[];
  readonly transactionVersion: number;
  /** Whether faults are still on. */
  readonly chaos: boolean;
  /** Where a client's breach of the protocol is reported. */
  readonly protocolViolations: string[];
  /** Where a state the model should never reach is reported. */
  readonly modelErrors: string[];
  now(): number;
  later(ms: number, fn: () => void): void;
}

/** The run's faults, randomness and trace, and the cluster's own hand on its partitions. */
export interface CoordinatorOptions {
  plan: FaultPlan;
  random: Random;
  trace: Trace;
  /** Writes a transaction marker to the partition of a "topic\0partition" key; returns its error code. */
  writeMarker(key: string, producerId: bigint, epoch: number, commit: boolean, v2: boolean): number;
}

/**
 * The coordinator's location and the requests it serves.
 *
 * @example
 * ```ts
 * import { CoordinatorRequests } from "./coordinator_requests.ts";
 * // Built by model_broker.ts's ModelCluster, which routes the coordinator's requests to it.
 * console.log(typeof CoordinatorRequests);
 * ```
 */
export class CoordinatorRequests {
  /** The transaction state the requests apply to. */
  readonly coordinator: TransactionCoordinator;
  /** The offsets transactions committed for groups, in commit order. */
  readonly committedOffsets: CommittedOffset[] = [];
  readonly #pendingOffsets = new Map<string, CommittedOffset[]>();
  readonly #cluster: CoordinatorCluster;
  readonly #plan: FaultPlan;
  readonly #random: Random;
  readonly #trace: Trace;
  #nextProducerId = 1000n;
  /** The broker that coordinates transactional ids and groups, and until when it is still loading. */
  #node: number;
  #loadingUntil = 0;

  /**
   * @param cluster The cluster around the coordinator.
   * @param options The run's faults, randomness (the coordinator's broker is drawn from it now), trace and marker writer.
   */
  constructor(cluster: CoordinatorCluster, options: CoordinatorOptions) {
    this.#cluster = cluster;
    this.#plan = options.plan;
    this.#random = options.random;
    this.#trace = options.trace;
    this.#node = this.#random.int(1, cluster.brokers.length);
    this.coordinator = new TransactionCoordinator({
      now: () => cluster.now(),
      later: (ms, fn) => cluster.later(ms, fn),
      newProducerId: () => this.#nextProducerId++,
      writeMarker: options.writeMarker,
      completeOffsets: (group, producerId, commit) => this.#completeOffsets(group, producerId, commit),
      markerDelayMs: () => this.#random.int(...this.#plan.markerDelayMs),
      trace: (text) => this.#trace.event("coord", text),
      modelError: (text) => cluster.modelErrors.push(text),
    });
  }

  /** The id of the broker that coordinates. */
  get node(): number {
    return this.#node;
  }

  /** Moves the coordinators to another live broker, which loads for `loadMs`. */
  move(loadMs: number): void {
    const candidates = this.#cluster.brokers.filter((b) => b.up && b.id !== this.#node);
    if (candidates.length === 0) return;
    this.#node = this.#random.pick(candidates).id;
    this.#loadingUntil = this.#cluster.now() + loadMs;
    this.#trace.event("fault", `coordinator moves to ${this.#node} (loading ${loadMs} ms)`);
  }

  /**
   * Decodes and applies a request to the coordinator and returns what writes its response
   * body, or undefined when the request is not one the coordinator serves.
   */
  handle(brokerId: number, header: wire.RequestHeader, r: wire.Reader): ((w: Writer) => void) | undefined {
    switch (header.apiKey) {
      case wire.API.FindCoordinator: {
        const request = wire.readFindCoordinator(r);
        return (w) => wire.writeFindCoordinator(w, request.keys.map((key) => this.#findCoordinator(key)));
      }
      case wire.API.InitProducerId:
        return (w) => this.#initProducerId(w, brokerId, wire.readInitProducerId(r));
      case wire.API.AddPartitionsToTxn: {
        const request = wire.readAddPartitions(r);
        const keys = request.topics.flatMap((t) => t.partitions.map((p) => `${t.name}\u0000${p}`));
        const error = this.#coordinatorCheck(brokerId) ??
          this.coordinator.addPartitions(request.transactionalId, request.producerId, request.producerEpoch, keys);
        this.#trace.event("broker", `${brokerId} AddPartitionsToTxn [${keys.map((k) => k.replace("\u0000", "-")).join(",")}] -> ${error}`);
        return (w) => wire.writeAddPartitions(w, request.topics, error);
      }
      case wire.API.AddOffsetsToTxn: {
        const request = wire.readAddOffsets(r);
        const error = this.#coordinatorCheck(brokerId) ??
          this.coordinator.addOffsets(request.transactionalId, request.producerId, request.producerEpoch, request.groupId);
        this.#trace.event("broker", `${brokerId} AddOffsetsToTxn ${request.groupId} -> ${error}`);
        return (w) => wire.writeErrorOnly(w, error);
      }
      case wire.API.TxnOffsetCommit: {
        const request = wire.readTxnOffsetCommit(r);
        const error = this.#txnOffsetCommit(brokerId, request);
        return (w) => wire.writeTxnOffsetCommit(w, request, error);
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
        return (w) => wire.writeEndTxn(w, header.apiVersion, result.errorCode, result.producerId, result.epoch);
      }
      default:
        return undefined;
    }
  }

  #findCoordinator(key: string): { key: string; nodeId: number; host: string; port: number; errorCode: number } {
    const node = this.#cluster.brokers[this.#node - 1];
    if (!node.up || (this.#cluster.chaos && this.#random.chance(this.#plan.coordinatorError / 2))) {
      return { key, nodeId: -1, host: "", port: -1, errorCode: COORDINATOR_NOT_AVAILABLE };
    }
    return { key, nodeId: node.id, host: node.host, port: node.port, errorCode: 0 };
  }

  /** NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS (real or injected), or undefined when the broker may answer. */
  #coordinatorCheck(brokerId: number): number | undefined {
    if (brokerId !== this.#node) return ERR.NOT_COORDINATOR;
    if (this.#cluster.now() < this.#loadingUntil) return ERR.COORDINATOR_LOAD_IN_PROGRESS;
    if (this.#cluster.chaos && this.#random.chance(this.#plan.coordinatorError)) {
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
    if (this.#cluster.transactionVersion >= 2) {
      const error = this.coordinator.addOffsets(request.transactionalId, request.producerId, request.producerEpoch, request.groupId);
      if (error !== ERR.NONE) return error === ERR.PRODUCER_FENCED ? ERR.INVALID_PRODUCER_EPOCH : error;
    } else if (!this.coordinator.hasGroup(request.transactionalId, request.groupId)) {
      this.#cluster.protocolViolations.push(`TxnOffsetCommit for group ${request.groupId} before AddOffsetsToTxn added it`);
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
}
