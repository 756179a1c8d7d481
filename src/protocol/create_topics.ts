/**
 * CreateTopics (key 19), versions 2-7: create topics with partitions and configs.
 *
 * @module
 */

import { type ApiCodec, apiIdentity } from "./api.ts";
import {
  endStruct,
  readArray,
  readNullableArray,
  readNullableString,
  readString,
  readTagged,
  writeArray,
  writeInt32Array,
  writeNoTags,
  writeString,
} from "./fields.ts";
import { readTopicId } from "./topic_ids.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** A manual assignment of one partition's replicas. */
export interface CreatableReplicaAssignment {
  /** The partition index. */
  partitionIndex: number;
  /** The brokers to place the partition on. */
  brokerIds: number[];
}

/** A topic configuration to set at creation. */
export interface CreatableTopicConfig {
  /** The configuration name. */
  name: string;
  /** The configuration value. */
  value: string | null;
}

/** One topic to create. */
export interface CreatableTopic {
  /** The topic name. */
  name: string;
  /** The number of partitions, or -1 with manual assignments or for the broker default (v4+). */
  numPartitions: number;
  /** The replication factor, or -1 with manual assignments or for the broker default (v4+). */
  replicationFactor: number;
  /** Manual partition assignments (default: none, i.e. automatic). */
  assignments?: CreatableReplicaAssignment[];
  /** Custom topic configurations (default: none). */
  configs?: CreatableTopicConfig[];
}

/** A CreateTopics request. */
export interface CreateTopicsRequest {
  /** The topics to create. */
  topics: CreatableTopic[];
  /** How long to wait, in milliseconds, before timing out. */
  timeoutMs: number;
  /** If true, only check that the topics could be created (default false). */
  validateOnly?: boolean;
}

/** One configuration of a created topic, as returned from v5 on. */
export interface CreatableTopicConfigs {
  /** The configuration name. */
  name: string;
  /** The configuration value. */
  value: string | null;
  /** Whether the configuration is read-only. */
  readOnly: boolean;
  /** The configuration source. */
  configSource: number;
  /** Whether the configuration is sensitive. */
  isSensitive: boolean;
}

/**
 * The result for one topic in a CreateTopics response. Fields absent from the decoded
 * version hold their defaults.
 *
 * @example
 * ```ts
 * import type { CreatableTopicResult } from "./create_topics.ts";
 * const t: CreatableTopicResult = {
 *   name: "orders", topicId: new Uint8Array(16), errorCode: 36, errorMessage: "exists",
 *   topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: [],
 * };
 * console.log(t.errorCode);
 * ```
 */
export interface CreatableTopicResult {
  /** The topic name. */
  name: string;
  /** The new topic's id (v7+; all zeros before or on error). */
  topicId: Uint8Array;
  /** The error code, or 0. */
  errorCode: number;
  /** The error message, or null. */
  errorMessage: string | null;
  /** The topic config error, if configs are not returned (v5+ tag 0; 0 otherwise). */
  topicConfigErrorCode: number;
  /** The number of partitions (v5+; -1 before). */
  numPartitions: number;
  /** The replication factor (v5+; -1 before). */
  replicationFactor: number;
  /** The topic's configuration (v5+; empty before, null if the broker sent none). */
  configs: CreatableTopicConfigs[] | null;
}

/** A CreateTopics response. */
export interface CreateTopicsResponse {
  /** Throttle time in milliseconds. */
  throttleTimeMs: number;
  /** Results for each topic. */
  topics: CreatableTopicResult[];
}

function encodeTopic(w: Writer, flexible: boolean, t: CreatableTopic): void {
  writeString(w, flexible, t.name);
  w.int32(t.numPartitions).int16(t.replicationFactor);
  writeArray(w, flexible, t.assignments ?? [], (x, a) => {
    x.int32(a.partitionIndex);
    writeInt32Array(x, flexible, a.brokerIds);
    writeNoTags(x, flexible);
  });
  writeArray(w, flexible, t.configs ?? [], (x, c) => {
    writeString(x, flexible, c.name);
    writeString(x, flexible, c.value);
    writeNoTags(x, flexible);
  });
  writeNoTags(w, flexible);
}

function readConfig(r: Reader): CreatableTopicConfigs {
  // Only flexible versions (5+) carry configs.
  return endStruct(r, true, {
    name: readString(r, true, "config name"),
    value: readNullableString(r, true),
    readOnly: r.bool(),
    configSource: r.int8(),
    isSensitive: r.bool(),
  });
}

function readTopicResult(r: Reader, version: number, flexible: boolean): CreatableTopicResult {
  const t: CreatableTopicResult = {
    name: readString(r, flexible, "topic name"),
    topicId: readTopicId(r, version >= 7),
    errorCode: r.int16(),
    errorMessage: readNullableString(r, flexible),
    topicConfigErrorCode: 0,
    numPartitions: version >= 5 ? r.int32() : -1,
    replicationFactor: version >= 5 ? r.int16() : -1,
    configs: version >= 5 ? readNullableArray(r, true, readConfig) : [],
  };
  if (flexible) {
    for (const { tag, data } of r.taggedFields()) {
      if (tag === 0) t.topicConfigErrorCode = readTagged(data, (x) => x.int16(), "topic config error code");
    }
  }
  return t;
}

/**
 * The CreateTopics codec, versions 2-7 (flexible from 5). Kafka 4.0 removed versions
 * 0 and 1, and every broker from 3.x on speaks 2+.
 */
export const CreateTopicsApi: ApiCodec<CreateTopicsRequest, CreateTopicsResponse> = {
  ...apiIdentity("CreateTopics", 19, [2, 7], 5),

  encodeRequest(w: Writer, _version: number, request: CreateTopicsRequest, flexible: boolean): void {
    writeArray(w, flexible, request.topics, (x, t) => encodeTopic(x, flexible, t));
    w.int32(request.timeoutMs).bool(request.validateOnly ?? false);
    writeNoTags(w, flexible);
  },

  decodeResponse(r: Reader, version: number, flexible: boolean): CreateTopicsResponse {
    return endStruct(r, flexible, {
      throttleTimeMs: r.int32(),
      topics: readArray(r, flexible, (x) => readTopicResult(x, version, flexible), "topics"),
    });
  },
};
