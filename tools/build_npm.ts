/**
 * Builds the npm package in dist/npm/ and packs it:
 *
 *   deno run -A tools/build_npm.ts [--no-pack]
 *
 * - esm/ (conditions deno, bun, node, default) and workerd/ (condition workerd): minified
 *   ESM bundles of mod.ts and of src/kafkajs/mod.ts (the `./kafkajs` subpath, with the
 *   same conditions) made with esbuild, sharing chunks, split so that what the library imports
 *   lazily (each runtime's transport, each compression codec and its npm package or
 *   WebAssembly, the OpenTelemetry observer) stays a chunk of its own. Every npm
 *   dependency is bundled in, so the package has none; `node:` and `cloudflare:` imports
 *   stay external (only the adapters and the native-gzip probe use them, all behind
 *   dynamic imports). @opentelemetry/api is an optional peer dependency, imported at run
 *   time by a specifier bundlers leave alone (see {@link optionalOpenTelemetry}).
 * - types/: declarations emitted by tsc from the sources, with `.ts` import paths
 *   rewritten to `.js` so TypeScript projects resolve them under any module setting.
 * - package.json generated from deno.json's name and version, plus README.md.
 *
 * Then `npm pack` writes dist/<name>-<version>.tgz, and the sizes are printed: each
 * build's main entry and all its chunks, minified and gzipped.
 *
 * @module
 */
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Everything this script writes lives under dist/. */
export const DIST = join(ROOT, "dist");
/** The package directory that `npm pack` packs. */
export const PACKAGE_DIR = join(DIST, "npm");
const ZSTD_DIR = join(ROOT, "node_modules/@bokuweb/zstd-wasm/dist/esm");

/** What {@link buildNpm} made. */
export interface BuildResult {
  /** The packed tarball, or null with `pack: false`. */
  tarball: string | null;
  /** The package name, from deno.json. */
  name: string;
  /** The package version, from deno.json. */
  version: string;
  /** Per flavour, bytes of the main entry and of all its JavaScript files, minified and gzipped. */
  sizes: Record<Flavour, Sizes>;
  /** The tarball's bytes, or null with `pack: false`. */
  tarballBytes: number | null;
  /** Each emitted JavaScript file with its minified size, for the report. */
  files: { path: string; bytes: number }[];
}

/** Sizes of one flavour, in bytes. */
export interface Sizes {
  /** What importing the main entry loads (mod.js and the chunks it imports statically), minified. */
  mainMin: number;
  /** The same, each file gzipped (level 9), summed. */
  mainGzip: number;
  /** What importing `./kafkajs` loads, minified (chunks shared with the main entry counted too). */
  kafkajsMin: number;
  /** The same, each file gzipped, summed. */
  kafkajsGzip: number;
  /** All JavaScript files of the flavour, minified. */
  allMin: number;
  /** All JavaScript files, each gzipped, summed. */
  allGzip: number;
}

/**
 * The package ships two builds of mod.ts that differ only in which socket adapters
 * they can load. Each leaves the other's adapters out, so that a downstream bundler
 * never meets an import its platform cannot resolve (`cloudflare:sockets` when
 * bundling for Node; `node:net` when bundling a Worker without nodejs_compat).
 */
export type Flavour = "esm" | "workerd";

const FLAVOURS: Record<Flavour, { leaveOut: RegExp; noWasm?: boolean }> = {
  // Deno, Bun, Node (and the "default" condition).
  esm: { leaveOut: /^\.\/cloudflare\.ts$/ },
  // workerd refuses to compile WebAssembly from bytes at run time, which is how
  // hash-wasm, hysnappy and zstd-wasm load. tools/workerd/no_wasm_crc32.ts fails hash-wasm's
  // load at once, so CRC-32C is computed in JavaScript (src/protocol/crc32c.ts); zstd and
  // snappy have no such fallback, so a producer configured with them does not start (gzip
  // and lz4 work), and leaving their WebAssembly out saves the tarball some 300 KiB.
  workerd: { leaveOut: /^\.\/(deno|bun|node)\.ts$/, noWasm: true },
};

const NO_WASM = "workerd does not compile WebAssembly from bytes, so the workerd build of @edge-kafka/producer has no";
const WASM_STUBS: Record<string, string> = {
  "@bokuweb/zstd-wasm": `const no = () => { throw new Error(${JSON.stringify(`${NO_WASM} zstd; use gzip or lz4`)}); };
    export async function init() { no(); }
    export { no as compress, no as decompress };`,
  "hysnappy": `const no = () => { throw new Error(${JSON.stringify(`${NO_WASM} snappy; use gzip or lz4`)}); };
    export { no as snappyCompressor, no as snappyUncompressor };`,
};

