/**
 * The clients `bench:compare` runs side by side, and the command line each needs for a
 * scenario. Every peer gets the same settings: acks=all, idempotence where the client
 * has it, linger 5 ms, batch 64 KiB, a payload of random upper-case letters, and no key
 * except in the keyed scenarios (S7), where every peer that can send keys sends the same
 * ones (tools/perf/keys.ts) and places them as the Java client does (murmur2).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

/** One workload. */
export interface Scenario {
  id: string;
  title: string;
  numRecords: number;
  recordSize: number;
  /** Records per second, -1 for unthrottled. */
  throughput: number;
  compression: "none" | "gzip" | "lz4" | "zstd";
  /** Against the ack-only loopback broker instead of Kafka (each client's own ceiling). */
  ackBroker?: boolean;
  /** The topic's partitions (default 6). */
  partitions?: number;
  /** Distinct record keys, `key-<(i × 48271) mod keys>` (tools/perf/keys.ts); absent: no keys. */
  keys?: number;
}

/** The partitions of a scenario's topic. */
export const partitionsOf = (scenario: Scenario): number => scenario.partitions ?? 6;

/** How to run one peer on one scenario. */
export interface PeerCommand {
  command: string;
  args: string[];
  /** Where to run it (bench/peers for the JS and Python peers, for their node_modules). */
  cwd: string;
}

/** Paths the peers need, prepared by `bench_compare.ts`. */
export interface PeerEnvironment {
  root: string;
  bootstrap: string;
  /** kafka-tools and its dependencies. */
  javaLib: string;
  /** The Python with confluent-kafka installed. */
  python: string;
  /** Our bench bundled to plain JavaScript, as users of the npm package would run it. */
  oursBundle: string;
  /** A file of `numRecords` payload lines for kcat (`key:payload` when keyed), made per scenario. */
  kcatInput: (scenario: Scenario) => string;
}

/** A client under test. */
export interface Peer {
  name: string;
  /** The runtime or language it runs on, for the report. */
  runtime: string;
  /** Why it cannot run the scenario, or undefined when it can. */
  unsupported(scenario: Scenario): string | undefined;
  command(env: PeerEnvironment, scenario: Scenario, topic: string): PeerCommand;
  /** Whether it reports latency (kcat does not). */
  reportsLatency: boolean;
  /** The only scenarios it runs (default: all). */
  scenarios?: readonly string[];
}

const COMMON = { acks: "all", idempotence: "true", lingerMs: "5", batchSize: "65536" };

function javaProps(env: PeerEnvironment, scenario: Scenario): string[] {
  return [
    `bootstrap.servers=${env.bootstrap}`,
    `acks=${COMMON.acks}`,
    `enable.idempotence=${COMMON.idempotence}`,
    `linger.ms=${COMMON.lingerMs}`,
    `batch.size=${COMMON.batchSize}`,
    `compression.type=${scenario.compression}`,
  ];
}

function perfArgs(scenario: Scenario, topic: string): string[] {
  return [
    "--topic",
    topic,
    "--num-records",
    String(scenario.numRecords),
    "--record-size",
    String(scenario.recordSize),
    "--throughput",
    String(scenario.throughput),
    ...(scenario.keys === undefined ? [] : ["--keys", String(scenario.keys)]),
  ];
}

/** kafka-tools' version, whose ProducerPerformance the Java peer runs. */
export const KAFKA_TOOLS = "4.3.1";

const java: Peer = {
  name: "Java (kafka-clients)",
  runtime: "JVM 17",
  reportsLatency: true,
  // Its options (--payload-file, --payload-monotonic, ... in 4.3.1) have none for keys: every record's key is null.
  unsupported: (scenario) =>
    scenario.keys === undefined ? undefined : `ProducerPerformance (kafka-tools ${KAFKA_TOOLS}) has no option for record keys`,
  command: (env, scenario, topic) => ({
    command: "java",
    args: [
      "-cp",
      `${env.javaLib}/*`,
      "org.apache.kafka.tools.ProducerPerformance",
      ...perfArgs(scenario, topic),
      "--producer-props",
      ...javaProps(env, scenario),
    ],
    cwd: env.root,
  }),
};

const RUNTIME_NAMES = { deno: "Deno", bun: "Bun", node: "Node" } as const;

type OursApi = "native" | "native-promise" | "kafkajs-batch" | "kafkajs-send";
const API_NAMES: Record<OursApi, string> = {
  "native": "",
  "native-promise": " (a promise per send)",
  "kafkajs-batch": "/kafkajs sendBatch() of 1000",
  "kafkajs-send": "/kafkajs send() of 1",
};
const API_SCENARIOS: Record<OursApi, string[] | undefined> = {
  "native": undefined,
  "native-promise": ["S1", "S6"],
  "kafkajs-batch": ["S1"],
  "kafkajs-send": ["S1"],
};

/**
 * Ours on a runtime, through the native API (bench.ts's `--api native`: `send(record, callback)`,
 * as Java's tool sends; `native-promise`: `send(record).then(...)`) or the KafkaJS facade.
 */
