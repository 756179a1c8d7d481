/**
 * The producer side of one chaos round, run as its own process on the runtime under test
 * so the driver can freeze it (SIGSTOP) like a serverless platform does.
 *
 *   <runtime> tools/chaos/workload.ts '<WorkloadPlan as JSON>'
 *
 * It prints `READY` once connected, then sends numbered records until a line `STOP`
 * arrives on stdin, waits for every send to settle (at most `deliveryTimeoutMs` + 1 s after
 * the last one), closes the producer and prints one `RESULT {...}` line ({@link WorkloadResult}).
 * Record values are the decimal sequence number; keys spread them over the partitions.
 *
 * @module
 */
import process from "node:process";
import { KafkaProducer, type Logger, type LogLevel, ProducerFencedError, silentLogger, TimeoutError, type Transport } from "../../mod.ts";
import { runtimeTransport } from "../../src/net/runtime_transport.ts";
import { countingUnhandledRejections } from "../fuzz/fuzz.ts";
import { emptyWorkloadResult, type SeqRange, type WorkloadPlan, type WorkloadResult } from "./round.ts";

const TICK_MS = 10;
const SETTLE_GRACE_MS = 1_000;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects to mapped ports through the driver's proxies, the rest directly. */
function redirecting(inner: Transport, proxyPorts: Record<string, number>): Transport {
  return {
    name: `${inner.name}+proxy`,
    connect: (address, events) => inner.connect({ ...address, port: proxyPorts[address.port] ?? address.port }, events),
  };
}

const LEVELS: LogLevel[] = ["debug", "info", "warn", "error"];

