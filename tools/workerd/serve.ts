/**
 * Runs workerd on a free loopback port for the tests and the package smoke check, and
 * stops it again.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { freePorts } from "../kafka/procs.ts";

const WORKERD = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "node_modules", ".bin", "workerd");

/** A workerd serving a config, with its output so far. */
export interface RunningWorkerd {
  child: ChildProcess;
  url: string;
  output(): string;
}

/**
 * Starts `workerd serve <configPath>` on a free port with `env`, and resolves once it
 * answers HTTP (any status; `expectStatus` checks it).
 *
 * @example
 * ```ts
 * import { startWorkerd, stopWorkerd } from "./serve.ts";
 * const workerd = await startWorkerd("tools/workerd/config.capnp", { KAFKA_BOOTSTRAP_SERVERS: "127.0.0.1:9092" });
 * await stopWorkerd(workerd.child);
 * ```
 */
export async function startWorkerd(
  configPath: string,
  env: Record<string, string>,
  options: { cwd?: string; expectStatus?: number; timeoutMs?: number } = {},
): Promise<RunningWorkerd> {
  const [port] = await freePorts(1);
  const child = spawn(WORKERD, ["serve", configPath, "--socket-addr", `http=127.0.0.1:${port}`], {
    cwd: options.cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Uint8Array) => output += new TextDecoder().decode(chunk));
  child.stderr!.on("data", (chunk: Uint8Array) => output += new TextDecoder().decode(chunk));
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode}:\n${output}`);
    let status: number | undefined;
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      status = response.status;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`workerd did not serve ${url}: ${error}\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    if (options.expectStatus !== undefined && status !== options.expectStatus) {
      child.kill("SIGKILL");
      throw new Error(`workerd answered ${status}, expected ${options.expectStatus}:\n${output}`);
    }
    return { child, url, output: () => output };
  }
}

/** Stops workerd: SIGTERM lets it drain requests and waitUntil work; after 2 s (a hung request) SIGKILL. */
export async function stopWorkerd(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
  await exited;
  clearTimeout(timer);
}