/**
 * The zstd package's Node build reads zstd.wasm from `__dirname` with `require`, which
 * a bundle does not have. Its ESM build takes the module's bytes instead, so the bundle
 * gets a small module in its place that embeds zstd.wasm (base64, in the zstd chunk
 * only) and hands those bytes over.
 */
const embedZstdWasm: esbuild.Plugin = {
  name: "embed-zstd-wasm",
  setup(build) {
    build.onResolve({ filter: /^@bokuweb\/zstd-wasm$/ }, () => ({ path: "zstd-wasm", namespace: "embed-zstd-wasm" }));
    build.onLoad({ filter: /.*/, namespace: "embed-zstd-wasm" }, () => ({
      resolveDir: ZSTD_DIR,
      loader: "js",
      contents: `
        import { Module, waitInitialized } from "./module.js";
        import wasm from "./zstd.wasm";
        let started = false;
        export async function init() {
          if (!started) { started = true; Module.init(wasm); }
          await waitInitialized();
        }
        export { compress } from "./simple/compress.js";
        export { decompress } from "./simple/decompress.js";
      `,
    }));
  },
};

/**
 * The package's entries: the producer, the Schema Registry serdes (`./schema-registry`) and the MSK IAM token
 * provider (`./msk-iam`), each a subpath of its own so that the main entry stays without them.
 */
const ENTRIES = {
  mod: "mod.ts",
  kafkajs: "src/kafkajs/mod.ts",
  "schema-registry": "src/schema_registry/mod.ts",
  "msk-iam": "msk_iam.ts",
} as const;

/**
 * avsc's Type code asks its `./platform` for an MD5 (schema fingerprints) through Node's
 * crypto; every flavour gets avsc's own browser platform instead (MD5 in JavaScript), so
 * the package needs no Node module for Avro, on Workers either.
 */
const avscPlatform: esbuild.Plugin = {
  name: "avsc-platform",
  setup(build) {
    build.onResolve({ filter: /^\.\/platform$/ }, (args) => {
      if (!args.importer.includes(join("node_modules", "avsc", "lib"))) return undefined;
      return { path: join(ROOT, "node_modules", "avsc", "etc", "browser", "lib", "platform.js") };
    });
  },
};

/**
 * The producer imports @opentelemetry/api when it is installed (src/telemetry/opentelemetry_api.ts).
 * A literal `import("@opentelemetry/api")` in the package would make the application's
 * bundler (wrangler, a Lambda build) resolve it, and fail where it is not installed; this
 * stand-in imports it by a specifier held in a variable, which bundlers leave to run time:
 * Node, Bun and Deno then resolve it from the application's dependencies, and where none
 * are at run time (a Worker) the import fails and the producer runs untraced.
 */
const optionalOpenTelemetry: esbuild.Plugin = {
  name: "optional-opentelemetry",
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]telemetry[\\/]opentelemetry_api\.ts$/ }, () => ({
      loader: "js",
      contents: `const OPENTELEMETRY_API = "@opentelemetry/api";
        export function importOpenTelemetryApi() {
          return import(/* webpackIgnore: true */ /* @vite-ignore */ OPENTELEMETRY_API);
        }`,
    }));
  },
};

function readDenoJson(): { name: string; version: string; license?: string } {
  const json = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  return { name: json.name, version: json.version, license: json.license ?? pkg.license };
}

