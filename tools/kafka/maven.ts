/**
 * Finds and caches an Apache Kafka broker's jars from Maven Central using
 * `mvn`, outside the repository, so later runs need no network.
 *
 * Layout: `<cache>/kafka-<version>/lib/*.jar` plus `<cache>/kafka-<version>/kafka.json`
 * (written last, so its presence marks a complete download).
 *
 * @module
 */

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readOr, run } from "./procs.ts";

/** Which logging backend the downloaded broker is wired to. */
export type LoggingKind = "log4j2" | "reload4j";

/** A broker distribution ready to run. */
export interface KafkaDist {
  /** Exact Kafka version, e.g. `4.1.0`. */
  version: string;
  /** Directory holding every runtime jar. */
  libDir: string;
  /** Logging backend: Kafka 4.x ships log4j2, 3.x reload4j (log4j 1 API). */
  logging: LoggingKind;
}

/** Default version line: the newest Kafka 4 release. */
export const DEFAULT_VERSION_SPEC = "4.x";

const REPO_URL = (process.env.EDGE_KAFKA_MAVEN_REPO ?? "https://repo.maven.apache.org/maven2").replace(/\/$/, "");
// Re-check for a newer patch release at most this often; in between (and when
// offline) the last answer, or the newest cached match, is used.
const RESOLVE_TTL_MS = 24 * 3600_000;
const MVN_TIMEOUT_MS = 15 * 60_000;

/** The jar cache root: `$EDGE_KAFKA_CACHE` or `${XDG_CACHE_HOME:-~/.cache}/edge-kafka`. */
export function cacheRoot(): string {
  if (process.env.EDGE_KAFKA_CACHE) return path.resolve(process.env.EDGE_KAFKA_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "edge-kafka");
}

type Spec = { exact: string } | { prefix: number[] };

/**
 * Parses a version spec: `4.1.0` (exact), `3.9` / `3.9.x` (newest patch of a
 * minor line), `4` / `4.x` (newest release of a major line).
 */
export function parseVersionSpec(spec: string): Spec {
  if (/^\d+\.\d+\.\d+$/.test(spec)) return { exact: spec };
  const m = /^(\d+)(?:\.(\d+))?(?:\.x)?$/.exec(spec);
  if (!m) throw new Error(`bad Kafka version "${spec}": use e.g. 4.1.0, 3.9.x or 4.x`);
  return { prefix: m[2] === undefined ? [Number(m[1])] : [Number(m[1]), Number(m[2])] };
}

/** Returns whether exact version `version` satisfies `spec`. */
export function versionMatches(spec: string, version: string): boolean {
  const s = parseVersionSpec(spec);
  if ("exact" in s) return s.exact === version;
  const parts = version.split(".").map(Number);
  return s.prefix.every((n, i) => parts[i] === n);
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

function cachedDist(version: string): KafkaDist | null {
  const dir = path.join(cacheRoot(), `kafka-${version}`);
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, "kafka.json"), "utf8"));
    return { version, libDir: path.join(dir, "lib"), logging: meta.logging };
  } catch {
    return null;
  }
}

function cachedVersions(): string[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(cacheRoot());
  } catch { /* no cache yet */ }
  return names
    .map((n) => /^kafka-(\d+\.\d+\.\d+)$/.exec(n)?.[1])
    .filter((v): v is string => !!v && cachedDist(v) !== null);
}

/** Release versions of kafka_2.13 from maven-metadata.xml (no RCs/snapshots: plain x.y.z only). */
async function publishedVersions(): Promise<string[]> {
  const url = `${REPO_URL}/org/apache/kafka/kafka_2.13/maven-metadata.xml`;
  const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const xml = await res.text();
  return [...xml.matchAll(/<version>\s*([^<\s]+)\s*<\/version>/g)]
    .map((m) => m[1])
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v));
}

interface Memo {
  /** Spec -> the version it last resolved to. */
  resolved: Record<string, { version: string; at: number }>;
  /** Versions found to be only partly published, and when. */
  unavailable: Record<string, number>;
}

function readMemo(): Memo {
  try {
    const m = JSON.parse(readOr(memoFile(), "{}"));
    return { resolved: m.resolved ?? {}, unavailable: m.unavailable ?? {} };
  } catch {
    return { resolved: {}, unavailable: {} };
  }
}

