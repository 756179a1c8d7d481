/**
 * Reads a topic back with the Java consumer (kafka-clients), an independent reader for
 * checking what our producer wrote, byte for byte. It needs nothing the project does not
 * install itself: the jars are the harness's Kafka download (tools/kafka/maven.ts) and
 * TopicReader.java, next to this file, is compiled against them once into the jar cache.
 *
 * The Java program prints one JSON object a line with keys, values and header names and
 * values in base64 (null kept), so every byte and every null-vs-empty survives.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";
import { concatBytes } from "../../src/bytes.ts";
import { javaBin, readState } from "../kafka/config.ts";
import { cacheRoot, type LoggingKind, resolveKafka } from "../kafka/maven.ts";

/** One record as the Java consumer read it. */
export interface TopicRecord {
  partition: number;
  offset: number;
  /** Milliseconds since the epoch (create or log-append time, see `timestampType`). */
  timestamp: number;
  timestampType: "create" | "logappend" | "unknown";
  /** Null for a null key; an empty array for an empty one. */
  key: Uint8Array | null;
  /** Null for a tombstone. */
  value: Uint8Array | null;
  /** In the record's order, repeated names kept; a null value stays null. */
  headers: [string, Uint8Array | null][];
}

/** Options of {@link readTopic}. */
export interface ReadTopicOptions {
  /** The consumer's `isolation.level` (default read_uncommitted, the Java consumer's default). */
  isolationLevel?: "read_committed" | "read_uncommitted";
  /**
   * Further Java consumer properties, e.g. `security.protocol`, `ssl.truststore.type` PEM,
   * `ssl.truststore.location`, `sasl.mechanism`, `sasl.jaas.config`. With `group.id`, each
   * partition is read from that group's committed offset (the beginning where it has none);
   * nothing is ever committed.
   */
  props?: Record<string, string>;
  /** Only this partition (default: all). */
  partition?: number;
  /** Kill the JVM after this long (default 60 000 ms). */
  timeoutMs?: number;
}

/**
 * Every record of `topic` from the beginning up to the end offset each partition had when
 * the reader started (the last stable offset under read_committed), sorted by partition
 * and then offset. Rejects when the topic does not exist.
 */
export async function readTopic(bootstrapServers: string, topic: string, options: ReadTopicOptions = {}): Promise<TopicRecord[]> {
  const props = {
    "bootstrap.servers": bootstrapServers,
    "isolation.level": options.isolationLevel ?? "read_uncommitted",
    ...options.props,
  };
  const args = ["read", topic, ...(options.partition === undefined ? [] : [String(options.partition)])];
  const { stdout } = await runReader(args, propertiesText(props), options.timeoutMs ?? 60_000);
  return lines(stdout).map(parseRecord).sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** A record for {@link writeRecords}: what the Java producer sends. */
export interface WriteRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers?: [string, Uint8Array | null][];
  /** Create time in ms; default: the Java producer's clock. */
  timestamp?: number;
}

/**
 * Writes `records` to one partition with the Java producer (acks=all unless `props` say
 * otherwise), in order, and resolves with their offsets: the independent writer that
 * checks {@link readTopic} itself.
 */
export async function writeRecords(
  bootstrapServers: string,
  topic: string,
  partition: number,
  records: WriteRecord[],
  options: { props?: Record<string, string>; timeoutMs?: number } = {},
): Promise<number[]> {
  const body = records.map((r) =>
    JSON.stringify({
      key: base64(r.key),
      value: base64(r.value),
      headers: (r.headers ?? []).map(([name, value]) => [base64(UTF8_ENCODER.encode(name)), base64(value)]),
      timestamp: r.timestamp,
    }) + "\n"
  ).join("");
  const stdin = propertiesText({ "bootstrap.servers": bootstrapServers, ...options.props }) + "\n" + body;
  const { stdout } = await runReader(["produce", topic, String(partition)], stdin, options.timeoutMs ?? 60_000);
  return lines(stdout).map((line) => (JSON.parse(line) as { offset: number }).offset);
}

const SOURCE = fileURLToPath(new URL("./TopicReader.java", import.meta.url));

