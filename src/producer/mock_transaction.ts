/**
 * The transaction state machine of the `MockProducer`, with the real producer's rules and
 * errors but no coordinator: `initTransactions()` first, sends only inside a transaction,
 * commit refused after a failed send, and fencing on demand. It keeps the transaction's
 * offsets; the records stay with the mock, which this machine tells what to do with them when
 * a transaction commits, aborts or is fenced.
 *
 * @module
 */
import { ClosedError, ProducerFencedError, TransactionAbortedError, TransactionStateError } from "../errors.ts";
import type { GroupMetadata, TransactionOffset, TransactionState } from "./transaction_types.ts";
import { checkOffsetsArguments } from "./transaction_types.ts";

/** What a {@link MockTransaction} needs of its producer: whether it is closed, and what becomes of its records. */
export interface MockTransactionRecords {
  /** Whether the producer was closed: every transactional call then fails with ClosedError. */
  closed(): boolean;
  /** The transaction commits: its pending sends complete, and its records join the history. */
  commit(): void;
  /** The transaction aborts: its pending sends fail with TransactionAbortedError, and its records are dropped. */
  abort(): void;
  /** A newer producer took the transactional id: pending sends fail with `error`. */
  fenced(error: ProducerFencedError): void;
}

/**
 * One MockProducer's transactions. A call the state does not allow throws (or rejects) as
 * the real producer's does; each call takes the error the test injected for it, if any.
 *
 * @example
 * ```ts
 * import { MockTransaction } from "./mock_transaction.ts";
 * const records = { closed: () => false, commit: () => console.log("records committed"), abort: () => {}, fenced: () => {} };
 * const transaction = new MockTransaction("orders-app", records);
 * await transaction.init(undefined);
 * transaction.begin(undefined);
 * await transaction.commit(undefined); // prints "records committed"
 * console.log(transaction.commitCount); // 1
 * ```
 */
export class MockTransaction {
  readonly #transactionalId: string | undefined;
  readonly #records: MockTransactionRecords;
  #state: TransactionState = "UNINITIALIZED";
  #abortableError: Error | undefined;
  #fenced: ProducerFencedError | undefined;
  #committed = false;
  #aborted = false;
  #sentOffsets = false;
  #commitCount = 0;
  // groupId -> "topic\0partition" -> offset, for the open transaction; merged as Java's putAll.
  #uncommittedOffsets = new Map<string, Map<string, TransactionOffset>>();
  #offsetsHistory: Record<string, TransactionOffset[]>[] = [];

  /**
   * @param transactionalId The mock's `transactionalId`; without one every transactional call fails and sends need no transaction.
   * @param records The producer's side: its closed state and its records.
   */
  constructor(transactionalId: string | undefined, records: MockTransactionRecords) {
    this.#transactionalId = transactionalId;
    this.#records = records;
  }

  /** The error the mock was fenced with, if it was. */
  get fencedBy(): ProducerFencedError | undefined {
    return this.#fenced;
  }

  /** Whether a transaction is open and healthy: a record sent now waits for its commit. */
  get isOpen(): boolean {
    return this.#state === "IN_TRANSACTION";
  }

