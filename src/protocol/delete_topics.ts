/**
 * DeleteTopics (key 20), versions 1-6: delete topics by name, or from v6 by id.
 *
 * @module
 */

import { type ApiCodec, apiIdentity } from "./api.ts";
import { endStruct, readArray, readNullableString, writeArray, writeNoTags, writeString } from "./fields.ts";
import { readTopicId, readTopicName, topicNameOnly, type TopicRef, ZERO_UUID } from "./topic_ids.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** One topic to delete, by name or by id (v6+). */
export type DeleteTopicState = TopicRef;

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
  return (request.topics ?? []).map((t) => topicNameOnly("DeleteTopics", version, t, "delete topics"));
}

function readResult(r: Reader, version: number, flexible: boolean): DeletableTopicResult {
  return endStruct(r, flexible, {
    name: readTopicName(r, flexible, version >= 6),
    topicId: readTopicId(r, version >= 6),
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
