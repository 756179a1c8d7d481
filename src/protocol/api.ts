/**
 * The contract every API codec follows, and the request/response framing around it:
 * size prefix, request header v1/v2 and response header v0/v1.
 *
 * @module
 */

import { CorruptResponseError, UnsupportedVersionError } from "../errors.ts";
import { Reader } from "./reader.ts";
import { Writer } from "./writer.ts";

/**
 * Encodes requests and decodes responses of one Kafka API, for every version from
 * `minVersion` to `maxVersion`. Codecs handle the body only; the functions in this
 * module add and strip the headers.
 *
 * @example A codec for a made-up API with an empty body
 * ```ts
 * import type { ApiCodec } from "./api.ts";
 * const Ping: ApiCodec<Record<string, never>, { errorCode: number }> = {
 *   name: "Ping", key: 1000, minVersion: 0, maxVersion: 0, flexibleFrom: Infinity,
 *   encodeRequest() {},
 *   decodeResponse(r) { return { errorCode: r.int16() }; },
 * };
 * console.log(Ping.name);
 * ```
 */
export interface ApiCodec<Req, Res> {
  /** The API's name, e.g. "ApiVersions". */
  readonly name: string;
  /** The API key. */
  readonly key: number;
  /** The lowest version this client speaks. */
  readonly minVersion: number;
  /** The highest version this client speaks. */
  readonly maxVersion: number;
  /** The first flexible version (Infinity if none). */
  readonly flexibleFrom: number;
  /**
   * Writes the request body (no header) of the given version; `flexible` says whether that
   * version is flexible (compact strings and arrays, tagged fields), as {@linkcode isFlexible} computes it.
   */
  encodeRequest(w: Writer, version: number, request: Req, flexible: boolean): void;
  /** Reads the response body (no header) of the given version; `flexible` as for `encodeRequest`. */
  decodeResponse(r: Reader, version: number, flexible: boolean): Res;
}

/** What identifies an API and the versions this client speaks of it. */
export type ApiIdentity = Pick<ApiCodec<unknown, unknown>, "name" | "key" | "minVersion" | "maxVersion" | "flexibleFrom">;

/**
 * An API's name, key, version range and first flexible version (Infinity for none), as its
 * codec declares them: one line per codec instead of five.
 *
 * @example
 * ```ts
 * import { apiIdentity } from "./api.ts";
 * console.log(apiIdentity("EndTxn", 26, [0, 5], 3).maxVersion); // 5
 * ```
 */
export function apiIdentity(name: string, key: number, [minVersion, maxVersion]: [number, number], flexibleFrom: number): ApiIdentity {
  return { name, key, minVersion, maxVersion, flexibleFrom };
}

/** The ApiVersions key: its response header stays v0 even in flexible versions. */
const API_VERSIONS_KEY = 18;

/**
 * Whether `version` of `api` is flexible: compact strings and arrays, and tagged fields
 * after every struct. The codecs are told the answer rather than each working it out again.
 *
 * @example
 * ```ts
 * import { isFlexible } from "./api.ts";
 * import { MetadataApi } from "./metadata.ts";
 * console.log(isFlexible(MetadataApi, 8), isFlexible(MetadataApi, 9)); // false true
 * ```
 */
export function isFlexible(api: ApiCodec<unknown, unknown>, version: number): boolean {
  return version >= api.flexibleFrom;
}

/**
 * The request header version for `version` of `api`: 2 (with tagged fields) for
 * flexible versions, otherwise 1.
 *
 * @example
 * ```ts
 * import { requestHeaderVersion } from "./api.ts";
 * import { ApiVersionsApi } from "./api_versions.ts";
 * console.log(requestHeaderVersion(ApiVersionsApi, 3)); // 2
 * ```
 */
export function requestHeaderVersion(api: ApiCodec<unknown, unknown>, version: number): number {
  return isFlexible(api, version) ? 2 : 1;
}

/**
 * The response header version for `version` of `api`: 1 (with tagged fields) for
 * flexible versions, otherwise 0. ApiVersions always uses 0, so a client can read the
 * header before it knows which versions the broker speaks.
 *
 * @example
 * ```ts
 * import { responseHeaderVersion } from "./api.ts";
 * import { ApiVersionsApi } from "./api_versions.ts";
 * console.log(responseHeaderVersion(ApiVersionsApi, 4)); // 0
 * ```
 */
export function responseHeaderVersion(api: ApiCodec<unknown, unknown>, version: number): number {
  return isFlexible(api, version) && api.key !== API_VERSIONS_KEY ? 1 : 0;
}

/**
 * Encodes a whole request frame: the int32 size prefix, the request header (v1, or v2
 * for flexible versions) and the body.
 *
 * If a `writer` is given it is reset and reused, and the result is a copy the caller
 * owns; otherwise a fresh writer is used and its bytes are returned as they are.
 * Throws {@linkcode UnsupportedVersionError} if `version` is outside the codec's range.
 *
 * @example
 * ```ts
 * import { encodeRequest } from "./api.ts";
 * import { ApiVersionsApi } from "./api_versions.ts";
 * const frame = encodeRequest(ApiVersionsApi, 0, 1, "my-client", {
 *   clientSoftwareName: "edge-kafka", clientSoftwareVersion: "0.1.0",
 * });
 * console.log(frame.length); // 23
 * ```
 */
