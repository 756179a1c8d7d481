/**
 * Picks the transport of the runtime we are running on, loading only that adapter.
 *
 * @module
 */
import type { Transport } from "./transport.ts";
import { lazyTransport } from "./transport.ts";

/**
 * The runtimes with a transport of their own. "workerd" is Cloudflare's Workers runtime
 * (named, like the others, after the runtime rather than its vendor; it is also what
 * `wrangler dev` and self-hosted Workers run), whose sockets come from `cloudflare:sockets`.
 */
export type RuntimeName = "deno" | "bun" | "node" | "workerd";

/**
 * Names the runtime this code runs on. Bun is checked first because it also defines
 * the globals Node programs expect; workerd is known by its fixed user agent, since
 * with `nodejs_compat` it defines Node's globals too.
 *
 * @example
 * ```ts
 * import { detectRuntime } from "./runtime_transport.ts";
 * console.log(detectRuntime()); // "deno", "bun", "node" or "workerd"
 * ```
 */
export function detectRuntime(): RuntimeName {
  const globals = globalThis as Record<string, unknown>;
  if ((globals.navigator as { userAgent?: unknown } | undefined)?.userAgent === "Cloudflare-Workers") return "workerd";
  if ("Bun" in globals) return "bun";
  if ("Deno" in globals) return "deno";
  return "node";
}

const loaders: Record<RuntimeName, () => Promise<Transport>> = {
  deno: async () => (await import("./deno.ts")).denoTransport,
  bun: async () => (await import("./bun.ts")).bunTransport,
  node: async () => (await import("./node.ts")).nodeTransport,
  workerd: async () => (await import("./cloudflare.ts")).loadCloudflareTransport(),
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
