/**
 * The model broker's side of the protocol: request decoders and response encoders for
 * the one version of each API the model announces in ApiVersions (our codecs in
 * src/protocol only encode requests and decode responses). Every pinned version is
 * flexible, so there is one encoding style throughout.
 *
 * @module
 */
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";

/** API keys the model speaks. */
export const API = {
  Produce: 0,
  Metadata: 3,
  FindCoordinator: 10,
  ApiVersions: 18,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
} as const;

/** The first flexible version of each API above (from the Kafka JSON specs). */
const FLEXIBLE_FROM: Record<number, number> = { 0: 9, 3: 9, 10: 3, 18: 3, 22: 2, 24: 3, 25: 3, 26: 3, 28: 3 };

/**
 * The versions the model announces: one per API. Transaction protocol v2 (KIP-890) needs
 * Produce 12, EndTxn 5 and TxnOffsetCommit 5; v1 the versions below those.
 */
export function pinnedVersions(transactionV2: boolean): Map<number, number> {
  return new Map([
    [API.Produce, transactionV2 ? 12 : 11],
    [API.Metadata, 12],
    [API.FindCoordinator, 6],
    [API.ApiVersions, 4],
    [API.InitProducerId, 5],
    [API.AddPartitionsToTxn, 3],
    [API.AddOffsetsToTxn, 4],
    [API.EndTxn, transactionV2 ? 5 : 4],
    [API.TxnOffsetCommit, transactionV2 ? 5 : 4],
  ]);
}

