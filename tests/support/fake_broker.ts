/**
 * A one-node broker behind a fake transport, for KafkaProducer unit tests that need
 * metadata and acknowledgements but no real Kafka: it answers ApiVersions, Metadata v12
 * (for the topics in `partitions`; any other is UNKNOWN_TOPIC_OR_PARTITION) and
 * Produce v9 (at once, after `produceDelayMs`, or held until `releaseProduce()` when
 * `holdProduce` is set).
 * Use it with `enableIdempotence: false`: it knows no InitProducerId.
 */
import type { Transport, TransportAddress, TransportEvents, TransportSocket } from "../../src/net/transport.ts";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { frame, frameSplitter } from "./helpers.ts";
import { apiVersionsResponse, FAKE_BROKER_APIS, metadataResponseV12 } from "./responses.ts";

const APIS = [...FAKE_BROKER_APIS, { apiKey: 0, minVersion: 9, maxVersion: 9 }];

interface ProducedPartition {
  topic: string;
  partition: number;
  records: number;
}

export class FakeBroker implements Transport {
  readonly name = "fake-broker";
  /** The partition count of each topic the broker has. */
  readonly partitions = new Map<string, number>();
  /** When true, Produce requests wait for `releaseProduce()`. */
  holdProduce = false;
  /** Real milliseconds before a Produce request is answered. */
  produceDelayMs = 0;
  /** Metadata requests answered so far. */
  metadataRequests = 0;
  /** Records acknowledged so far. */
  acknowledged = 0;
  readonly #held: (() => void)[] = [];
  readonly #offsets = new Map<string, number>();

  constructor(partitions: Record<string, number> = {}) {
    for (const [topic, count] of Object.entries(partitions)) this.partitions.set(topic, count);
  }

  connect(_address: TransportAddress, events: TransportEvents): TransportSocket {
    const split = frameSplitter();
    let closed = false;
    queueMicrotask(() => events.onOpen());
    return {
      write: (data) => {
        if (closed) return 0;
        for (const request of split(data)) {
          const answer = this.#answer(request);
          if (answer !== undefined) answer((payload) => queueMicrotask(() => !closed && events.onData(frame(payload))));
        }
        return data.length;
      },
      close: () => {
        closed = true;
        queueMicrotask(() => events.onClose());
      },
    };
  }

  /** Produce requests held and not answered yet. */
  get heldProduce(): number {
    return this.#held.length;
  }

  /** Answers the Produce requests held so far, or the oldest `count` of them. */
  releaseProduce(count = Infinity): void {
    for (const answer of this.#held.splice(0, count)) answer();
  }

  #answer(request: Uint8Array): ((send: (payload: Uint8Array) => void) => void) | undefined {
    const r = new Reader(request);
    const apiKey = r.int16();
    const version = r.int16();
    const correlationId = r.int32();
    r.string();
    if (apiKey === 18) {
      if (version >= 3) r.taggedFields();
      return (send) => send(apiVersionsResponse(correlationId, version, APIS));
    }
    r.taggedFields();
    if (apiKey === 3) {
      const asked = r.compactArray((x) => {
        x.uuid();
        const name = x.compactString();
        x.taggedFields();
        return name!;
      });
      this.metadataRequests++;
      const topics = (asked ?? [...this.partitions.keys()]).map((name) => {
        const count = this.partitions.get(name);
        if (count === undefined) return { name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, partitions: [] };
        return { name, partitions: Array.from({ length: count }, (_, partition) => ({ partition, leader: 1 })) };
      });
      return (send) => send(metadataResponseV12(correlationId, [{ nodeId: 1, host: "b1", port: 9092 }], topics));
    }
    if (apiKey === 0) {
      r.compactString();
      const acks = r.int16();
      r.int32();
      const produced: ProducedPartition[] = [];
      r.compactArray((t) => {
        const topic = t.compactString()!;
        t.compactArray((p) => {
          const partition = p.int32();
          const records = p.compactBytes()!;
          // lastOffsetDelta sits 23 bytes into a record batch.
          produced.push({ topic, partition, records: new DataView(records.buffer, records.byteOffset).getInt32(23) + 1 });
          p.taggedFields();
        });
        t.taggedFields();
      });
      if (acks === 0) return undefined;
      return (send) => {
        const respond = () => send(this.#produceResponse(correlationId, produced));
        if (this.holdProduce) this.#held.push(respond);
        else if (this.produceDelayMs > 0) setTimeout(respond, this.produceDelayMs);
        else respond();
      };
    }
    throw new Error(`the fake broker does not know api key ${apiKey}`);
  }

  #produceResponse(correlationId: number, produced: ProducedPartition[]): Uint8Array {
    const byTopic = new Map<string, ProducedPartition[]>();
    for (const p of produced) byTopic.set(p.topic, [...byTopic.get(p.topic) ?? [], p]);
    const w = new Writer().int32(correlationId).taggedFields();
    w.compactArray([...byTopic], (w, [topic, partitions]) => {
      w.compactString(topic);
      w.compactArray(partitions, (w, p) => {
        const key = `${topic}-${p.partition}`;
        const base = this.#offsets.get(key) ?? 0;
        this.#offsets.set(key, base + p.records);
        this.acknowledged += p.records;
        w.int32(p.partition).int16(0).int64(BigInt(base)).int64(-1n).int64(0n);
        w.compactArray([], () => {}).compactString(null).taggedFields();
      });
      w.taggedFields();
    });
    w.int32(0).taggedFields();
    return w.finish().slice();
  }
}
