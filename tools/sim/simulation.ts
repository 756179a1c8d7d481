/**
 * One seed, end to end: draws the workload and the faults, installs virtual time, builds
 * the model cluster and the simulated network, runs the real KafkaProducer (with its
 * Sender and NetworkClient) through the workload, lets the cluster settle (markers,
 * transaction timeouts), and checks the invariants. Same seed, same run: the result
 * carries a hash of the trace.
 *
 * @module
 */
import process from "node:process";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import { KafkaProducer } from "../../src/producer/kafka_producer.ts";
import type { Logger } from "../../src/logger.ts";
import { describePlan, planFaults, type ScheduledFault } from "./faults.ts";
import { History } from "./history.ts";
import { checkInvariants, type Violation } from "./invariants.ts";
import { ModelCluster } from "./model_broker.ts";
import { Random } from "./random.ts";
import { SimTransport } from "./sim_transport.ts";
import { Trace } from "./trace.ts";
import { realNow, VirtualTime } from "./virtual_time.ts";
import { describeError } from "./observed_producer.ts";
import { planWorkload, runWorkload } from "./workload.ts";

/** The outcome of one seed. */
export interface SeedResult {
  seed: number;
  violations: Violation[];
  traceHash: string;
  /** What the seed did, in one line. */
  summary: string;
  stats: { sends: number; acked: number; records: number; virtualMs: number; timers: number; events: number; realMs: number };
  /** The trace's text, with `trace: true`. */
  trace?: string[];
  /** What the workload did, for tools that look closer. */
  history: History;
}

// The CRC-32C hasher loads asynchronously (WebAssembly) once per process; the producers then find it ready.
await initCrc32c();

// Where unhandled rejections go while a seed runs (the runtimes report them between macrotasks).
let rejectionSink: unknown[] | undefined;
const onRejection = (reason: unknown) => rejectionSink?.push(reason);
if ("Deno" in globalThis) {
  globalThis.addEventListener("unhandledrejection", (event) => {
    if (rejectionSink === undefined) return;
    event.preventDefault();
    onRejection((event as PromiseRejectionEvent).reason);
  });
} else {
  process.on("unhandledRejection", onRejection);
}

const START_MS = Date.UTC(2026, 0, 1);

// Seeds run one at a time: virtual time replaces process-wide globals. (A test runner that
// gives up on a test may start the next while the last seed still runs.)
let queue: Promise<unknown> = Promise.resolve();

/** Runs one seed (after any seed still running). */
export function runSeed(seed: number, options: { trace?: boolean } = {}): Promise<SeedResult> {
  const run = queue.then(() => runSeedNow(seed, options));
  queue = run.catch(() => {});
  return run;
}