/** A request header. */
export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** Reads a request frame's header (size prefix already removed); the reader is left at the body. */
export function readRequestHeader(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.string();
  if (apiVersion >= (FLEXIBLE_FROM[apiKey] ?? Infinity)) r.taggedFields();
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Wraps a response body in its frame: size, correlation id and (except ApiVersions) header tags. */
export function responseFrame(header: RequestHeader, writeBody: (w: Writer) => void): Uint8Array {
  const w = new Writer(128);
  const sizeAt = w.reserve(4);
  w.int32(header.correlationId);
  if (header.apiKey !== API.ApiVersions) w.taggedFields();
  writeBody(w);
  w.setInt32(sizeAt, w.length - 4);
  return w.finish().slice();
}

const str = (r: Reader) => r.compactString() ?? "";
const tags = (r: Reader) => void r.taggedFields();

/** A decoded Produce request (v11/v12). */
export interface ProduceRequestIn {
  transactionalId: string | null;
  acks: number;
  topics: { name: string; partitions: { index: number; records: Uint8Array | null }[] }[];
}

/** Decodes a Produce v11/v12 body. */
export function readProduce(r: Reader): ProduceRequestIn {
  const transactionalId = r.compactString();
  const acks = r.int16();
  r.int32();
  const topics = r.compactArray((t) => {
    const name = str(t);
    const partitions = t.compactArray((p) => {
      const index = p.int32();
      const records = p.compactBytes();
      tags(p);
      return { index, records: records && records.slice() };
    }) ?? [];
    tags(t);
    return { name, partitions };
  }) ?? [];
  tags(r);
  return { transactionalId, acks, topics };
}

/** One partition's result in a Produce response. */
export interface ProducePartitionOut {
  index: number;
  errorCode: number;
  baseOffset: number;
  errorMessage?: string;
}

/** Encodes a Produce v11/v12 response body. */
export function writeProduce(w: Writer, topics: { name: string; partitions: ProducePartitionOut[] }[]): void {
  w.compactArray(topics, (w, t) => {
    w.compactString(t.name);
    w.compactArray(t.partitions, (w, p) => {
      w.int32(p.index).int16(p.errorCode).int64(BigInt(p.baseOffset)).int64(-1n).int64(0n);
      w.compactArray([], () => {});
      w.compactString(p.errorMessage ?? null);
      w.taggedFields();
    });
    w.taggedFields();
  });
  w.int32(0).taggedFields();
}

/** Decodes a Metadata v12 body: the topic names asked for (null: all). */
export function readMetadata(r: Reader): { topics: string[] | null } {
  const topics = r.compactArray((t) => {
    t.uuid();
    const name = t.compactString();
    tags(t);
    return name ?? "";
  });
  r.bool();
  r.bool();
  tags(r);
  return { topics };
}

/** A topic in a Metadata response. */
export interface MetadataTopicOut {
  errorCode: number;
  name: string;
  partitions: { errorCode: number; index: number; leader: number; leaderEpoch: number; replicas: number[] }[];
}

/** Encodes a Metadata v12 response body. */
export function writeMetadata(
  w: Writer,
  brokers: { id: number; host: string; port: number }[],
  controllerId: number,
  topics: MetadataTopicOut[],
): void {
  w.int32(0);
  w.compactArray(brokers, (w, b) => w.int32(b.id).compactString(b.host).int32(b.port).compactString(null).taggedFields());
  w.compactString("sim-cluster").int32(controllerId);
  w.compactArray(topics, (w, t) => {
    w.int16(t.errorCode).compactString(t.name).uuid(new Uint8Array(16)).bool(false);
    w.compactArray(t.partitions, (w, p) => {
      w.int16(p.errorCode).int32(p.index).int32(p.leader).int32(p.leaderEpoch);
      for (const nodes of [p.replicas, p.replicas, []]) w.compactArray(nodes, (w, id) => w.int32(id));
      w.taggedFields();
    });
    w.int32(-2147483648).taggedFields();
  });
  w.taggedFields();
}

/** Encodes an ApiVersions v4 response body, with transaction.version finalized when given. */
export function writeApiVersions(w: Writer, versions: Map<number, number>, transactionVersion: number): void {
  w.int16(0);
  w.compactArray([...versions], (w, [key, version]) => w.int16(key).int16(version).int16(version).taggedFields());
  w.int32(0);
  if (transactionVersion < 2) {
    w.taggedFields();
    return;
  }
  const supported = new Writer();
  supported.compactArray([0], (w) => w.compactString("transaction.version").int16(0).int16(2).taggedFields());
  const epoch = new Writer().int64(1n);
  const finalized = new Writer();
  finalized.compactArray(
    [0],
    (w) => w.compactString("transaction.version").int16(transactionVersion).int16(transactionVersion).taggedFields(),
  );
  w.taggedFields([
    { tag: 0, data: supported.finish().slice() },
    { tag: 1, data: epoch.finish().slice() },
    { tag: 2, data: finalized.finish().slice() },
  ]);
}

/** Decodes a FindCoordinator v6 body. */
export function readFindCoordinator(r: Reader): { keyType: number; keys: string[] } {
  const keyType = r.int8();
  const keys = r.compactArray(str) ?? [];
  tags(r);
  return { keyType, keys };
}

/** Encodes a FindCoordinator v6 response body. */
export function writeFindCoordinator(
  w: Writer,
  coordinators: { key: string; nodeId: number; host: string; port: number; errorCode: number }[],
): void {
  w.int32(0);
  w.compactArray(coordinators, (w, c) => {
    w.compactString(c.key).int32(c.nodeId).compactString(c.host).int32(c.port).int16(c.errorCode).compactString(null).taggedFields();
  });
  w.taggedFields();
}

/** Decodes an InitProducerId v5 body. */
export function readInitProducerId(
  r: Reader,
): { transactionalId: string | null; transactionTimeoutMs: number; producerId: bigint; producerEpoch: number } {
  const transactionalId = r.compactString();
  const transactionTimeoutMs = r.int32();
  const producerId = r.int64();
  const producerEpoch = r.int16();
  tags(r);
  return { transactionalId, transactionTimeoutMs, producerId, producerEpoch };
}

/** Encodes an InitProducerId v5 response body. */
export function writeInitProducerId(w: Writer, errorCode: number, producerId: bigint, producerEpoch: number): void {
  w.int32(0).int16(errorCode).int64(producerId).int16(producerEpoch).taggedFields();
}

/** Decodes an AddPartitionsToTxn v3 body. */
export function readAddPartitions(
  r: Reader,
): { transactionalId: string; producerId: bigint; producerEpoch: number; topics: { name: string; partitions: number[] }[] } {
  const transactionalId = str(r);
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const topics = r.compactArray((t) => {
    const name = str(t);
    const partitions = t.compactArray((p) => p.int32()) ?? [];
    tags(t);
    return { name, partitions };
  }) ?? [];
  tags(r);
  return { transactionalId, producerId, producerEpoch, topics };
}

/** Encodes an AddPartitionsToTxn v3 response body: one error code per partition. */
export function writeAddPartitions(w: Writer, topics: { name: string; partitions: number[] }[], errorCode: number): void {
  w.int32(0);
  w.compactArray(topics, (w, t) => {
    w.compactString(t.name);
    w.compactArray(t.partitions, (w, p) => w.int32(p).int16(errorCode).taggedFields());
    w.taggedFields();
  });
  w.taggedFields();
}

/** Decodes an AddOffsetsToTxn v4 body. */
export function readAddOffsets(r: Reader): { transactionalId: string; producerId: bigint; producerEpoch: number; groupId: string } {
  const transactionalId = str(r);
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const groupId = str(r);
  tags(r);
  return { transactionalId, producerId, producerEpoch, groupId };
}

/** Encodes a body of just throttle time and an error code (AddOffsetsToTxn v4). */
export function writeErrorOnly(w: Writer, errorCode: number): void {
  w.int32(0).int16(errorCode).taggedFields();
}

/** A decoded TxnOffsetCommit v4/v5 body. */
export interface TxnOffsetCommitIn {
  transactionalId: string;
  groupId: string;
  producerId: bigint;
  producerEpoch: number;
  topics: { name: string; partitions: { index: number; offset: bigint }[] }[];
}

/** Decodes a TxnOffsetCommit v4/v5 body. */
export function readTxnOffsetCommit(r: Reader): TxnOffsetCommitIn {
  const transactionalId = str(r);
  const groupId = str(r);
  const producerId = r.int64();
  const producerEpoch = r.int16();
  r.int32();
  r.compactString();
  r.compactString();
  const topics = r.compactArray((t) => {
    const name = str(t);
    const partitions = t.compactArray((p) => {
      const index = p.int32();
      const offset = p.int64();
      p.int32();
      p.compactString();
      tags(p);
      return { index, offset };
    }) ?? [];
    tags(t);
    return { name, partitions };
  }) ?? [];
  tags(r);
  return { transactionalId, groupId, producerId, producerEpoch, topics };
}

/** Encodes a TxnOffsetCommit v4/v5 response body: one error code for every partition. */
export function writeTxnOffsetCommit(w: Writer, request: TxnOffsetCommitIn, errorCode: number): void {
  w.int32(0);
  w.compactArray(request.topics, (w, t) => {
    w.compactString(t.name);
    w.compactArray(t.partitions, (w, p) => w.int32(p.index).int16(errorCode).taggedFields());
    w.taggedFields();
  });
  w.taggedFields();
}

/** Decodes an EndTxn v4/v5 body. */
export function readEndTxn(r: Reader): { transactionalId: string; producerId: bigint; producerEpoch: number; committed: boolean } {
  const transactionalId = str(r);
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const committed = r.bool();
  tags(r);
  return { transactionalId, producerId, producerEpoch, committed };
}

/** Encodes an EndTxn v4/v5 response body (v5 carries the producer id and the bumped epoch). */
export function writeEndTxn(w: Writer, version: number, errorCode: number, producerId: bigint, producerEpoch: number): void {
  w.int32(0).int16(errorCode);
  if (version >= 5) w.int64(producerId).int16(producerEpoch);
  w.taggedFields();
}

export { Reader };
