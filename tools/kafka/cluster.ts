/**
 * Cluster lifecycle for the test-broker harness: up, down, status and the
 * per-node fault controls (stop/start/pause/resume).
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  adminPort,
  bootstrapOf,
  type ClusterState,
  marksOf,
  nodeCommand,
  nodeProc,
  type NodeState,
  readState,
  removeState,
  securityOf,
  stateDir,
  withLock,
  writeLoggingConfig,
  writeServerProperties,
  writeState,
} from "./config.ts";
import { DEFAULT_VERSION_SPEC, resolveKafka, versionMatches } from "./maven.ts";
import { freePorts, launchDetached, portAccepts, rssBytes, run, signal, sleep, tail, waitGone } from "./procs.ts";
import { withConnection } from "./wire.ts";
import {
  clientSettings,
  ensureCertificates,
  formatArgs,
  SECURED_LISTENERS,
  type SecuredListener,
  type SecurityMode,
  type TlsFiles,
  tlsFiles,
  usesTls,
} from "./security.ts";

/** Options of {@link up}. */
export interface UpOptions {
  /** Number of nodes (default 1 for a new cluster; unset = accept the running one). */
  brokers?: number;
  /** `4.x` (default), `3.9.x`, `3.9`, or an exact `4.1.0`. Unset = accept the running one. */
  version?: string;
  /** Turn on `auto.create.topics.enable` (default off). */
  autoCreateTopics?: boolean;
  /** The brokers' `connections.max.idle.ms` (default: Kafka's, 10 minutes); the chaos suite shortens it. */
  connectionsMaxIdleMs?: number;
  /**
   * Security protocol of the client listener (default `plaintext`; a running
   * cluster in another mode is an error, not reused). Secured modes keep a
   * PLAINTEXT `INTERNAL` listener for inter-broker traffic and the harness.
   */
  security?: SecurityMode;
  /** How long to wait for the nodes to serve, in ms (default 90 000). */
  timeoutMs?: number;
  /** Progress messages (default: none). */
  log?: (message: string) => void;
}

/** Result of {@link up}. */
export interface UpResult {
  /** `127.0.0.1:P1,127.0.0.1:P2,...`. */
  bootstrapServers: string;
  /** True when an already running cluster was reused. */
  reused: boolean;
  /** The cluster's state as recorded in state.json. */
  state: ClusterState;
  /** Security protocol of the client listener. */
  security: SecurityMode;
  /**
   * What a client needs beyond `bootstrap.servers`, as librdkafka properties
   * (`security.protocol`, `ssl.ca.location`, `sasl.mechanism`, `sasl.username`,
   * `sasl.password`); empty for plaintext. SASL modes name SCRAM-SHA-512 as
   * alice; PLAIN (admin/admin-secret, alice/alice-secret), SCRAM-SHA-256
   * (alice/alice-secret) and OAUTHBEARER (unsecured JWT) work too.
   */
  clientSettings: Record<string, string>;
  /** CA and client certificate/key PEM paths (ssl and sasl_ssl only). */
  tls: TlsFiles | null;
  /** PLAINTEXT bootstrap servers of the INTERNAL listener (secured modes), else the same as bootstrapServers. */
  internalBootstrapServers: string;
  /** In the `all` mode: the bootstrap servers of each extra secured listener; otherwise null. */
  securedListeners: Record<SecuredListener, string> | null;
}

/** One node as seen by {@link status}. */
export interface NodeStatus {
  /** `node.id`. */
  id: number;
  /** JVM pid, or null if stopped. */
  pid: number | null;
  /** Client port. */
  port: number;
  /** PLAINTEXT INTERNAL port (secured modes), else null. */
  internalPort: number | null;
  /** Controller port. */
  controllerPort: number;
  /** `running`, `paused` (SIGSTOP) or `gone`. */
  process: "running" | "paused" | "gone";
  /** Whether it answered an ApiVersions request just now. */
  answering: boolean;
  /** Resident memory of the JVM in bytes, if running. */
  rssBytes: number | null;
  /** Its directory, holding server.log and stdout.log. */
  dir: string;
}