async function runSeedNow(seed: number, options: { trace?: boolean }): Promise<SeedResult> {
  const started = realNow();
  const root = new Random(seed);
  const plan = planWorkload(root.fork("workload-plan"));
  const topology = { brokers: 3, topics: plan.topics };
  const faults = planFaults(root.fork("faults"), topology, plan.chaosMs, {
    slowNetwork: plan.steadyLoad,
    batchSize: plan.config.batchSize!,
  });
  const time = new VirtualTime(START_MS, root.fork("math-random").source);
  const trace = new Trace(() => time.elapsed, options.trace ?? false);
  const later = (ms: number, fn: () => void) => void time.setTimeout(fn, ms);
  const rejections: unknown[] = [];
  const extra: Violation[] = [];
  const history = new History();
  trace.event(
    "plan",
    `${plan.transactional ? "transactional" : "idempotent"} tv${plan.transactionVersion} chaos ${plan.chaosMs} ms` +
      ` topics ${plan.topics.map((t) => `${t.name}:${t.partitions}`).join(",")} config ${JSON.stringify(plan.config)}`,
  );
  trace.event("plan", `faults ${describePlan(faults)}`);
  time.install();
  rejectionSink = rejections;
  let cluster: ModelCluster;
  try {
    cluster = new ModelCluster({
      brokers: topology.brokers,
      topics: plan.topics,
      transactionVersion: plan.transactionVersion,
      plan: faults,
      random: root.fork("broker"),
      trace,
      now: () => time.now,
      later,
      producerIdExpirationMs: plan.config.deliveryTimeoutMs! + 1,
    });
    const network = new SimTransport(cluster, faults, root.fork("network"), trace, { now: () => time.now, later });
    for (const fault of faults.events) later(fault.at, () => applyFault(fault, cluster, network));
    const abortCheck = () => {
      cluster.abortTimedOutTransactions();
      later(faults.abortCheckIntervalMs, abortCheck);
    };
    later(faults.abortCheckIntervalMs, abortCheck);
    const clock = { now: () => time.now };
    const logger: Logger | undefined = options.trace
      ? {
        debug: (m) => trace.note("log", m),
        info: (m) => trace.note("log", m),
        warn: (m) => trace.note("log", m),
        error: (m) => trace.note("log", m),
      }
      : undefined;
    let instances = 0;
    const bootstrapServers = cluster.brokers.slice(0, 2).map((b) => `${b.host}:${b.port}`);
    let finished = false;
    runWorkload({
      random: root.fork("workload"),
      largeRecordBytes: Number.isFinite(faults.maxMessageBytes) ? faults.maxMessageBytes : undefined,
      plan,
      history,
      trace,
      elapsed: () => time.elapsed,
      sleep: (ms) => new Promise<void>((resolve) => void time.setTimeout(() => resolve(), ms)),
      newProducer: () => {
        const producer = new KafkaProducer<string | Uint8Array | null, string | Uint8Array | null>({
          ...plan.config,
          bootstrapServers,
          transport: network,
          // Loading @opentelemetry/api takes real time, which virtual time would not wait for.
          tracing: false,
          ...(logger ? { logger } : {}),
        }, clock);
        return { producer, instance: instances++ };
      },
    }).then(
      () => finished = true,
      (error) => {
        extra.push({ invariant: "workload", detail: `the workload threw: ${(error as Error)?.stack ?? error}` });
        finished = true;
      },
    );
    const limit = time.now + plan.chaosMs + 300_000;
    const outcome = await time.run(() => finished, limit);
    if (outcome !== "done") {
      extra.push({ invariant: "progress", detail: `the workload was still running ${time.elapsed} ms into the run (${outcome})` });
    }
    // Let the coordinator finish markers and abort what timed out, as a cluster would meanwhile.
    const settle = (plan.config.transactionTimeoutMs ?? 0) + faults.abortCheckIntervalMs + faults.markerDelayMs[1] + 500;
    await time.run(() => false, time.now + settle);
  } finally {
    rejectionSink = undefined;
    time.uninstall();
  }
  for (const error of time.uncaught) {
    extra.push({ invariant: "uncaught", detail: `thrown from a timer or microtask: ${describeError(error)}` });
  }
  for (const reason of rejections) extra.push({ invariant: "uncaught", detail: `unhandled rejection: ${describeError(reason)}` });
  const violations = checkInvariants(history, cluster, extra);
  const records = cluster.logs().reduce((n, log) => n + log.entries.filter((e) => e.kind === "data").length, 0);
  const acked = history.sends.filter((s) => s.result !== undefined).length;
  return {
    seed,
    violations,
    traceHash: trace.hash,
    summary:
      `${plan.transactional ? `transactional tv${plan.transactionVersion}` : "idempotent"}${plan.steadyLoad ? " steady-load" : ""}: ` +
      `${history.sends.length} sends, ${acked} acked, ${history.txns.length} txns, ${history.instances.length} producer(s); ` +
      `faults ${describePlan(faults)}`,
    stats: {
      sends: history.sends.length,
      acked,
      records,
      virtualMs: time.elapsed,
      timers: time.fired,
      events: trace.count,
      realMs: realNow() - started,
    },
    trace: options.trace ? trace.lines : undefined,
    history,
  };
}

function applyFault(fault: ScheduledFault, cluster: ModelCluster, network: SimTransport): void {
  if (!cluster.chaos) return;
  // Everything stops when the faults heal (faults.ts): a fault that lasts ends then at the latest,
  // or the probe after the heal would meet it (a broker still partitioned, down or failing TLS).
  const lasting = (ms: number) => Math.min(ms, cluster.chaosLeftMs);
  switch (fault.kind) {
    case "leader-move":
      cluster.moveLeader(fault.topic, fault.partition);
      break;
    case "broker-restart":
      cluster.setBrokerUp(fault.broker, false, fault.electionMs);
      network.resetBroker(fault.broker, "broker restart");
      cluster.later(lasting(fault.downMs), () => cluster.setBrokerUp(fault.broker, true));
      break;
    case "auth-failure": {
      const broker = cluster.brokers[fault.broker - 1];
      broker.authFailingUntil = cluster.now() + lasting(fault.durationMs);
      network.resetBroker(fault.broker, "restarted with a bad certificate");
      break;
    }
    case "partition-growth":
      cluster.growTopic(fault.topic, fault.add);
      break;
    case "coordinator-move":
      cluster.moveCoordinator(fault.loadMs);
      break;
    case "producer-expiry":
      network.whenNoRequestInTransit(() => cluster.expireIdleProducers());
      break;
    case "network-partition": {
      const broker = cluster.brokers[fault.broker - 1];
      // New connections hang; open ones hold their traffic until it heals (see SimTransport.carry).
      broker.partitionedUntil = cluster.now() + lasting(fault.durationMs);
      break;
    }
  }
}
