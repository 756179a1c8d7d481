/**
 * An ack-only Kafka broker on loopback, for measuring a client's own ceiling without a
 * real broker's cost: it answers ApiVersions, Metadata, InitProducerId and Produce at
 * once and stores nothing (Produce offsets are counted, not kept). One node, every topic
 * asked for exists with `--partitions` partitions led by it.
 *
 * The versions it announces are the ranges every client in `bench:compare` can use:
 * ApiVersions 0-3, Metadata 1-12, InitProducerId 0-4, Produce 3-9.
 *
 *   deno run -A tools/perf/ack_broker.ts [--port 0] [--partitions 6]   (prints bootstrap.servers=...)
 *
 * @module
 */
import * as net from "node:net";
import process from "node:process";
import {
  readArray,
  readNullableArray,
  readNullableString,
  readString,
  skipTags,
  writeArray,
  writeInt32Array,
  writeNoTags,
  writeString,
} from "../../src/protocol/fields.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { concatBytes } from "../../src/bytes.ts";

const API_VERSIONS = 18;
const METADATA = 3;
const INIT_PRODUCER_ID = 22;
const PRODUCE = 0;
const UNSUPPORTED_VERSION = 35;

/** Key, min, max, first flexible version. */
const APIS: [number, number, number, number][] = [
  [PRODUCE, 3, 9, 9],
  [METADATA, 1, 12, 9],
  [API_VERSIONS, 0, 3, 3],
  [INIT_PRODUCER_ID, 0, 4, 2],
];

interface Header {
  apiKey: number;
  version: number;
  correlationId: number;
}

/** The broker's state: the next offset of each partition and the next producer id. */
class AckBroker {
  readonly #offsets = new Map<string, number>();
  #producerId = 1000n;

  constructor(readonly host: string, readonly port: () => number, readonly partitions: number) {}

  /** The response to one request frame (without its size), or null when none is due (acks=0). */
  answer(frame: Uint8Array): Uint8Array | null {
    const r = new Reader(frame);
    const header: Header = { apiKey: r.int16(), version: r.int16(), correlationId: r.int32() };
    readNullableString(r, false); // client id
    const api = APIS.find(([key]) => key === header.apiKey);
    if (api === undefined) throw new Error(`unsupported API key ${header.apiKey}`);
    const flexible = header.version >= api[3];
    if (flexible && header.apiKey !== API_VERSIONS) skipTags(r, true);
    const w = new Writer(1024).int32(0).int32(header.correlationId);
    // ApiVersions answers with header v0 whatever its version.
    if (flexible && header.apiKey !== API_VERSIONS) w.taggedFields();
    switch (header.apiKey) {
      case API_VERSIONS:
        this.#apiVersions(w, header.version);
        break;
      case METADATA:
        this.#metadata(r, w, header.version, flexible);
        break;
      case INIT_PRODUCER_ID:
        w.int32(0).int16(0).int64(this.#producerId++).int16(0);
        writeNoTags(w, flexible);
        break;
      case PRODUCE:
        if (!this.#produce(r, w, header.version, flexible)) return null;
        break;
    }
    const out = w.finish();
    new DataView(out.buffer, out.byteOffset).setInt32(0, out.length - 4);
    return out.slice();
  }

  #apiVersions(w: Writer, version: number): void {
    // A newer request than we speak: answer in v0 with the error and our ranges, as brokers do.
    const v = version > 3 ? 0 : version;
    const flexible = v >= 3;
    w.int16(version > 3 ? UNSUPPORTED_VERSION : 0);
    writeArray(w, flexible, APIS, (w, [key, min, max]) => {
      w.int16(key).int16(min).int16(max);
      writeNoTags(w, flexible);
    });
    if (v >= 1) w.int32(0);
    writeNoTags(w, flexible);
  }

  #metadata(r: Reader, w: Writer, version: number, flexible: boolean): void {
    // Null (all topics) gets none: this broker knows only the topics it is asked for.
    const topics = readNullableArray(r, flexible, (r) => {
      if (version >= 10) r.uuid();
      const name = version >= 10 ? readNullableString(r, flexible) : readString(r, flexible);
      skipTags(r, flexible);
      return name ?? "";
    }) ?? [];
    if (version >= 3) w.int32(0);
    writeArray(w, flexible, [0], (w) => {
      w.int32(0);
      writeString(w, flexible, this.host);
      w.int32(this.port());
      writeString(w, flexible, null);
      writeNoTags(w, flexible);
    });
    if (version >= 2) writeString(w, flexible, "ack-only");
    w.int32(0);
    writeArray(w, flexible, topics, (w, name) => {
      w.int16(0);
      writeString(w, flexible, name);
      if (version >= 10) w.uuid(new Uint8Array(16).fill(1));
      w.bool(false);
      writeArray(w, flexible, Array.from({ length: this.partitions }, (_, i) => i), (w, partition) => {
        w.int16(0).int32(partition).int32(0);
        if (version >= 7) w.int32(0);
        writeInt32Array(w, flexible, [0]);
        writeInt32Array(w, flexible, [0]);
        if (version >= 5) writeInt32Array(w, flexible, []);
        writeNoTags(w, flexible);
      });
      if (version >= 8) w.int32(-2147483648);
      writeNoTags(w, flexible);
    });
    if (version >= 8 && version <= 10) w.int32(-2147483648);
    writeNoTags(w, flexible);
  }

