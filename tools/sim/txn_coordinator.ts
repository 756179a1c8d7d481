/**
 * The model's transaction coordinator, after apache/kafka's TransactionCoordinator and
 * TransactionMetadata: per transactional id a producer id and epoch and a state (Empty,
 * Ongoing, PrepareCommit/PrepareAbort, CompleteCommit/CompleteAbort, with PrepareEpochFence
 * folded into the abort it starts), InitProducerId with epoch bumps and fencing (KIP-360
 * retries included), AddPartitionsToTxn / AddOffsetsToTxn (protocol v1) and the implicit
 * adds of protocol v2 (KIP-890), EndTxn for both protocols (v2 bumps the epoch on every
 * end and accepts a retry with the previous epoch), markers written after a delay, and
 * the abort of transactions that outlive their timeout, with an epoch bump.
 *
 * @module
 */
import { ERR } from "./partition_log.ts";

/** A coordinator state. */
export type TxnState = "Empty" | "Ongoing" | "PrepareCommit" | "PrepareAbort" | "CompleteCommit" | "CompleteAbort";

/** The coordinator's record of one transactional id. */
export interface TxnMetadata {
  transactionalId: string;
  producerId: bigint;
  epoch: number;
  lastEpoch: number;
  timeoutMs: number;
  state: TxnState;
  /** "topic\0partition" keys in the current transaction. */
  partitions: Set<string>;
  /** Consumer groups whose offsets the current transaction commits. */
  groups: Set<string>;
  startMs: number;
  /** When each partition of the current transaction was added. */
  addedAt: Map<string, number>;
  /** The last transactions that ended: their producer id and epoch, partitions with their add times, and end. */
  ended: { producerId: bigint; epoch: number; addedAt: Map<string, number>; endedMs: number }[];
  /** Whether the last end of a transaction used protocol v2 (it decides retry handling). */
  transactionV2: boolean;
}

/** What the coordinator needs from the cluster. */
export interface CoordinatorHost {
  now(): number;
  /** Runs `fn` after `ms` virtual ms. */
  later(ms: number, fn: () => void): void;
  newProducerId(): bigint;
  /** Writes a marker to one partition; returns the partition's error code. */
  writeMarker(key: string, producerId: bigint, epoch: number, commit: boolean, transactionV2: boolean): number;
  /** Commits or drops the offsets a producer staged for a group. */
  completeOffsets(group: string, producerId: bigint, commit: boolean): void;
  /** How long markers take to be written. */
  markerDelayMs(): number;
  trace(text: string): void;
  /** Reports a state the model considers impossible (a model bug, not a client one). */
  modelError(text: string): void;
}

/** InitProducerId's answer. */
export interface ProducerIdResult {
  errorCode: number;
  producerId: bigint;
  epoch: number;
}

/**
 * Transaction state for every transactional id.
 *
 * @example
 * ```ts
 * import { TransactionCoordinator } from "./txn_coordinator.ts";
 * let id = 1000n;
 * const coordinator = new TransactionCoordinator({
 *   now: () => 0, later: (_ms, fn) => fn(), newProducerId: () => id++,
 *   writeMarker: () => 0, completeOffsets: () => {}, markerDelayMs: () => 0, trace: () => {}, modelError: () => {},
 * });
 * console.log(coordinator.initProducerId("tx", 60000, -1n, -1)); // { errorCode: 0, producerId: 1000n, epoch: 0 }
 * ```
 */
export class TransactionCoordinator {
  readonly #host: CoordinatorHost;
  readonly transactions = new Map<string, TxnMetadata>();
  /** Epochs the coordinator fenced by itself (timeouts), for the run's report. */
  readonly timeoutAborts: { transactionalId: string; producerId: bigint; epoch: number }[] = [];

  /** @param host The cluster around the coordinator. */
  constructor(host: CoordinatorHost) {
    this.#host = host;
  }