/** Result of {@link status}. */
export interface ClusterStatus {
  /** True when state.json exists and at least one node process is alive. */
  running: boolean;
  /** Bootstrap servers, or null with no cluster. */
  bootstrapServers: string | null;
  /** Exact Kafka version, or null. */
  version: string | null;
  /** Security protocol of the client listener (plaintext with no cluster). */
  security: SecurityMode;
  /** Per-node details. */
  nodes: NodeStatus[];
}

const noLog = () => {};

function upResult(state: ClusterState, reused: boolean): UpResult {
  const security = securityOf(state);
  return {
    bootstrapServers: bootstrapOf(state),
    reused,
    state,
    security,
    clientSettings: clientSettings(security, stateDir()),
    tls: usesTls(security) ? tlsFiles(stateDir()) : null,
    internalBootstrapServers: state.nodes.map((n) => `127.0.0.1:${adminPort(n)}`).join(","),
    securedListeners: security === "all"
      ? Object.fromEntries(
        SECURED_LISTENERS.map((l) => [l, state.nodes.map((n) => `127.0.0.1:${n.securedPorts?.[l]}`).join(",")]),
      ) as Record<SecuredListener, string>
      : null,
  };
}

/**
 * Starts a local KRaft cluster (or reuses the running one) and returns its
 * bootstrap servers once every node serves requests.
 */
export function up(opts: UpOptions = {}): Promise<UpResult> {
  return withLock(async () => {
    const log = opts.log ?? noLog;
    const timeoutMs = opts.timeoutMs ?? 90_000;
    const security = opts.security ?? "plaintext";
    const existing = readState();
    if (existing) {
      const procs = existing.nodes.map(nodeProc);
      if (procs.some((p) => p !== "gone")) {
        const mismatch = [
          opts.brokers !== undefined && opts.brokers !== existing.brokers
            ? `${opts.brokers} broker(s) requested, ${existing.brokers} running`
            : "",
          opts.version !== undefined && !versionMatches(opts.version, existing.version)
            ? `Kafka ${opts.version} requested, ${existing.version} running`
            : "",
          opts.autoCreateTopics !== undefined && opts.autoCreateTopics !== existing.autoCreateTopics
            ? `auto.create.topics.enable=${opts.autoCreateTopics} requested, ${existing.autoCreateTopics} running`
            : "",
          opts.connectionsMaxIdleMs !== undefined && opts.connectionsMaxIdleMs !== existing.connectionsMaxIdleMs
            ? `connections.max.idle.ms=${opts.connectionsMaxIdleMs} requested, ${existing.connectionsMaxIdleMs ?? "default"} running`
            : "",
          // The "all" cluster's client listener is PLAINTEXT, so it serves a plaintext request too.
          security !== securityOf(existing) && !(security === "plaintext" && securityOf(existing) === "all")
            ? `security ${security} requested, ${securityOf(existing)} running`
            : "",
        ].filter(Boolean);
        if (mismatch.length) {
          throw new Error(`a different cluster is running (${mismatch.join("; ")}); run \`down\` first`);
        }
        // Same cluster: bring back any node a fault test left stopped or paused.
        for (const node of existing.nodes) {
          if (nodeProc(node) === "paused") signal(node.pid!, "SIGCONT");
          if (nodeProc(node) === "gone") await launchNode(existing, node, log);
        }
        writeState(existing);
        await waitServing(existing, existing.nodes, existing.brokers, timeoutMs);
        return upResult(existing, true);
      }
      log("previous cluster is no longer running; starting a new one");
      await stopAll(existing, log);
    }

    const brokers = opts.brokers ?? 1;
    if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9) {
      throw new Error(`--brokers must be 1..9, got ${brokers}`);
    }
    const dist = await resolveKafka(opts.version ?? DEFAULT_VERSION_SPEC, log);
    const secured = security !== "plaintext";
    // client + controller, then INTERNAL (one secured client listener) or the four extra listeners (all).
    const perNode = security === "all" ? 6 : secured ? 3 : 2;
    const ports = await freePorts(brokers * perNode);
    const dir = stateDir();
    // Wipe every node folder, including ones a bigger previous cluster left.
    for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      if (/^node-\d+$/.test(name)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    }
    const nodes: NodeState[] = [];
    for (let i = 0; i < brokers; i++) {
      const nodeDir = path.join(dir, `node-${i + 1}`);
      nodes.push({
        id: i + 1,
        port: ports[perNode * i],
        controllerPort: ports[perNode * i + 1],
        ...(security === "all"
          ? {
            securedPorts: Object.fromEntries(SECURED_LISTENERS.map((l, k) => [l, ports[perNode * i + 2 + k]])) as Record<
              SecuredListener,
              number
            >,
          }
          : secured
          ? { internalPort: ports[perNode * i + 2] }
          : {}),
        dir: nodeDir,
        configPath: path.join(nodeDir, "server.properties"),
        pid: null,
      });
    }
    const state: ClusterState = {
      version: dist.version,
      brokers,
      clusterId: newClusterId(),
      ...(secured ? { security } : {}),
      autoCreateTopics: opts.autoCreateTopics ?? false,
      ...(opts.connectionsMaxIdleMs !== undefined ? { connectionsMaxIdleMs: opts.connectionsMaxIdleMs } : {}),
      libDir: dist.libDir,
      logging: dist.logging,
      minInsyncReplicas: brokers >= 3 ? 2 : 1,
      nodes,
      startedAt: new Date().toISOString(),
    };
    if (usesTls(security)) await ensureCertificates(dir, log);
    const loggingFlag = writeLoggingConfig(state.logging);
    log(`formatting ${brokers} node(s) for Kafka ${state.version} (cluster id ${state.clusterId})`);
    await Promise.all(nodes.map((node) => formatNode(state, node, loggingFlag)));
    writeState(state); // before launching, so `down` can clean up after a failed start
    for (const node of nodes) await launchNode(state, node, log);
    writeState(state);
    try {
      await waitServing(state, nodes, brokers, timeoutMs);
    } catch (err) {
      await stopAll(state, log);
      throw err;
    }
    log(`Kafka ${state.version} is up with ${brokers} node(s)${secured ? `, clients on ${security}` : ""}`);
    return upResult(state, false);
  });
}

