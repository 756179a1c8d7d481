/**
 * The Schema Registry harness: Apicurio Registry (Confluent's API under
 * `/apis/ccompat/v7`) from Maven Central, on 127.0.0.1 with in-memory storage.
 *
 * ```sh
 * deno task registry up       # prints schema.registry.url=http://127.0.0.1:PORT/apis/ccompat/v7
 * deno task registry status
 * deno task registry down
 * ```
 * Needs Maven for the first run (about 160 MB, cached outside the repo) and a JDK 21+
 * (found beside the default Java; see tools/registry/apicurio.ts).
 *
 * @module
 */
import process from "node:process";
import { registryDown, registryUp, runningRegistry } from "./registry/apicurio.ts";

export { findJava, registryDown, registryUp, runningRegistry } from "./registry/apicurio.ts";

const USAGE = "usage: tools/registry.ts up|down|status";

/** Runs the CLI with `argv` (without the runtime and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const progress = (message: string) => console.error(`[registry] ${message}`);
  try {
    switch (argv.join(" ")) {
      case "up": {
        const state = await registryUp({ log: progress });
        if (state.reused) progress(`reusing the running registry (pid ${state.pid})`);
        console.log(`schema.registry.url=${state.url}`);
        return 0;
      }
      case "down": {
        const pid = await registryDown();
        progress(pid === null ? "nothing was running" : `stopped pid ${pid}`);
        return 0;
      }
      case "status": {
        const state = runningRegistry();
        if (state === null) {
          console.log("not running");
          return 1;
        }
        console.log(`schema.registry.url=${state.url}`);
        console.log(`pid=${state.pid} log=${state.logFile}`);
        return 0;
      }
      default:
        console.error(USAGE);
        return 2;
    }
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 1;
  }
}

if (import.meta.main) main(process.argv.slice(2)).then((code) => process.exit(code));
