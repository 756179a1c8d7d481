/**
 * Bundles a Worker (by default examples/cloudflare_worker.ts) into one ES module that
 * workerd serves with tools/workerd/config.capnp:
 *
 *   deno run -A tools/workerd/build.ts [--entry examples/cloudflare_worker.ts] [--outfile tools/workerd/dist/cloudflare_worker.js]
 *   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 ./node_modules/.bin/workerd serve tools/workerd/config.capnp
 *   curl -d hello 'http://127.0.0.1:8787/?topic=orders'
 *
 * Three things differ from bundling for Node:
 * - `cloudflare:*` and `node:*` stay imports; workerd provides them (`node:zlib`, used
 *   for native gzip when present, only with the nodejs_compat flag; fflate otherwise).
 * - The other runtimes' adapters (src/net/{deno,bun,node}.ts) are left out: they are
 *   imported lazily and never on workerd.
 * - `hash-wasm` becomes no_wasm_crc32.ts, because workerd does not compile WebAssembly
 *   from bytes at run time: CRC-32C is then computed in JavaScript (src/protocol/crc32c.ts).
 *   (The zstd and snappy codecs load WebAssembly the same way,
 *   so on workerd they fail with a CompressionError when configured; gzip and lz4 work.)
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Options of {@link buildWorker}. */
export interface BuildWorkerOptions {
  /** The Worker's source (default examples/cloudflare_worker.ts). */
  entry?: string;
  /** Where the bundle goes (default tools/workerd/dist/cloudflare_worker.js, where config.capnp embeds it from). */
  outfile?: string;
  /** Minify (default true). */
  minify?: boolean;
}

/** What {@link buildWorker} wrote. */
export interface BuiltWorker {
  outfile: string;
  /** The bundle itself. */
  code: Uint8Array;
  /** The bundle's size in bytes. */
  bytes: number;
  /** Its size gzipped (level 9), roughly what a Worker upload counts. */
  gzipBytes: number;
}

const otherRuntimes: esbuild.Plugin = {
  name: "workerd-only",
  setup(build) {
    // Keep `import("./deno.ts")` and friends as they are: never called on workerd, so never loaded.
    build.onResolve({ filter: /^\.\/(deno|bun|node)\.ts$/ }, (args) => {
      return args.importer.endsWith(join("src", "net", "runtime_transport.ts")) || args.importer.endsWith(join("src", "net", "deno.ts"))
        ? { path: args.path, external: true }
        : undefined;
    });
    build.onResolve({ filter: /^hash-wasm(\/.*)?$/ }, () => ({ path: join(root, "tools", "workerd", "no_wasm_crc32.ts") }));
  },
};

/**
 * Bundles the Worker and reports its size.
 *
 * @example
 * ```ts
 * import { buildWorker } from "./build.ts";
 * const { outfile, bytes, gzipBytes } = await buildWorker({ outfile: "/tmp/worker/dist/cloudflare_worker.js" });
 * console.log(outfile, bytes, gzipBytes);
 * ```
 */
export async function buildWorker(options: BuildWorkerOptions = {}): Promise<BuiltWorker> {
  const outfile = options.outfile ?? join(root, "tools", "workerd", "dist", "cloudflare_worker.js");
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await esbuild.build({
    entryPoints: [options.entry ?? join(root, "examples", "cloudflare_worker.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    external: ["cloudflare:*", "node:*"],
    plugins: [otherRuntimes],
    minify: options.minify ?? true,
    // Error names come from class names (`KafkaError`, `TimeoutError`); minified they would read "K".
    keepNames: true,
    write: false,
    logLevel: "warning",
  });
  const code = result.outputFiles[0].contents;
  writeFileSync(outfile, code);
  return { outfile, code, bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  try {
    const built = await buildWorker({ entry: flag("entry"), outfile: flag("outfile"), minify: !args.includes("--no-minify") });
    console.log(`${relative(process.cwd(), built.outfile)}: ${built.bytes} bytes, ${built.gzipBytes} gzipped`);
  } finally {
    await esbuild.stop();
  }
}
