/**
 * The command line that runs a TypeScript file on a given runtime from the repository's
 * root: Deno and Bun run TypeScript as is, Node through the project's loader hook.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A runtime the project runs on. */
export type ScriptRuntime = "deno" | "bun" | "node";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * `[command, ...args]` running `file` (relative to the repository root, which must be
 * the working directory) with `args` on `runtime`.
 *
 * @example
 * ```ts
 * import { scriptCommand } from "./script_command.ts";
 * const [command, ...args] = scriptCommand("node", "examples/cluster_info.ts");
 * console.log(command, args); // node [ "--import", "./tools/node_ts_register.mjs", "examples/cluster_info.ts" ]
 * ```
 */
export function scriptCommand(runtime: ScriptRuntime, file: string, args: string[] = []): string[] {
  switch (runtime) {
    case "deno":
      return [join(root, "node_modules", ".bin", "deno"), "run", "-A", file, ...args];
    case "bun":
      return [join(root, "node_modules", ".bin", "bun"), file, ...args];
    case "node":
      // Not process.execPath: under `deno run` that is Deno itself.
      return ["node", "--import", "./tools/node_ts_register.mjs", file, ...args];
  }
}
