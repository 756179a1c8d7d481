/**
 * Picks the transport of the runtime we are running on, loading only that adapter.
 *
 * @module
 */
import type { Transport } from "./transport.ts";
import { lazyTransport } from "./transport.ts";

/** The runtimes with a transport of their own. */
export type RuntimeName = "deno" | "bun" | "node";

/**
 * Names the runtime this code runs on. Bun is checked first because it also defines
 * the globals Node programs expect.
 *
 * @example
 * ```ts
 * import { detectRuntime } from "./runtime_transport.ts";
 * console.log(detectRuntime()); // "deno", "bun" or "node"
 * ```
 */
export function detectRuntime(): RuntimeName {
  const globals = globalThis as Record<string, unknown>;
  if ("Bun" in globals) return "bun";
  if ("Deno" in globals) return "deno";
  return "node";
}

const loaders: Record<RuntimeName, () => Promise<Transport>> = {
  deno: async () => (await import("./deno.ts")).denoTransport,
  bun: async () => (await import("./bun.ts")).bunTransport,
  node: async () => (await import("./node.ts")).nodeTransport,
};

/**
 * A transport for the named runtime (default: the current one). The adapter module is
 * imported on the first `connect`, so a program never loads another runtime's adapter.
 *
 * @example
 * ```ts
 * import { runtimeTransport } from "./runtime_transport.ts";
 * import { Selector } from "./selector.ts";
 * const selector = new Selector(runtimeTransport());
 * ```
 */
export function runtimeTransport(runtime: RuntimeName = detectRuntime()): Transport {
  return lazyTransport(runtime, loaders[runtime]);
}