function ours(runtime: "deno" | "bun" | "node", api: OursApi = "native"): Peer {
  return {
    name: `edge-kafka${API_NAMES[api]} on ${RUNTIME_NAMES[runtime]}`,
    runtime,
    reportsLatency: true,
    unsupported: () => undefined,
    scenarios: API_SCENARIOS[api],
    command: (env, scenario, topic) => {
      const bench = [env.oursBundle, ...perfArgs(scenario, topic), "--api", api, "--producer-props", ...javaProps(env, scenario)];
      const bin = (name: string) => join(env.root, "node_modules", ".bin", name);
      if (runtime === "deno") {
        return { command: join(env.root, "node_modules", "deno", "deno"), args: ["run", "-A", ...bench], cwd: env.root };
      }
      if (runtime === "bun") return { command: bin("bun"), args: bench, cwd: env.root };
      return { command: "node", args: bench, cwd: env.root };
    },
  };
}

const librdkafka: Peer = {
  name: "librdkafka (confluent-kafka-python)",
  runtime: "Python",
  reportsLatency: true,
  unsupported: () => undefined,
  command: (env, scenario, topic) => ({
    command: env.python,
    args: [
      "librdkafka_peer.py",
      "--bootstrap",
      env.bootstrap,
      ...perfArgs(scenario, topic),
      "--compression",
      scenario.compression,
      "--linger-ms",
      COMMON.lingerMs,
      "--batch-size",
      COMMON.batchSize,
    ],
    cwd: join(env.root, "bench", "peers"),
  }),
};

let kcatProbe: string | undefined | null = null;

/**
 * Why kcat cannot run here, or undefined when it can: nothing installs it (the suite reads
 * back with the Java consumer), so a machine without it skips this peer instead of failing.
 */
function kcatMissing(): string | undefined {
  if (kcatProbe === null) {
    const probe = spawnSync("kcat", ["-V"], { stdio: "ignore" });
    kcatProbe = probe.error ? `kcat is not available (${probe.error.message})` : undefined;
  }
  return kcatProbe;
}

const kcat: Peer = {
  name: "librdkafka (kcat -P)",
  runtime: "C",
  reportsLatency: false,
  unsupported: (scenario) => kcatMissing() ?? (scenario.throughput > 0 ? "kcat cannot pace its sends" : undefined),
  command: (env, scenario, topic) => ({
    command: "kcat",
    args: [
      "-P",
      "-b",
      env.bootstrap,
      "-t",
      topic,
      "-X",
      "acks=all",
      "-X",
      "enable.idempotence=true",
      "-X",
      `linger.ms=${COMMON.lingerMs}`,
      "-X",
      `batch.size=${COMMON.batchSize}`,
      "-X",
      `compression.codec=${scenario.compression}`,
      // Keyed: each input line is `key:payload` (-K sets the key delimiter), placed as the Java client places keys.
      ...(scenario.keys === undefined ? [] : ["-K", ":", "-X", "partitioner=murmur2_random"]),
      "-l",
      env.kcatInput(scenario),
    ],
    cwd: env.root,
  }),
};

function jsPeer(client: "kafkajs" | "platformatic", runtime: "node" | "bun"): Peer {
  return {
    name: client === "kafkajs" ? "KafkaJS 2.2.4" : "@platformatic/kafka 2.12",
    runtime,
    reportsLatency: true,
    unsupported: (scenario) =>
      client === "kafkajs" && (scenario.compression === "lz4" || scenario.compression === "zstd")
        ? `KafkaJS needs a third-party codec package for ${scenario.compression}`
        : undefined,
    command: (env, scenario, topic) => {
      const script = [
        "js_peer.ts",
        "--client",
        client,
        "--bootstrap",
        env.bootstrap,
        ...perfArgs(scenario, topic),
        "--compression",
        scenario.compression,
      ];
      const cwd = join(env.root, "bench", "peers");
      if (runtime === "bun") return { command: join(env.root, "node_modules", ".bin", "bun"), args: script, cwd };
      return { command: "node", args: ["--import", "../../tools/node_ts_register.mjs", ...script], cwd };
    },
  };
}

/**
 * Every peer, Java first (the reference of the ratios). @platformatic/kafka runs on
 * Bun: it needs Node 22 (Promise.withResolvers), and this machine has Node 20.
 */
/**
 * The KafkaJS facade on each runtime, S1 only: `sendBatch()` calls of 1000 messages and
 * single-message `send()` calls, measured against the native API and KafkaJS itself
 * (`bench:compare --facade`, and in the smoke run).
 */
export const FACADE_PEERS: readonly Peer[] = (["deno", "bun", "node"] as const).flatMap((runtime) => [
  ours(runtime, "kafkajs-batch"),
  ours(runtime, "kafkajs-send"),
]);

export const PEERS: readonly Peer[] = [
  java,
  librdkafka,
  kcat,
  jsPeer("kafkajs", "node"),
  jsPeer("platformatic", "bun"),
  ours("deno"),
  ours("bun"),
  ours("node"),
  ours("deno", "native-promise"),
  ours("bun", "native-promise"),
  ours("node", "native-promise"),
];
