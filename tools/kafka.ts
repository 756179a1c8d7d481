/**
 * Test-broker harness: runs a real Apache Kafka (KRaft, 1 or 3 nodes) on
 * 127.0.0.1 from jars that `mvn` fetches into a cache outside the repo.
 *
 * As a CLI, under any runtime:
 * ```sh
 * deno run -A tools/kafka.ts up [--brokers 1|3] [--version 4.x|3.9.x|4.1.0] [--security sasl_ssl]
 * bun tools/kafka.ts status
 * node --import ./tools/node_ts_register.mjs tools/kafka.ts down
 * ```
 * As a library in tests:
 * ```ts
 * import { createTopic, up } from "../tools/kafka.ts";
 * const { bootstrapServers } = await up({ brokers: 1 });
 * await createTopic("t1", { partitions: 6, ifNotExists: true });
 * ```
 * State (pids, ports, data, logs) lives in `<repo>/.kafka/`. Linux only
 * (uses /proc and `setsid`); needs Java 17+ and Maven for the first run.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import * as path from "node:path";
import { down, pauseNode, resumeNode, startNode, status, stopNode, up } from "./kafka/cluster.ts";
import { createTopic, deleteTopic, listTopics } from "./kafka/topics.ts";
import { parseSecurity } from "./kafka/security.ts";

export {
  type ClusterStatus,
  down,
  type NodeStatus,
  pauseNode,
  requireRunning,
  resumeNode,
  startNode,
  status,
  stopNode,
  up,
  type UpOptions,
  type UpResult,
} from "./kafka/cluster.ts";
export { createTopic, type CreateTopicOptions, deleteTopic, describeTopic, listTopics, type TopicDescription } from "./kafka/topics.ts";
export { type ClusterState, type NodeState, stateDir } from "./kafka/config.ts";
export { cacheRoot, type KafkaDist, resolveKafka } from "./kafka/maven.ts";
export {
  REAUTH_TEST_MS,
  SASL_MECHANISMS,
  SASL_USERS,
  SECURED_LISTENERS,
  type SecuredListener,
  SECURITY_MODES,
  type SecurityMode,
  type TlsFiles,
  unsecuredJwt,
} from "./kafka/security.ts";

const USAGE = `usage: tools/kafka.ts <command> [options]

  up [--brokers N] [--version V] [--auto-create-topics] [--timeout SECONDS]
     [--connections-max-idle-ms MS]
     [--security plaintext|ssl|sasl_plaintext|sasl_ssl|all]
        start a KRaft cluster on 127.0.0.1 (or reuse the running one) and print
        bootstrap.servers=...; N is 1 (default) or 3; V is 4.x (default: newest
        4.x release), 3.9.x, 3.9, or exact like 4.1.0. A secured mode prints the
        client settings (librdkafka names) after it, e.g. security.protocol=SSL
        and ssl.ca.location=<.kafka/security/ca.pem>; SASL users: PLAIN
        admin/admin-secret and alice/alice-secret, SCRAM-SHA-256/512
        alice/alice-secret, OAUTHBEARER unsecured JWT. The CA also signed
        .kafka/security/client.pem + client-key.pem for mTLS. "all" keeps a
        PLAINTEXT client listener and adds ssl, sasl_plaintext (sessions of
        10 s, so clients re-authenticate), sasl_ssl and mtls (client
        certificate required) listeners, printed as listener.<name>=...
  down                         stop the cluster and delete its data
  status                       print bootstrap line and nodes; exit 1 if not running
  stop-node ID [--kill]        SIGTERM node ID and wait (--kill: SIGKILL)
  start-node ID                restart node ID with the same config and ports
  pause-node ID                SIGSTOP node ID
  resume-node ID               SIGCONT node ID
  create-topic NAME [--partitions N] [--replication-factor R]
        [--config k=v ...] [--if-not-exists]
                               create a topic and wait for its leaders
  delete-topic NAME [--if-exists]
  list-topics [--internal] [--verbose]
`;

class UsageError extends Error {}

/** Parses `--flag value` / `--flag=value` / boolean flags; `repeat` flags collect arrays. */
function parseArgs(argv: string[], valued: string[], bools: string[], repeat: string[] = []) {
  const flags = new Map<string, string | boolean | string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (bools.includes(name) && eq < 0) {
      flags.set(name, true);
    } else if (valued.includes(name) || repeat.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      if (repeat.includes(name)) flags.set(name, [...((flags.get(name) as string[]) ?? []), value]);
      else flags.set(name, value);
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  return { flags, positional };
}

function intArg(value: string | boolean | string[] | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^\d+$/.test(value)) throw new UsageError(`${what} must be a positive integer`);
  return Number(value);
}

