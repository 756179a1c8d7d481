/**
 * What the application does in one seed, drawn from the seed: the producer's settings,
 * and a script against the real KafkaProducer. An idempotent script sends bursts (keyed,
 * keyless, explicit partitions), flushes (sometimes under steady load) and awaits; a
 * transactional one runs transactions that commit or abort, with offsets, sends still
 * arriving while a commit runs, and aborts in the middle of retries. After the faults
 * heal, a probe must get through to every partition; then the producer closes. The
 * calls and sends themselves, each recorded with its bound, are observed_producer.ts's.
 *
 * @module
 */
import { ProducerFencedError, TimeoutError, TransactionAbortedError, TransactionStateError } from "../../src/errors.ts";
import type { KafkaProducer } from "../../src/producer/kafka_producer.ts";
import type { ProducerConfig } from "../../src/producer/producer_config.ts";
import type { History, TxnEntry } from "./history.ts";
import { describeError, ObservedProducer } from "./observed_producer.ts";
import type { Random } from "./random.ts";
import type { Trace } from "./trace.ts";

/** The knobs of one seed's workload and producer. */
export interface WorkloadPlan {
  transactional: boolean;
  /** The cluster's transaction.version (1, or 2 for KIP-890). */
  transactionVersion: number;
  /** How long faults last (virtual ms). */
  chaosMs: number;
  /** A flush under continuous sends with little buffer memory. */
  steadyLoad: boolean;
  /** Topics and their partition counts at the start. */
  topics: { name: string; partitions: number }[];
  /** Producer settings (bootstrap, transport and clock are added by the simulation). */
  config: Omit<ProducerConfig<string | Uint8Array | null, string | Uint8Array | null>, "bootstrapServers" | "transport">;
  maxSends: number;
}

/** Draws the workload plan of a seed. */
export function planWorkload(random: Random): WorkloadPlan {
  const transactional = random.chance(0.45);
  const steadyLoad = !transactional && random.chance(0.12);
  const requestTimeoutMs = steadyLoad ? 300 : random.pick([400, 1_000, 3_000]);
  const lingerMs = steadyLoad ? 0 : random.pick([0, 0, 1, 5, 20]);
  const batchSize = steadyLoad ? 1_024 : random.pick([512, 2_048, 16_384]);
  const config: WorkloadPlan["config"] = {
    clientId: "sim",
    lingerMs,
    batchSize,
    bufferMemory: steadyLoad ? batchSize * random.int(2, 4) : random.pick([1 << 20, 1 << 20, 48 << 10]),
    requestTimeoutMs,
    deliveryTimeoutMs: lingerMs + requestTimeoutMs + (steadyLoad ? 100 : random.pick([0, 200, 1_000, 5_000])),
    maxBlockMs: steadyLoad ? 200 : random.pick([300, 1_000, 3_000]),
    maxInFlightRequestsPerConnection: random.pick([1, 2, 5, 5]),
    retryBackoffMs: random.pick([10, 50, 100]),
    retryBackoffMaxMs: random.pick([100, 1_000]),
    reconnectBackoffMs: random.pick([10, 50]),
    reconnectBackoffMaxMs: random.pick([200, 1_000]),
    socketConnectionSetupTimeoutMs: random.pick([500, 2_000]),
    socketConnectionSetupTimeoutMaxMs: 5_000,
    metadataMaxAgeMs: random.pick([500, 2_000, 10_000]),
    enableIdempotence: true,
    acks: "all",
  };
  if (transactional) {
    config.transactionalId = "sim-tx";
    config.transactionTimeoutMs = random.pick([1_500, 5_000, 60_000]);
  }
  return {
    transactional,
    transactionVersion: random.chance(0.5) ? 2 : 1,
    chaosMs: random.int(2_000, 8_000),
    steadyLoad,
    topics: [{ name: "events", partitions: random.int(1, 4) }, { name: "logs", partitions: random.int(1, 2) }],
    config,
    maxSends: random.int(150, 400),
  };
}

/** What the workload is given by the simulation. */
export interface WorkloadContext {
  random: Random;
  /** When the broker refuses large batches: records of about this size are sometimes sent, so batches overflow and split. */
  largeRecordBytes?: number;
  plan: WorkloadPlan;
  history: History;
  trace: Trace;
  /** Virtual ms since the run began. */
  elapsed(): number;
  sleep(ms: number): Promise<void>;
  /** A new producer instance (a new KafkaProducer over the simulated network). */
  newProducer(): { producer: KafkaProducer; instance: number };
}

