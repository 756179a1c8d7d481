/**
 * Where the harness keeps its state, what that state looks like, and the
 * files it writes for each broker (server.properties, logging config).
 *
 * @module
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { LoggingKind } from "./maven.ts";
import { procState, readOr, sleep } from "./procs.ts";
import {
  protocolName,
  SECURED_LISTENERS,
  type SecuredListener,
  securedListenerProtocols,
  type SecurityMode,
  securityProperties,
} from "./security.ts";

/** One node of the cluster (combined broker + controller). */
export interface NodeState {
  /** `node.id`, 1-based. */
  id: number;
  /** Client port on 127.0.0.1 (PLAINTEXT, or the cluster's secured protocol). */
  port: number;
  /**
   * In secured modes only: the PLAINTEXT `INTERNAL` listener's port on
   * 127.0.0.1 (inter-broker traffic and the harness's own admin requests).
   */
  internalPort?: number;
  /** In the `all` mode only: the port of each extra secured listener. */
  securedPorts?: Record<SecuredListener, number>;
  /** Controller (KRaft quorum) port on 127.0.0.1. */
  controllerPort: number;
  /** The node's directory (config, logs, data). */
  dir: string;
  /** Its server.properties; also the mark that identifies its JVM in /proc. */
  configPath: string;
  /** JVM pid, or null when stopped by the harness. */
  pid: number | null;
}

/** Everything `state.json` records about a running cluster. */
export interface ClusterState {
  /** Exact Kafka version. */
  version: string;
  /** Number of nodes. */
  brokers: number;
  /** KRaft cluster id. */
  clusterId: string;
  /** Security protocol of the client listener; absent (older state files) = plaintext. */
  security?: SecurityMode;
  /** Whether `auto.create.topics.enable` is on. */
  autoCreateTopics: boolean;
  /** The brokers' `connections.max.idle.ms`; absent = Kafka's default. */
  connectionsMaxIdleMs?: number;
  /** Directory of the broker's jars. */
  libDir: string;
  /** Logging backend of that distribution. */
  logging: LoggingKind;
  /** Broker-wide `min.insync.replicas`. */
  minInsyncReplicas: number;
  /** The nodes, ordered by id. */
  nodes: NodeState[];
  /** ISO time of the `up` that created it. */
  startedAt: string;
}

/**
 * The state folder: `$EDGE_KAFKA_STATE_DIR`, else `<repo>/.kafka` located from
 * this file (not the cwd), so every runtime and test finds the same cluster.
 */
export function stateDir(): string {
  if (process.env.EDGE_KAFKA_STATE_DIR) return path.resolve(process.env.EDGE_KAFKA_STATE_DIR);
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", ".kafka");
}

function stateFile(): string {
  return path.join(stateDir(), "state.json");
}

/** Reads state.json, or null if there is none. */
export function readState(): ClusterState | null {
  const text = readOr(stateFile(), "");
  if (!text) return null;
  try {
    return JSON.parse(text) as ClusterState;
  } catch {
    return null; // a torn write; treated like no cluster
  }
}

/** Writes state.json atomically (tmp + rename) so readers never see half of it. */
export function writeState(state: ClusterState): void {
  fs.mkdirSync(stateDir(), { recursive: true });
  const tmp = `${stateFile()}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n");
  fs.renameSync(tmp, stateFile());
}

/** Deletes state.json. */
export function removeState(): void {
  fs.rmSync(stateFile(), { force: true });
}

/** The `bootstrap.servers` value of a cluster. */
export function bootstrapOf(state: ClusterState): string {
  return state.nodes.map((n) => `127.0.0.1:${n.port}`).join(",");
}

/** The security mode of a cluster (plaintext when not recorded). */
export function securityOf(state: ClusterState): SecurityMode {
  return state.security ?? "plaintext";
}

/** The PLAINTEXT port the harness itself talks to: the client port, or INTERNAL in secured modes. */
export function adminPort(node: NodeState): number {
  return node.internalPort ?? node.port;
}

/** The strings that must appear in a JVM's command line for it to count as this node's. */
export function marksOf(node: NodeState): string[] {
  return ["kafka.Kafka", node.configPath];
}

/** What /proc says about a node's recorded pid. */
export function nodeProc(node: NodeState): "running" | "paused" | "gone" {
  return procState(node.pid, marksOf(node));
}

/**
 * Runs `fn` holding an inter-process lock on the state folder, so parallel
 * test files calling `up()` cannot start two clusters. A lock whose owner
 * died is taken over.
 */
export function withLock<T>(fn: () => Promise<T> | T, timeoutMs = 20 * 60_000): Promise<T> {
  // Calls from one process queue up here first: the lock folder alone cannot
  // tell two concurrent calls of the same pid apart.
  const result = inProcess.then(() => lockedAcrossProcesses(fn, timeoutMs));
  inProcess = result.then(() => {}, () => {});
  return result;
}

let inProcess: Promise<void> = Promise.resolve();

async function lockedAcrossProcesses<T>(fn: () => Promise<T> | T, timeoutMs: number): Promise<T> {
  const dir = path.join(stateDir(), ".lock");
  fs.mkdirSync(stateDir(), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "pid"), `${process.pid}\n`);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number(readOr(path.join(dir, "pid"), "").trim());
      // No pid yet: the owner is between mkdir and write, unless it died there.
      const stale = owner
        ? owner === process.pid || procState(owner, []) === "gone"
        : Date.now() - (fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 10_000;
      if (stale) {
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for the harness lock ${dir} (held by pid ${owner})`);
      }
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a node's server.properties for KRaft combined mode with a static quorum. */
export function writeServerProperties(state: ClusterState, node: NodeState): void {
  const rf = Math.min(3, state.brokers);
  const isr = Math.min(2, rf);
  const voters = state.nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(",");
  const props: Record<string, string | number | boolean> = {
    "process.roles": "broker,controller",
    "node.id": node.id,
    // A static voter set works on 3.9 and 4.x alike (4.x's dynamic quorum
    // would need --standalone / --initial-controllers at format time).
    "controller.quorum.voters": voters,
    ...listenerProperties(state, node),
    "controller.listener.names": "CONTROLLER",
    "log.dirs": path.join(node.dir, "data"),
    "num.partitions": 1,
    "auto.create.topics.enable": state.autoCreateTopics,
    // Auto-created topics must satisfy min.insync.replicas, or acks=all fails.
    ...(state.autoCreateTopics ? { "default.replication.factor": rf } : {}),
    "min.insync.replicas": state.minInsyncReplicas,
    "offsets.topic.replication.factor": rf,
    "transaction.state.log.replication.factor": rf,
    "transaction.state.log.min.isr": isr,
    // Tests join groups constantly; the default 3 s delay only slows them.
    "group.initial.rebalance.delay.ms": 0,
    ...(state.connectionsMaxIdleMs !== undefined ? { "connections.max.idle.ms": state.connectionsMaxIdleMs } : {}),
  };
  if (Number(state.version.split(".")[0]) >= 4) {
    // Share groups' state topic defaults to RF 3, impossible on one broker.
    props["share.coordinator.state.topic.replication.factor"] = rf;
    props["share.coordinator.state.topic.min.isr"] = isr;
  }
  const text = Object.entries(props).map(([k, v]) => `${k}=${v}`).join("\n");
  fs.mkdirSync(node.dir, { recursive: true });
  fs.writeFileSync(node.configPath, `# Written by tools/kafka.ts; regenerated on every fresh up.\n${text}\n`);
}