/**
 * Stops every node the harness started (SIGTERM, then SIGKILL after
 * `graceMs`) and deletes their data. Safe to call when nothing runs.
 */
export function down(opts: { graceMs?: number; log?: (message: string) => void } = {}): Promise<{ stopped: number[] }> {
  return withLock(async () => {
    const state = readState();
    if (!state) return { stopped: [] };
    return { stopped: await stopAll(state, opts.log ?? noLog, opts.graceMs) };
  });
}

/** Reports the cluster recorded in state.json and probes each node. */
export async function status(): Promise<ClusterStatus> {
  const state = readState();
  if (!state) return { running: false, bootstrapServers: null, version: null, security: "plaintext", nodes: [] };
  const nodes = await Promise.all(state.nodes.map(async (n): Promise<NodeStatus> => {
    const proc = nodeProc(n);
    const answering = proc === "running" && (await answers(adminPort(n), 1500));
    return {
      id: n.id,
      pid: proc === "gone" ? null : n.pid,
      port: n.port,
      internalPort: n.internalPort ?? null,
      controllerPort: n.controllerPort,
      process: proc,
      answering,
      rssBytes: proc === "gone" ? null : rssBytes(n.pid!),
      dir: n.dir,
    };
  }));
  return {
    running: nodes.some((n) => n.process !== "gone"),
    bootstrapServers: bootstrapOf(state),
    version: state.version,
    security: securityOf(state),
    nodes,
  };
}

/**
 * Stops node `id`: SIGTERM (a clean, controlled shutdown) and waits for the
 * JVM to exit; `kill` sends SIGKILL instead, like a crash. A SIGTERM that has
 * not finished after `timeoutMs` (default 60 s) is escalated to SIGKILL.
 */