  /** Throws unless a record may be sent now (a transactional mock needs an open, healthy transaction). */
  ensureSendAllowed(): void {
    if (this.#transactionalId === undefined) return;
    if (this.#state === "UNINITIALIZED") {
      throw new TransactionStateError(this.#state, "send", "a transactional producer needs initTransactions() first");
    }
    if (this.#state === "ABORTABLE_ERROR") {
      throw new TransactionAbortedError(
        `the transaction hit an error and must be aborted: ${this.#abortableError?.message}`,
        this.#abortableError,
      );
    }
    if (this.#state !== "IN_TRANSACTION") throw new TransactionStateError(this.#state, "send", "call beginTransaction() first");
  }

  /** A record of the open transaction failed: the transaction can only abort now; commit fails. */
  recordFailed(error: Error): void {
    if (this.#state !== "IN_TRANSACTION") return;
    this.#state = "ABORTABLE_ERROR";
    this.#abortableError = error;
  }

  /** initTransactions(): rejects with `injected` when the test set one, leaving the state UNINITIALIZED. */
  init(injected: Error | undefined): Promise<void> {
    return settled(() => {
      this.#require("initTransactions");
      if (this.#state !== "UNINITIALIZED") this.#invalidTransition("initTransactions", "INITIALIZING");
      this.#inject(injected);
      this.#state = "READY";
    });
  }

  /** beginTransaction(): throws `injected` when the test set one. */
  begin(injected: Error | undefined): void {
    this.#require("beginTransaction");
    if (this.#state === "UNINITIALIZED") {
      throw new TransactionStateError(this.#state, "beginTransaction", "call initTransactions() first");
    }
    if (this.#state !== "READY") this.#invalidTransition("beginTransaction", "IN_TRANSACTION");
    this.#inject(injected);
    this.#state = "IN_TRANSACTION";
    this.#committed = false;
    this.#aborted = false;
    this.#sentOffsets = false;
  }

  /** sendOffsetsToTransaction(): the offsets join the open transaction, merged per group and partition. */
  sendOffsets(offsets: readonly TransactionOffset[], group: GroupMetadata | string, injected: Error | undefined): Promise<void> {
    return settled(() => {
      this.#require("sendOffsetsToTransaction");
      // As the real producer: the arguments before the state.
      const { groupId } = checkOffsetsArguments(offsets, group);
      if (this.#state !== "IN_TRANSACTION") {
        throw new TransactionStateError(this.#state, "sendOffsetsToTransaction", "call beginTransaction() first");
      }
      this.#inject(injected);
      if (offsets.length === 0) return;
      let merged = this.#uncommittedOffsets.get(groupId);
      if (merged === undefined) this.#uncommittedOffsets.set(groupId, merged = new Map());
      for (const offset of offsets) merged.set(`${offset.topic}\u0000${offset.partition}`, { ...offset });
      this.#sentOffsets = true;
    });
  }

  /** commitTransaction(): the records commit, then the offsets join the offsets history. */
  commit(injected: Error | undefined): Promise<void> {
    return settled(() => {
      this.#require("commitTransaction");
      if (this.#state === "ABORTABLE_ERROR") {
        throw new TransactionAbortedError(
          `cannot commit: the transaction must be aborted (${this.#abortableError?.message})`,
          this.#abortableError,
        );
      }
      if (this.#state !== "IN_TRANSACTION") this.#invalidTransition("commitTransaction", "COMMITTING_TRANSACTION");
      this.#inject(injected);
      this.#records.commit();
      if (this.#uncommittedOffsets.size > 0) {
        this.#offsetsHistory.push(
          Object.fromEntries([...this.#uncommittedOffsets].map(([groupId, offsets]) => [groupId, [...offsets.values()]])),
        );
      }
      this.#end(true);
      this.#commitCount++;
    });
  }

  /** abortTransaction(): the records and offsets are dropped. */
  abort(injected: Error | undefined): Promise<void> {
    return settled(() => {
      this.#require("abortTransaction");
      if (this.#state !== "IN_TRANSACTION" && this.#state !== "ABORTABLE_ERROR") {
        this.#invalidTransition("abortTransaction", "ABORTING_TRANSACTION");
      }
      this.#inject(injected);
      this.#records.abort();
      this.#end(false);
    });
  }

  /** fenceProducer(): as if a newer producer took the transactional id (after initTransactions(), as in Java). */
  fence(): void {
    this.#require("fenceProducer");
    if (this.#state === "UNINITIALIZED") {
      throw new TransactionStateError(this.#state, "fenceProducer", "call initTransactions() first");
    }
    this.#fence(new ProducerFencedError(`TransactionalId ${this.#transactionalId}: the producer was fenced by a newer one (MockProducer)`));
  }

  /** Whether `initTransactions()` succeeded. */
  get initialized(): boolean {
    return this.#state !== "UNINITIALIZED";
  }

  /** Whether a transaction is open (begun, neither committed nor aborted). */
  get inFlight(): boolean {
    return this.#state === "IN_TRANSACTION" || this.#state === "ABORTABLE_ERROR";
  }

  /** Whether the last transaction ended with a commit. */
  get committed(): boolean {
    return this.#committed;
  }

  /** Whether the last transaction ended with an abort. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** Whether offsets were sent in the current (or last) transaction. */
  get sentOffsets(): boolean {
    return this.#sentOffsets;
  }

  /** How many transactions committed. */
  get commitCount(): number {
    return this.#commitCount;
  }

  /** The offsets of each committed transaction that sent some, as `{ groupId: offsets }`, oldest first (copies). */
  offsetsHistory(): Record<string, TransactionOffset[]>[] {
    return this.#offsetsHistory.map((commit) =>
      Object.fromEntries(Object.entries(commit).map(([groupId, offsets]) => [groupId, offsets.map((o) => ({ ...o }))]))
    );
  }

  /** Forgets the open transaction's offsets and the offsets history. */
  clearOffsets(): void {
    this.#uncommittedOffsets = new Map();
    this.#offsetsHistory = [];
    this.#sentOffsets = false;
  }

  #end(committed: boolean): void {
    this.#state = "READY";
    this.#abortableError = undefined;
    this.#uncommittedOffsets = new Map();
    this.#committed = committed;
    this.#aborted = !committed;
  }

  // The real producer's order: closed, then not transactional, then fenced.
  #require(action: string): void {
    if (this.#records.closed()) throw new ClosedError(`Cannot ${action} after the producer is closed.`);
    if (this.#transactionalId === undefined) {
      throw new TransactionStateError("NOT_TRANSACTIONAL", action, "set transactionalId in the MockProducer's options");
    }
    if (this.#fenced !== undefined) throw this.#fenced;
  }

  #invalidTransition(action: string, target: TransactionState): never {
    throw new TransactionStateError(this.#state, action, `TransactionalId ${this.#transactionalId}: invalid transition to ${target}`);
  }

  #inject(error: Error | undefined): void {
    if (error === undefined) return;
    if (error instanceof ProducerFencedError) this.#fence(error);
    throw error;
  }

  #fence(error: ProducerFencedError): void {
    this.#fenced = error;
    this.#state = "FATAL_ERROR";
    this.#records.fenced(error);
  }
}

/** Runs a transactional step so that its errors reject, as the real producer's async calls do. */
function settled(step: () => void): Promise<void> {
  try {
    step();
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
}
