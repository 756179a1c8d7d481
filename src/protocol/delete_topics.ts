/**
 * DeleteTopics (key 20), versions 1-6: delete topics by name, or from v6 by id.
 *
 * @module
 */

import { UnsupportedVersionError } from "../errors.ts";
import { type ApiCodec, apiIdentity } from "./api.ts";
import {
  endStruct,
  isZeroUuid,
  readArray,
  readNullableString,
  readString,
  writeArray,
  writeNoTags,
  writeString,
  ZERO_UUID,
} from "./fields.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** One topic to delete, by name or by id (v6+). */
export interface DeleteTopicState {
  /** The topic name, or null when deleting by id. */
  name: string | null;
  /** The topic id (all zeros, the default, means "by name"). */
  topicId?: Uint8Array;
}

/**
 * A DeleteTopics request. Give either `topics` (the v6 shape) or `topicNames` (the
 * v0-5 shape); the codec converts between them, and refuses ids before v6.
 */
export interface DeleteTopicsRequest {
  /** The topics to delete, by name or id (v6+ wire field). */
  topics?: DeleteTopicState[];
  /** The names of the topics to delete (v0-5 wire field). */
  topicNames?: string[];
  /** How long to wait, in milliseconds, for the deletions to complete. */
  timeoutMs: number;
}

/** The result for one topic in a DeleteTopics response. */
export interface DeletableTopicResult {
  /** The topic name; null only from v6 on, for an unknown topic deleted by id. */
  name: string | null;
  /** The topic id (v6+; all zeros before). */
  topicId: Uint8Array;
  /** The deletion error, or 0. */
  errorCode: number;
  /** The error message (v5+; null before or if none). */
  errorMessage: string | null;
}

/** A DeleteTopics response. */
export interface DeleteTopicsResponse {
  /** Throttle time in milliseconds. */
  throttleTimeMs: number;
  /** The results for each topic. */
  responses: DeletableTopicResult[];
}

function topicNamesOf(version: number, request: DeleteTopicsRequest): string[] {
  if (request.topicNames) return request.topicNames;
  return (request.topics ?? []).map((t) => {
    if (t.name === null || (t.topicId && !isZeroUuid(t.topicId))) {
      throw new UnsupportedVersionError("DeleteTopics", `version ${version} cannot delete topics by id`);
    }
    return t.name;
  });
}

function readResult(r: Reader, version: number, flexible: boolean): DeletableTopicResult {
  return endStruct(r, flexible, {
    name: version >= 6 ? readNullableString(r, flexible) : readString(r, flexible, "topic name"),
    topicId: version >= 6 ? r.uuid() : new Uint8Array(16),
    errorCode: r.int16(),
    errorMessage: version >= 5 ? readNullableString(r, flexible) : null,
  });
}

/**
 * The DeleteTopics codec, versions 1-6 (flexible from 4). Kafka 4.0 removed version 0,
 * and every broker from 3.x on speaks 1+.
 */
export const DeleteTopicsApi: ApiCodec<DeleteTopicsRequest, DeleteTopicsResponse> = {
  ...apiIdentity("DeleteTopics", 20, [1, 6], 4),

  encodeRequest(w: Writer, version: number, request: DeleteTopicsRequest, flexible: boolean): void {
    if (version >= 6) {
      const topics = request.topics ?? (request.topicNames ?? []).map((name) => ({ name }));
      writeArray(w, true, topics, (x, t: DeleteTopicState) => {
        x.compactString(t.name).uuid(t.topicId ?? ZERO_UUID).taggedFields();
      });
    } else {
      writeArray(w, flexible, topicNamesOf(version, request), (x, name) => writeString(x, flexible, name));
    }
    w.int32(request.timeoutMs);
    writeNoTags(w, flexible);
  },

  decodeResponse(r: Reader, version: number, flexible: boolean): DeleteTopicsResponse {
    return endStruct(r, flexible, {
      throttleTimeMs: r.int32(),
      responses: readArray(r, flexible, (x) => readResult(x, version, flexible), "responses"),
    });
  },
};