  /** InitProducerId for a transactional id (an idempotent producer gets a new id from the cluster). */
  initProducerId(transactionalId: string, timeoutMs: number, expectedProducerId: bigint, expectedEpoch: number): ProducerIdResult {
    const fail = (errorCode: number): ProducerIdResult => ({ errorCode, producerId: -1n, epoch: -1 });
    let txn = this.transactions.get(transactionalId);
    if (txn === undefined) {
      txn = {
        transactionalId,
        producerId: this.#host.newProducerId(),
        epoch: -1,
        lastEpoch: -1,
        timeoutMs,
        state: "Empty",
        partitions: new Set(),
        groups: new Set(),
        startMs: -1,
        addedAt: new Map(),
        ended: [],
        transactionV2: false,
      };
      this.transactions.set(transactionalId, txn);
    }
    const expected = expectedProducerId >= 0n ? { producerId: expectedProducerId, epoch: expectedEpoch } : undefined;
    if (expected !== undefined && txn.epoch !== -1 && expected.producerId !== txn.producerId) return fail(ERR.PRODUCER_FENCED);
    switch (txn.state) {
      case "PrepareAbort":
      case "PrepareCommit":
        return fail(ERR.CONCURRENT_TRANSACTIONS);
      case "Ongoing":
        // Fence the current epoch and abort its transaction; the client retries and gets a second bump.
        txn.epoch++;
        txn.lastEpoch = -1;
        this.#host.trace(`txn ${transactionalId}: InitProducerId fences epoch ${txn.epoch - 1} and aborts the open transaction`);
        this.#prepareEnd(txn, false, false);
        return fail(ERR.CONCURRENT_TRANSACTIONS);
      default: {
        // prepareIncrementProducerEpoch, with KIP-360's retry detection.
        if (expected === undefined || txn.epoch === -1 || expected.epoch === txn.epoch) {
          txn.lastEpoch = expected === undefined ? -1 : txn.epoch;
          txn.epoch++;
        } else if (expected.epoch !== txn.lastEpoch) {
          return fail(ERR.PRODUCER_FENCED);
        }
        txn.timeoutMs = timeoutMs;
        txn.state = "Empty";
        txn.partitions.clear();
        txn.groups.clear();
        return { errorCode: ERR.NONE, producerId: txn.producerId, epoch: txn.epoch };
      }
    }
  }

