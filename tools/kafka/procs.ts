/**
 * Process plumbing for the test-broker harness: running commands, launching
 * detached JVMs, inspecting them through /proc (Linux only) and picking free
 * loopback ports. Written against `node:*` modules only so it runs unchanged
 * under Node, Deno and Bun.
 *
 * @module
 */

import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";

/** Output of a finished command. */
export interface RunResult {
  /** Exit code (or -1 if killed by a signal / failed to start). */
  code: number;
  /** Captured standard output. */
  stdout: string;
  /** Captured standard error. */
  stderr: string;
}

/** Runs a command to completion, capturing its output (never throws on a non-zero exit). */
export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
    const timer = opts.timeoutMs
      ? setTimeout(() => {
        stderr += `\n(killed after ${opts.timeoutMs} ms)`;
        child.kill("SIGKILL");
      }, opts.timeoutMs)
      : null;
    child.stdout?.on("data", (d) => (stdout += d));
    child.stderr?.on("data", (d) => (stderr += d));
    child.on("error", (err) => {
      if (timer) clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${err.message}` });
    });
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Quotes a string for POSIX `sh`. */
export function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Starts `argv` in a new session (so it outlives us and ignores our terminal's
 * signals), with stdout/stderr appended to `logFile`, and returns its pid.
 * `setsid -f` forks, so the JVM is never our child: no runtime-specific
 * `detached` behaviour to rely on, and no zombies left in test processes. The
 * shell writes its own pid and then `exec`s, so the pid is the JVM's.
 */
export async function launchDetached(argv: string[], logFile: string, pidFile: string): Promise<number> {
  fs.rmSync(pidFile, { force: true });
  const script = `echo $$ > ${shQuote(pidFile)}; exec ${argv.map(shQuote).join(" ")} >> ${shQuote(logFile)} 2>&1 < /dev/null`;
  const res = await run("setsid", ["-f", "sh", "-c", script], { timeoutMs: 10_000 });
  if (res.code !== 0) throw new Error(`setsid failed (${res.code}): ${res.stderr.trim()}`);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const text = readOr(pidFile, ""); // complete only once the newline is there
    if (/^\d+\n$/.test(text)) return Number(text.trim());
    await sleep(20);
  }
  throw new Error(`the launched process never wrote ${pidFile}`);
}

/** What /proc says about a pid. */
export type ProcState = "running" | "paused" | "gone";

/**
 * Returns whether `pid` exists and is still ours: its command line must
 * contain every string in `marks` (e.g. our config path), so a recycled pid
 * is reported as gone and never signalled. Zombies count as gone.
 */
export function procState(pid: number | null | undefined, marks: string[]): ProcState {
  if (!pid || pid <= 0) return "gone";
  let stat: string;
  let cmdline: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "gone";
  }
  // The state letter follows the command name, which may itself hold ")".
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  if (state === "Z" || state === "X" || state === "") return "gone";
  const args = cmdline.split("\0");
  if (!marks.every((m) => args.some((a) => a.includes(m)))) return "gone";
  return state === "T" || state === "t" ? "paused" : "running";
}

/** Resident set size of `pid` in bytes, or null if unknown. */
export function rssBytes(pid: number): number | null {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readOr(`/proc/${pid}/status`, ""));
  return m ? Number(m[1]) * 1024 : null;
}

/** Sends `signal`, ignoring a process that already went away. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** Waits until `pid` is gone (or a zombie); returns false on timeout. */
export async function waitGone(pid: number, marks: string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (procState(pid, marks) !== "gone") {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/**
 * Picks `count` distinct free TCP ports on 127.0.0.1 by binding to port 0 and
 * holding every socket until all are chosen (so no port is handed out twice).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => resolve());
      });
      const addr = server.address();
      if (!addr || typeof addr === "string") throw new Error("could not read a bound port");
      ports.push(addr.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Returns whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portAccepts(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Last `lines` lines of a file, or "" if it cannot be read. */
export function tail(file: string, lines = 30): string {
  const text = readOr(file, "");
  return text.split("\n").slice(-lines - 1).join("\n").trimEnd();
}

/** Reads a text file, returning `fallback` if it is missing or unreadable. */
export function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
