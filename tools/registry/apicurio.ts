/**
 * A real Schema Registry for tests and development: Apicurio Registry from Maven Central
 * (`io.apicurio:apicurio-registry-app:<version>:tar.gz:all`), unpacked into the harness's
 * cache outside the repo and run on 127.0.0.1 with in-memory storage. Confluent's API is
 * under `/apis/ccompat/v7`. Apicurio 3 needs a JDK 21 or later, which {@link findJava}
 * looks for beside the machine's default Java.
 *
 * State (pid, port, log) lives in the git-ignored `.registry/` of the repository.
 *
 * @module
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { cacheRoot } from "../kafka/maven.ts";
import { freePorts, launchDetached, procState, readOr, run, signal, sleep, tail, waitGone } from "../kafka/procs.ts";

/** The Apicurio Registry release the harness runs. */
export const APICURIO_VERSION = "3.3.3";
/** Confluent's REST API, as Apicurio serves it. */
export const CCOMPAT_PATH = "/apis/ccompat/v7";
const MIN_JAVA = 21;
const MVN_TIMEOUT_MS = 15 * 60_000;

/** Where the registry's state lives: `$EDGE_KAFKA_REGISTRY_DIR` or `<repo>/.registry`. */
export function registryStateDir(): string {
  if (process.env.EDGE_KAFKA_REGISTRY_DIR) return path.resolve(process.env.EDGE_KAFKA_REGISTRY_DIR);
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", ".registry");
}

/** A JDK found on this machine. */
export interface JavaHome {
  /** The `java` executable. */
  java: string;
  /** Its feature version (21, 25, ...). */
  major: number;
}

/** The feature version a JDK's `release` file names (`JAVA_VERSION="25.0.1"`), or null. */
function releaseMajor(home: string): number | null {
  const match = /^JAVA_VERSION="(\d+)(?:\.(\d+))?/m.exec(readOr(path.join(home, "release"), ""));
  if (!match) return null;
  // Java 8 and older call themselves 1.8.
  return match[1] === "1" ? Number(match[2]) : Number(match[1]);
}

/** The folders a JDK is usually installed in, each a candidate JAVA_HOME. */
function candidateHomes(): string[] {
  const homes: string[] = [];
  for (const variable of ["EDGE_KAFKA_REGISTRY_JAVA_HOME", "JAVA_HOME"]) {
    if (process.env[variable]) homes.push(process.env[variable]!);
  }
  // JAVA_HOME-style variables of SDK managers and CI images: JAVA_HOME_21_X64, JAVA_HOME_25, ...
  for (const [name, value] of Object.entries(process.env)) {
    if (/^JAVA_HOME_\d+/.test(name) && value) homes.push(value);
  }
  const parents = [
    "/usr/lib/jvm",
    "/usr/java",
    "/usr/local/lib/jvm",
    "/opt/java",
    "/opt",
    path.join(os.homedir(), ".sdkman", "candidates", "java"),
    path.join(os.homedir(), ".jdks"),
    "/Library/Java/JavaVirtualMachines",
  ];
  for (const parent of parents) {
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(parent);
    } catch { /* not there */ }
    for (const entry of entries) {
      homes.push(path.join(parent, entry), path.join(parent, entry, "Contents", "Home"));
    }
  }
  return homes;
}

/**
 * The newest JDK of version 21 or later on this machine: the `release` file of each
 * candidate home (JAVA_HOME, JAVA_HOME_<n>, /usr/lib/jvm/*, /opt/java/*, SDKMAN's, ...),
 * then the `java` on PATH. Throws, naming the places searched, when there is none.
 *
 * @example
 * ```ts
 * import { findJava } from "./apicurio.ts";
 * const { java, major } = await findJava();
 * console.log(`Java ${major} at ${java}`);
 * ```
 */