interface Compiled {
  dir: string;
  classpath: string;
  loggingFlag: string;
}

let compiled: Promise<Compiled> | undefined;

/**
 * The jars of the Kafka version the harness runs (any 4.x client reads a 3.9 broker too),
 * else of the default version, and TopicReader compiled against them into a jar. The
 * folder is keyed by the source and version, and made under a temporary name then
 * renamed, so concurrent test processes never see half of it.
 */
function prepare(): Promise<Compiled> {
  return compiled ??= (async () => {
    const state = readState();
    const dist = state && fs.existsSync(path.join(state.libDir, `kafka-clients-${state.version}.jar`))
      ? { version: state.version, libDir: state.libDir, logging: state.logging }
      : await resolveKafka();
    const source = fs.readFileSync(SOURCE);
    const hash = createHash("sha256").update(source).update(`\0${dist.version}`).digest("hex").slice(0, 16);
    const dir = path.join(cacheRoot(), `topic-reader-${dist.version}-${hash}`);
    // Named jars, not `lib/*`: the class-data archive is checked against this exact path.
    const jars = fs.readdirSync(dist.libDir).filter((name) => name.endsWith(".jar")).sort();
    const result = {
      dir,
      classpath: [path.join(dir, "reader.jar"), ...jars.map((name) => path.join(dist.libDir, name))].join(path.delimiter),
      loggingFlag: loggingFlag(dir, dist.logging),
    };
    if (fs.existsSync(path.join(dir, "reader.jar"))) return result;
    const work = `${dir}.partial-${process.pid}`;
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work, { recursive: true });
    try {
      writeLoggingConfig(work, dist.logging);
      const classes = path.join(work, "classes");
      await run(
        "javac TopicReader.java",
        jdkTool("javac"),
        ["-nowarn", "-d", classes, "-cp", path.join(dist.libDir, "*"), SOURCE],
        "",
        120_000,
      );
      // A jar, because class-data sharing cannot archive classes from a directory.
      await run("jar", jdkTool("jar"), ["--create", "--file", path.join(work, "reader.jar"), "-C", classes, "."], "", 60_000);
      try {
        fs.renameSync(work, dir);
      } catch (error) {
        // Another process compiled the same source first: keep theirs.
        if (!fs.existsSync(path.join(dir, "reader.jar"))) throw error;
      }
      return result;
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  })().catch((error) => {
    compiled = undefined; // let a later call try again (e.g. after a JDK is installed)
    throw error;
  });
}

function jdkTool(name: string): string {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, "bin", name) : name;
}

/** Errors only, to stderr: the reader's stdout is its data and its warnings are noise in test output. */
function writeLoggingConfig(dir: string, logging: LoggingKind): void {
  if (logging === "log4j2") {
    fs.writeFileSync(
      path.join(dir, "log4j2.xml"),
      `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="ERROR">
  <Appenders><Console name="stderr" target="SYSTEM_ERR"><PatternLayout pattern="%p %m (%c)%n"/></Console></Appenders>
  <Loggers><Root level="ERROR"><AppenderRef ref="stderr"/></Root></Loggers>
</Configuration>
`,
    );
  } else {
    fs.writeFileSync(
      path.join(dir, "log4j.properties"),
      `log4j.rootLogger=ERROR, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=%p %m (%c)%n
`,
    );
  }
}

function loggingFlag(dir: string, logging: LoggingKind): string {
  return logging === "log4j2"
    ? `-Dlog4j2.configurationFile=${path.join(dir, "log4j2.xml")}`
    : `-Dlog4j.configuration=file:${path.join(dir, "log4j.properties")}`;
}

// A short-lived client: C1 only and a small serial heap start the JVM fastest. The JVM's own
// log lines (e.g. about an archive from another JDK) would go to stdout, which is the data:
// only its errors are kept, on stderr.
const JVM_FLAGS = [
  "-XX:TieredStopAtLevel=1",
  "-XX:+UseSerialGC",
  "-Xms32m",
  "-Xmx512m",
  "-XX:-UsePerfData",
  "-Xshare:auto",
  "-Xlog:disable",
  "-Xlog:all=error:stderr",
];