export function encodeRequest<Req>(
  api: ApiCodec<Req, unknown>,
  version: number,
  correlationId: number,
  clientId: string | null,
  request: Req,
  writer?: Writer,
): Uint8Array {
  return writeRequest(api, version, correlationId, clientId, request, writer ? writer.reset() : new Writer()).toBytes();
}

/**
 * Encodes a request frame as {@link encodeRequest} does, but as chunks to write in order:
 * large byte fields (a produce request's record batches) by reference, not copied, so
 * they must stay unchanged until the frame is written.
 *
 * @example
 * ```ts
 * import { encodeRequestChunks } from "./api.ts";
 * import { ApiVersionsApi } from "./api_versions.ts";
 * import { Writer } from "./writer.ts";
 * const chunks = encodeRequestChunks(ApiVersionsApi, 3, 1, "client", { clientSoftwareName: "x", clientSoftwareVersion: "1" }, new Writer());
 * console.log(chunks.length); // 1
 * ```
 */
export function encodeRequestChunks<Req>(
  api: ApiCodec<Req, unknown>,
  version: number,
  correlationId: number,
  clientId: string | null,
  request: Req,
  writer: Writer,
): Uint8Array[] {
  return writeRequest(api, version, correlationId, clientId, request, writer.reset()).toChunks();
}

function writeRequest<Req>(
  api: ApiCodec<Req, unknown>,
  version: number,
  correlationId: number,
  clientId: string | null,
  request: Req,
  w: Writer,
): Writer {
  if (!Number.isInteger(version) || version < api.minVersion || version > api.maxVersion) {
    throw new UnsupportedVersionError(api.name, `version ${version} is outside ${api.minVersion}..${api.maxVersion}`);
  }
  const flexible = isFlexible(api, version);
  const sizeAt = w.reserve(4);
  // The client id stays a non-compact nullable string even in header v2.
  w.int16(api.key).int16(version).int32(correlationId).string(clientId);
  if (flexible) w.taggedFields();
  api.encodeRequest(w, version, request, flexible);
  w.setInt32(sizeAt, w.length - 4);
  return w;
}

/**
 * The correlation id of a response frame (without its size prefix), read without
 * decoding anything else, so the caller can find the request it answers.
 *
 * @example
 * ```ts
 * import { responseCorrelationId } from "./api.ts";
 * console.log(responseCorrelationId(new Uint8Array([0, 0, 0, 7, 0, 0]))); // 7
 * ```
 */
export function responseCorrelationId(payload: Uint8Array): number {
  if (payload.length < 4) {
    throw new CorruptResponseError(`response of ${payload.length} bytes is too short to hold a correlation id`);
  }
  return new DataView(payload.buffer, payload.byteOffset, 4).getInt32(0);
}

/**
 * Decodes a response frame (without its size prefix): the response header (v0, or v1
 * for flexible versions except ApiVersions) and then the body. Any failure, including
 * bytes left over after the body, throws {@linkcode CorruptResponseError} with the
 * original error as its `cause`.
 *
 * @example
 * ```ts
 * import { decodeResponse } from "./api.ts";
 * import { ApiVersionsApi } from "./api_versions.ts";
 * // correlation id 7, error 0, one api key (18, 0..4)
 * const payload = new Uint8Array([0, 0, 0, 7, 0, 0, 0, 0, 0, 1, 0, 18, 0, 0, 0, 4]);
 * const { correlationId, body } = decodeResponse(ApiVersionsApi, 0, payload);
 * console.log(correlationId, body.apiKeys); // 7 [{ apiKey: 18, minVersion: 0, maxVersion: 4 }]
 * ```
 */
export function decodeResponse<Res>(
  api: ApiCodec<unknown, Res>,
  version: number,
  payload: Uint8Array,
): { correlationId: number; body: Res } {
  let correlationId = -1;
  try {
    const r = new Reader(payload);
    correlationId = r.int32();
    if (responseHeaderVersion(api, version) === 1) r.taggedFields();
    const body = api.decodeResponse(r, version, isFlexible(api, version));
    if (r.remaining !== 0) throw new CorruptResponseError(`${r.remaining} bytes left over after the body`);
    return { correlationId, body };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CorruptResponseError(
      `cannot decode ${api.name} v${version} response (correlation id ${correlationId}): ${why}`,
      e,
    );
  }
}

/**
 * Whether the client's and the broker's version ranges of `api` overlap.
 *
 * @example
 * ```ts
 * import { versionsOverlap } from "./api.ts";
 * import { ApiVersionsApi } from "./api_versions.ts";
 * console.log(versionsOverlap(ApiVersionsApi, 0, 3)); // true
 * ```
 */
export function versionsOverlap(api: ApiCodec<unknown, unknown>, brokerMin: number, brokerMax: number): boolean {
  return negotiateVersion(api, brokerMin, brokerMax) !== null;
}

/**
 * The highest version of `api` that both this client and the broker (which supports
 * `brokerMin`..`brokerMax`) speak, or null if there is none.
 *
 * @example
 * ```ts
 * import { negotiateVersion } from "./api.ts";
 * import { ApiVersionsApi } from "./api_versions.ts";
 * console.log(negotiateVersion(ApiVersionsApi, 0, 3)); // 3
 * console.log(negotiateVersion(ApiVersionsApi, 5, 9)); // null
 * ```
 */
export function negotiateVersion(api: ApiCodec<unknown, unknown>, brokerMin: number, brokerMax: number): number | null {
  const low = Math.max(api.minVersion, brokerMin);
  const high = Math.min(api.maxVersion, brokerMax);
  return high >= low ? high : null;
}
