/**
 * Closing a producer when the process is told to stop, and flushing after a response on
 * platforms that keep a request alive with `waitUntil`.
 *
 * Nothing here imports a runtime module: the runtime is found through `globalThis`
 * (`Deno.addSignalListener` on Deno, `process.on` on Bun and Node), so this file also
 * loads in a Worker bundle, where {@link closeOnShutdown} has nothing to listen to and
 * does nothing.
 *
 * @module
 */
import { DEADLINE_PASSED, raceDeadline, systemClock } from "../clock.ts";
import { ConfigError, KafkaError, TimeoutError } from "../errors.ts";
import { describeValue, optionsObject, timeoutMsOption } from "../validation.ts";

/** What {@link closeOnShutdown} needs of a producer; a `KafkaProducer` has it. */
export interface ShutdownTarget {
  /** Sends everything buffered and resolves when it is settled. */
  flush(): Promise<void>;
  /** Sends what is buffered within `timeoutMs`, then releases the connections. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/** The signals {@link closeOnShutdown} can listen for (SIGBREAK is Windows' Ctrl-Break). */
export type ShutdownSignal = "SIGTERM" | "SIGINT" | "SIGHUP" | "SIGQUIT" | "SIGBREAK";

// Every option of CloseOnShutdownOptions, once (the type makes the list complete); unknown ones are refused against it.
const OPTION_KEYS: Readonly<Record<keyof CloseOnShutdownOptions, true>> = {
  timeoutMs: true,
  signals: true,
  exit: true,
  beforeClose: true,
  onError: true,
};

// The numbers behind the exit codes: a process ended by signal n exits with 128 + n.
const SIGNAL_NUMBERS: Record<ShutdownSignal, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGTERM: 15, SIGBREAK: 21 };

/** Options of {@link closeOnShutdown}. */
export interface CloseOnShutdownOptions {
  /** How long flushing and closing may take in all, `beforeClose` included (default 5 000 ms). */
  timeoutMs?: number;
  /** The signals to act on (default `["SIGTERM", "SIGINT"]`); those the platform cannot deliver are skipped. */
  signals?: readonly ShutdownSignal[];
  /**
   * After a signal, end the process with the conventional code 128 + n (143 for SIGTERM)
   * once the producer is closed or the deadline passed (default true). With `false` the
   * process carries on, and something else must end it, e.g. a server that `beforeClose`
   * stopped: while the listeners are installed the signal no longer kills the process.
   */
  exit?: boolean;
  /** Runs first, within the deadline: stop taking work (e.g. `server.shutdown()`) so requests in flight still get their records sent. */
  beforeClose?: () => unknown;
  /** Told about a failed flush or close, or a missed deadline (default: `console.error`). */
  onError?: (error: unknown) => void;
}

/** Removes the listeners of {@link closeOnShutdown}; callable, or disposable with `using`. */
export type ShutdownHandle = (() => void) & Disposable;

// The few members of each runtime's API used here, so the file type-checks anywhere.
interface DenoLike {
  addSignalListener(signal: string, handler: () => void): void;
  removeSignalListener(signal: string, handler: () => void): void;
  exit(code: number): never;
}
interface ProcessLike {
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
  exit(code: number): never;
}
interface EventTargetLike {
  addEventListener(type: string, listener: (event: { type: string; preventDefault(): void }) => void): void;
  removeEventListener(type: string, listener: (event: { type: string; preventDefault(): void }) => void): void;
}

function runtimeHooks(): { deno: DenoLike } | { process: ProcessLike } | undefined {
  const globals = globalThis as { Deno?: Partial<DenoLike>; process?: Partial<ProcessLike> };
  // Deno first: Deno 2 also has a global `process`, but its own signal API is the native one.
  if (typeof globals.Deno?.addSignalListener === "function") return { deno: globals.Deno as DenoLike };
  if (typeof globals.process?.on === "function" && typeof globals.process.exit === "function") {
    return { process: globals.process as ProcessLike };
  }
  return undefined;
}