function writeMemo(memo: Memo): void {
  fs.mkdirSync(cacheRoot(), { recursive: true });
  fs.writeFileSync(memoFile(), JSON.stringify(memo, null, 2) + "\n");
}

function memoFile(): string {
  return path.join(cacheRoot(), "resolved.json");
}

/**
 * Resolves `spec` to a runnable broker, downloading it with `mvn` when it is
 * not cached. A version line tries the newest releases first and skips one
 * whose artifacts are not all published yet (Maven Central can list a
 * kafka_2.13 version before its sibling modules are there).
 */
export async function resolveKafka(
  spec = DEFAULT_VERSION_SPEC,
  log: (m: string) => void = () => {},
): Promise<KafkaDist> {
  const parsed = parseVersionSpec(spec);
  if ("exact" in parsed) return cachedDist(parsed.exact) ?? (await download(parsed.exact, log));

  const memo = readMemo();
  const hit = memo.resolved[spec];
  if (hit && Date.now() - hit.at < RESOLVE_TTL_MS) {
    const dist = cachedDist(hit.version);
    if (dist) return dist;
  }

  let candidates: string[];
  try {
    candidates = (await publishedVersions()).filter((v) => versionMatches(spec, v));
  } catch (err) {
    const cached = cachedVersions().filter((v) => versionMatches(spec, v)).sort(compareVersions);
    const newest = cached.at(-1);
    if (!newest) {
      throw new Error(`cannot list Kafka versions (${(err as Error).message}) and none matching ${spec} is cached`);
    }
    log(`cannot reach Maven (${(err as Error).message}); using cached Kafka ${newest}`);
    return cachedDist(newest)!;
  }
  candidates.sort(compareVersions).reverse();
  if (!candidates.length) throw new Error(`no Kafka release matches ${spec}`);
  // Skip releases seen incomplete recently, rather than paying a failing mvn run each time.
  const fresh = (at?: number) => at !== undefined && Date.now() - at < RESOLVE_TTL_MS;
  candidates = candidates.filter((v) => !fresh(memo.unavailable[v]) || cachedDist(v));

  const failures: string[] = [];
  for (const version of candidates.slice(0, 3)) {
    try {
      const dist = cachedDist(version) ?? (await download(version, log));
      memo.resolved[spec] = { version, at: Date.now() };
      writeMemo(memo);
      return dist;
    } catch (err) {
      const message = (err as Error).message;
      failures.push(`${version}: ${message}`);
      // Only a definite "not there" marks the release; a network hiccup must not.
      if (!/Could not find artifact|was not found in/.test(message)) break;
      memo.unavailable[version] = Date.now();
      writeMemo(memo);
      log(`Kafka ${version} is not fully published on Maven Central yet; trying an older release`);
    }
  }
  throw new Error(`could not resolve Kafka ${spec}:\n${failures.join("\n")}`);
}

