/**
 * A tiny hand-written Kafka wire client for the test-broker harness: just
 * ApiVersions, Metadata, CreateTopics and DeleteTopics, in their classic
 * (non-flexible) encodings. It is deliberately independent of the project's
 * own client so the harness can check a broker without trusting the code under
 * test.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import * as net from "node:net";

/** A broker as listed in a Metadata response. */
export interface BrokerInfo {
  /** The broker's node id. */
  nodeId: number;
  /** Advertised host. */
  host: string;
  /** Advertised port. */
  port: number;
}

/** A partition as listed in a Metadata response. */
export interface PartitionInfo {
  /** Partition-level error code (0 = none). */
  errorCode: number;
  /** Partition index. */
  partition: number;
  /** Leader node id, or -1 while there is none. */
  leader: number;
  /** Replica node ids. */
  replicas: number[];
  /** In-sync replica node ids. */
  isr: number[];
}

/** A topic as listed in a Metadata response. */
export interface TopicInfo {
  /** Topic-level error code (0 = none, 3 = unknown topic). */
  errorCode: number;
  /** Topic name. */
  name: string;
  /** Whether it is an internal topic such as `__consumer_offsets`. */
  internal: boolean;
  /** Its partitions, sorted by index. */
  partitions: PartitionInfo[];
}

/** The parts of a Metadata response the harness uses. */
export interface MetadataInfo {
  /** Live (unfenced) brokers, sorted by node id. */
  brokers: BrokerInfo[];
  /** Cluster id, when the broker reports one. */
  clusterId: string | null;
  /** Controller id as reported to clients (KRaft reports a random broker). */
  controllerId: number;
  /** Topics, sorted by name. */
  topics: TopicInfo[];
}

/** Per-topic result of CreateTopics or DeleteTopics. */
export interface TopicResult {
  /** Topic name. */
  name: string;
  /** Error code (0 = success). */
  errorCode: number;
  /** Broker-supplied message, if any. */
  errorMessage: string | null;
}

/** A Kafka protocol error, carrying the broker's numeric code. */
export class KafkaWireError extends Error {
  /** The Kafka error code. */
  readonly code: number;
  /** Creates the error for `code` with an optional broker message. */
  constructor(code: number, context: string, message?: string | null) {
    super(`${context}: ${errorName(code)} (${code})${message ? `: ${message}` : ""}`);
    this.name = "KafkaWireError";
    this.code = code;
  }
}

/** Kafka error codes the harness reacts to by name. */
export const ErrorCode = {
  NONE: 0,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  REQUEST_TIMED_OUT: 7,
  TOPIC_ALREADY_EXISTS: 36,
  NOT_CONTROLLER: 41,
} as const;

const ERROR_NAMES: Record<number, string> = {
  [-1]: "UNKNOWN_SERVER_ERROR",
  3: "UNKNOWN_TOPIC_OR_PARTITION",
  5: "LEADER_NOT_AVAILABLE",
  7: "REQUEST_TIMED_OUT",
  17: "INVALID_TOPIC_EXCEPTION",
  35: "UNSUPPORTED_VERSION",
  36: "TOPIC_ALREADY_EXISTS",
  37: "INVALID_PARTITIONS",
  38: "INVALID_REPLICATION_FACTOR",
  39: "INVALID_REPLICA_ASSIGNMENT",
  40: "INVALID_CONFIG",
  41: "NOT_CONTROLLER",
  42: "INVALID_REQUEST",
  73: "TOPIC_DELETION_DISABLED",
};

/** Returns the symbolic name of a Kafka error code. */
export function errorName(code: number): string {
  return ERROR_NAMES[code] ?? `ERROR_${code}`;
}

// The versions this file can encode; each is negotiated down to what the
// broker supports (Kafka 4.0 dropped some old ones, so none is hard-coded).
const API = {
  metadata: { key: 3, min: 1, max: 8 },
  createTopics: { key: 19, min: 2, max: 4 },
  deleteTopics: { key: 20, min: 1, max: 3 },
  apiVersions: { key: 18, min: 0, max: 0 },
} as const;

