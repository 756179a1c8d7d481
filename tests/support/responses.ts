/**
 * Response bytes a broker would send, built by hand for fake brokers in unit tests:
 * ApiVersions (v0 and v3+) and Metadata v12 only; the golden tests in tests/protocol
 * check the codecs themselves.
 */
import { Writer } from "../../src/protocol/writer.ts";

export interface ApiRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** The API ranges our fakes announce: ApiVersions 0-4 and Metadata 0-12. */
export const FAKE_BROKER_APIS: ApiRange[] = [
  { apiKey: 18, minVersion: 0, maxVersion: 4 },
  { apiKey: 3, minVersion: 0, maxVersion: 12 },
];

/** An ApiVersions response payload (header v0 + body), without size prefix. */
export function apiVersionsResponse(correlationId: number, version: number, apis: ApiRange[], errorCode = 0): Uint8Array {
  const w = new Writer().int32(correlationId).int16(errorCode);
  const flexible = version >= 3;
  const each = (w: Writer, k: ApiRange) => {
    w.int16(k.apiKey).int16(k.minVersion).int16(k.maxVersion);
    if (flexible) w.taggedFields();
  };
  if (flexible) w.compactArray(apis, each);
  else w.array(apis, each);
  if (version >= 1) w.int32(0);
  if (flexible) w.taggedFields();
  return w.finish().slice();
}

export interface FakeBroker {
  nodeId: number;
  host: string;
  port: number;
}

export interface FakeTopic {
  name: string;
  errorCode?: number;
  partitions: { partition: number; leader: number; errorCode?: number }[];
}

/** A Metadata v12 response payload (header v1 + body), without size prefix. */
export function metadataResponseV12(
  correlationId: number,
  brokers: FakeBroker[],
  topics: FakeTopic[] = [],
  controllerId = brokers[0]?.nodeId ?? -1,
): Uint8Array {
  const w = new Writer().int32(correlationId).taggedFields();
  w.int32(0);
  w.compactArray(brokers, (w, b) => w.int32(b.nodeId).compactString(b.host).int32(b.port).compactString(null).taggedFields());
  w.compactString("fake-cluster").int32(controllerId);
  w.compactArray(topics, (w, t) => {
    w.int16(t.errorCode ?? 0).compactString(t.name).uuid(new Uint8Array(16)).bool(false);
    w.compactArray(t.partitions, (w, p) => {
      w.int16(p.errorCode ?? 0).int32(p.partition).int32(p.leader).int32(0);
      for (const nodes of [[p.leader], [p.leader], []]) w.compactArray(nodes, (w, id) => w.int32(id));
      w.taggedFields();
    });
    w.int32(-2147483648).taggedFields();
  });
  w.taggedFields();
  return w.finish().slice();
}

/** A SaslHandshake v1 response payload (header v0 + body). */
export function saslHandshakeResponse(correlationId: number, errorCode: number, mechanisms: string[]): Uint8Array {
  return new Writer().int32(correlationId).int16(errorCode).array(mechanisms, (w, m) => w.string(m)).finish().slice();
}

/** A SaslAuthenticate v2 response payload (header v1 + flexible body). */
export function saslAuthenticateResponse(
  correlationId: number,
  errorCode: number,
  errorMessage: string | null,
  authBytes: Uint8Array,
  sessionLifetimeMs: number,
): Uint8Array {
  return new Writer().int32(correlationId).taggedFields()
    .int16(errorCode).compactString(errorMessage).compactBytes(authBytes).int64(BigInt(sessionLifetimeMs)).taggedFields()
    .finish().slice();
}
