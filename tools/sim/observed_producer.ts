/**
 * How the workload calls the producer under test, apart from what it calls: each producer
 * instance opened, each call and send() made as an application makes it and written into
 * the history with the bound the producer's settings promise (maxBlockMs, deliveryTimeoutMs),
 * which the invariants hold it to. The workload waits no longer than a bound and a grace
 * period, so a call that never settles is reported instead of hanging the run. The scripts
 * (workload.ts) decide what to send and call; this records how it went.
 *
 * @module
 */
import { TimeoutError } from "../../src/errors.ts";
import type { KafkaProducer } from "../../src/producer/kafka_producer.ts";
import type { RecordMetadata } from "../../src/producer/producer_record.ts";
import type { CallEntry, SendEntry } from "./history.ts";
import type { Random } from "./random.ts";
import type { WorkloadContext, WorkloadPlan } from "./workload.ts";

/** Virtual time between a call's bound and the moment the workload stops waiting for it. */
const GUARD_GRACE_MS = 5_000;
/** Timer granularity allowed on top of a documented bound. */
export const BOUND_SLACK_MS = 20;

/** How a call ended: its value, its error, or `stuck` when it had not settled by its bound and the grace period. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown; stuck?: boolean };

/** An error as the history and the trace write it. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
}

/** A transactional call's own maxBlockMs ran out (its work goes on); not a failure of that work. */
function isTimedOutCall(error: unknown): boolean {
  return error instanceof TimeoutError && /did not complete within maxBlockMs/.test(error.message);
}

/**
 * The producer instance in use, with every call and send recorded in the history.
 *
 * @example
 * ```ts
 * import { ObservedProducer } from "./observed_producer.ts";
 * // Built by workload.ts over the context the simulation gives it.
 * console.log(typeof ObservedProducer);
 * ```
 */
export class ObservedProducer {
  /** Whether what is sent and called now is the probe after the heal (each entry says so). */
  probe = false;
  readonly #ctx: WorkloadContext;
  readonly #random: Random;
  readonly #config: WorkloadPlan["config"];
  readonly #pending = new Set<Promise<unknown>>();
  #nextId = 0;
  #producer!: KafkaProducer;
  #instance = -1;

  /** @param ctx What the simulation gives the workload. */
  constructor(ctx: WorkloadContext) {
    this.#ctx = ctx;
    this.#random = ctx.random;
    this.#config = ctx.plan.config;
  }

  /** The KafkaProducer in use (the last one opened). */
  get producer(): KafkaProducer {
    return this.#producer;
  }

  /** The index of the producer in use. */
  get instance(): number {
    return this.#instance;
  }

  /** How long a send() may take to settle: blocked for metadata or memory, then delivered or expired. */
  get sendBound(): number {
    return this.#config.maxBlockMs! + this.#config.deliveryTimeoutMs! + BOUND_SLACK_MS;
  }

  /** How long a call other than send(), flush() and close() may take. */
  get callBound(): number {
    return this.#config.maxBlockMs! + BOUND_SLACK_MS;
  }

  /** How long flush() may take: it waits for the sends before it, so a send's bound. */
  get flushBound(): number {
    return this.sendBound;
  }

  /** Opens a new producer instance, which the calls and sends from now on use. */
  open(): void {
    const { producer, instance } = this.#ctx.newProducer();
    this.#producer = producer;
    this.#instance = instance;
    this.#ctx.history.instances.push({ index: instance, bufferMemory: this.#config.bufferMemory! });
    this.#ctx.trace.event("app", `producer #${instance} created`);
  }

  /** Awaits `work` up to its bound plus a grace period, recording the call. */
  async call<T>(kind: string, boundMs: number, work: () => Promise<T>, txn?: number): Promise<Outcome<T>> {
    const entry: CallEntry = { kind, instance: this.#instance, callMs: this.#ctx.elapsed(), boundMs, txn, probe: this.probe };
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
      if (!outcome.ok) entry.error = describeError(outcome.error);
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

  /** flush(), recorded with its bound. */
  flush(): Promise<Outcome<void>> {
    return this.call("flush", this.flushBound, () => this.#producer.flush());
  }

  /**
   * A transactional call as an application must make it: one that ran out of maxBlockMs goes
   * on in the background and is called again, to wait for its result (as with Java's
   * producer), a bounded number of times.
   */
  async callTransactional<T>(kind: string, work: () => Promise<T>, txn?: number): Promise<Outcome<T>> {
    let outcome = await this.call(kind, this.callBound, work, txn);
    for (let again = 0; again < 100 && !outcome.ok && isTimedOutCall(outcome.error) && !("stuck" in outcome); again++) {
      outcome = await this.call(kind, this.callBound, work, txn);
    }
    return outcome;
  }

  /** One send(); the promise settles when the send does (never rejects). */
  send(topic: string, how: { key?: string | null; partition?: number; size?: number }, txn?: number): Promise<void> {
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
      boundMs: this.sendBound,
      txn,
      probe: this.probe,
    };
    this.#ctx.history.sends.push(entry);
    if (txn !== undefined) this.#ctx.history.txns[txn].sends.push(id);
    const acknowledged = (metadata: RecordMetadata) => {
      entry.settledMs = this.#ctx.elapsed();
      entry.result = { partition: metadata.partition, offset: metadata.offset };
    };
    const failed = (error: unknown) => {
      entry.settledMs = this.#ctx.elapsed();
      entry.error = describeError(error);
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
      entry.error = `send() threw: ${describeError(error)}`;
      result = Promise.resolve();
    }
    this.#pending.add(result);
    result.then(() => this.#pending.delete(result));
    return result;
  }

  /** A send to a random topic and partitioning style. */
  sendAny(txn?: number): Promise<void> {
    const random = this.#random;
    const topic = random.pick(this.#ctx.plan.topics);
    const style = random.int(0, 2);
    if (style === 0) return this.send(topic.name, { key: `k${random.int(0, 15)}` }, txn);
    if (style === 1) return this.send(topic.name, {}, txn);
    return this.send(topic.name, { partition: random.int(0, topic.partitions - 1) }, txn);
  }

  /** Waits for `sends` to settle, or for as long as one send may take and the grace period. */
  awaitSends(sends: Promise<void>[]): Promise<unknown> {
    return Promise.race([Promise.all(sends), this.#ctx.sleep(this.sendBound + GUARD_GRACE_MS)]);
  }

  /** Waits for every send so far to settle, each within its own guard. */
  async settleSends(): Promise<void> {
    const deadline = this.#ctx.elapsed() + this.sendBound + GUARD_GRACE_MS;
    while (this.#pending.size > 0 && this.#ctx.elapsed() < deadline) {
      await Promise.race([Promise.all([...this.#pending]), this.#ctx.sleep(100)]);
    }
  }

  /** Closes the producer in use (within `timeoutMs` when given), noting its free buffer memory once closed. */
  async close(timeoutMs: number | undefined): Promise<void> {
    const config = this.#config;
    const bound = timeoutMs !== undefined
      ? timeoutMs + BOUND_SLACK_MS
      : config.maxBlockMs! + config.deliveryTimeoutMs! + config.requestTimeoutMs! + BOUND_SLACK_MS;
    const producer = this.#producer;
    const instance = this.#instance;
    const outcome = await this.call(
      `close(${timeoutMs ?? ""})`,
      bound,
      () => producer.close(timeoutMs === undefined ? undefined : { timeoutMs }),
    );
    if (outcome.ok) {
      const entry = this.#ctx.history.instances.find((i) => i.index === instance)!;
      entry.bufferAvailableAfterClose = producer.metrics()["buffer-available-bytes"];
    }
  }
}
