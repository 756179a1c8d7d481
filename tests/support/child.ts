/**
 * Child processes for tests that need a process of their own: a script run on the
 * current runtime (or another), watched line by line, signalled, and waited for.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import type { ScriptRuntime } from "../../tools/script_command.ts";
import { detectRuntime } from "../../src/net/runtime_transport.ts";

/** The repository root: children run there, so `./src/...` and `./mod.ts` resolve. */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The runtime running the tests (they never run inside workerd). */
export function testRuntime(): ScriptRuntime {
  const runtime = detectRuntime();
  if (runtime === "workerd") throw new Error("the test suite runs on deno, bun or node");
  return runtime;
}

/**
 * `[command, ...args]` evaluating the JavaScript module `code` on `runtime`, with
 * relative imports resolved from the repository root (TypeScript files included).
 */
export function evalCommand(runtime: ScriptRuntime, code: string): string[] {
  switch (runtime) {
    case "deno":
      return [join(root, "node_modules", ".bin", "deno"), "eval", code];
    case "bun":
      return [join(root, "node_modules", ".bin", "bun"), "-e", code];
    case "node":
      return ["node", "--import", "./tools/node_ts_register.mjs", "--input-type=module", "-e", code];
  }
}

/** How a child ended: its exit code, or the signal that killed it. */
export interface ChildExit {
  code: number | null;
  signal: string | null;
}

/** A running child whose output is collected as it comes. */
export class Child {
  readonly process: ChildProcess;
  #stdout = "";
  #stderr = "";
  #waiters: (() => void)[] = [];
  #ended = false;
  readonly #exited: Promise<ChildExit>;

  /** Starts `command` in the repository root with `env` added to this process's environment. */
  constructor(command: string[], env: Record<string, string> = {}) {
    const [file, ...args] = command;
    this.process = spawn(file, args, { cwd: root, env: { ...process.env, ...env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    const decoder = new TextDecoder();
    this.process.stdout!.on("data", (chunk: Uint8Array) => {
      this.#stdout += decoder.decode(chunk, { stream: true });
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.process.stderr!.on("data", (chunk: Uint8Array) => this.#stderr += new TextDecoder().decode(chunk));
    this.#exited = new Promise((resolve, reject) => {
      this.process.on("error", (error) => {
        this.#ended = true;
        for (const wake of this.#waiters.splice(0)) wake();
        reject(error);
      });
      this.process.on("close", (code, signal) => {
        this.#ended = true;
        for (const wake of this.#waiters.splice(0)) wake();
        resolve({ code, signal });
      });
    });
    this.#exited.catch(() => {}); // reported by waitFor and exit, not as an unhandled rejection
  }

  /** Everything the child wrote to stdout so far. */
  get stdout(): string {
    return this.#stdout;
  }

  /** Everything the child wrote to stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Resolves with the first match of `pattern` in stdout; rejects if the child exits or `timeoutMs` passes first. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.#stdout.match(pattern);
      if (match) return match;
      if (this.#ended) throw new Error(`the child exited before printing ${pattern}:\n${this.#stdout}\n${this.#stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.#stdout}\n${this.#stderr}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  /** Resolves when the child ends; kills it and rejects if that takes longer than `timeoutMs`. */
  async exit(timeoutMs = 30_000): Promise<ChildExit> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), timeoutMs));
    const result = await Promise.race([this.#exited, late]);
    clearTimeout(timer);
    if (result === undefined) {
      this.kill("SIGKILL");
      await this.#exited;
      throw new Error(`the child ran longer than ${timeoutMs} ms:\n${this.#stdout}\n${this.#stderr}`);
    }
    return result;
  }

  /** Sends `signal` unless the child has ended. */
  kill(signal: "SIGTERM" | "SIGINT" | "SIGKILL"): void {
    // Not this.process.kill(): Deno's node:child_process then reports the child as killed by
    // that signal even when the child caught it and exited with a code of its own.
    if (!this.#ended && this.process.pid !== undefined) process.kill(this.process.pid, signal);
  }
}
