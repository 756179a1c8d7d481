/**
 * Fuzzing of everything this client decodes from a broker. Seeds are real broker
 * responses (`tests/fixtures/broker_responses.json`, recorded by
 * `record_responses.ts`); each case mutates one (bit flips, truncation, a length field
 * set huge or negative, a varint made endless, random bytes, a splice of two seeds, or
 * a random payload) and checks what the client does with it:
 *
 * - decoding: the response decodes, or fails with CorruptResponseError whose root
 *   cause is one of this client's own checks; a RangeError underneath means an
 *   allocation sized from an unchecked length, anything else a crash;
 * - the network stack (Selector over a fake socket, and the NetworkClient): the frame,
 *   with its size prefix mutated too, ends in a decoded response or a typed error on
 *   that request, the connection is closed after a bad frame, and poll never throws;
 * - no case takes more than {@link HANG_MS}, and no promise rejection goes unhandled.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CorruptResponseError, KafkaError } from "../../src/errors.ts";
import { decodeResponse } from "../../src/protocol/api.ts";
import { apiByKey } from "../../src/protocol/apis.ts";
import { MetadataApi } from "../../src/protocol/metadata.ts";
import { NetworkClient } from "../../src/client/network_client.ts";
import { Metadata } from "../../src/client/metadata.ts";
import { resolveClientConfig } from "../../src/client/client_config.ts";
import { Selector } from "../../src/net/selector.ts";
import type { Transport, TransportEvents } from "../../src/net/transport.ts";

/**
 * A case slower than this counts as a hang. A real hang, or an allocation sized by a
 * corrupt length, takes far longer; typical cases take microseconds. The bound is loose
 * because a loaded machine (CI runs brokers on the same two cores) pauses for 100+ ms.
 */
export const HANG_MS = 2_000;

/** One recorded broker response. */
export interface Seed {
  api: string;
  key: number;
  version: number;
  /** The response without its size prefix: correlation id, header, body. */
  payload: Uint8Array;
}

/** The mutations, each picked with equal chance. */
export const MUTATIONS = [
  "bitflip",
  "truncate",
  "int32-huge",
  "int32-negative",
  "varint-endless",
  "random-bytes",
  "splice",
  "random-payload",
] as const;
export type MutationKind = (typeof MUTATIONS)[number];

