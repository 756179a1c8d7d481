/**
 * Reads a topic back with kcat (librdkafka), an independent reader for checking what our
 * producer wrote, byte for byte.
 *
 * kcat's `-J` envelope is the one output form that carries headers unambiguously (the
 * `%h` of `-f` prints `name=value,...` unescaped). Its JSON strings are yajl's: the
 * bytes of a key, value or header go out as they are, except `"`, `\` and bytes below
 * 0x20, which are escaped (`\n`, `\u0001`, ...); nothing is checked to be UTF-8. So each
 * output byte is read as one character (Latin-1), the line is parsed as JSON, and each
 * character of a string turns back into the byte it came from. Escapes only ever stand
 * for bytes below 0x20, and a raw newline never appears inside a string, so lines split
 * cleanly.
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { concatBytes } from "../../src/bytes.ts";

/** One record as kcat read it. */
export interface KcatRecord {
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
  /** `-X isolation.level=...` (librdkafka's default is read_committed; ours is read_uncommitted, as the Java consumer's). */
  isolationLevel?: "read_committed" | "read_uncommitted";
  /** Further librdkafka properties, each passed as `-X key=value`. */
  props?: Record<string, string>;
  /** Only this partition (default: all). */
  partition?: number;
  /** Kill kcat after this long (default 60 000 ms). */
  timeoutMs?: number;
}

/** The kcat binary: `$KCAT`, else `kcat` on the PATH (Debian's package installs /usr/bin/kcat). */
export const KCAT = process.env.KCAT ?? "kcat";

/**
 * Every record of `topic` from the beginning up to the end of each partition as it was
 * when kcat reached it, sorted by partition and then offset.
 */
export async function readTopic(bootstrapServers: string, topic: string, options: ReadTopicOptions = {}): Promise<KcatRecord[]> {
  const args = ["-C", "-b", bootstrapServers, "-t", topic, "-o", "beginning", "-e", "-q", "-J", "-m", "30"];
  if (options.partition !== undefined) args.push("-p", String(options.partition));
  args.push("-X", `isolation.level=${options.isolationLevel ?? "read_uncommitted"}`);
  for (const [key, value] of Object.entries(options.props ?? {})) args.push("-X", `${key}=${value}`);
  const { stdout } = await runKcat(args, options.timeoutMs ?? 60_000);
  return parseKcatJson(stdout).sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Parses the output of `kcat -C -J` (one JSON envelope per line) into records, in output order. */
export function parseKcatJson(output: Uint8Array): KcatRecord[] {
  return latin1(output).split("\n").filter((line) => line !== "").map(parseEnvelope);
}

/**
 * Runs kcat with `args` and resolves with its output once it exits with 0; rejects with
 * its stderr otherwise, or when it runs longer than `timeoutMs` (it is then killed).
 */
export function runKcat(args: string[], timeoutMs = 60_000, stdin?: Uint8Array): Promise<{ stdout: Uint8Array; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(KCAT, args, { stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
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
      reject(new Error(`cannot run ${KCAT} (install kcat, or set KCAT): ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stderr = new TextDecoder().decode(concatBytes(err));
      if (timedOut) reject(new Error(`kcat ${args.join(" ")} ran longer than ${timeoutMs} ms: ${stderr}`));
      else if (code !== 0) reject(new Error(`kcat ${args.join(" ")} failed (${code ?? signal}): ${stderr}`));
      else resolve({ stdout: concatBytes(out), stderr });
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

interface Envelope {
  partition: number;
  offset: number;
  tstype?: string;
  ts?: number;
  headers?: (string | null)[];
  key: string | null;
  payload: string | null;
}

function parseEnvelope(line: string): KcatRecord {
  const e = JSON.parse(line) as Envelope;
  // yajl writes 64-bit integers as digits; past 2^53 JSON.parse would round them silently.
  if (!Number.isSafeInteger(e.offset) || (e.ts !== undefined && !Number.isSafeInteger(e.ts))) throw new Error(`kcat: odd envelope ${line}`);
  const headers: [string, Uint8Array | null][] = [];
  const flat = e.headers ?? [];
  if (flat.length % 2 !== 0) throw new Error(`kcat: odd header list in ${line}`);
  for (let i = 0; i < flat.length; i += 2) {
    headers.push([UTF8.decode(bytesOf(flat[i])!), bytesOf(flat[i + 1])]);
  }
  return {
    partition: e.partition,
    offset: e.offset,
    timestamp: e.ts ?? -1,
    timestampType: e.tstype === "create" || e.tstype === "logappend" ? e.tstype : "unknown",
    key: bytesOf(e.key),
    value: bytesOf(e.payload),
    headers,
  };
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const UTF16 = new TextDecoder(LITTLE_ENDIAN ? "utf-16le" : "utf-16be");
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * One character per byte. Not TextDecoder("latin1"): WHATWG maps that label to
 * windows-1252, which changes 0x80-0x9F. Widening to UTF-16 code units and decoding
 * those is native, unlike String.fromCharCode over megabytes.
 */
function latin1(bytes: Uint8Array): string {
  const units = new Uint16Array(bytes.length);
  units.set(bytes);
  return UTF16.decode(units);
}

function bytesOf(text: string | null): Uint8Array | null {
  if (text === null) return null;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new Error(`kcat: character U+${code.toString(16)} cannot stand for one byte`);
    bytes[i] = code;
  }
  return bytes;
}