/** Whether the producer can do nothing more (fenced, or a fatal error). */
function isFatal(error: unknown): boolean {
  return error instanceof ProducerFencedError ||
    (error instanceof TransactionStateError && /fatal|FATAL_ERROR/.test(error.message)) ||
    (error instanceof Error && /sender failed|could not start/.test(error.message));
}

/** Runs one seed's workload to its end (the producers closed). */
export async function runWorkload(ctx: WorkloadContext): Promise<void> {
  const w = new Workload(ctx);
  if (ctx.plan.transactional) await w.transactional();
  else await w.idempotent();
}

class Workload {
  readonly #ctx: WorkloadContext;
  readonly #random: Random;
  readonly #config: WorkloadPlan["config"];
  readonly #observed: ObservedProducer;
  #nextTxn = 0;

  constructor(ctx: WorkloadContext) {
    this.#ctx = ctx;
    this.#random = ctx.random;
    this.#config = ctx.plan.config;
    this.#observed = new ObservedProducer(ctx);
  }

  async #sleepUntil(ms: number): Promise<void> {
    const left = ms - this.#ctx.elapsed();
    if (left > 0) await this.#ctx.sleep(left);
  }

  async idempotent(): Promise<void> {
    const ctx = this.#ctx;
    const random = this.#random;
    const observed = this.#observed;
    observed.open();
    let sent = 0;
    let steadyDone = false;
    while (ctx.elapsed() < ctx.plan.chaosMs && sent < ctx.plan.maxSends) {
      if (ctx.plan.steadyLoad && !steadyDone && ctx.elapsed() > ctx.plan.chaosMs / 4) {
        steadyDone = true;
        sent += await this.#steadyLoadFlush();
        continue;
      }
      const n = random.int(1, 40);
      const burst: Promise<void>[] = [];
      const style = random.int(0, 3);
      const topic = random.pick(ctx.plan.topics);
      for (let i = 0; i < n; i++) {
        if (style === 0) burst.push(observed.send(topic.name, { key: `k${random.int(0, 15)}` }));
        else if (style === 1) burst.push(observed.send(topic.name, {}));
        else if (style === 2) burst.push(observed.send(topic.name, { partition: random.int(0, topic.partitions - 1) }));
        else burst.push(observed.sendAny());
        if (random.chance(0.4)) await ctx.sleep(random.int(0, 4));
      }
      sent += n;
      const next = random.float();
      if (next < 0.25) await observed.flush();
      else if (next < 0.5) await observed.awaitSends(burst);
      await ctx.sleep(random.int(0, 150));
    }
    await this.#heal();
    await this.#probeIdempotent();
    await this.#finish();
  }

  /** Sends continuously while a flush runs; the flush must still end within its bound. */
  async #steadyLoadFlush(): Promise<number> {
    const ctx = this.#ctx;
    const random = this.#random;
    const loadMs = 3 * this.#observed.flushBound;
    const stopAt = ctx.elapsed() + loadMs;
    let flush: Promise<unknown> | undefined;
    let count = 0;
    ctx.trace.event("app", `steady load for ${loadMs} ms with a flush`);
    while (ctx.elapsed() < stopAt) {
      // Faster than the network drains a small buffer: appends keep waiting for memory.
      for (let i = random.int(1, 4); i > 0; i--, count++) this.#observed.send("events", { size: random.int(150, 300) });
      if (flush === undefined && ctx.elapsed() > stopAt - loadMs + 50) {
        flush = this.#observed.flush();
      }
      await ctx.sleep(random.int(1, 3));
    }
    await flush;
    return count;
  }

  /** Faults stop; the workload waits for what is in flight, then gives the producer time to reconnect and refresh. */
  async #heal(): Promise<void> {
    await this.#sleepUntil(this.#ctx.plan.chaosMs);
    this.#ctx.trace.event("app", "faults healed");
    await this.#observed.settleSends();
    await this.#ctx.sleep(Math.max(this.#config.metadataMaxAgeMs!, 1_000) + 1_500);
  }

  /** One record to every partition of every topic; each must be acknowledged. */
  async #probeIdempotent(): Promise<void> {
    const observed = this.#observed;
    observed.probe = true;
    const targets: [string, number][] = [];
    for (const topic of this.#ctx.plan.topics) {
      const outcome = await observed.call("partitionsFor", observed.callBound, () => observed.producer.partitionsFor(topic.name));
      const count = outcome.ok ? outcome.value.length : topic.partitions;
      for (let p = 0; p < count; p++) targets.push([topic.name, p]);
    }
    await this.#probeWaves(targets);
  }

  /**
   * Sends a probe record to each partition, in waves of no more records than buffer memory
   * holds batches: the probe checks that every partition takes writes again after the heal,
   * not how the producer meets backpressure (a send waiting for memory fails at maxBlockMs).
   */
  async #probeWaves(targets: [string, number][], txn?: number): Promise<void> {
    const wave = Math.max(1, Math.floor(this.#config.bufferMemory! / this.#config.batchSize!));
    const observed = this.#observed;
    for (let i = 0; i < targets.length; i += wave) {
      const sends = targets.slice(i, i + wave).map(([topic, partition]) =>
        observed.send(topic, { partition, key: "probe", size: 10 }, txn)
      );
      await observed.awaitSends(sends);
    }
  }

  /** Closes the producer: sometimes at once with sends still buffered, sometimes with a short timeout. */
  async #finish(): Promise<void> {
    const random = this.#random;
    const observed = this.#observed;
    observed.probe = false;
    if (!this.#ctx.plan.transactional && random.chance(0.3)) { for (let i = random.int(1, 10); i > 0; i--) observed.sendAny(); }
    const timeoutMs = random.pick([undefined, undefined, 0, 50, 2_000]);
    await observed.close(timeoutMs);
    await observed.settleSends();
  }

  // ---- transactions ------------------------------------------------------------------

  /** Opens a transactional producer and initializes it, retrying after timeouts; a fenced one is replaced. */
  async #openTransactional(): Promise<boolean> {
    const observed = this.#observed;
    for (let attempt = 0; attempt < 6; attempt++) {
      observed.open();
      for (let tries = 0; tries < 4; tries++) {
        const outcome = await observed.callTransactional("initTransactions", () => observed.producer.initTransactions());
        if (outcome.ok) return true;
        if (isFatal(outcome.error) || ("stuck" in outcome && outcome.stuck)) break;
        await this.#ctx.sleep(this.#random.int(10, 200));
      }
      await observed.close(0);
    }
    this.#ctx.history.notes.push({ invariant: "progress", detail: "initTransactions() never succeeded in 6 producers" });
    return false;
  }

  #beginTxn(): TxnEntry {
    const { instance, probe } = this.#observed;
    const txn: TxnEntry = { index: this.#nextTxn++, instance, sends: [], outcome: "open", offsets: [], probe };
    this.#ctx.history.txns.push(txn);
    return txn;
  }

  /**
   * Ends a transaction that could not commit: abort, retried after timeouts. Returns
   * false when the producer is unusable (fatal, or it will not abort) and was closed.
   */
  async #recover(txn: TxnEntry): Promise<boolean> {
    const observed = this.#observed;
    for (let tries = 0; tries < 3; tries++) {
      const outcome = await observed.callTransactional("abortTransaction", () => observed.producer.abortTransaction(), txn.index);
      if (outcome.ok) {
        txn.outcome = "aborted";
        return true;
      }
      if (isFatal(outcome.error) || ("stuck" in outcome && outcome.stuck)) break;
      // Not in a transaction any more (the commit went through after all, or nothing was begun).
      if (outcome.error instanceof TransactionStateError && /READY/.test(outcome.error.message)) return true;
      await this.#ctx.sleep(this.#random.int(10, 200));
    }
    if (txn.outcome === "open") txn.outcome = "unknown";
    await observed.close(0);
    return false;
  }

  /** One transaction: begin, sends, maybe offsets, then commit or abort. Returns false if the producer had to be replaced. */
  async #transaction(sends: number, forceCommit: boolean): Promise<boolean> {
    const ctx = this.#ctx;
    const random = this.#random;
    const observed = this.#observed;
    const txn = this.#beginTxn();
    try {
      observed.producer.beginTransaction();
      ctx.trace.event("app", `#${observed.instance} begin txn ${txn.index}`);
    } catch (error) {
      ctx.trace.event("app", `#${observed.instance} beginTransaction threw: ${describeError(error)}`);
      txn.outcome = "unknown";
      return isFatal(error) ? (await observed.close(0), false) : this.#recover(txn);
    }
    const inFlight: Promise<void>[] = [];
    if (observed.probe) {
      const targets = ctx.plan.topics.flatMap((topic) => [...Array(topic.partitions).keys()].map((p): [string, number] => [topic.name, p]));
      await this.#probeWaves(targets, txn.index);
    }
    for (let i = 0; i < sends; i++) {
      inFlight.push(observed.sendAny(txn.index));
      if (random.chance(0.3)) await ctx.sleep(random.int(0, 5));
    }
    if (!observed.probe && random.chance(0.3)) {
      const offsets = [{
        topic: "input",
        partition: random.int(0, 2),
        offset: observed.instance * 100_000 + txn.index * 10 + random.int(0, 9),
      }];
      const outcome = await observed.callTransactional(
        "sendOffsetsToTransaction",
        () => observed.producer.sendOffsetsToTransaction(offsets, "sim-group"),
        txn.index,
      );
      if (outcome.ok) txn.offsets.push(...offsets.map((o) => ({ group: "sim-group", ...o })));
    }
    const commit = forceCommit || random.chance(0.7);
    if (!commit && random.chance(0.5)) {
      // Abort while batches may still be in flight or waiting for a retry.
      await ctx.sleep(random.int(0, 30));
    } else if (random.chance(0.5)) {
      await observed.awaitSends(inFlight);
    }
    if (!commit) {
      const outcome = await observed.callTransactional("abortTransaction", () => observed.producer.abortTransaction(), txn.index);
      if (outcome.ok) txn.outcome = "aborted";
      else if (isFatal(outcome.error) || ("stuck" in outcome && outcome.stuck)) {
        txn.outcome = "unknown";
        await observed.close(0);
        return false;
      } else return this.#recover(txn);
      return true;
    }
    // Now and then the application sends more while the commit runs (it flushes first).
    if (!observed.probe && random.chance(0.2)) {
      const extra = random.int(1, 4);
      void (async () => {
        for (let i = 0; i < extra; i++) {
          await ctx.sleep(random.int(1, 20));
          if (txn.outcome === "open") observed.sendAny(txn.index);
        }
      })();
    }
    const outcome = await observed.callTransactional("commitTransaction", () => observed.producer.commitTransaction(), txn.index);
    if (outcome.ok) {
      txn.outcome = "committed";
      return true;
    }
    if (isFatal(outcome.error) || ("stuck" in outcome && outcome.stuck)) {
      txn.outcome = "unknown";
      await observed.close(0);
      return false;
    }
    if (!(outcome.error instanceof TransactionAbortedError) && !(outcome.error instanceof TimeoutError)) {
      ctx.trace.event("app", `commit failed with an unexpected error: ${describeError(outcome.error)}`);
    }
    return this.#recover(txn);
  }

  /**
   * Whether a transaction's sends failed on sequence state the broker lost or reset, not on the
   * producer's numbering: the model says "after -1" when it holds no sequence for the producer.
   */
  #lostSequencesDuringChaos(txn: TxnEntry): boolean {
    return this.#ctx.history.sends.some((send) =>
      send.txn === txn.index && /OUT_OF_ORDER_SEQUENCE_NUMBER.*after -1 |UNKNOWN_PRODUCER_ID/.test(send.error ?? "")
    );
  }

  async transactional(): Promise<void> {
    const ctx = this.#ctx;
    const random = this.#random;
    const observed = this.#observed;
    let open = await this.#openTransactional();
    let sent = 0;
    while (ctx.elapsed() < ctx.plan.chaosMs && sent < ctx.plan.maxSends) {
      if (!open) {
        open = await this.#openTransactional();
        if (!open) break;
      }
      const n = random.int(0, 30);
      sent += n;
      open = await this.#transaction(n, false);
      await ctx.sleep(random.int(0, 100));
    }
    await this.#heal();
    // The probe: a transaction over every partition must commit, on this producer or, if it is gone, on a new one.
    observed.probe = true;
    let excused = false;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!open) open = await this.#openTransactional();
      if (!open) break;
      const committed = await this.#transaction(0, true);
      const last = ctx.history.txns[ctx.history.txns.length - 1];
      if (committed && last.outcome === "committed") break;
      if (!excused && committed && last.outcome === "aborted" && this.#lostSequencesDuringChaos(last)) {
        // The broker's producer state changed during the faults (idle producer state expired, and a
        // marker then left an entry without sequences): ProducerStateManager answers the next
        // sequence OUT_OF_ORDER_SEQUENCE_NUMBER (or UNKNOWN_PRODUCER_ID), which a transaction cannot
        // retry; Java's producer makes it abortable and bumps the epoch on the abort (KIP-360), as
        // ours does. So the first transaction after the heal may abort; the next one, on the same
        // producer, must commit.
        excused = true;
        attempt--;
        for (const send of ctx.history.sends) if (send.txn === last.index) send.probe = false;
        ctx.trace.event("app", `#${observed.instance} probe transaction ${last.index} aborted on sequences lost during the faults; again`);
        continue;
      }
      ctx.history.notes.push({
        invariant: "progress",
        detail: `after the faults healed, producer #${observed.instance}'s probe transaction ${last.index} ended ${last.outcome}` +
          (attempt === 0 ? "; trying a new producer" : ""),
      });
      if (open) await observed.close(0);
      open = false;
    }
    observed.probe = false;
    if (open) await this.#finish();
    else await observed.settleSends();
  }
}