/** What a run found. */
export interface FuzzReport {
  cases: number;
  decoded: number;
  typedErrors: number;
  byMutation: Record<string, number>;
  unhandledRejections: number;
  slowestMs: number;
  failures: { seed: string; mutation: string; problem: string }[];
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The recorded seeds. */
export function loadSeeds(path = join(root, "tests", "fixtures", "broker_responses.json")): Seed[] {
  const file = JSON.parse(readFileSync(path, "utf8")) as { seeds: { api: string; key: number; version: number; payload: string }[] };
  return file.seeds.map((s) => ({ ...s, payload: Uint8Array.from(atob(s.payload), (c) => c.charCodeAt(0)) }));
}

/** One mutation of `payload` (never changes the input). */
export function mutate(payload: Uint8Array, kind: MutationKind, random: () => number, other: Uint8Array): Uint8Array {
  const at = (n: number) => Math.floor(random() * n);
  const out = payload.slice();
  // Past the correlation id, so most cases reach the decoder rather than the request lookup.
  const from = Math.min(4, out.length);
  const pos = () => from + at(Math.max(1, out.length - from));
  switch (kind) {
    case "bitflip":
      for (let i = 1 + at(8); i > 0 && out.length > from; i--) out[pos()] ^= 1 << at(8);
      return out;
    case "truncate":
      return out.subarray(0, at(out.length));
    case "int32-huge":
    case "int32-negative": {
      if (out.length < from + 4) return out;
      const p = from + at(out.length - from - 3);
      new DataView(out.buffer).setInt32(p, kind === "int32-huge" ? 0x7fffffff - at(16) : -2 - at(1 << 20));
      return out;
    }
    case "varint-endless": {
      const p = pos();
      for (let i = p; i < Math.min(out.length, p + 5 + at(6)); i++) out[i] = 0xff;
      return out;
    }
    case "random-bytes": {
      const p = pos();
      for (let i = p; i < Math.min(out.length, p + 1 + at(16)); i++) out[i] = at(256);
      return out;
    }
    case "splice": {
      const cut = at(out.length + 1);
      const joined = new Uint8Array(cut + other.length - Math.min(cut, other.length));
      joined.set(out.subarray(0, cut));
      joined.set(other.subarray(Math.min(cut, other.length)), cut);
      return joined;
    }
    case "random-payload":
      return Uint8Array.from({ length: at(2 * out.length + 8) }, () => at(256));
  }
}

/** The deepest KafkaError of an error chain, and what lies under it. */
function deepestKafkaError(error: unknown): { kafka: KafkaError | undefined; under: unknown } {
  let kafka: KafkaError | undefined;
  let e: unknown = error;
  while (e instanceof Error) {
    if (e instanceof KafkaError) kafka = e;
    else return { kafka, under: e };
    e = e.cause;
  }
  return { kafka, under: e };
}

/** Why a decoding outcome is a failure, or undefined when it is fine. */
export function judgeDecodeError(error: unknown): string | undefined {
  if (!(error instanceof CorruptResponseError)) {
    return `threw ${error instanceof Error ? error.name : typeof error}, not CorruptResponseError: ${error}`;
  }
  const { under } = deepestKafkaError(error);
  if (under === undefined) return undefined;
  if (under instanceof RangeError) return `an allocation from an unchecked length (${under.message})`;
  // The reader's own UTF-8 check keeps TextDecoder's error as the cause.
  if (under instanceof TypeError && /encoded data|utf-?8|decod/i.test(under.message)) return undefined;
  return `crashed inside the decoder: ${under instanceof Error ? `${under.name}: ${under.message}` : under}`;
}

/** Decodes `cases` mutated seeds; fills and returns `report`. */
export function fuzzDecoders(seeds: Seed[], cases: number, random: () => number, report: FuzzReport = emptyReport()): FuzzReport {
  for (let i = 0; i < cases; i++) {
    const seed = seeds[Math.floor(random() * seeds.length)];
    const kind = MUTATIONS[Math.floor(random() * MUTATIONS.length)];
    const bytes = mutate(seed.payload, kind, random, seeds[Math.floor(random() * seeds.length)].payload);
    const api = apiByKey(seed.key)!;
    const started = performance.now();
    let problem: string | undefined;
    try {
      decodeResponse(api, seed.version, bytes);
      report.decoded++;
    } catch (error) {
      problem = judgeDecodeError(error);
      if (problem === undefined) report.typedErrors++;
    }
    const ms = performance.now() - started;
    report.slowestMs = Math.max(report.slowestMs, ms);
    if (ms > HANG_MS) problem ??= `took ${ms.toFixed(0)} ms`;
    report.cases++;
    report.byMutation[kind] = (report.byMutation[kind] ?? 0) + 1;
    if (problem !== undefined) report.failures.push({ seed: `${seed.api} v${seed.version}`, mutation: kind, problem });
  }
  return report;
}

/** A transport whose one socket hands the test the events, so it can feed bytes. */
class FeedingTransport implements Transport {
  readonly name = "fuzz";
  events: TransportEvents | undefined;
  closed = false;
  /** Frames written; the Selector coalesces, so this counts writes, one per poll here. */
  writes = 0;
  connect(_address: unknown, events: TransportEvents) {
    this.events = events;
    queueMicrotask(() => events.onOpen());
    return {
      write: (data: Uint8Array) => {
        this.writes++;
        return data.length;
      },
      close: () => void (this.closed = true),
    };
  }
}

/** An ApiVersions v3+ answer naming Metadata up to `metadataMax` and ApiVersions 0-4, for the handshake. */
function apiVersionsAnswer(correlationId: number, metadataMax: number): Uint8Array {
  const keys: [number, number, number][] = [[3, 0, metadataMax], [18, 0, 4]];
  const out = [0, 0, 0, 0, 0, 0, keys.length + 1];
  for (const [k, min, max] of keys) out.push(k >> 8, k & 255, min >> 8, min & 255, max >> 8, max & 255, 0);
  out.push(0, 0, 0, 0, 0);
  const bytes = Uint8Array.from(out);
  new DataView(bytes.buffer).setInt32(0, correlationId);
  return bytes;
}

/**
 * Sends a Metadata request through a real Selector and NetworkClient over a fake socket,
 * answers it with a mutated Metadata seed in a frame whose size prefix may be mutated
 * too, and checks the outcome.
 */
export async function fuzzNetworkClient(
  seeds: Seed[],
  cases: number,
  random: () => number,
  report: FuzzReport = emptyReport(),
): Promise<FuzzReport> {
  const metadataSeeds = seeds.filter((s) => s.key === MetadataApi.key);
  if (metadataSeeds.length === 0) throw new Error("no Metadata seeds recorded");
  for (let i = 0; i < cases; i++) {
    const seed = metadataSeeds[Math.floor(random() * metadataSeeds.length)];
    const kind = MUTATIONS[Math.floor(random() * MUTATIONS.length)];
    const body = mutate(seed.payload, kind, random, seeds[Math.floor(random() * seeds.length)].payload);
    const transport = new FeedingTransport();
    const config = resolveClientConfig({ bootstrapServers: "fuzz:9092", transport, requestTimeoutMs: 1_000, maxResponseSize: 1 << 20 });
    const metadata = new Metadata(config.bootstrapServers, config);
    let now = 0;
    const client = new NetworkClient(new Selector(transport, { maxReceiveSize: config.maxResponseSize }), metadata, config, {
      now: () => now,
    });
    const started = performance.now();
    let problem: string | undefined;
    try {
      // Connect and answer ApiVersions (correlation id 0); the metadata updater then asks (correlation id 1).
      client.ready(-1, now);
      const sentBefore = () => transport.writes;
      for (let turn = 0; turn < 5 && sentBefore() === 0; turn++) await client.poll(0, now);
      transport.events!.onData(frameOf(apiVersionsAnswer(0, seed.version), random, false));
      for (let turn = 0; turn < 5 && transport.writes < 2; turn++) await client.poll(0, now);
      if (transport.writes < 2) throw new Error("the metadata request was not sent");
      const answer = body.slice();
      if (answer.length >= 4) new DataView(answer.buffer).setInt32(0, 1);
      transport.events!.onData(frameOf(answer, random, random() < 0.2));
      let outcome = (await client.poll(0, now)).find((r) => r.request.api === MetadataApi);
      if (outcome === undefined) {
        // A frame still incomplete: the request must time out with a typed error and the connection close.
        now += 1_001;
        outcome = (await client.poll(0, now)).find((r) => r.request.api === MetadataApi);
      }
      if (outcome === undefined) problem = "the request never completed";
      else if (outcome.error !== undefined) {
        if (!(outcome.error instanceof KafkaError)) problem = `untyped error ${outcome.error}`;
        else if (!transport.closed) problem = "the connection stayed open after a bad frame";
        else report.typedErrors++;
      } else report.decoded++;
      client.close();
    } catch (error) {
      problem = `poll threw: ${error}`;
    }
    const ms = performance.now() - started;
    report.slowestMs = Math.max(report.slowestMs, ms);
    if (ms > HANG_MS) problem ??= `took ${ms.toFixed(0)} ms`;
    report.cases++;
    report.byMutation[`net:${kind}`] = (report.byMutation[`net:${kind}`] ?? 0) + 1;
    if (problem !== undefined) report.failures.push({ seed: `net ${seed.api} v${seed.version}`, mutation: kind, problem });
  }
  return report;
}

/** The payload with its size prefix; sometimes the prefix lies (huge, negative or off by a little). */
function frameOf(payload: Uint8Array, random: () => number, lie: boolean): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  out.set(payload, 4);
  const size = !lie
    ? payload.length
    : [0x7fffffff, -1, -0x7fffffff, payload.length + 1 + Math.floor(random() * 100), Math.max(0, payload.length - 1)][
      Math.floor(random() * 5)
    ];
  new DataView(out.buffer).setInt32(0, size);
  return out;
}