export async function findJava(): Promise<JavaHome> {
  const found: JavaHome[] = [];
  const seen: string[] = [];
  for (const home of candidateHomes()) {
    const java = path.join(home, "bin", "java");
    if (!fs.existsSync(java)) continue;
    const major = releaseMajor(home);
    seen.push(`${java} (${major ?? "unknown version"})`);
    if (major !== null) found.push({ java: fs.realpathSync(java), major });
  }
  const onPath = await run("java", ["-version"], { timeoutMs: 30_000 });
  const pathMajor = /version "(?:1\.)?(\d+)/.exec(onPath.stderr)?.[1];
  if (onPath.code === 0 && pathMajor) {
    found.push({ java: "java", major: Number(pathMajor) });
    seen.push(`java on PATH (${pathMajor})`);
  }
  const usable = found.filter((candidate) => candidate.major >= MIN_JAVA).sort((a, b) => b.major - a.major);
  if (usable.length > 0) return usable[0];
  throw new Error(
    `Apicurio Registry ${APICURIO_VERSION} needs Java ${MIN_JAVA} or later, and none was found. Looked at: ${
      seen.length > 0 ? seen.join(", ") : "no JDK at all"
    }; also searched JAVA_HOME, JAVA_HOME_<n>, /usr/lib/jvm, /usr/java, /opt/java, /opt, ~/.sdkman and ~/.jdks. ` +
      `Install a JDK 21+ (e.g. Temurin 21 or 25) or point EDGE_KAFKA_REGISTRY_JAVA_HOME at one.`,
  );
}

/**
 * The unpacked Apicurio Registry (the folder holding quarkus-run.jar), downloaded with
 * `mvn dependency:copy` into `<cache>/apicurio-registry-<version>/` the first time.
 *
 * @example
 * ```ts
 * import { resolveApicurio } from "./apicurio.ts";
 * console.log(await resolveApicurio((line) => console.error(line)));
 * ```
 */