/**
 * Flushes and closes `producer` when the process is asked to stop: on `signals` (Deno:
 * `Deno.addSignalListener`; Bun and Node: `process.on`), on Deno's `beforeunload` and
 * `unload` events and on Bun's and Node's `beforeExit`. Closing is bounded by
 * `timeoutMs` (`close({ timeoutMs })`, and a timer that gives up on a close that never
 * settles); after a signal the process then exits with 128 + the signal's number unless
 * `exit: false`. A second signal while closing changes nothing. Without an exit, the
 * listeners are removed once the producer is closed, so a later signal has its default
 * effect again.
 *
 * On a platform without signals (Cloudflare Workers and the like) it does nothing; use
 * {@link flushInBackground} there. Returns a handle that removes every listener.
 *
 * @example Close on SIGTERM or Ctrl-C, exiting with 143 or 130
 * ```ts
 * import { KafkaProducer } from "../../mod.ts";
 * import { closeOnShutdown } from "./shutdown.ts";
 * const producer = new KafkaProducer({ bootstrapServers: "127.0.0.1:9092" });
 * closeOnShutdown(producer, { timeoutMs: 3_000 });
 * ```
 *
 * @example Stop a server first and let the process end by itself (exit code 0)
 * ```ts
 * import { KafkaProducer } from "../../mod.ts";
 * import { closeOnShutdown } from "./shutdown.ts";
 * const producer = new KafkaProducer({ bootstrapServers: "127.0.0.1:9092" });
 * const server = Deno.serve({ port: 8080 }, () => new Response("ok"));
 * closeOnShutdown(producer, { exit: false, beforeClose: () => server.shutdown() });
 * ```
 */
export function closeOnShutdown(producer: ShutdownTarget, options?: CloseOnShutdownOptions): ShutdownHandle {
  if (typeof producer?.flush !== "function" || typeof producer.close !== "function") {
    throw new KafkaError(`closeOnShutdown(producer) needs an object with flush() and close(), not ${describeValue(producer)}`);
  }
  const given = optionsObject(options, Object.keys(OPTION_KEYS), "closeOnShutdown()") as CloseOnShutdownOptions;
  const timeoutMs = timeoutMsOption(given.timeoutMs, "closeOnShutdown()", 5_000);
  const signals = given.signals ?? ["SIGTERM", "SIGINT"];
  if (!Array.isArray(signals)) throw new ConfigError("signals", `must be an array of signal names, not ${describeValue(signals)}`);
  for (const signal of signals) {
    if (!Object.hasOwn(SIGNAL_NUMBERS, signal)) {
      throw new ConfigError("signals", `${describeValue(signal)} is not one of ${Object.keys(SIGNAL_NUMBERS).join(", ")}`);
    }
  }
  const exit = given.exit ?? true;
  if (typeof exit !== "boolean") throw new ConfigError("exit", `must be true or false, not ${describeValue(exit)}`);
  for (const key of ["beforeClose", "onError"] as const) {
    if (given[key] !== undefined && typeof given[key] !== "function") {
      throw new ConfigError(key, `must be a function, not ${describeValue(given[key])}`);
    }
  }
  const onError = guarded(given.onError ?? ((error) => console.error("edge-kafka: closing the producer on shutdown failed:", error)));
  const hooks = runtimeHooks();

  const removers: (() => void)[] = [];
  const remove = () => {
    for (const removeOne of removers.splice(0)) removeOne();
  };
  let closing: Promise<void> | undefined;
  let exitCode: number | undefined;
  // One close, whatever asks for it; a signal (even one arriving mid-close) decides the exit.
  const shutdown = (signal?: ShutdownSignal): void => {
    if (signal !== undefined && exit) exitCode ??= 128 + SIGNAL_NUMBERS[signal];
    closing ??= closeWithin(producer, timeoutMs, given.beforeClose, onError).then(() => {
      if (exitCode === undefined) remove();
      else if (hooks !== undefined && "deno" in hooks) hooks.deno.exit(exitCode);
      else hooks?.process.exit(exitCode);
    });
  };

  if (hooks !== undefined) {
    for (const signal of signals) {
      const onSignal = () => shutdown(signal);
      if ("deno" in hooks) {
        try {
          hooks.deno.addSignalListener(signal, onSignal);
        } catch {
          continue; // Deno rejects signals the platform cannot deliver (SIGTERM on Windows).
        }
        removers.push(() => hooks.deno.removeSignalListener(signal, onSignal));
      } else {
        hooks.process.on(signal, onSignal);
        removers.push(() => hooks.process.off(signal, onSignal));
      }
    }
    // The event loop ran dry. Node and Bun go on while closing has work scheduled; Deno
    // ends unless `beforeunload` is cancelled, and fires it again when the loop is dry again
    // (by then the listener is gone). At `unload` nothing async runs any more: a last try.
    const onIdle = (event?: { type: string; preventDefault(): void }) => {
      shutdown();
      if (event?.type === "beforeunload") event.preventDefault();
    };
    if ("deno" in hooks) {
      const target = globalThis as unknown as EventTargetLike;
      for (const type of ["beforeunload", "unload"]) {
        target.addEventListener(type, onIdle);
        removers.push(() => target.removeEventListener(type, onIdle));
      }
    } else {
      const onBeforeExit = () => onIdle();
      hooks.process.on("beforeExit", onBeforeExit);
      removers.push(() => hooks.process.off("beforeExit", onBeforeExit));
    }
  }
  return Object.assign(remove, { [Symbol.dispose]: remove });
}