let archiving = false;

/**
 * Runs TopicReader. The first run dumps the classes it loaded into a class-data archive
 * that later runs map instead of loading kafka-clients again (about 0.6 s of each read).
 * It is written under a temporary name and renamed once complete.
 */
async function runReader(args: string[], stdin: string, timeoutMs: number): Promise<{ stdout: Uint8Array; stderr: string }> {
  const { dir, classpath, loggingFlag } = await prepare();
  const archive = path.join(dir, "reader.jsa");
  // Dumped from a read, the common run, whose classes matter most.
  const dump = args[0] === "read" && !fs.existsSync(archive) && !archiving ? `${archive}.${process.pid}.tmp` : undefined;
  const cds = dump ? [`-XX:ArchiveClassesAtExit=${dump}`] : fs.existsSync(archive) ? [`-XX:SharedArchiveFile=${archive}`] : [];
  if (dump) archiving = true;
  try {
    const result = await run(
      `TopicReader ${args.join(" ")}`,
      javaBin(),
      [...JVM_FLAGS, ...cds, loggingFlag, "-cp", classpath, "TopicReader", ...args],
      stdin,
      timeoutMs,
    );
    if (dump && fs.existsSync(dump)) fs.renameSync(dump, archive);
    return result;
  } finally {
    if (dump) {
      archiving = false;
      fs.rmSync(dump, { force: true });
    }
  }
}

/**
 * Runs `command` (`what`, in messages) with `stdin` and resolves with its output once it exits with 0; rejects
 * with its stderr otherwise, or when it runs longer than `timeoutMs` (it is then killed).
 */
function run(
  what: string,
  command: string,
  args: string[],
  stdin: string,
  timeoutMs: number,
): Promise<{ stdout: Uint8Array; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout!.on("data", (chunk: Uint8Array) => out.push(chunk));
    child.stderr!.on("data", (chunk: Uint8Array) => err.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command} (install Java 17+, or set JAVA_HOME): ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stderr = new TextDecoder().decode(concatBytes(err)).trim();
      if (timedOut) reject(new Error(`${what} ran longer than ${timeoutMs} ms: ${stderr}`));
      else if (code !== 0) reject(new Error(`${what} failed (${code ?? signal}): ${stderr}`));
      else resolve({ stdout: concatBytes(out), stderr });
    });
    // A reader that fails early closes its stdin; that error is the exit code's to report.
    child.stdin!.on("error", () => {});
    child.stdin!.end(stdin);
  });
}

/**
 * Properties text in which every character of a key or value is a `\uXXXX` escape, which
 * java.util.Properties reads back exactly whatever the text holds (`=`, `:`, spaces, `\`).
 */
function propertiesText(props: Record<string, string>): string {
  const escape = (text: string) =>
    Array.from({ length: text.length }, (_, i) => `\\u${text.charCodeAt(i).toString(16).padStart(4, "0")}`).join("");
  return Object.entries(props).map(([key, value]) => `${escape(key)}=${escape(value)}\n`).join("");
}

interface Line {
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: TopicRecord["timestampType"];
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}

function parseRecord(line: string): TopicRecord {
  const r = JSON.parse(line) as Line;
  // Offsets and timestamps are Java longs; past 2^53 JSON.parse would round them silently.
  if (!Number.isSafeInteger(r.offset) || !Number.isSafeInteger(r.timestamp)) throw new Error(`TopicReader: odd line ${line}`);
  return {
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: bytesOf(r.key),
    value: bytesOf(r.value),
    headers: r.headers.map(([name, value]) => [UTF8.decode(bytesOf(name)!), bytesOf(value)]),
  };
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });
const UTF8_ENCODER = new TextEncoder();

function lines(output: Uint8Array): string[] {
  return new TextDecoder().decode(output).split("\n").filter((line) => line !== "");
}

function base64(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** A plain Uint8Array (not a Buffer), so records compare equal to the bytes a test built. */
function bytesOf(text: string | null): Uint8Array | null {
  return text === null ? null : new Uint8Array(Buffer.from(text, "base64"));
}