export async function resolveApicurio(log: (message: string) => void = () => {}): Promise<string> {
  const final = path.join(cacheRoot(), `apicurio-registry-${APICURIO_VERSION}`);
  const marker = path.join(final, "apicurio.json");
  if (fs.existsSync(marker)) return path.join(final, "app");
  const work = path.join(cacheRoot(), `.partial-apicurio-${APICURIO_VERSION}-${process.pid}`);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(path.join(work, "app"), { recursive: true });
  try {
    const started = Date.now();
    const artifact = `io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`;
    log(`downloading ${artifact} (about 160 MB) with mvn into ${final} ...`);
    const copied = await run("mvn", [
      "-B",
      "-q",
      "-Dstyle.color=never",
      "dependency:copy",
      `-Dartifact=${artifact}`,
      `-DoutputDirectory=${work}`,
    ], { cwd: work, timeoutMs: MVN_TIMEOUT_MS });
    const tarball = path.join(work, `apicurio-registry-app-${APICURIO_VERSION}-all.tar.gz`);
    if (copied.code !== 0 || !fs.existsSync(tarball)) {
      throw new Error(`mvn could not fetch ${artifact} (exit ${copied.code}): ${`${copied.stdout}\n${copied.stderr}`.trim().slice(-1500)}`);
    }
    const unpacked = await run("tar", ["xzf", tarball, "-C", path.join(work, "app")], { timeoutMs: 5 * 60_000 });
    if (unpacked.code !== 0) throw new Error(`tar could not unpack ${tarball}: ${unpacked.stderr.trim()}`);
    fs.rmSync(tarball);
    const jar = path.join(work, "app", "quarkus-run.jar");
    if (!fs.existsSync(jar)) throw new Error(`the Apicurio archive holds no quarkus-run.jar at its top`);
    fs.writeFileSync(path.join(work, "apicurio.json"), JSON.stringify({ artifact, at: new Date().toISOString() }) + "\n");
    fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(work, final);
    log(`Apicurio Registry ${APICURIO_VERSION} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return path.join(final, "app");
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** What `.registry/state.json` records of a running registry. */
export interface RegistryState {
  pid: number;
  port: number;
  /** Confluent's API root: `http://127.0.0.1:<port>/apis/ccompat/v7`. */
  url: string;
  logFile: string;
  java: string;
}

// The registry's command line holds this, so a recycled pid is never taken for it.
const MARK = "apicurio-registry-harness";

function stateFile(): string {
  return path.join(registryStateDir(), "state.json");
}

/** The registry this harness started and that still runs, or null. */
export function runningRegistry(): RegistryState | null {
  let state: RegistryState;
  try {
    state = JSON.parse(fs.readFileSync(stateFile(), "utf8"));
  } catch {
    return null;
  }
  return procState(state.pid, [MARK]) === "gone" ? null : state;
}

/** Whether the registry answers Confluent's API (GET /subjects). */
async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts the registry on a free loopback port (or reuses the one running) and waits
 * until Confluent's API answers; returns its state with the URL.
 *
 * @example
 * ```ts
 * import { registryDown, registryUp } from "./apicurio.ts";
 * const { url } = await registryUp({ log: console.error });
 * console.log(`schema.registry.url=${url}`);
 * await registryDown();
 * ```
 */
export async function registryUp(
  options: { log?: (message: string) => void; timeoutMs?: number } = {},
): Promise<RegistryState & { reused: boolean }> {
  const log = options.log ?? (() => {});
  const running = runningRegistry();
  if (running !== null && await answers(running.url)) return { ...running, reused: true };
  if (running !== null) await registryDown();
  const [home, java] = await Promise.all([resolveApicurio(log), findJava()]);
  const [port, managementPort] = await freePorts(2);
  const dir = registryStateDir();
  fs.mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, "registry.log");
  fs.writeFileSync(logFile, "");
  const argv = [
    java.java,
    `-Dharness=${MARK}`,
    "-Xmx512m",
    "-XX:TieredStopAtLevel=1",
    `-Dquarkus.http.host=127.0.0.1`,
    `-Dquarkus.http.port=${port}`,
    // Quarkus's management interface would take 0.0.0.0:9000, shared by everyone on the machine.
    `-Dquarkus.management.host=127.0.0.1`,
    `-Dquarkus.management.port=${managementPort}`,
    "-jar",
    path.join(home, "quarkus-run.jar"),
  ];
  log(`starting Apicurio Registry ${APICURIO_VERSION} on 127.0.0.1:${port} with Java ${java.major} (${java.java})`);
  const pid = await launchDetached(argv, logFile, path.join(dir, "pid"));
  const url = `http://127.0.0.1:${port}${CCOMPAT_PATH}`;
  const state: RegistryState = { pid, port, url, logFile, java: java.java };
  fs.writeFileSync(stateFile(), JSON.stringify(state, null, 2) + "\n");
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (!await answers(url)) {
    if (procState(pid, [MARK]) === "gone") {
      throw new Error(`Apicurio Registry exited before serving ${url}; the end of ${logFile}:\n${tail(logFile)}`);
    }
    if (Date.now() > deadline) {
      await registryDown();
      throw new Error(`Apicurio Registry did not serve ${url} within ${options.timeoutMs ?? 120_000} ms:\n${tail(logFile)}`);
    }
    await sleep(200);
  }
  return { ...state, reused: false };
}

/**
 * Stops the registry this harness started (SIGTERM, then SIGKILL after 10 s); returns
 * the pid it stopped, or null when none was running.
 *
 * @example
 * ```ts
 * import { registryDown } from "./apicurio.ts";
 * console.log(await registryDown());
 * ```
 */
export async function registryDown(): Promise<number | null> {
  const state = runningRegistry();
  fs.rmSync(stateFile(), { force: true });
  if (state === null) return null;
  signal(state.pid, "SIGTERM");
  if (!await waitGone(state.pid, [MARK], 10_000)) {
    signal(state.pid, "SIGKILL");
    await waitGone(state.pid, [MARK], 5_000);
  }
  return state.pid;
}