/** A report with nothing in it yet. */
export function emptyReport(): FuzzReport {
  return { cases: 0, decoded: 0, typedErrors: 0, byMutation: {}, unhandledRejections: 0, slowestMs: 0, failures: [] };
}

/** Counts unhandled rejections while `run` runs (every runtime has the `unhandledrejection` event or Node's hook). */
export async function countingUnhandledRejections<T>(report: { unhandledRejections: number }, run: () => Promise<T>): Promise<T> {
  const onEvent = (event: Event) => {
    report.unhandledRejections++;
    event.preventDefault();
  };
  const target = globalThis as unknown as { addEventListener?: typeof addEventListener; removeEventListener?: typeof removeEventListener };
  const proc = (globalThis as { process?: { on(e: string, f: () => void): void; off(e: string, f: () => void): void } }).process;
  const onNode = () => report.unhandledRejections++;
  const useEvent = proc === undefined && typeof target.addEventListener === "function";
  if (useEvent) target.addEventListener!("unhandledrejection", onEvent);
  else proc?.on("unhandledRejection", onNode);
  try {
    const result = await run();
    // Rejections are reported after the microtask queue drains.
    await new Promise((resolve) => setTimeout(resolve, 10));
    return result;
  } finally {
    if (useEvent) target.removeEventListener!("unhandledrejection", onEvent);
    else proc?.off("unhandledRejection", onNode);
  }
}