function pom(artifactId: string, deps: Array<[string, string, string]>): string {
  const items = deps
    .map(([g, a, v]) => `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`)
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>edge-kafka.harness</groupId>
  <artifactId>${artifactId}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${items}
  </dependencies>
</project>
`;
}

async function mvnCopy(work: string, name: string, pomText: string, libDir: string): Promise<void> {
  const pomPath = path.join(work, `${name}.xml`);
  fs.writeFileSync(pomPath, pomText);
  const res = await run(
    "mvn",
    [
      "-B",
      "-q",
      "-Dstyle.color=never", // plain error text for our messages
      "-f",
      pomPath,
      "dependency:copy-dependencies",
      "-DincludeScope=runtime",
      `-DoutputDirectory=${libDir}`,
    ],
    { cwd: work, timeoutMs: MVN_TIMEOUT_MS },
  );
  if (res.code !== 0) {
    // Keep Maven's real complaint, not its colour codes and help boilerplate.
    // deno-lint-ignore no-control-regex -- strips the colour codes mvn prints
    const text = `${res.stdout}\n${res.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
    const out = text.split("\n")
      .filter((l) => /^\[ERROR\] \S/.test(l) && !/^\[ERROR\] (To see|Re-run|For more|\[Help)/.test(l))
      .map((l) => l.replace(/^\[ERROR\] /, "").replace(/ -> \[Help \d+\]$/, ""));
    throw new Error(`mvn failed (exit ${res.code}): ${out.slice(0, 6).join("\n") || text.trim().slice(-2000)}`);
  }
}

function jarVersion(jars: string[], artifact: string): string | null {
  const re = new RegExp(`^${artifact.replace(/[.]/g, "\\.")}-(\\d[^-]*(?:-[^-]+)?)\\.jar$`);
  for (const j of jars) {
    const m = re.exec(j);
    if (m) return m[1];
  }
  return null;
}

/**
 * Downloads Kafka `version` in two `mvn` passes: the broker's own runtime
 * jars, then an SLF4J binding pinned to the versions the broker brought, so
 * the binding can never drag in a second, conflicting log4j or slf4j.
 */
async function download(version: string, log: (m: string) => void): Promise<KafkaDist> {
  const root = cacheRoot();
  const final = path.join(root, `kafka-${version}`);
  const work = path.join(root, `.partial-kafka-${version}-${process.pid}`);
  const libDir = path.join(work, "lib");
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(libDir, { recursive: true });
  try {
    const t0 = Date.now();
    log(`downloading Kafka ${version} with mvn into ${final} ...`);
    await mvnCopy(work, "broker", pom("broker", [["org.apache.kafka", "kafka_2.13", version]]), libDir);
    const jars = fs.readdirSync(libDir);
    if (!jars.includes(`kafka_2.13-${version}.jar`)) throw new Error(`mvn did not produce kafka_2.13-${version}.jar`);

    // Kafka 4.x depends on log4j-core itself (log4j2); 3.x leaves the
    // backend to the distribution, which ships reload4j.
    const slf4j = jarVersion(jars, "slf4j-api");
    const log4j = jarVersion(jars, "log4j-api");
    let logging: LoggingKind;
    let binding: Array<[string, string, string]>;
    if (jars.some((j) => j.startsWith("log4j-core-")) && log4j) {
      logging = "log4j2";
      const artifact = slf4j?.startsWith("1.") ? "log4j-slf4j-impl" : "log4j-slf4j2-impl";
      binding = [["org.apache.logging.log4j", artifact, log4j]];
    } else {
      logging = "reload4j";
      binding = [["org.slf4j", "slf4j-reload4j", slf4j ?? "1.7.36"]];
    }
    await mvnCopy(work, "binding", pom("binding", binding), libDir);

    const all = fs.readdirSync(libDir).sort();
    fs.writeFileSync(path.join(work, "kafka.json"), JSON.stringify({ version, logging, jars: all }, null, 2) + "\n");
    if (!cachedDist(version)) fs.rmSync(final, { recursive: true, force: true }); // a broken leftover
    try {
      fs.renameSync(work, final);
    } catch (err) {
      // Another process finished the same download first: keep theirs.
      if (!cachedDist(version)) throw err;
    }
    log(`Kafka ${version}: ${all.length} jars in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return cachedDist(version)!;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The jars of Maven artifacts (`group:artifact:version`) and their runtime
 * dependencies, downloaded once into `<cache>/<name>/lib`; returns that folder.
 * Used for the Java peers of the benchmark (kafka-tools' ProducerPerformance).
 */
export async function resolveJars(name: string, coordinates: string[], log: (m: string) => void = () => {}): Promise<string> {
  const final = path.join(cacheRoot(), name);
  const marker = path.join(final, "jars.json");
  if (fs.existsSync(marker)) return path.join(final, "lib");
  const work = path.join(cacheRoot(), `.partial-${name}-${process.pid}`);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(path.join(work, "lib"), { recursive: true });
  try {
    log(`downloading ${coordinates.join(", ")} with mvn into ${final} ...`);
    const deps = coordinates.map((c) => c.split(":") as [string, string, string]);
    await mvnCopy(work, name, pom(name, deps), path.join(work, "lib"));
    fs.writeFileSync(
      path.join(work, "jars.json"),
      JSON.stringify({ coordinates, jars: fs.readdirSync(path.join(work, "lib")).sort() }, null, 2),
    );
    fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(work, final);
    return path.join(final, "lib");
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