function securityArg(value: string) {
  try {
    return parseSecurity(value);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function nodeIdArg(positional: string[]): number {
  if (positional.length !== 1) throw new UsageError("expected exactly one node ID");
  return intArg(positional[0], "node ID")!;
}

const progress = (m: string) => console.error(`[kafka] ${m}`);

/** Runs the CLI with `argv` (without the runtime and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "up": {
        const { flags, positional } = parseArgs(rest, ["brokers", "version", "timeout", "security", "connections-max-idle-ms"], [
          "auto-create-topics",
        ]);
        if (positional.length) throw new UsageError(`unexpected argument ${positional[0]}`);
        const timeout = intArg(flags.get("timeout"), "--timeout");
        const res = await up({
          brokers: intArg(flags.get("brokers"), "--brokers"),
          version: flags.get("version") as string | undefined,
          autoCreateTopics: flags.has("auto-create-topics") ? true : undefined,
          connectionsMaxIdleMs: intArg(flags.get("connections-max-idle-ms"), "--connections-max-idle-ms"),
          timeoutMs: timeout === undefined ? undefined : timeout * 1000,
          security: flags.has("security") ? securityArg(flags.get("security") as string) : undefined,
          log: progress,
        });
        if (res.reused) {
          progress(`reusing the running cluster (Kafka ${res.state.version}, ${res.state.brokers} node(s))`);
        }
        console.log(`bootstrap.servers=${res.bootstrapServers}`);
        for (const [k, v] of Object.entries(res.clientSettings)) console.log(`${k}=${v}`);
        for (const [k, v] of Object.entries(res.securedListeners ?? {})) console.log(`listener.${k}=${v}`);
        if (res.securedListeners && res.tls) console.log(`ssl.ca.location=${res.tls.caPath}`);
        return 0;
      }
      case "down": {
        if (rest.length) throw new UsageError("down takes no arguments");
        const res = await down({ log: progress });
        progress(res.stopped.length ? `stopped pids ${res.stopped.join(", ")}` : "nothing was running");
        return 0;
      }
      case "status": {
        if (rest.length) throw new UsageError("status takes no arguments");
        const s = await status();
        if (!s.bootstrapServers) {
          console.log("not running");
          return 1;
        }
        console.log(`bootstrap.servers=${s.bootstrapServers}`);
        console.log(`version=${s.version}`);
        if (s.security !== "plaintext") console.log(`security=${s.security}`);
        for (const n of s.nodes) {
          const rss = n.rssBytes === null ? "" : ` rss=${Math.round(n.rssBytes / 1048576)}MiB`;
          console.log(
            `node ${n.id}: pid=${n.pid ?? "-"} port=${n.port}${
              n.internalPort === null ? "" : ` internal=${n.internalPort}`
            } controller=${n.controllerPort} process=${n.process} answering=${n.answering}${rss}`,
          );
        }
        return s.running ? 0 : 1;
      }
      case "stop-node": {
        const { flags, positional } = parseArgs(rest, [], ["kill"]);
        const id = nodeIdArg(positional);
        const res = await stopNode(id, { kill: flags.has("kill") });
        progress(
          res.pid ? `node ${id} (pid ${res.pid}) stopped${res.escalated ? " (SIGKILL after timeout)" : ""}` : `node ${id} was not running`,
        );
        return 0;
      }
      case "start-node": {
        const id = nodeIdArg(parseArgs(rest, [], []).positional);
        progress(`node ${id} serving as pid ${(await startNode(id, { log: progress })).pid}`);
        return 0;
      }
      case "pause-node":
      case "resume-node": {
        const id = nodeIdArg(parseArgs(rest, [], []).positional);
        const res = command === "pause-node" ? await pauseNode(id) : await resumeNode(id);
        progress(`node ${id} (pid ${res.pid}) ${command === "pause-node" ? "paused" : "resumed"}`);
        return 0;
      }
      case "create-topic": {
        const { flags, positional } = parseArgs(rest, ["partitions", "replication-factor"], ["if-not-exists"], [
          "config",
        ]);
        if (positional.length !== 1) throw new UsageError("expected exactly one topic NAME");
        const configs: Record<string, string> = {};
        for (const kv of (flags.get("config") as string[] | undefined) ?? []) {
          const eq = kv.indexOf("=");
          if (eq <= 0) throw new UsageError(`--config wants k=v, got ${kv}`);
          configs[kv.slice(0, eq)] = kv.slice(eq + 1);
        }
        const t = await createTopic(positional[0], {
          partitions: intArg(flags.get("partitions"), "--partitions"),
          replicationFactor: intArg(flags.get("replication-factor"), "--replication-factor"),
          configs,
          ifNotExists: flags.has("if-not-exists"),
        });
        progress(
          `topic ${t.name}: ${t.partitions} partition(s), replication factor ${t.replicationFactor}, leaders [${t.leaders}]`,
        );
        return 0;
      }
      case "delete-topic": {
        const { flags, positional } = parseArgs(rest, [], ["if-exists"]);
        if (positional.length !== 1) throw new UsageError("expected exactly one topic NAME");
        await deleteTopic(positional[0], { ifExists: flags.has("if-exists") });
        progress(`topic ${positional[0]} deleted`);
        return 0;
      }
      case "list-topics": {
        const { flags, positional } = parseArgs(rest, [], ["internal", "verbose"]);
        if (positional.length) throw new UsageError(`unexpected argument ${positional[0]}`);
        for (const t of await listTopics({ internal: flags.has("internal") })) {
          console.log(
            flags.has("verbose")
              ? `${t.name}\tpartitions=${t.partitions}\treplication=${t.replicationFactor}\tleaders=${t.leaders}`
              : t.name,
          );
        }
        return 0;
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        (command ? console.log : console.error)(USAGE.trimEnd());
        return command ? 0 : 2;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n\n${USAGE.trimEnd()}`);
      return 2;
    }
    console.error(`error: ${(err as Error).message}`);
    return 1;
  }
}

// Run as a CLI only when executed directly, not when imported by tests.
// Node 20 lacks import.meta.main, so compare the entry script's path too.
function isMain(): boolean {
  const flag = (import.meta as { main?: boolean }).main;
  if (typeof flag === "boolean") return flag;
  const entry = process.argv[1];
  return !!entry && path.resolve(entry) === fileURLToPath(import.meta.url);
}

if (isMain()) {
  // Exit explicitly: a leftover timer or socket must not keep the CLI alive.
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