  /** Returns false for acks=0, which gets no response. */
  #produce(r: Reader, w: Writer, version: number, flexible: boolean): boolean {
    readNullableString(r, flexible); // transactional id
    const acks = r.int16();
    r.int32(); // timeout
    const topics = readArray(r, flexible, (r) => {
      const name = readString(r, flexible);
      const partitions = readArray(r, flexible, (r) => {
        const index = r.int32();
        const records = flexible ? r.compactBytes() : r.bytes();
        skipTags(r, flexible);
        return { index, count: records === null ? 0 : recordCount(records) };
      }, "partitions");
      skipTags(r, flexible);
      return { name, partitions };
    }, "topics");
    if (acks === 0) return false;
    writeArray(w, flexible, topics, (w, topic) => {
      writeString(w, flexible, topic.name);
      writeArray(w, flexible, topic.partitions, (w, p) => {
        const key = `${topic.name}\u0000${p.index}`;
        const base = this.#offsets.get(key) ?? 0;
        this.#offsets.set(key, base + p.count);
        w.int32(p.index).int16(0).int64(BigInt(base)).int64(-1n);
        if (version >= 5) w.int64(0n);
        if (version >= 8) {
          writeArray(w, flexible, [], () => {});
          writeString(w, flexible, null);
        }
        writeNoTags(w, flexible);
      });
      writeNoTags(w, flexible);
    });
    w.int32(0);
    writeNoTags(w, flexible);
    return true;
  }
}

/** The records in a (possibly multi-batch) records field: each batch's count at byte 57. */
function recordCount(records: Uint8Array): number {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  let count = 0;
  for (let pos = 0; pos + 61 <= records.length;) {
    const length = view.getInt32(pos + 8);
    count += view.getInt32(pos + 57);
    pos += 12 + length;
  }
  return count;
}

/**
 * Starts the broker; resolves with its address and a `close`.
 *
 * @example
 * ```ts
 * import { startAckBroker } from "./ack_broker.ts";
 * const broker = await startAckBroker({ partitions: 6 });
 * console.log(broker.bootstrapServers);
 * await broker.close();
 * ```
 */
export function startAckBroker(
  options: { port?: number; partitions?: number } = {},
): Promise<{ bootstrapServers: string; close(): Promise<void> }> {
  let port = 0;
  const broker = new AckBroker("127.0.0.1", () => port, options.partitions ?? 6);
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let pending = new Uint8Array(0);
    socket.on("data", (chunk: Uint8Array) => {
      let buf = pending.length === 0 ? chunk : concat(pending, chunk);
      const out: Uint8Array[] = [];
      let pos = 0;
      try {
        while (buf.length - pos >= 4) {
          const size = new DataView(buf.buffer, buf.byteOffset + pos).getInt32(0);
          if (buf.length - pos - 4 < size) break;
          const reply = broker.answer(buf.subarray(pos + 4, pos + 4 + size));
          if (reply !== null) out.push(reply);
          pos += 4 + size;
        }
      } catch (error) {
        console.error(`ack broker: ${error}; closing the connection`);
        socket.destroy();
        return;
      }
      buf = buf.subarray(pos);
      pending = buf.length === 0 ? new Uint8Array(0) : buf.slice();
      if (out.length > 0) socket.write(out.length === 1 ? out[0] : concat(...out));
    });
    socket.on("error", () => socket.destroy());
  });
  return new Promise((resolve) => {
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      port = (server.address() as net.AddressInfo).port;
      resolve({ bootstrapServers: `127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

const concat = (...parts: Uint8Array[]) => concatBytes(parts);

if (import.meta.main || process.argv[1]?.endsWith("ack_broker.ts")) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const broker = await startAckBroker({ port: flag("--port"), partitions: flag("--partitions") });
  console.log(`bootstrap.servers=${broker.bootstrapServers}`);
}
