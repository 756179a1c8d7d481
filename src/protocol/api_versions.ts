/**
 * ApiVersions (key 18), versions 0-4: which APIs and versions a broker speaks.
 *
 * @module
 */

import { type ApiCodec, apiIdentity } from "./api.ts";
import { ErrorCode } from "./error_codes.ts";
import { endStruct, readArray, readString, readTagged } from "./fields.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/**
 * An ApiVersions request. The client software fields are sent from v3 on, and the
 * broker rejects empty ones (they must match `[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?`).
 */
export interface ApiVersionsRequest {
  /** The name of the client (v3+). */
  clientSoftwareName: string;
  /** The version of the client (v3+). */
  clientSoftwareVersion: string;
}

/** The version range a broker supports for one API. */
export interface ApiVersionsResponseKey {
  /** The API key. */
  apiKey: number;
  /** The minimum supported version, inclusive. */
  minVersion: number;
  /** The maximum supported version, inclusive. */
  maxVersion: number;
}

/** A feature the broker supports, with its version range (v3+ tagged field). */
export interface SupportedFeatureKey {
  /** The name of the feature. */
  name: string;
  /** The minimum supported version for the feature. */
  minVersion: number;
  /** The maximum supported version for the feature. */
  maxVersion: number;
}

/** A cluster-wide finalized feature level (v3+ tagged field). */
export interface FinalizedFeatureKey {
  /** The name of the feature. */
  name: string;
  /** The cluster-wide finalized max version level for the feature. */
  maxVersionLevel: number;
  /** The cluster-wide finalized min version level for the feature. */
  minVersionLevel: number;
}

/**
 * An ApiVersions response. Fields absent from the decoded version hold their defaults
 * (0, -1n, empty arrays, false).
 */
export interface ApiVersionsResponse {
  /** The top-level error code. 35 (UNSUPPORTED_VERSION) means the body was decoded as v0. */
  errorCode: number;
  /** The APIs supported by the broker. */
  apiKeys: ApiVersionsResponseKey[];
  /** Throttle time in milliseconds (v1+; 0 before). */
  throttleTimeMs: number;
  /** Features supported by the broker (v3+ tag 0). */
  supportedFeatures: SupportedFeatureKey[];
  /** Epoch of the finalized features, -1n if unknown (v3+ tag 1). */
  finalizedFeaturesEpoch: bigint;
  /** Cluster-wide finalized features (v3+ tag 2). */
  finalizedFeatures: FinalizedFeatureKey[];
  /** Set by a KRaft controller ready for ZK migration (v3+ tag 3). */
  zkMigrationReady: boolean;
}

function readApiKey(r: Reader, flexible: boolean): ApiVersionsResponseKey {
  return endStruct(r, flexible, { apiKey: r.int16(), minVersion: r.int16(), maxVersion: r.int16() });
}

function readSupportedFeature(r: Reader): SupportedFeatureKey {
  return endStruct(r, true, { name: readString(r, true, "feature name"), minVersion: r.int16(), maxVersion: r.int16() });
}

function readFinalizedFeature(r: Reader): FinalizedFeatureKey {
  return endStruct(r, true, { name: readString(r, true, "feature name"), maxVersionLevel: r.int16(), minVersionLevel: r.int16() });
}

/**
 * The ApiVersions codec, versions 0-4 (flexible from 3).
 *
 * When the broker does not speak the requested version it answers UNSUPPORTED_VERSION
 * (35) in a v0 body; this codec then decodes the body as v0, so the caller can retry
 * with the highest ApiVersions version listed in `apiKeys`.
 */
export const ApiVersionsApi: ApiCodec<ApiVersionsRequest, ApiVersionsResponse> = {
  ...apiIdentity("ApiVersions", 18, [0, 4], 3),

  encodeRequest(w: Writer, version: number, request: ApiVersionsRequest): void {
    if (version < 3) return;
    w.compactString(request.clientSoftwareName).compactString(request.clientSoftwareVersion).taggedFields();
  },

  decodeResponse(r: Reader, version: number, flexibleVersion: boolean): ApiVersionsResponse {
    const errorCode = r.int16();
    // A broker that rejects our version answers in v0, which is not flexible, whatever version we sent.
    const answeredInV0 = errorCode === ErrorCode.UNSUPPORTED_VERSION;
    const v = answeredInV0 ? 0 : version;
    const flexible = flexibleVersion && !answeredInV0;
    const res: ApiVersionsResponse = {
      errorCode,
      apiKeys: readArray(r, flexible, (x) => readApiKey(x, flexible), "api keys"),
      throttleTimeMs: v >= 1 ? r.int32() : 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    };
    if (!flexible) return res;
    for (const { tag, data } of r.taggedFields()) {
      switch (tag) {
        case 0:
          res.supportedFeatures = readTagged(data, (x) => readArray(x, true, readSupportedFeature), "supported features");
          break;
        case 1:
          res.finalizedFeaturesEpoch = readTagged(data, (x) => x.int64(), "finalized features epoch");
          break;
        case 2:
          res.finalizedFeatures = readTagged(data, (x) => readArray(x, true, readFinalizedFeature), "finalized features");
          break;
        case 3:
          res.zkMigrationReady = readTagged(data, (x) => x.bool(), "zk migration ready");
          break;
        default:
          // Unknown tags come from newer brokers and are safe to ignore.
          break;
      }
    }
    return res;
  },
};
