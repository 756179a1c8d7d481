/**
 * What the application does in one seed, drawn from the seed: the producer's settings,
 * and a script against the real KafkaProducer. An idempotent script sends bursts (keyed,
 * keyless, explicit partitions), flushes (sometimes under steady load) and awaits; a
 * transactional one runs transactions that commit or abort, with offsets, sends still
 * arriving while a commit runs, and aborts in the middle of retries. After the faults
 * heal, a probe must get through to every partition; then the producer closes.
 *
 * @module
 */
import { ProducerFencedError, TimeoutError, TransactionAbortedError, TransactionStateError } from "../../src/errors.ts";
import type { KafkaProducer } from "../../src/producer/kafka_producer.ts";
import type { ProducerConfig } from "../../src/producer/producer_config.ts";
import type { RecordMetadata } from "../../src/producer/producer_record.ts";
import type { CallEntry, History, SendEntry, TxnEntry } from "./history.ts";
import type { Random } from "./random.ts";
import type { Trace } from "./trace.ts";

/** Virtual time between a call's bound and the moment the workload stops waiting for it. */
const GUARD_GRACE_MS = 5_000;
/** Timer granularity allowed on top of a documented bound. */
export const BOUND_SLACK_MS = 20;

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

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown; stuck?: boolean };

function describe(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
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
  readonly #pending = new Set<Promise<unknown>>();
  #nextId = 0;
  #nextTxn = 0;
  #probe = false;
  #producer!: KafkaProducer;
  #instance = -1;

  constructor(ctx: WorkloadContext) {
    this.#ctx = ctx;
    this.#random = ctx.random;
    this.#config = ctx.plan.config;
  }

  get #sendBound(): number {
    return this.#config.maxBlockMs! + this.#config.deliveryTimeoutMs! + BOUND_SLACK_MS;
  }

  get #callBound(): number {
    return this.#config.maxBlockMs! + BOUND_SLACK_MS;
  }

  #open(): void {
    const { producer, instance } = this.#ctx.newProducer();
    this.#producer = producer;
    this.#instance = instance;
    this.#ctx.history.instances.push({ index: instance, bufferMemory: this.#config.bufferMemory! });
    this.#ctx.trace.event("app", `producer #${instance} created`);
  }

  /** Awaits `work` up to its bound plus a grace period, recording the call. */
  async #call<T>(kind: string, boundMs: number, work: () => Promise<T>, txn?: number): Promise<Outcome<T>> {
    const entry: CallEntry = { kind, instance: this.#instance, callMs: this.#ctx.elapsed(), boundMs, txn, probe: this.#probe };
    this.#ctx.history.calls.push(entry);
    this.#ctx.trace.event("app", `#${this.#instance} ${kind} begins${txn === undefined ? "" : ` (txn ${txn})`}`);
    let promise: Promise<T>;
    try {
      promise = work();
    } catch (error) {
      promise = Promise.reject(error);
    }
    const settled = promise.then(
      (value): Outcome<T> => ({ ok: true, value }),
      (error): Outcome<T> => ({ ok: false, error }),
    ).then((outcome) => {
      entry.settledMs = this.#ctx.elapsed();
      entry.ok = outcome.ok;
      if (!outcome.ok) entry.error = describe(outcome.error);
      this.#ctx.trace.event("app", `#${entry.instance} ${kind} ${outcome.ok ? "ok" : `failed: ${entry.error}`}`);
      return outcome;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const guard = new Promise<Outcome<T>>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, error: new Error(`${kind} did not settle`), stuck: true }), boundMs + GUARD_GRACE_MS);
    });
    const outcome = await Promise.race([settled, guard]);
    clearTimeout(timer);
    if ("stuck" in outcome && outcome.stuck) {
      const m = this.#producer.metrics();
      this.#ctx.trace.event(
        "app",
        `#${entry.instance} ${kind} still pending after ${boundMs + GUARD_GRACE_MS} ms; moving on (buffer-available-bytes ` +
          `${m["buffer-available-bytes"]}, waiting-threads ${m["waiting-threads"]}, requests-in-flight ${m["requests-in-flight"]})`,
      );
    }
    return outcome;
  }

  /**
   * A transactional call as an application must make it: one that ran out of maxBlockMs goes
   * on in the background and is called again, to wait for its result (as with Java's
   * producer), a bounded number of times.
   */
  async #transactional<T>(kind: string, work: () => Promise<T>, txn?: number): Promise<Outcome<T>> {
    let outcome = await this.#call(kind, this.#callBound, work, txn);
    for (let again = 0; again < 100 && !outcome.ok && isTimedOutCall(outcome.error) && !("stuck" in outcome); again++) {
      outcome = await this.#call(kind, this.#callBound, work, txn);
    }
    return outcome;
  }

  /** One send(); the promise settles when the send does (never rejects). */
  #send(topic: string, how: { key?: string | null; partition?: number; size?: number }, txn?: number): Promise<void> {
    const id = this.#nextId++;
    const random = this.#random;
    const large = this.#ctx.largeRecordBytes;
    const size = how.size ??
      (large !== undefined && random.chance(0.03)
        ? random.int(Math.floor(large / 2), large + 2_000)
        : random.chance(0.1)
        ? random.int(200, 700)
        : random.int(0, 120));
    const value = `r${id}|${"x".repeat(size)}`;
    const entry: SendEntry = {
      id,
      instance: this.#instance,
      topic,
      partition: how.partition,
      key: how.key ?? null,
      callMs: this.#ctx.elapsed(),
      boundMs: this.#sendBound,
      txn,
      probe: this.#probe,
    };
    this.#ctx.history.sends.push(entry);
    if (txn !== undefined) this.#ctx.history.txns[txn].sends.push(id);
    const acknowledged = (metadata: RecordMetadata) => {
      entry.settledMs = this.#ctx.elapsed();
      entry.result = { partition: metadata.partition, offset: metadata.offset };
    };
    const failed = (error: unknown) => {
      entry.settledMs = this.#ctx.elapsed();
      entry.error = describe(error);
    };
    const record = { topic, key: how.key ?? null, value, partition: how.partition };
    let result: Promise<void>;
    try {
      // Both forms of send(): the promise for even ids, the callback (Java's send(record, callback)) for odd ones.
      if (id % 2 === 0) result = this.#producer.send(record).then(acknowledged, failed);
      else {
        result = new Promise((settled) =>
          this.#producer.send(record, (error, metadata) => {
            if (entry.settledMs !== undefined) {
              this.#ctx.history.notes.push({ invariant: "settle-once", detail: `record ${id}'s callback ran twice` });
            }
            if (metadata !== null) acknowledged(metadata);
            else failed(error);
            settled();
          })
        );
      }
    } catch (error) {
      entry.settledMs = this.#ctx.elapsed();
      entry.error = `send() threw: ${describe(error)}`;
      result = Promise.resolve();
    }
    this.#pending.add(result);
    result.then(() => this.#pending.delete(result));
    return result;
  }

  /** A send to a random topic and partitioning style. */
  #sendAny(txn?: number): Promise<void> {
    const random = this.#random;
    const topic = random.pick(this.#ctx.plan.topics);
    const style = random.int(0, 2);
    if (style === 0) return this.#send(topic.name, { key: `k${random.int(0, 15)}` }, txn);
    if (style === 1) return this.#send(topic.name, {}, txn);
    return this.#send(topic.name, { partition: random.int(0, topic.partitions - 1) }, txn);
  }

  /** Waits for every send so far to settle, each within its own guard. */
  async #settleSends(): Promise<void> {
    const deadline = this.#ctx.elapsed() + this.#sendBound + GUARD_GRACE_MS;
    while (this.#pending.size > 0 && this.#ctx.elapsed() < deadline) {
      await Promise.race([Promise.all([...this.#pending]), this.#ctx.sleep(100)]);
    }
  }

  async #sleepUntil(ms: number): Promise<void> {
    const left = ms - this.#ctx.elapsed();
    if (left > 0) await this.#ctx.sleep(left);
  }

  #flushBound(): number {
    return this.#config.maxBlockMs! + this.#config.deliveryTimeoutMs! + BOUND_SLACK_MS;
  }

  async idempotent(): Promise<void> {
    const ctx = this.#ctx;
    const random = this.#random;
    this.#open();
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
        if (style === 0) burst.push(this.#send(topic.name, { key: `k${random.int(0, 15)}` }));
        else if (style === 1) burst.push(this.#send(topic.name, {}));
        else if (style === 2) burst.push(this.#send(topic.name, { partition: random.int(0, topic.partitions - 1) }));
        else burst.push(this.#sendAny());
        if (random.chance(0.4)) await ctx.sleep(random.int(0, 4));
      }
      sent += n;
      const next = random.float();
      if (next < 0.25) await this.#call("flush", this.#flushBound(), () => this.#producer.flush());
      else if (next < 0.5) await Promise.race([Promise.all(burst), ctx.sleep(this.#sendBound + GUARD_GRACE_MS)]);
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
    const loadMs = 3 * this.#flushBound();
    const stopAt = ctx.elapsed() + loadMs;
    let flush: Promise<unknown> | undefined;
    let count = 0;
    ctx.trace.event("app", `steady load for ${loadMs} ms with a flush`);
    while (ctx.elapsed() < stopAt) {
      // Faster than the network drains a small buffer: appends keep waiting for memory.
      for (let i = random.int(1, 4); i > 0; i--, count++) this.#send("events", { size: random.int(150, 300) });
      if (flush === undefined && ctx.elapsed() > stopAt - loadMs + 50) {
        flush = this.#call("flush", this.#flushBound(), () => this.#producer.flush());
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
    await this.#settleSends();
    await this.#ctx.sleep(Math.max(this.#config.metadataMaxAgeMs!, 1_000) + 1_500);
  }

  /** One record to every partition of every topic; each must be acknowledged. */
  async #probeIdempotent(): Promise<void> {
    this.#probe = true;
    const targets: [string, number][] = [];
    for (const topic of this.#ctx.plan.topics) {
      const outcome = await this.#call("partitionsFor", this.#callBound, () => this.#producer.partitionsFor(topic.name));
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
    for (let i = 0; i < targets.length; i += wave) {
      const sends = targets.slice(i, i + wave).map(([topic, partition]) => this.#send(topic, { partition, key: "probe", size: 10 }, txn));
      await Promise.race([Promise.all(sends), this.#ctx.sleep(this.#sendBound + GUARD_GRACE_MS)]);
    }
  }

  /** Closes the producer: sometimes at once with sends still buffered, sometimes with a short timeout. */
  async #finish(): Promise<void> {
    const random = this.#random;
    this.#probe = false;
    if (!this.#ctx.plan.transactional && random.chance(0.3)) { for (let i = random.int(1, 10); i > 0; i--) this.#sendAny(); }
    const timeoutMs = random.pick([undefined, undefined, 0, 50, 2_000]);
    await this.#close(timeoutMs);
    await this.#settleSends();
  }

  async #close(timeoutMs: number | undefined): Promise<void> {
    const config = this.#config;
    const bound = timeoutMs !== undefined
      ? timeoutMs + BOUND_SLACK_MS
      : config.maxBlockMs! + config.deliveryTimeoutMs! + config.requestTimeoutMs! + BOUND_SLACK_MS;
    const producer = this.#producer;
    const instance = this.#instance;
    const outcome = await this.#call(
      `close(${timeoutMs ?? ""})`,
      bound,
      () => producer.close(timeoutMs === undefined ? undefined : { timeoutMs }),
    );
    if (outcome.ok) {
      const entry = this.#ctx.history.instances.find((i) => i.index === instance)!;
      entry.bufferAvailableAfterClose = producer.metrics()["buffer-available-bytes"];
    }
  }

  // ---- transactions ------------------------------------------------------------------

  /** Opens a transactional producer and initializes it, retrying after timeouts; a fenced one is replaced. */
  async #openTransactional(): Promise<boolean> {
    for (let attempt = 0; attempt < 6; attempt++) {
      this.#open();
      for (let tries = 0; tries < 4; tries++) {
        const outcome = await this.#transactional("initTransactions", () => this.#producer.initTransactions());
        if (outcome.ok) return true;
        if (isFatal(outcome.error) || ("stuck" in outcome && outcome.stuck)) break;
        await this.#ctx.sleep(this.#random.int(10, 200));
      }
      await this.#close(0);
    }
    this.#ctx.history.notes.push({ invariant: "progress", detail: "initTransactions() never succeeded in 6 producers" });
    return false;
  }

  #beginTxn(): TxnEntry {
    const txn: TxnEntry = { index: this.#nextTxn++, instance: this.#instance, sends: [], outcome: "open", offsets: [], probe: this.#probe };
    this.#ctx.history.txns.push(txn);
    return txn;
  }

  /**
   * Ends a transaction that could not commit: abort, retried after timeouts. Returns
   * false when the producer is unusable (fatal, or it will not abort) and was closed.
   */
  async #recover(txn: TxnEntry): Promise<boolean> {
    for (let tries = 0; tries < 3; tries++) {
      const outcome = await this.#transactional("abortTransaction", () => this.#producer.abortTransaction(), txn.index);
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
    await this.#close(0);
    return false;
  }

  /** One transaction: begin, sends, maybe offsets, then commit or abort. Returns false if the producer had to be replaced. */
  async #transaction(sends: number, forceCommit: boolean): Promise<boolean> {
    const ctx = this.#ctx;
    const random = this.#random;
    const txn = this.#beginTxn();
    try {
      this.#producer.beginTransaction();
      ctx.trace.event("app", `#${this.#instance} begin txn ${txn.index}`);
    } catch (error) {
      ctx.trace.event("app", `#${this.#instance} beginTransaction threw: ${describe(error)}`);
      txn.outcome = "unknown";
      return isFatal(error) ? (await this.#close(0), false) : this.#recover(txn);
    }
    const inFlight: Promise<void>[] = [];
    if (this.#probe) {
      const targets = ctx.plan.topics.flatMap((topic) => [...Array(topic.partitions).keys()].map((p): [string, number] => [topic.name, p]));
      await this.#probeWaves(targets, txn.index);
    }
    for (let i = 0; i < sends; i++) {
      inFlight.push(this.#sendAny(txn.index));
      if (random.chance(0.3)) await ctx.sleep(random.int(0, 5));
    }
    if (!this.#probe && random.chance(0.3)) {
      const offsets = [{
        topic: "input",
        partition: random.int(0, 2),
        offset: this.#instance * 100_000 + txn.index * 10 + random.int(0, 9),
      }];
      const outcome = await this.#transactional(
        "sendOffsetsToTransaction",
        () => this.#producer.sendOffsetsToTransaction(offsets, "sim-group"),
        txn.index,
      );
      if (outcome.ok) txn.offsets.push(...offsets.map((o) => ({ group: "sim-group", ...o })));
    }
    const commit = forceCommit || random.chance(0.7);
    if (!commit && random.chance(0.5)) {
      // Abort while batches may still be in flight or waiting for a retry.
      await ctx.sleep(random.int(0, 30));
    } else if (random.chance(0.5)) {
      await Promise.race([Promise.all(inFlight), ctx.sleep(this.#sendBound + GUARD_GRACE_MS)]);
    }
    if (!commit) {
      const outcome = await this.#transactional("abortTransaction", () => this.#producer.abortTransaction(), txn.index);
      if (outcome.ok) txn.outcome = "aborted";
      else if (isFatal(outcome.error) || ("stuck" in outcome && outcome.stuck)) {
        txn.outcome = "unknown";
        await this.#close(0);
        return false;
      } else return this.#recover(txn);
      return true;
    }
    // Now and then the application sends more while the commit runs (it flushes first).
    if (!this.#probe && random.chance(0.2)) {
      const extra = random.int(1, 4);
      void (async () => {
        for (let i = 0; i < extra; i++) {
          await ctx.sleep(random.int(1, 20));
          if (txn.outcome === "open") this.#sendAny(txn.index);
        }
      })();
    }
    const outcome = await this.#transactional("commitTransaction", () => this.#producer.commitTransaction(), txn.index);
    if (outcome.ok) {
      txn.outcome = "committed";
      return true;
    }
    if (isFatal(outcome.error) || ("stuck" in outcome && outcome.stuck)) {
      txn.outcome = "unknown";
      await this.#close(0);
      return false;
    }
    if (!(outcome.error instanceof TransactionAbortedError) && !(outcome.error instanceof TimeoutError)) {
      ctx.trace.event("app", `commit failed with an unexpected error: ${describe(outcome.error)}`);
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
    this.#probe = true;
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
        ctx.trace.event("app", `#${this.#instance} probe transaction ${last.index} aborted on sequences lost during the faults; again`);
        continue;
      }
      ctx.history.notes.push({
        invariant: "progress",
        detail: `after the faults healed, producer #${this.#instance}'s probe transaction ${last.index} ended ${last.outcome}` +
          (attempt === 0 ? "; trying a new producer" : ""),
      });
      if (open) await this.#close(0);
      open = false;
    }
    this.#probe = false;
    if (open) await this.#finish();
    else await this.#settleSends();
  }
}

/** A transactional call's own maxBlockMs ran out (its work goes on); not a failure of that work. */
function isTimedOutCall(error: unknown): boolean {
  return error instanceof TimeoutError && /did not complete within maxBlockMs/.test(error.message);
}