class Writer {
  private parts: Buffer[] = [];
  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    this.parts.push(b);
    return this;
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const b = Buffer.from(v, "utf8");
    this.int16(b.length);
    this.parts.push(b);
    return this;
  }
  array<T>(items: readonly T[] | null, each: (w: Writer, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) each(this, item);
    return this;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  int8(): number {
    return this.buf.readInt8(this.advance(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.advance(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.advance(4));
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  string(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const start = this.advance(len);
    return this.buf.toString("utf8", start, start + len);
  }
  array<T>(each: (r: Reader) => T): T[] {
    const n = this.int32();
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(each(this));
    return out;
  }
  private advance(n: number): number {
    if (this.pos + n > this.buf.length) throw new Error("truncated Kafka response");
    const at = this.pos;
    this.pos += n;
    return at;
  }
}

/**
 * One TCP connection to a broker carrying one request at a time, which is all
 * the harness needs and keeps response matching trivial.
 */
export class WireConnection {
  private socket: net.Socket | null = null;
  private pending: Buffer = Buffer.alloc(0);
  private waiter: ((frame: Buffer | Error) => void) | null = null;
  private correlation = 0;
  private versions: Map<number, [number, number]> | null = null;

  private constructor(private readonly timeoutMs: number) {}

  /** Opens a connection to `host:port`, failing after `timeoutMs`. */
  static async connect(host: string, port: number, timeoutMs = 5000): Promise<WireConnection> {
    const conn = new WireConnection(timeoutMs);
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.on("data", (chunk: Buffer) => conn.onData(chunk));
      socket.on("close", () => conn.fail(new Error(`connection to ${host}:${port} closed`)));
      socket.on("error", (err) => conn.fail(err));
      conn.socket = socket;
    });
    return conn;
  }

  /** Closes the socket. */
  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  /** Sends ApiVersions v0 and returns each API key's `[min, max]` version. */
  async apiVersions(): Promise<Map<number, [number, number]>> {
    const r = await this.send(API.apiVersions.key, 0, Buffer.alloc(0));
    const errorCode = r.int16();
    const entries = r.array((x) => [x.int16(), x.int16(), x.int16()] as const);
    if (errorCode !== 0) throw new KafkaWireError(errorCode, "ApiVersions");
    this.versions = new Map(entries.map(([k, lo, hi]) => [k, [lo, hi]]));
    return this.versions;
  }

  /** Sends a Metadata request; `topics` null means all topics. */
  async metadata(topics: string[] | null): Promise<MetadataInfo> {
    const v = await this.pick(API.metadata);
    const w = new Writer().array(topics, (x, t) => x.string(t));
    if (v >= 4) w.bool(false); // never auto-create: probing must not create topics
    if (v >= 8) w.bool(false).bool(false);
    const r = await this.send(API.metadata.key, v, w.bytes());
    if (v >= 3) r.int32(); // throttle_time_ms
    const brokers = r.array((x) => {
      const b = { nodeId: x.int32(), host: x.string() ?? "", port: x.int32() };
      x.string(); // rack
      return b;
    });
    const clusterId = v >= 2 ? r.string() : null;
    const controllerId = r.int32();
    const topicInfos = r.array((x): TopicInfo => {
      const errorCode = x.int16();
      const name = x.string() ?? "";
      const internal = x.bool();
      const partitions = x.array((p): PartitionInfo => {
        const info = { errorCode: p.int16(), partition: p.int32(), leader: p.int32() };
        if (v >= 7) p.int32(); // leader_epoch
        const replicas = p.array((q) => q.int32());
        const isr = p.array((q) => q.int32());
        if (v >= 5) p.array((q) => q.int32()); // offline_replicas
        return { ...info, replicas, isr };
      });
      if (v >= 8) x.int32(); // topic_authorized_operations
      partitions.sort((a, b) => a.partition - b.partition);
      return { errorCode, name, internal, partitions };
    });
    brokers.sort((a, b) => a.nodeId - b.nodeId);
    topicInfos.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { brokers, clusterId, controllerId, topics: topicInfos };
  }

  /** Sends CreateTopics for one topic and returns its per-topic result. */
  async createTopic(spec: {
    name: string;
    partitions: number;
    replicationFactor: number;
    configs: Record<string, string>;
    timeoutMs: number;
  }): Promise<TopicResult> {
    const v = await this.pick(API.createTopics);
    const w = new Writer()
      .array([spec], (x, t) =>
        x
          .string(t.name)
          .int32(t.partitions)
          .int16(t.replicationFactor)
          .array([], () => {}) // no manual assignments
          .array(Object.entries(t.configs), (c, [k, val]) => c.string(k).string(val)))
      .int32(spec.timeoutMs)
      .bool(false); // validate_only
    const r = await this.send(API.createTopics.key, v, w.bytes());
    r.int32(); // throttle_time_ms
    const results = r.array((x) => ({ name: x.string() ?? "", errorCode: x.int16(), errorMessage: x.string() }));
    return this.only(results, spec.name, "CreateTopics");
  }

  /** Sends DeleteTopics for one topic and returns its per-topic result. */
  async deleteTopic(name: string, timeoutMs: number): Promise<TopicResult> {
    const v = await this.pick(API.deleteTopics);
    const w = new Writer().array([name], (x, t) => x.string(t)).int32(timeoutMs);
    const r = await this.send(API.deleteTopics.key, v, w.bytes());
    r.int32(); // throttle_time_ms
    const results = r.array((x) => ({ name: x.string() ?? "", errorCode: x.int16(), errorMessage: null }));
    return this.only(results, name, "DeleteTopics");
  }

  private only(results: TopicResult[], name: string, api: string): TopicResult {
    const found = results.find((t) => t.name === name);
    if (!found) throw new Error(`${api} response did not mention topic ${name}`);
    return found;
  }

  private async pick(api: { key: number; min: number; max: number }): Promise<number> {
    const versions = this.versions ?? (await this.apiVersions());
    const range = versions.get(api.key);
    const v = range ? Math.min(range[1], api.max) : -1;
    if (!range || v < Math.max(range[0], api.min)) {
      throw new Error(`broker supports API ${api.key} only in versions ${range?.join("..") ?? "none"}`);
    }
    return v;
  }

  private send(apiKey: number, version: number, body: Buffer): Promise<Reader> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error("connection is closed"));
    if (this.waiter) return Promise.reject(new Error("a request is already in flight"));
    const correlationId = ++this.correlation;
    const header = new Writer().int16(apiKey).int16(version).int32(correlationId).string("edge-kafka-harness").bytes();
    const size = Buffer.alloc(4);
    size.writeInt32BE(header.length + body.length);
    return new Promise<Reader>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`request (api ${apiKey}) timed out after ${this.timeoutMs} ms`));
        this.close();
      }, this.timeoutMs);
      this.waiter = (frame) => {
        clearTimeout(timer);
        this.waiter = null;
        if (frame instanceof Error) return reject(frame);
        const r = new Reader(frame);
        const got = r.int32();
        if (got !== correlationId) return reject(new Error(`correlation id ${got}, expected ${correlationId}`));
        resolve(r);
      };
      socket.write(Buffer.concat([size, header, body]));
      this.drain();
    });
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.drain();
  }

  private drain(): void {
    if (!this.waiter || this.pending.length < 4) return;
    const size = this.pending.readInt32BE(0);
    if (this.pending.length < 4 + size) return;
    const frame = this.pending.subarray(4, 4 + size);
    this.pending = this.pending.subarray(4 + size);
    this.waiter(frame);
  }

  private fail(err: Error): void {
    this.socket = null;
    this.waiter?.(err);
  }
}

/**
 * Opens a connection, runs `fn` on it and always closes it, so callers cannot
 * leak sockets that would keep a CLI process alive.
 */
export async function withConnection<T>(
  host: string,
  port: number,
  fn: (conn: WireConnection) => Promise<T>,
  timeoutMs = 5000,
): Promise<T> {
  const conn = await WireConnection.connect(host, port, timeoutMs);
  try {
    return await fn(conn);
  } finally {
    conn.close();
  }
}
