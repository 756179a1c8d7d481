/**
 * closeOnShutdown in a child process of the current runtime, with a fake producer that
 * prints what is done to it; flushInBackground with fake `waitUntil`s.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeOnShutdown, flushInBackground, type ShutdownTarget } from "../../src/runtimes/shutdown.ts";
import { ConfigError } from "../../src/errors.ts";
import { Child, evalCommand, testRuntime } from "../support/child.ts";

const runtime = testRuntime();

interface ChildSetup {
  /** The options object literal; may use `keepAlive` (the interval that holds the process open). */
  options?: string;
  /** The fake producer's close(). */
  close?: string;
  /** The fake producer's flush(). */
  flush?: string;
  /** Without a keep-alive the event loop runs dry right after setup. */
  keepAlive?: boolean;
  /** Runs after closeOnShutdown, with its return value in `handle`. */
  after?: string;
}

/** Starts a child that registers closeOnShutdown for a fake producer and prints `ready`. */
async function startChild(setup: ChildSetup = {}): Promise<Child> {
  const code = `
    import { closeOnShutdown } from "./src/runtimes/shutdown.ts";
    const log = (...words) => console.log(words.join(" "));
    const producer = {
      flush: ${setup.flush ?? `async () => log("flush")`},
      close: ${setup.close ?? `async (options) => log("close", options.timeoutMs)`},
    };
    const keepAlive = ${setup.keepAlive === false ? "undefined" : "setInterval(() => {}, 1000)"};
    const handle = closeOnShutdown(producer, ${setup.options ?? "{}"});
    ${setup.after ?? ""}
    log("ready");
  `;
  const child = new Child(evalCommand(runtime, code));
  await child.waitFor(/^ready$/m);
  return child;
}

function lines(output: string): string[] {
  return output.trim().split("\n").filter((line) => line !== "ready");
}

test(`closeOnShutdown flushes and closes on SIGTERM, then exits with 143 (${runtime})`, async () => {
  const child = await startChild();
  child.kill("SIGTERM");
  const exit = await child.exit();
  assert.deepEqual(exit, { code: 143, signal: null }, child.stderr);
  const [flush, close, ...rest] = lines(child.stdout);
  assert.equal(flush, "flush");
  // close() gets what is left of the default 5 s deadline.
  const timeoutMs = Number(close.match(/^close (\d+)$/)?.[1]);
  assert.ok(timeoutMs > 3_000 && timeoutMs <= 5_000, close);
  assert.deepEqual(rest, []);
});

test(`closeOnShutdown exits with 130 on SIGINT (${runtime})`, async () => {
  const child = await startChild({ options: "{ timeoutMs: 2_000 }" });
  child.kill("SIGINT");
  assert.deepEqual(await child.exit(), { code: 130, signal: null }, child.stderr);
  assert.deepEqual(lines(child.stdout).map((line) => line.split(" ")[0]), ["flush", "close"]);
});

test(`closeOnShutdown closes once when a second signal arrives while closing (${runtime})`, async () => {
  const child = await startChild({ flush: `() => { log("flush"); return new Promise((resolve) => setTimeout(resolve, 300)); }` });
  child.kill("SIGTERM");
  await child.waitFor(/^flush$/m);
  child.kill("SIGTERM");
  assert.deepEqual(await child.exit(), { code: 143, signal: null }, child.stderr);
  assert.deepEqual(lines(child.stdout).map((line) => line.split(" ")[0]), ["flush", "close"]);
});

test(`closeOnShutdown exits at the deadline when close never settles (${runtime})`, async () => {
  const child = await startChild({ options: "{ timeoutMs: 500 }", close: `() => { log("close"); return new Promise(() => {}); }` });
  const signalledAt = Date.now();
  child.kill("SIGTERM");
  const exit = await child.exit(10_000);
  const took = Date.now() - signalledAt;
  assert.deepEqual(exit, { code: 143, signal: null }, child.stderr);
  assert.deepEqual(lines(child.stdout), ["flush", "close"]);
  assert.ok(took >= 450 && took < 5_000, `exited ${took} ms after SIGTERM`);
  assert.match(child.stderr, /close did not finish within the shutdown deadline of 500 ms/);
});

