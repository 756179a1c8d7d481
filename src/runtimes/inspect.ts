/**
 * The keys by which runtimes ask an object how to show itself in `console.log` and
 * their inspectors. They are registry symbols, so defining them costs nothing on a
 * runtime that does not use them; they live here so the core never names a runtime.
 *
 * @module
 */

/**
 * Node's (and Bun's) `util.inspect.custom`.
 *
 * @example
 * ```ts
 * import { NODE_INSPECT } from "./inspect.ts";
 * const quiet = { [NODE_INSPECT]: () => "[quiet]" };
 * ```
 */
export const NODE_INSPECT: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;

/**
 * Deno's `Deno.customInspect`.
 *
 * @example
 * ```ts
 * import { DENO_INSPECT } from "./inspect.ts";
 * const quiet = { [DENO_INSPECT]: () => "[quiet]" };
 * ```
 */
export const DENO_INSPECT: unique symbol = Symbol.for("Deno.customInspect") as never;
