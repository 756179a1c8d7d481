/**
 * Our bench (tools/bench.ts) bundled to plain JavaScript, as users of the npm package run
 * it: `bench:compare` measures this bundle on every runtime, and `bench:profile` profiles
 * the same build (with a source map beside it, so frames name our TypeScript sources).
 *
 * @module
 */
import { basename, join } from "node:path";
import * as esbuild from "esbuild";

/**
 * Bundles tools/bench.ts into `outdir/bench.mjs` (and its split chunks); resolves with the
 * entry's path. `sourcemap` writes `*.mjs.map` beside each file without a link in the code,
 * so the code run is the same as without it. `alsoEntries` are bundled alongside, each to
 * `outdir/<its name>.mjs` (bench:profile's heap sampler).
 *
 * @example
 * ```ts ignore
 * const entry = await bundleBench("/repo", "/repo/bench/.build/ours");
 * ```
 */
export async function bundleBench(
  root: string,
  outdir: string,
  options: { sourcemap?: boolean; alsoEntries?: string[] } = {},
): Promise<string> {
  await esbuild.build({
    entryPoints: [join(root, "tools", "bench.ts"), ...(options.alsoEntries ?? [])].map((path) => ({
      in: path,
      out: basename(path).replace(/\.ts$/, ""),
    })),
    bundle: true,
    format: "esm",
    platform: "neutral",
    packages: "external",
    external: ["node:*", "bun:*"],
    // Split at dynamic imports, as a published package would be: only the runtime's transport and the codec in use load.
    splitting: true,
    outdir,
    outExtension: { ".js": ".mjs" },
    // Whitespace and syntax minified as in the npm package, which a cold start parses; names kept, so profiles read.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: options.sourcemap ? "external" : false,
    logLevel: "warning",
  });
  await esbuild.stop();
  return join(outdir, "bench.mjs");
}