test(`closeOnShutdown with exit: false runs beforeClose first and lets the process end by itself (${runtime})`, async () => {
  const child = await startChild({ options: `{ exit: false, beforeClose: () => { log("beforeClose"); clearInterval(keepAlive); } }` });
  child.kill("SIGTERM");
  assert.deepEqual(await child.exit(), { code: 0, signal: null }, child.stderr);
  assert.deepEqual(lines(child.stdout).map((line) => line.split(" ")[0]), ["beforeClose", "flush", "close"]);
});

test(`closeOnShutdown closes when the event loop runs dry (${runtime})`, async () => {
  const child = await startChild({ keepAlive: false });
  assert.deepEqual(await child.exit(), { code: 0, signal: null }, child.stderr);
  assert.deepEqual(lines(child.stdout).map((line) => line.split(" ")[0]), ["flush", "close"]);
});

test(`closeOnShutdown's handle removes every listener (${runtime})`, async () => {
  const child = await startChild({ after: "handle();" });
  child.kill("SIGTERM");
  assert.deepEqual(await child.exit(), { code: null, signal: "SIGTERM" }, child.stderr);
  assert.deepEqual(lines(child.stdout), []);

  const idle = await startChild({ keepAlive: false, after: "handle[Symbol.dispose]();" });
  assert.deepEqual(await idle.exit(), { code: 0, signal: null }, idle.stderr);
  assert.deepEqual(lines(idle.stdout), []);
});

test("closeOnShutdown rejects a bad deadline or signal, naming the key", () => {
  const producer: ShutdownTarget = { flush: () => Promise.resolve(), close: () => Promise.resolve() };
  assert.throws(() => closeOnShutdown(producer, { timeoutMs: -1 }), (error) => error instanceof ConfigError && error.key === "timeoutMs");
  assert.throws(() => closeOnShutdown(producer, { timeoutMs: NaN }), (error) => error instanceof ConfigError && error.key === "timeoutMs");
  assert.throws(
    () => closeOnShutdown(producer, { signals: ["SIGKILL" as "SIGTERM"] }),
    (error) => error instanceof ConfigError && error.key === "signals",
  );
});

test("flushInBackground hands the flush to a waitUntil function and to a context's waitUntil", async () => {
  let flushed = 0;
  const producer = { flush: () => new Promise<void>((resolve) => setTimeout(() => resolve(void flushed++), 10)) };

  const handed: Promise<unknown>[] = [];
  const returned = flushInBackground((promise) => handed.push(promise), producer);
  assert.equal(handed.length, 1);
  assert.equal(handed[0], returned);
  assert.equal(flushed, 0);
  await handed[0];
  assert.equal(flushed, 1);

  // Called as a method: Cloudflare's ctx.waitUntil refuses a detached call.
  const ctx = {
    promises: [] as Promise<unknown>[],
    waitUntil(promise: Promise<unknown>) {
      assert.equal(this, ctx);
      this.promises.push(promise);
    },
  };
  await flushInBackground(ctx, producer);
  assert.equal(ctx.promises.length, 1);
  assert.equal(flushed, 2);
});

test("flushInBackground never throws: failures go to onError and the promise resolves", async () => {
  const errors: unknown[] = [];
  const onError = (error: unknown) => void errors.push(error);
  const rejecting = { flush: () => Promise.reject(new Error("flush failed")) };
  const throwing = {
    flush: (): Promise<void> => {
      throw new Error("flush threw");
    },
  };
  const refusing = () => {
    throw new Error("waitUntil after the response");
  };

  const handed: Promise<unknown>[] = [];
  assert.equal(await flushInBackground((promise) => handed.push(promise), rejecting, onError), undefined);
  assert.equal(await handed[0], undefined);
  assert.equal(await flushInBackground(() => {}, throwing, onError), undefined);
  assert.equal(await flushInBackground(refusing, { flush: () => Promise.resolve() }, onError), undefined);
  assert.deepEqual(errors.map((error) => (error as Error).message), ["flush failed", "flush threw", "waitUntil after the response"]);

  const throwingHandler = () => {
    throw new Error("handler threw");
  };
  assert.equal(await flushInBackground(() => {}, rejecting, throwingHandler), undefined);
});
