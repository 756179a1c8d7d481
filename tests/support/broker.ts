/**
 * The real broker for integration tests: the one named by KAFKA_BOOTSTRAP_SERVERS
 * (set by `deno task test`), or the harness's single-node cluster, started on demand.
 */
import process from "node:process";
import { up } from "../../tools/kafka.ts";

let cached: Promise<string> | undefined;

/** `host:port[,host:port...]` of a running broker. */
export function bootstrapServers(): Promise<string> {
  const fromEnv = process.env.KAFKA_BOOTSTRAP_SERVERS;
  if (fromEnv) return Promise.resolve(fromEnv);
  return cached ??= up({}).then((result) => result.bootstrapServers);
}

/** A topic name no other test (or earlier run) uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
