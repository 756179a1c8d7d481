/**
 * Environment variables of the running process, found through `globalThis` as the
 * shutdown helper finds the runtime: `Deno.env.get` on Deno (which needs `--allow-env`),
 * `process.env` on Bun and Node (and on Workers with `nodejs_compat`). A Worker without
 * it has no process environment: pass its `env` bindings where variables are read.
 *
 * @module
 */

// The few members of each runtime's API used here, so the file type-checks anywhere.
interface RuntimeGlobals {
  Deno?: { env?: { get(name: string): string | undefined } };
  process?: { env?: Record<string, string | undefined> };
}

/**
 * The variable's value in this process's environment, or undefined when it is not set
 * or the platform has no process environment.
 *
 * @example
 * ```ts
 * import { environmentVariable } from "./environment.ts";
 * console.log(environmentVariable("AWS_REGION") ?? "no region set");
 * ```
 */
export function environmentVariable(name: string): string | undefined {
  const globals = globalThis as RuntimeGlobals;
  if (typeof globals.Deno?.env?.get === "function") return globals.Deno.env.get(name);
  return globals.process?.env?.[name];
}
