/**
 * The producer's transactional methods as the Java client's KafkaProducer has them: each
 * call checks that the producer is transactional and open, is bounded by `maxBlockMs`, and
 * one that runs out of time is kept, as Java's TransactionManager keeps its pending
 * transition, until the same method is called again.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { DEADLINE_PASSED, raceDeadline } from "../clock.ts";
import { ClosedError, TimeoutError, TransactionStateError } from "../errors.ts";
import type { TransactionManager } from "./transaction_manager.ts";
import { checkOffsetsArguments, type GroupMetadata, type TransactionOffset } from "./transaction_types.ts";

/** What the transactional calls need of their producer. */
export interface TransactionalProducer {
  /** The producer's transaction manager; undefined without a `transactionalId`. */
  readonly transactions: TransactionManager | undefined;
  readonly clock: Clock;
  readonly maxBlockMs: number;
  /** Whether close() was called. */
  closed(): boolean;
  /** Wakes the Sender, so a request just queued goes now. */
  wakeup(): void;
  /** The producer's flush(). */
  flush(): Promise<void>;
  /** The cluster's finalized `transaction.version` (KIP-890; 0 when none). */
  transactionVersion(): number;
}

/**
 * initTransactions, beginTransaction, sendOffsetsToTransaction, commitTransaction and
 * abortTransaction of one producer.
 *
 * @example
 * ```ts ignore
 * const calls = new TransactionalCalls(producerParts);
 * await calls.initTransactions();
 * calls.beginTransaction();
 * ```
 */
export class TransactionalCalls {
  readonly #producer: TransactionalProducer;
  // A call whose caller stopped waiting at maxBlockMs, its work going on (see #run).
  #timedOut: { action: string; done: Promise<void> } | undefined;

  constructor(producer: TransactionalProducer) {
    this.#producer = producer;
  }

  /** Registers the producer with its coordinator, fencing older ones with its `transactionalId`. */
  async initTransactions(): Promise<void> {
    const transactions = this.#require("initTransactions");
    await this.#run("initTransactions", () => transactions.initTransactions());
  }

  /** Starts a transaction, with KIP-890's protocol v2 when the cluster finalized it. */
  beginTransaction(): void {
    const transactions = this.#require("beginTransaction");
    this.requireNoTimedOutCall("beginTransaction");
    transactions.beginTransaction(this.#producer.transactionVersion() >= 2);
  }

  /** Commits consumer offsets with the transaction. */
  async sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: GroupMetadata | string): Promise<void> {
    const transactions = this.#require("sendOffsetsToTransaction");
    const checked = checkOffsetsArguments(offsets, group);
    await this.#run(
      "sendOffsetsToTransaction",
      () => transactions.sendOffsetsToTransaction(offsets, checked).catch(transactions.rethrowForCaller),
    );
  }

  /** Flushes the transaction's records, then commits it. */
  async commitTransaction(): Promise<void> {
    const transactions = this.#require("commitTransaction");
    await this.#run("commitTransaction", async () => {
      transactions.requestCommit();
      await this.#producer.flush();
      const done = transactions.beginCommit();
      this.#producer.wakeup();
      await done.catch(transactions.rethrowForCaller);
    });
  }

  /** Aborts the transaction. */
  async abortTransaction(): Promise<void> {
    const transactions = this.#require("abortTransaction");
    await this.#run("abortTransaction", () => transactions.beginAbort());
  }

  /** Throws while a timed-out call waits to be called again: `action` (send() too) must not overtake it. */
  requireNoTimedOutCall(action: string): void {
    if (this.#timedOut !== undefined) throw this.#timedOutCallError(action, this.#timedOut.action);
  }

  /**
   * Runs a call, bounded by `maxBlockMs` as every Java transactional method is, and wakes the
   * Sender for the request it queued. A call that runs out of time goes on in the background
   * and is kept: calling the same method again waits for (or returns) its result; any other
   * transactional call, and send(), fail until then.
   */
  async #run(action: string, start: () => Promise<void>): Promise<void> {
    const timedOut = this.#timedOut;
    if (timedOut !== undefined && timedOut.action !== action) throw this.#timedOutCallError(action, timedOut.action);
    const done = timedOut?.done ?? start();
    this.#producer.wakeup();
    this.#timedOut = undefined;
    const { clock, maxBlockMs } = this.#producer;
    if (await raceDeadline(clock, done, maxBlockMs) === DEADLINE_PASSED) {
      this.#timedOut = { action, done };
      throw new TimeoutError(
        `${action} did not complete within maxBlockMs (${maxBlockMs} ms); it goes on: call ${action}() again to wait for it`,
      );
    }
  }

  #timedOutCallError(action: string, pending: string): TransactionStateError {
    return new TransactionStateError(
      this.#producer.transactions!.state,
      action,
      `the previous ${pending}() timed out and must be called again, to wait for its result, before ${action}()`,
    );
  }

  #require(action: string): TransactionManager {
    if (this.#producer.closed()) throw new ClosedError(`Cannot ${action} after the producer is closed.`);
    const transactions = this.#producer.transactions;
    if (transactions === undefined) {
      throw new TransactionStateError("NOT_TRANSACTIONAL", action, "set transactionalId in the producer's configuration");
    }
    return transactions;
  }
}
