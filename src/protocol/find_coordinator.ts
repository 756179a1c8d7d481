/**
 * FindCoordinator (key 10), versions 0-6: find the broker that coordinates a consumer
 * group, a transactional id or a share group.
 *
 * @module
 */

import { UnsupportedVersionError } from "../errors.ts";
import { type ApiCodec, apiIdentity } from "./api.ts";
import { endStruct, readArray, readNullableString, readString, writeArray, writeNoTags, writeString } from "./fields.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/**
 * The kinds of coordinator key: a consumer group id, a transactional id, or (v6+,
 * KIP-932) a share-group key "groupId:topicId:partition".
 */
export const CoordinatorKeyType: { readonly GROUP: 0; readonly TRANSACTION: 1; readonly SHARE: 2 } = {
  /** A consumer group id. */
  GROUP: 0,
  /** A transactional id. */
  TRANSACTION: 1,
  /** A share-group partition key. */
  SHARE: 2,
} as const;

/** A FindCoordinator request. Versions 0-3 carry exactly one key; v4+ batch them. */
export interface FindCoordinatorRequest {
  /** What the keys are (see {@linkcode CoordinatorKeyType}); v0 only knows groups (0). */
  keyType: number;
  /** The keys to look up: exactly one before v4. */
  keys: string[];
}

/** The coordinator found (or the error) for one key. */
export interface FindCoordinatorCoordinator {
  /** The key; "" in v0-3 responses, which answer the request's only key without naming it. */
  key: string;
  /** The coordinator's broker id, or -1 on error. */
  nodeId: number;
  /** The coordinator's hostname. */
  host: string;
  /** The coordinator's port. */
  port: number;
  /** The error code, or 0. */
  errorCode: number;
  /** The error message, or null (always null in v0). */
  errorMessage: string | null;
}

/**
 * A FindCoordinator response, normalized to a list of coordinators for every version
 * (v0-3 answers give a list of one).
 */
export interface FindCoordinatorResponse {
  /** Throttle time in milliseconds (v1+; 0 before). */
  throttleTimeMs: number;
  /** One result per key. */
  coordinators: FindCoordinatorCoordinator[];
}

function readCoordinator(r: Reader): FindCoordinatorCoordinator {
  // Only v4+, which are all flexible, carry this struct.
  return endStruct(r, true, {
    key: readString(r, true, "coordinator key"),
    nodeId: r.int32(),
    host: readString(r, true, "coordinator host"),
    port: r.int32(),
    errorCode: r.int16(),
    errorMessage: readNullableString(r, true),
  });
}

/**
 * The FindCoordinator codec, versions 0-6 (flexible from 3). Kafka 3.9 and 4.x brokers
 * speak all of them; v5 and v6 only add error codes and the share key type.
 *
 * Before v4 a request carries a single key, so `keys` must hold exactly one; v0 has no
 * key type and can only look up groups. Both throw {@linkcode UnsupportedVersionError}.
 */
export const FindCoordinatorApi: ApiCodec<FindCoordinatorRequest, FindCoordinatorResponse> = {
  ...apiIdentity("FindCoordinator", 10, [0, 6], 3),

  encodeRequest(w: Writer, version: number, request: FindCoordinatorRequest, flexible: boolean): void {
    if (version < 4) {
      if (request.keys.length !== 1) {
        throw new UnsupportedVersionError("FindCoordinator", `version ${version} looks up exactly one key, not ${request.keys.length}`);
      }
      writeString(w, flexible, request.keys[0]);
      if (version >= 1) w.int8(request.keyType);
      else if (request.keyType !== CoordinatorKeyType.GROUP) {
        throw new UnsupportedVersionError("FindCoordinator", `version 0 cannot look up key type ${request.keyType}`);
      }
    } else {
      w.int8(request.keyType);
      writeArray(w, flexible, request.keys, (x, k) => writeString(x, flexible, k));
    }
    writeNoTags(w, flexible);
  },

  decodeResponse(r: Reader, version: number, flexible: boolean): FindCoordinatorResponse {
    const throttleTimeMs = version >= 1 ? r.int32() : 0;
    let coordinators: FindCoordinatorCoordinator[];
    if (version >= 4) {
      coordinators = readArray(r, flexible, readCoordinator, "coordinators");
    } else {
      const errorCode = r.int16();
      const errorMessage = version >= 1 ? readNullableString(r, flexible) : null;
      const nodeId = r.int32();
      const host = readString(r, flexible, "coordinator host");
      const port = r.int32();
      coordinators = [{ key: "", nodeId, host, port, errorCode, errorMessage }];
    }
    return endStruct(r, flexible, { throttleTimeMs, coordinators });
  },
};