/** The adapters a flavour leaves out become a module that fails to load, with a reason. */
function flavourPlugin(flavour: Flavour): esbuild.Plugin {
  const { leaveOut, noWasm } = FLAVOURS[flavour];
  return {
    name: `flavour-${flavour}`,
    setup(build) {
      build.onResolve({ filter: leaveOut }, (args) => {
        if (!args.importer.startsWith(join(ROOT, "src", "net"))) return undefined;
        return { path: args.path, namespace: "left-out" };
      });
      build.onLoad({ filter: /.*/, namespace: "left-out" }, (args) => ({
        loader: "js",
        contents: `throw new Error(${
          JSON.stringify(
            `the ${args.path.slice(2, -3)} transport is not in the "${flavour}" build of @edge-kafka/producer; ` +
              `the package's export conditions pick the build for each runtime`,
          )
        });`,
      }));
      if (!noWasm) return;
      build.onResolve({ filter: /^hash-wasm(\/.*)?$/ }, () => ({ path: join(ROOT, "tools/workerd/no_wasm_crc32.ts") }));
      build.onResolve({ filter: /^(@bokuweb\/zstd-wasm|hysnappy)$/ }, (args) => ({ path: args.path, namespace: "no-wasm" }));
      build.onLoad({ filter: /.*/, namespace: "no-wasm" }, (args) => ({ loader: "js", contents: WASM_STUBS[args.path] }));
    },
  };
}

async function bundle(flavour: Flavour, outdir: string): Promise<esbuild.Metafile> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES,
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "neutral",
    // Node 20 and every current Deno, Bun and workerd run ES2022 natively.
    target: "es2022",
    mainFields: ["module", "main"],
    conditions: ["import", "default"],
    external: ["node:*", "cloudflare:*"],
    minify: true,
    // Errors name themselves after their class (`this.name = new.target.name`), and
    // users branch on err.name: minified class names would turn them into "o".
    keepNames: true,
    chunkNames: "chunks/[name]-[hash]",
    loader: { ".wasm": "binary" },
    // The flavour's stand-ins resolve first.
    plugins: [flavourPlugin(flavour), embedZstdWasm, avscPlatform, optionalOpenTelemetry],
    metafile: true,
    logLevel: "warning",
  });
  return result.metafile;
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

const TSCONFIG = {
  compilerOptions: {
    target: "es2022",
    lib: ["es2022", "esnext.disposable", "dom"],
    module: "nodenext",
    moduleResolution: "nodenext",
    declaration: true,
    emitDeclarationOnly: true,
    // The sources import with `.ts`; declarations() below turns those into `.js`.
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    // The adapters use Deno's and Bun's globals, which tsc does not know; their types
    // never reach the public API, so declarations are emitted without a type check
    // (deno check is the type check).
    noCheck: true,
    skipLibCheck: true,
    stripInternal: true,
    types: [],
  },
};

/**
 * Emits the declarations of the package's entry points (`types/mod.d.ts`,
 * `types/src/kafkajs/mod.d.ts`, and what they import) into `outDir`, as tsc writes them
 * from the sources without a type check (see TSCONFIG), with `.ts` specifiers made `.js`.
 *
 * @example
 * ```ts
 * import { declarations } from "./build_npm.ts";
 * declarations("/tmp/types");
 * ```
 */
export function declarations(outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  const config = join(outDir, "tsconfig.types.json");
  const files = Object.values(ENTRIES).map((entry) => join(ROOT, entry));
  writeFileSync(config, JSON.stringify({ ...TSCONFIG, compilerOptions: { ...TSCONFIG.compilerOptions, rootDir: ROOT, outDir }, files }));
  run(join(ROOT, "node_modules/.bin/tsc"), ["-p", config], ROOT);
  rmSync(config);
  // Declarations keep the sources' `.ts` specifiers; as `.d.ts` files they must say `.js`.
  for (const file of walk(outDir)) {
    if (!file.endsWith(".d.ts")) continue;
    const text = readFileSync(file, "utf8");
    const fixed = text.replace(
      /^(?!\s*\*).*$/gm, // code lines only: JSDoc examples keep their `.ts`
      (line) => line.replace(/((?:from|import)\s*\(?\s*["'])(\.\.?\/[^"']+)\.ts(["'])/g, "$1$2.js$3"),
    );
    if (fixed !== text) writeFileSync(file, fixed);
  }
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

/** One entry's export conditions: the same for every entry, each runtime its build. */
function conditions(file: string, types: string): Record<string, string> {
  const entry = `./esm/${file}`;
  return { types, deno: entry, bun: entry, node: entry, workerd: `./workerd/${file}`, default: entry };
}

function packageJson(name: string, version: string, license: string | undefined): Record<string, unknown> {
  const entry = "./esm/mod.js";
  const types = "./types/mod.d.ts";
  return {
    name,
    version,
    description: "A Kafka producer for Deno, Bun, Node and Cloudflare Workers with the Java client's architecture",
    license,
    type: "module",
    sideEffects: false,
    main: entry,
    module: entry,
    types,
    exports: {
      ".": conditions("mod.js", types),
      "./kafkajs": conditions("kafkajs.js", "./types/src/kafkajs/mod.d.ts"),
      "./schema-registry": conditions("schema-registry.js", "./types/src/schema_registry/mod.d.ts"),
      // Amazon MSK IAM (an OAUTHBEARER token provider), its own entry so that the main one stays without it.
      "./msk-iam": conditions("msk-iam.js", "./types/msk_iam.d.ts"),
      "./package.json": "./package.json",
    },
    // Bundled like every other dependency; named for the types of the Protobuf serdes (DescMessage), which
    // users of generated Protobuf code have installed anyway.
    // @opentelemetry/api: traced through when the application has it (any 1.x from 1.3, the first with metrics).
    peerDependencies: { "@bufbuild/protobuf": "^2.0.0", "@opentelemetry/api": "^1.3.0" },
    peerDependenciesMeta: { "@bufbuild/protobuf": { optional: true }, "@opentelemetry/api": { optional: true } },
    files: ["esm/", "workerd/", "types/", "README.md", "LICENSE"],
    engines: { node: ">=20" },
    keywords: ["kafka", "producer", "deno", "bun", "node", "cloudflare-workers"],
  };
}

/**
 * Builds dist/npm/ from the sources and, unless `pack` is false, packs it.
 *
 * @example
 * ```ts
 * import { buildNpm } from "./build_npm.ts";
 * const { tarball, sizes } = await buildNpm();
 * console.log(tarball, sizes.mainGzip);
 * ```
 */
export async function buildNpm(options: { pack?: boolean; log?: (line: string) => void } = {}): Promise<BuildResult> {
  const log = options.log ?? (() => {});
  const { name, version, license } = readDenoJson();
  rmSync(PACKAGE_DIR, { recursive: true, force: true });
  mkdirSync(PACKAGE_DIR, { recursive: true });

  let started = performance.now();
  const metafiles = {} as Record<Flavour, esbuild.Metafile>;
  try {
    for (const flavour of Object.keys(FLAVOURS) as Flavour[]) {
      const metafile = metafiles[flavour] = await bundle(flavour, join(PACKAGE_DIR, flavour));
      log(`esbuild ${flavour}: ${Object.keys(metafile.outputs).length} files in ${Math.round(performance.now() - started)} ms`);
      started = performance.now();
    }
  } finally {
    await esbuild.stop();
  }
  declarations(join(PACKAGE_DIR, "types"));
  log(`tsc: declarations in ${Math.round(performance.now() - started)} ms`);

  writeFileSync(join(PACKAGE_DIR, "package.json"), JSON.stringify(packageJson(name, version, license), null, 2) + "\n");
  for (const file of ["README.md", "LICENSE"]) {
    if (existsSync(join(ROOT, file))) copyFileSync(join(ROOT, file), join(PACKAGE_DIR, file));
  }

  const files: BuildResult["files"] = [];
  const sizes = {} as Record<Flavour, Sizes>;
  for (const flavour of Object.keys(FLAVOURS) as Flavour[]) {
    const main = loadedBy(metafiles[flavour], join(PACKAGE_DIR, flavour, "mod.js"));
    const kafkajs = loadedBy(metafiles[flavour], join(PACKAGE_DIR, flavour, "kafkajs.js"));
    const size: Sizes = { ...main, kafkajsMin: kafkajs.mainMin, kafkajsGzip: kafkajs.mainGzip, allMin: 0, allGzip: 0 };
    for (const path of walk(join(PACKAGE_DIR, flavour))) {
      if (!path.endsWith(".js")) continue;
      const bytes = readFileSync(path);
      files.push({ path: relative(PACKAGE_DIR, path), bytes: bytes.length });
      size.allMin += bytes.length;
      size.allGzip += gzipSync(bytes, { level: 9 }).length;
    }
    sizes[flavour] = size;
  }

  let tarball: string | null = null;
  let tarballBytes: number | null = null;
  if (options.pack !== false) {
    const out = run("npm", ["pack", "--pack-destination", DIST, "--json"], PACKAGE_DIR);
    tarball = join(DIST, JSON.parse(out)[0].filename);
    tarballBytes = statSync(tarball).size;
  }
  return { tarball, name, version, sizes, tarballBytes, files };
}

/** The sizes of an entry and of the chunks it imports statically (what loading it loads, before any lazy import). */
function loadedBy(metafile: esbuild.Metafile, entry: string): { mainMin: number; mainGzip: number } {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const imported of metafile.outputs[path]?.imports ?? []) {
      if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
    }
  };
  visit(relative(ROOT, entry));
  let mainMin = 0;
  let mainGzip = 0;
  for (const path of seen) {
    const bytes = readFileSync(join(ROOT, path));
    mainMin += bytes.length;
    mainGzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { mainMin, mainGzip };
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

if (import.meta.main) {
  const result = await buildNpm({ pack: !process.argv.includes("--no-pack"), log: (line) => console.error(line) });
  for (const file of result.files) console.log(`${file.path.padEnd(40)} ${kib(file.bytes).padStart(10)}`);
  for (const [flavour, size] of Object.entries(result.sizes)) {
    console.log(`${flavour}/mod.js (main entry, with the chunks it loads): ${kib(size.mainMin)} minified, ${kib(size.mainGzip)} gzipped`);
    console.log(
      `${flavour}/kafkajs.js (./kafkajs, with the chunks it loads): ${kib(size.kafkajsMin)} minified, ${kib(size.kafkajsGzip)} gzipped`,
    );
    console.log(`${flavour}/ (all chunks): ${kib(size.allMin)} minified, ${kib(size.allGzip)} gzipped`);
  }
  if (result.tarball) console.log(`tarball: ${result.tarball} (${kib(result.tarballBytes!)})`);
}