/** `onError` that cannot throw: a failing error handler must not become an unhandled rejection. */
function guarded(onError: (error: unknown) => void): (error: unknown) => void {
  return (error) => {
    try {
      onError(error);
    } catch {
      // Nowhere left to report it.
    }
  };
}

/** Runs `beforeClose`, flush and close, each given what is left of `timeoutMs`; never rejects. */
async function closeWithin(
  producer: ShutdownTarget,
  timeoutMs: number,
  beforeClose: (() => unknown) | undefined,
  onError: (error: unknown) => void,
): Promise<void> {
  const deadline = systemClock.now() + timeoutMs;
  const left = () => Math.max(0, deadline - systemClock.now());
  let late: string | undefined;
  // Waits for `step` until the deadline; a step still running then is abandoned, not awaited.
  const step = async (name: string, run: () => unknown) => {
    try {
      if (await raceDeadline(systemClock, (async () => await run())(), left()) === DEADLINE_PASSED) late ??= name;
    } catch (error) {
      onError(error);
    }
  };
  if (beforeClose !== undefined) await step("beforeClose", beforeClose);
  await step("flush", () => producer.flush());
  await step("close", () => producer.close({ timeoutMs: left() }));
  if (late !== undefined) onError(new TimeoutError(`${late} did not finish within the shutdown deadline of ${timeoutMs} ms`));
}

/** A platform's `waitUntil`: the function itself (Vercel's `@vercel/functions`) or the object that has it (Cloudflare's `ctx`, Netlify's `context`). */
export type WaitUntil = ((promise: Promise<unknown>) => void) | { waitUntil(promise: Promise<unknown>): void };

/**
 * Flushes `producer` after the response is sent: hands the flush to the platform's
 * `waitUntil`, which keeps the invocation alive until it settles. For a producer that
 * outlives one request (Vercel and Netlify functions). Never throws, not even
 * synchronously; a failed flush (or a `waitUntil` that refuses, e.g. after the request
 * ended) goes to `onError` (default `console.error`). Returns the same promise, which
 * always resolves, for callers that would rather await it.
 *
 * On Cloudflare Workers sockets do not outlive the request that opened them: make a
 * producer per request and hand `producer.close()` to `ctx.waitUntil` instead
 * (examples/cloudflare_worker.ts).
 *
 * @example A Netlify function that answers before its record is sent
 * ```ts
 * import { KafkaProducer } from "../../mod.ts";
 * import { flushInBackground } from "./shutdown.ts";
 * const producer = new KafkaProducer({ bootstrapServers: "broker.example.com:9092" });
 * export default (request: Request, context: { waitUntil(promise: Promise<unknown>): void }) => {
 *   producer.send({ topic: "clicks", value: request.url }).catch((error) => console.error("click lost:", error));
 *   flushInBackground(context, producer);
 *   return new Response("accepted", { status: 202 });
 * };
 * ```
 */
export function flushInBackground(
  waitUntil: WaitUntil,
  producer: Pick<ShutdownTarget, "flush">,
  onError?: (error: unknown) => void,
): Promise<void> {
  // Bad arguments are reported, not thrown: this runs after the response, where a throw would go unseen.
  const fallback = (error: unknown) => console.error("edge-kafka: background flush failed:", error);
  const report = guarded(typeof onError === "function" ? onError : fallback);
  if (onError !== undefined && typeof onError !== "function") {
    report(new KafkaError(`flushInBackground(onError) must be a function, not ${describeValue(onError)}`));
  }
  let flushing: Promise<void>;
  if (typeof producer?.flush !== "function") {
    const error = new KafkaError(`flushInBackground(producer) needs an object with flush(), not ${describeValue(producer)}`);
    flushing = Promise.resolve(report(error));
  } else {
    try {
      flushing = Promise.resolve(producer.flush()).catch(report);
    } catch (error) {
      flushing = Promise.resolve(report(error));
    }
  }
  try {
    if (typeof waitUntil === "function") waitUntil(flushing);
    // Called on its object: Cloudflare's ctx.waitUntil rejects a detached call.
    else if (typeof waitUntil?.waitUntil === "function") waitUntil.waitUntil(flushing);
    else {
      report(
        new KafkaError(`flushInBackground(waitUntil) needs a function or an object with waitUntil(), not ${describeValue(waitUntil)}`),
      );
    }
  } catch (error) {
    report(error);
  }
  return flushing;
}