/** Log lines to stderr (stdout carries the protocol with the driver). */
function stderrLogger(level: LogLevel | undefined): Logger {
  if (level === undefined) return silentLogger;
  const write = (at: LogLevel) => (message: string) => {
    if (LEVELS.indexOf(at) >= LEVELS.indexOf(level)) console.error(`${new Date().toISOString()} ${at} ${message}`);
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

class Workload {
  readonly plan: WorkloadPlan;
  readonly result: WorkloadResult = emptyWorkloadResult();
  stopping = false;
  readonly #pending = new Set<Promise<void>>();
  #lastSendAt = 0;

  readonly logger: Logger;

  constructor(plan: WorkloadPlan) {
    this.plan = plan;
    this.logger = stderrLogger(plan.logLevel);
  }

  newProducer(transactionalId?: string): KafkaProducer<string, string> {
    return new KafkaProducer<string, string>({
      bootstrapServers: this.plan.bootstrapServers,
      clientId: `chaos-${this.plan.mode}`,
      transport: redirecting(runtimeTransport(), this.plan.proxyPorts),
      requestTimeoutMs: this.plan.requestTimeoutMs,
      deliveryTimeoutMs: this.plan.deliveryTimeoutMs,
      maxBlockMs: this.plan.deliveryTimeoutMs,
      lingerMs: 5,
      logger: this.logger,
      enableIdempotence: this.plan.mode !== "at-least-once",
      transactionalId,
    });
  }

  /** Sends one record, tracking when and how it settles. */
  send(producer: KafkaProducer<string, string>, seq: number): Promise<boolean> {
    const started = Date.now();
    this.#lastSendAt = started;
    this.result.sent++;
    const settled = producer.send({ topic: this.plan.topic, key: `k${seq % 97}`, value: String(seq) }).then(
      (metadata) => {
        this.#late(started);
        if (this.plan.mode !== "transactions") this.result.acked.push([seq, metadata.partition, metadata.offset]);
        return true;
      },
      (error: Error) => {
        this.#late(started);
        this.result.failed[error.name] = (this.result.failed[error.name] ?? 0) + 1;
        return false;
      },
    );
    const tracked = settled.then(() => {
      this.#pending.delete(tracked);
    });
    this.#pending.add(tracked);
    return settled;
  }

  #late(started: number): void {
    if (Date.now() - started > this.plan.deliveryTimeoutMs + SETTLE_GRACE_MS) this.result.unsettled++;
  }

  /** Waits for every send to settle, counting those still open past the deadline as unsettled. */
  async settle(): Promise<void> {
    const deadline = this.#lastSendAt + this.plan.deliveryTimeoutMs + SETTLE_GRACE_MS;
    while (this.#pending.size > 0 && Date.now() < deadline) await Promise.race([delay(50), ...this.#pending]);
    this.result.unsettled += this.#pending.size;
  }

  async runSends(): Promise<void> {
    const producer = this.newProducer();
    await producer.partitionsFor(this.plan.topic);
    ready();
    let seq = 0;
    while (!this.stopping) {
      for (let i = 0; i < this.plan.recordsPerTick; i++) void this.send(producer, seq++);
      await delay(TICK_MS);
    }
    await producer.flush().catch(() => {});
    await this.settle();
    await producer.close();
  }

  async runTransactions(): Promise<void> {
    const transactionalId = `chaos-${this.plan.topic}`;
    let producer = this.newProducer(transactionalId);
    await producer.initTransactions();
    await producer.partitionsFor(this.plan.topic);
    ready();
    let seq = 0;
    for (let txn = 0; !this.stopping; txn++) {
      const range: SeqRange = [seq, seq + this.plan.transactionSize - 1];
      producer.beginTransaction();
      const sends: Promise<boolean>[] = [];
      while (seq <= range[1]) {
        for (let i = 0; i < this.plan.recordsPerTick && seq <= range[1]; i++) sends.push(this.send(producer, seq++));
        await delay(TICK_MS);
      }
      // Every fifth transaction is aborted on purpose once its records are written: they must never be read.
      const outcome = txn % 5 === 4 ? await this.#flushAndAbort(producer) : await this.#commit(producer);
      await Promise.all(sends);
      this.result[outcome].push(range);
      if (outcome === "unknown") {
        // The producer is unusable; a new one with the same id fences it and ends what it left open.
        await producer.close({ timeoutMs: 0 });
        producer = this.newProducer(transactionalId);
        await this.#retryOnTimeout("initTransactions", () => producer.initTransactions());
        this.result.restarts++;
      }
    }
    await this.settle();
    await producer.close();
  }

  async #commit(producer: KafkaProducer<string, string>): Promise<"committed" | "aborted" | "unknown"> {
    try {
      // A commit that timed out is still under way; calling again waits for the same one.
      await this.#retryOnTimeout("commitTransaction", () => producer.commitTransaction());
      return "committed";
    } catch (error) {
      if (error instanceof ProducerFencedError) return "unknown";
      return await this.#abort(producer);
    }
  }

  async #flushAndAbort(producer: KafkaProducer<string, string>): Promise<"aborted" | "unknown"> {
    await producer.flush().catch(() => {});
    return await this.#abort(producer);
  }

  async #abort(producer: KafkaProducer<string, string>): Promise<"aborted" | "unknown"> {
    try {
      await this.#retryOnTimeout("abortTransaction", () => producer.abortTransaction());
      return "aborted";
    } catch {
      return "unknown";
    }
  }

  async #retryOnTimeout(what: string, call: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + 4 * this.plan.deliveryTimeoutMs;
    for (;;) {
      try {
        return await call();
      } catch (error) {
        // Always on stderr: the driver keeps it for a round that goes wrong.
        console.error(`${new Date().toISOString()} workload: ${what} failed: ${(error as Error).stack}`);
        if (!(error instanceof TimeoutError) || Date.now() > deadline) throw error;
      }
    }
  }
}

function ready(): void {
  console.log("READY");
}

async function main(): Promise<void> {
  const workload = new Workload(JSON.parse(process.argv[2]) as WorkloadPlan);
  let input = "";
  process.stdin.on("data", (chunk: Uint8Array) => {
    input += new TextDecoder().decode(chunk);
    if (input.includes("STOP")) workload.stopping = true;
  });
  await countingUnhandledRejections(
    workload.result,
    () => workload.plan.mode === "transactions" ? workload.runTransactions() : workload.runSends(),
  );
  // Exit only once the line is out: Node drops what a pipe has not taken yet.
  process.stdout.write(`RESULT ${JSON.stringify(workload.result)}\n`, () => process.exit(0));
}

await main();