/**
 * Listener layout. Plaintext: `PLAINTEXT` (clients, inter-broker) and
 * `CONTROLLER`. Secured: `CLIENT` with the chosen protocol, plus a PLAINTEXT
 * `INTERNAL` listener for inter-broker traffic and the harness, and
 * `CONTROLLER`; all on 127.0.0.1.
 */
function listenerProperties(state: ClusterState, node: NodeState): Record<string, string> {
  const security = securityOf(state);
  const controller = `CONTROLLER://127.0.0.1:${node.controllerPort}`;
  if (security === "all") {
    if (node.securedPorts === undefined) throw new Error(`node ${node.id} has no secured listener ports recorded`);
    const secured = SECURED_LISTENERS.map((l) => `${l.toUpperCase()}://127.0.0.1:${node.securedPorts![l]}`);
    const client = [`PLAINTEXT://127.0.0.1:${node.port}`, ...secured].join(",");
    return {
      "listeners": `${client},${controller}`,
      "advertised.listeners": client,
      "listener.security.protocol.map": ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT", ...securedListenerProtocols()].join(","),
      "inter.broker.listener.name": "PLAINTEXT",
      ...securityProperties(security, stateDir()),
    };
  }
  if (security === "plaintext") {
    return {
      "listeners": `PLAINTEXT://127.0.0.1:${node.port},${controller}`,
      "advertised.listeners": `PLAINTEXT://127.0.0.1:${node.port}`,
      "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
      "inter.broker.listener.name": "PLAINTEXT",
    };
  }
  if (node.internalPort === undefined) throw new Error(`node ${node.id} has no INTERNAL port recorded`);
  const client = `CLIENT://127.0.0.1:${node.port}`;
  const internal = `INTERNAL://127.0.0.1:${node.internalPort}`;
  return {
    "listeners": `${client},${internal},${controller}`,
    "advertised.listeners": `${client},${internal}`,
    "listener.security.protocol.map": `CLIENT:${protocolName(security)},INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT`,
    "inter.broker.listener.name": "INTERNAL",
    ...securityProperties(security, stateDir()),
  };
}

/**
 * Writes the logging config shared by all nodes (each node passes its own
 * `kafka.logs.dir`) and returns the JVM flag that selects it: INFO to a
 * size-capped `server.log` per node, nothing on the console.
 */
export function writeLoggingConfig(logging: LoggingKind): string {
  const dir = stateDir();
  fs.mkdirSync(dir, { recursive: true });
  if (logging === "log4j2") {
    const file = path.join(dir, "log4j2.xml");
    fs.writeFileSync(
      file,
      `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <RollingFile name="file" fileName="\${sys:kafka.logs.dir}/server.log" filePattern="\${sys:kafka.logs.dir}/server.log.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <SizeBasedTriggeringPolicy size="20MB"/>
      <DefaultRolloverStrategy max="2"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="org.apache.kafka.clients.NetworkClient" level="WARN"/>
    <Root level="INFO"><AppenderRef ref="file"/></Root>
  </Loggers>
</Configuration>
`,
    );
    return `-Dlog4j2.configurationFile=${file}`;
  }
  const file = path.join(dir, "log4j.properties");
  fs.writeFileSync(
    file,
    `log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=\${kafka.logs.dir}/server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.clients.NetworkClient=WARN
`,
  );
  return `-Dlog4j.configuration=file:${file}`;
}

/** The `java` executable: `$JAVA_HOME/bin/java` when set, else from PATH. */
export function javaBin(): string {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, "bin", "java") : "java";
}

/** The JVM command line that runs one node. */
export function nodeCommand(state: ClusterState, node: NodeState, loggingFlag: string): string[] {
  return [
    javaBin(),
    "-Xms256m",
    "-Xmx512m",
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
    `-Dkafka.logs.dir=${node.dir}`,
    loggingFlag,
    "-cp",
    path.join(state.libDir, "*"),
    "kafka.Kafka",
    node.configPath,
  ];
}