  #check(transactionalId: string, producerId: bigint, epoch: number): TxnMetadata | number {
    const txn = this.transactions.get(transactionalId);
    if (txn === undefined || txn.producerId !== producerId) return ERR.INVALID_PRODUCER_ID_MAPPING;
    if (txn.epoch !== epoch) return ERR.PRODUCER_FENCED;
    return txn;
  }

  /** AddPartitionsToTxn (v1), or the add that Produce v12 makes implicitly (v2). */
  addPartitions(transactionalId: string, producerId: bigint, epoch: number, keys: string[]): number {
    const txn = this.#check(transactionalId, producerId, epoch);
    if (typeof txn === "number") return txn;
    if (txn.state === "PrepareCommit" || txn.state === "PrepareAbort") return ERR.CONCURRENT_TRANSACTIONS;
    this.#begin(txn);
    for (const key of keys) {
      if (!txn.partitions.has(key)) txn.addedAt.set(key, this.#host.now());
      txn.partitions.add(key);
    }
    return ERR.NONE;
  }

  /** AddOffsetsToTxn (v1), or TxnOffsetCommit v5's implicit add (v2). */
  addOffsets(transactionalId: string, producerId: bigint, epoch: number, group: string): number {
    const txn = this.#check(transactionalId, producerId, epoch);
    if (typeof txn === "number") return txn;
    if (txn.state === "PrepareCommit" || txn.state === "PrepareAbort") return ERR.CONCURRENT_TRANSACTIONS;
    this.#begin(txn);
    txn.groups.add(group);
    return ERR.NONE;
  }

  /**
   * The v1 verification a partition leader makes before a transactional write
   * (transaction.partition.verification.enable): the partition must be in the ongoing
   * transaction. Returns NONE, or the error the produce fails with.
   */
  verifyPartition(transactionalId: string, producerId: bigint, epoch: number, key: string): number {
    const txn = this.#check(transactionalId, producerId, epoch);
    if (txn === ERR.PRODUCER_FENCED) return ERR.INVALID_PRODUCER_EPOCH;
    if (typeof txn === "number") return txn;
    if (txn.state === "PrepareCommit" || txn.state === "PrepareAbort") return ERR.CONCURRENT_TRANSACTIONS;
    return txn.state === "Ongoing" && txn.partitions.has(key) ? ERR.NONE : ERR.INVALID_TXN_STATE;
  }

  /** Whether the partition was in a transaction of this producer id and epoch at `atMs`. */
  wasInTransaction(transactionalId: string, producerId: bigint, epoch: number, key: string, atMs: number): boolean {
    const txn = this.transactions.get(transactionalId);
    if (txn === undefined) return false;
    const current = { producerId: txn.producerId, epoch: txn.epoch, addedAt: txn.addedAt, endedMs: Infinity };
    return [...txn.ended, ...(txn.state === "Ongoing" ? [current] : [])].some((t) =>
      t.producerId === producerId && t.epoch === epoch && (t.addedAt.get(key) ?? Infinity) <= atMs && atMs <= t.endedMs
    );
  }

  /** Whether the group's offsets are part of the producer's ongoing transaction (v1 TxnOffsetCommit). */
  hasGroup(transactionalId: string, group: string): boolean {
    const txn = this.transactions.get(transactionalId);
    return txn !== undefined && txn.state === "Ongoing" && txn.groups.has(group);
  }

  #begin(txn: TxnMetadata): void {
    if (txn.state !== "Ongoing") {
      txn.state = "Ongoing";
      txn.startMs = this.#host.now();
      txn.partitions.clear();
      txn.addedAt = new Map();
      txn.groups.clear();
    }
  }

  /** EndTxn (v1 up to version 4, v2 from version 5). Returns the error and the producer id and epoch to use next. */
  endTxn(transactionalId: string, producerId: bigint, epoch: number, commit: boolean, transactionV2: boolean): ProducerIdResult {
    const txn = this.transactions.get(transactionalId);
    const fail = (errorCode: number): ProducerIdResult => ({ errorCode, producerId: -1n, epoch: -1 });
    if (txn === undefined || txn.producerId !== producerId) return fail(ERR.INVALID_PRODUCER_ID_MAPPING);
    const done = (): ProducerIdResult => ({ errorCode: ERR.NONE, producerId: txn.producerId, epoch: txn.epoch });
    if (!transactionV2) {
      if (epoch !== txn.epoch) return fail(ERR.PRODUCER_FENCED);
      switch (txn.state) {
        case "Ongoing":
          this.#prepareEnd(txn, commit, false);
          return done();
        case "CompleteCommit":
          return commit ? done() : fail(ERR.INVALID_TXN_STATE);
        case "CompleteAbort":
          return commit ? fail(ERR.INVALID_TXN_STATE) : done();
        case "PrepareCommit":
          return commit ? fail(ERR.CONCURRENT_TRANSACTIONS) : fail(ERR.INVALID_TXN_STATE);
        case "PrepareAbort":
          return commit ? fail(ERR.INVALID_TXN_STATE) : fail(ERR.CONCURRENT_TRANSACTIONS);
        case "Empty":
          return fail(ERR.INVALID_TXN_STATE);
      }
    }
    // Protocol v2: the table in TransactionCoordinator.endTransaction.
    const retry = txn.epoch === epoch + 1;
    let validEpoch: boolean;
    if (txn.state === "Ongoing" || txn.state === "Empty") validEpoch = epoch === txn.epoch;
    else if (txn.state === "PrepareCommit" || txn.state === "PrepareAbort") validEpoch = retry;
    else validEpoch = retry || epoch === txn.epoch;
    if (!validEpoch) return fail(ERR.PRODUCER_FENCED);
    switch (txn.state) {
      case "Ongoing":
        this.#prepareEnd(txn, commit, true);
        return done();
      case "CompleteCommit":
        if (commit) return retry ? done() : fail(ERR.INVALID_TXN_STATE);
        if (retry) return fail(ERR.INVALID_TXN_STATE);
        this.#prepareEnd(txn, false, true);
        return done();
      case "CompleteAbort":
        if (commit) return fail(ERR.INVALID_TXN_STATE);
        if (retry) return done();
        this.#prepareEnd(txn, false, true);
        return done();
      case "PrepareCommit":
        return commit ? fail(ERR.CONCURRENT_TRANSACTIONS) : fail(ERR.INVALID_TXN_STATE);
      case "PrepareAbort":
        return commit ? fail(ERR.INVALID_TXN_STATE) : fail(ERR.CONCURRENT_TRANSACTIONS);
      case "Empty":
        if (commit) return fail(ERR.INVALID_TXN_STATE);
        this.#prepareEnd(txn, false, true);
        return done();
    }
  }

  /** PrepareCommit/PrepareAbort, then the markers after a delay, then CompleteCommit/CompleteAbort. */
  #prepareEnd(txn: TxnMetadata, commit: boolean, transactionV2: boolean): void {
    txn.ended.push({ producerId: txn.producerId, epoch: txn.epoch, addedAt: txn.addedAt, endedMs: this.#host.now() });
    if (txn.ended.length > 8) txn.ended.shift();
    // Protocol v2 bumps the epoch with every end; the markers carry the new epoch.
    if (transactionV2) txn.epoch++;
    txn.transactionV2 = transactionV2;
    txn.state = commit ? "PrepareCommit" : "PrepareAbort";
    const { producerId, epoch } = txn;
    const partitions = [...txn.partitions];
    const groups = [...txn.groups];
    this.#host.trace(`txn ${txn.transactionalId}: ${txn.state} pid ${producerId} epoch ${epoch} partitions [${partitions.join(",")}]`);
    this.#host.later(this.#host.markerDelayMs(), () => {
      for (const key of partitions) {
        const error = this.#host.writeMarker(key, producerId, epoch, commit, transactionV2);
        if (error !== ERR.NONE) this.#host.modelError(`marker for ${key} refused with ${error} (pid ${producerId} epoch ${epoch})`);
      }
      for (const group of groups) this.#host.completeOffsets(group, producerId, commit);
      txn.state = commit ? "CompleteCommit" : "CompleteAbort";
      txn.partitions.clear();
      txn.groups.clear();
      this.#host.trace(`txn ${txn.transactionalId}: ${txn.state}`);
    });
  }

  /** Aborts ongoing transactions older than their timeout, fencing their epoch (TransactionStateManager's timer). */
  abortTimedOut(): void {
    const now = this.#host.now();
    for (const txn of this.transactions.values()) {
      if (txn.state !== "Ongoing" || now < txn.startMs + txn.timeoutMs) continue;
      // prepareFenceProducerEpoch, then the abort with that epoch (v1 and v2 alike: a single bump).
      txn.epoch++;
      txn.lastEpoch = -1;
      this.timeoutAborts.push({ transactionalId: txn.transactionalId, producerId: txn.producerId, epoch: txn.epoch });
      this.#host.trace(`txn ${txn.transactionalId}: timed out after ${now - txn.startMs} ms; fenced to epoch ${txn.epoch}`);
      // One bump for the fence, none for the end, whichever protocol the producer speaks.
      this.#prepareEnd(txn, false, false);
    }
  }
}