export function stopNode(
  id: number,
  opts: { kill?: boolean; timeoutMs?: number } = {},
): Promise<{ pid: number | null; escalated: boolean }> {
  return withLock(async () => {
    const { state, node } = requireNode(id);
    const pid = nodeProc(node) === "gone" ? null : node.pid;
    const escalated = pid ? await stopProcess(node, opts.kill ? "SIGKILL" : "SIGTERM", opts.timeoutMs ?? 60_000) : false;
    node.pid = null;
    writeState(state);
    return { pid, escalated };
  });
}

/** Restarts node `id` with its old config and ports, waiting until it serves (no-op if running). */
export function startNode(
  id: number,
  opts: { timeoutMs?: number; log?: (message: string) => void } = {},
): Promise<{ pid: number }> {
  return withLock(async () => {
    const { state, node } = requireNode(id);
    const proc = nodeProc(node);
    if (proc === "paused") throw new Error(`node ${id} is paused; use resume-node`);
    if (proc === "gone") {
      await launchNode(state, node, opts.log ?? noLog);
      writeState(state);
    }
    // Serving means: it answers, and every live node lists it as a broker.
    const live = state.nodes.filter((n) => n === node || nodeProc(n) === "running");
    await waitServing(state, live, 0, opts.timeoutMs ?? 90_000, id);
    return { pid: node.pid! };
  });
}

/** Freezes node `id` with SIGSTOP (sockets stay open but nothing answers). */
export function pauseNode(id: number): Promise<{ pid: number }> {
  return withLock(() => {
    const { node } = requireNode(id);
    if (nodeProc(node) === "gone") throw new Error(`node ${id} is not running`);
    signal(node.pid!, "SIGSTOP");
    return { pid: node.pid! };
  });
}

/** Thaws node `id` with SIGCONT. */
export function resumeNode(id: number): Promise<{ pid: number }> {
  return withLock(() => {
    const { node } = requireNode(id);
    if (nodeProc(node) === "gone") throw new Error(`node ${id} is not running`);
    signal(node.pid!, "SIGCONT");
    return { pid: node.pid! };
  });
}

/** Returns the running cluster's state, or throws telling the user to run `up`. */
export function requireRunning(): ClusterState {
  const state = readState();
  if (!state || state.nodes.every((n) => nodeProc(n) === "gone")) {
    throw new Error("no Kafka cluster is running; start one with `tools/kafka.ts up`");
  }
  return state;
}

function requireNode(id: number): { state: ClusterState; node: NodeState } {
  const state = readState();
  if (!state) throw new Error("no Kafka cluster is recorded; start one with `tools/kafka.ts up`");
  const node = state.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no node ${id}; nodes are ${state.nodes.map((n) => n.id).join(", ")}`);
  return { state, node };
}

// 16 random bytes as base64url = 22 chars, the form Kafka's Uuid parses. One
// starting with "-" would be read as an option by StorageTool, so avoid it.
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

async function formatNode(state: ClusterState, node: NodeState, loggingFlag: string): Promise<void> {
  writeServerProperties(state, node);
  const [java, ...jvm] = nodeCommand(state, node, loggingFlag);
  const args = [...jvm.slice(0, jvm.indexOf("kafka.Kafka")), "kafka.tools.StorageTool", "format"];
  args.push("-t", state.clusterId, "-c", node.configPath, "--ignore-formatted", ...formatArgs(securityOf(state)));
  const res = await run(java, args, { timeoutMs: 120_000 });
  fs.writeFileSync(path.join(node.dir, "format.log"), `${res.stdout}${res.stderr}`);
  if (res.code !== 0) {
    throw new Error(
      `formatting node ${node.id} failed (exit ${res.code}):\n${(res.stdout + res.stderr).trim().slice(-3000)}`,
    );
  }
}

async function launchNode(state: ClusterState, node: NodeState, log: (m: string) => void): Promise<void> {
  const loggingFlag = writeLoggingConfig(state.logging);
  const pid = await launchDetached(
    nodeCommand(state, node, loggingFlag),
    path.join(node.dir, "stdout.log"),
    path.join(node.dir, "pid"),
  );
  node.pid = pid;
  const internal = node.internalPort === undefined ? "" : `, internal ${node.internalPort}`;
  log(`node ${node.id}: pid ${pid}, 127.0.0.1:${node.port} (controller ${node.controllerPort}${internal})`);
}

/** Returns whether the broker on `port` answers ApiVersions. */
async function answers(port: number, timeoutMs: number): Promise<boolean> {
  try {
    await withConnection("127.0.0.1", port, (c) => c.apiVersions(), timeoutMs);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits until each of `nodes` answers ApiVersions and its Metadata lists
 * `expectBrokers` brokers (or, when `mustList` is set, that broker). On a
 * timeout or a crashed JVM, throws with the tail of that node's logs.
 */
async function waitServing(
  state: ClusterState,
  nodes: NodeState[],
  expectBrokers: number,
  timeoutMs: number,
  mustList?: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(nodes);
  const last = new Map<NodeState, string>();
  while (pending.size) {
    for (const node of [...pending]) {
      if (nodeProc(node) === "gone") throw new Error(`node ${node.id} exited during startup${logTails(node)}`);
      try {
        const md = await withConnection("127.0.0.1", adminPort(node), (c) => c.metadata([]), 3000);
        const ids = md.brokers.map((b) => b.nodeId);
        let ok = mustList !== undefined ? ids.includes(mustList) : ids.length >= expectBrokers;
        // Secured: the harness speaks only to INTERNAL; at least check CLIENT listens.
        if (ok && node.internalPort !== undefined && !(await portAccepts(node.port, 1000))) {
          ok = false;
          last.set(node, `client port ${node.port} not accepting connections`);
        } else if (!ok) last.set(node, `it lists brokers [${ids.join(",")}]`);
        if (ok) pending.delete(node);
      } catch (err) {
        last.set(node, (err as Error).message);
      }
    }
    if (!pending.size) return;
    if (Date.now() > deadline) {
      const node = [...pending][0];
      throw new Error(
        `Kafka ${state.version} node ${node.id} (127.0.0.1:${node.port}) not serving after ${timeoutMs / 1000} s (${
          last.get(node) ?? "no answer"
        })${logTails(node)}`,
      );
    }
    await sleep(250);
  }
}

function logTails(node: NodeState): string {
  const server = tail(path.join(node.dir, "server.log"), 25);
  const stdout = tail(path.join(node.dir, "stdout.log"), 15);
  return `\n--- ${node.dir}/server.log (tail) ---\n${server || "(empty)"}\n--- ${node.dir}/stdout.log (tail) ---\n${stdout || "(empty)"}`;
}

/** Signals one node and waits; returns true if SIGTERM had to be escalated to SIGKILL. */
async function stopProcess(node: NodeState, sig: "SIGTERM" | "SIGKILL", timeoutMs: number): Promise<boolean> {
  const pid = node.pid!;
  const marks = marksOf(node);
  // A stopped process would hold SIGTERM pending forever.
  signal(pid, "SIGCONT");
  signal(pid, sig);
  if (await waitGone(pid, marks, timeoutMs)) return false;
  if (sig === "SIGTERM") {
    signal(pid, "SIGKILL");
    if (await waitGone(pid, marks, 10_000)) return true;
  }
  throw new Error(`node ${node.id} (pid ${pid}) did not exit`);
}

/** Stops all nodes in parallel and removes state.json and data dirs (keeping logs for post-mortems). */
async function stopAll(state: ClusterState, log: (m: string) => void, graceMs = 15_000): Promise<number[]> {
  const live = state.nodes.filter((n) => nodeProc(n) !== "gone");
  const stopped: number[] = [];
  await Promise.all(live.map(async (node) => {
    const escalated = await stopProcess(node, "SIGTERM", graceMs);
    log(`node ${node.id} (pid ${node.pid}) stopped${escalated ? " with SIGKILL after the grace period" : ""}`);
    stopped.push(node.pid!);
  }));
  for (const node of state.nodes) fs.rmSync(path.join(node.dir, "data"), { recursive: true, force: true });
  removeState();
  return stopped.sort((a, b) => a - b);
}
