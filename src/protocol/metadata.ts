/**
 * Metadata (key 3), versions 0-13: brokers, topics, partitions and their leaders.
 *
 * @module
 */

import { UnsupportedVersionError } from "../errors.ts";
import { type ApiCodec, apiIdentity } from "./api.ts";
import { endStruct, readArray, readInt32Array, readNullableString, readString, writeArray, writeNoTags, writeString } from "./fields.ts";
import { readTopicId, readTopicName, topicNameOnly, type TopicRef, ZERO_UUID } from "./topic_ids.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** One topic to fetch metadata for, by name or by id (v12+). */
export type MetadataRequestTopic = TopicRef;

/** A Metadata request. */
export interface MetadataRequest {
  /** The topics to fetch metadata for; null means all topics. */
  topics: MetadataRequestTopic[] | null;
  /** Whether the broker may auto-create requested topics (v4+; default true). */
  allowAutoTopicCreation?: boolean;
  /** Whether to include cluster authorized operations (v8-10; default false). */
  includeClusterAuthorizedOperations?: boolean;
  /** Whether to include topic authorized operations (v8+; default false). */
  includeTopicAuthorizedOperations?: boolean;
}

/** One broker in a Metadata response. */
export interface MetadataResponseBroker {
  /** The broker id. */
  nodeId: number;
  /** The broker hostname. */
  host: string;
  /** The broker port. */
  port: number;
  /** The rack of the broker, or null (v1+). */
  rack: string | null;
}

/** One partition in a Metadata response. */
export interface MetadataResponsePartition {
  /** The partition error, or 0. */
  errorCode: number;
  /** The partition index. */
  partitionIndex: number;
  /** The id of the leader broker. */
  leaderId: number;
  /** The leader epoch (v7+; -1 before). */
  leaderEpoch: number;
  /** All nodes that host this partition. */
  replicaNodes: number[];
  /** The nodes in sync with the leader. */
  isrNodes: number[];
  /** The offline replicas (v5+; empty before). */
  offlineReplicas: number[];
}

/**
 * One topic in a Metadata response.
 *
 * @example
 * ```ts
 * import type { MetadataResponseTopic } from "./metadata.ts";
 * const t: MetadataResponseTopic = {
 *   errorCode: 3, name: "missing", topicId: new Uint8Array(16), isInternal: false,
 *   partitions: [], topicAuthorizedOperations: -2147483648,
 * };
 * console.log(t.errorCode);
 * ```
 */
export interface MetadataResponseTopic {
  /** The topic error, or 0. */
  errorCode: number;
  /** The topic name; null only from v12 on, for unknown topics asked for by id. */
  name: string | null;
  /** The topic id (v10+; all zeros before or when unknown). */
  topicId: Uint8Array;
  /** Whether the topic is internal (v1+; false before). */
  isInternal: boolean;
  /** The topic's partitions. */
  partitions: MetadataResponsePartition[];
  /** Bitfield of authorized operations (v8+; -2147483648 when not requested or before v8). */
  topicAuthorizedOperations: number;
}

/** A Metadata response. Fields absent from the decoded version hold their defaults. */
export interface MetadataResponse {
  /** Throttle time in milliseconds (v3+; 0 before). */
  throttleTimeMs: number;
  /** The brokers in the cluster. */
  brokers: MetadataResponseBroker[];
  /** The cluster id (v2+; null before). */
  clusterId: string | null;
  /** The controller's broker id (v1+; -1 before or if unknown). */
  controllerId: number;
  /** The topics. */
  topics: MetadataResponseTopic[];
  /** Bitfield of cluster authorized operations (v8-10; -2147483648 otherwise). */
  clusterAuthorizedOperations: number;
  /** The top-level error code (v13+; 0 before). */
  errorCode: number;
}

/** The "not requested" value of the authorized-operations bitfields. */
const NO_AUTHORIZED_OPERATIONS = -2147483648;

function encodeTopic(w: Writer, version: number, flexible: boolean, t: MetadataRequestTopic): void {
  // The spec has ids (and null names) from v10, but brokers only honour them from v12.
  const name = version >= 12 ? t.name : topicNameOnly("Metadata", version, t, "look topics up");
  if (version >= 10) w.uuid(t.topicId ?? ZERO_UUID);
  writeString(w, flexible, name);
  writeNoTags(w, flexible);
}

function readBroker(r: Reader, version: number, flexible: boolean): MetadataResponseBroker {
  return endStruct(r, flexible, {
    nodeId: r.int32(),
    host: readString(r, flexible, "broker host"),
    port: r.int32(),
    rack: version >= 1 ? readNullableString(r, flexible) : null,
  });
}

function readPartition(r: Reader, version: number, flexible: boolean): MetadataResponsePartition {
  return endStruct(r, flexible, {
    errorCode: r.int16(),
    partitionIndex: r.int32(),
    leaderId: r.int32(),
    leaderEpoch: version >= 7 ? r.int32() : -1,
    replicaNodes: readInt32Array(r, flexible, "replica nodes"),
    isrNodes: readInt32Array(r, flexible, "isr nodes"),
    offlineReplicas: version >= 5 ? readInt32Array(r, flexible, "offline replicas") : [],
  });
}

function readTopic(r: Reader, version: number, flexible: boolean): MetadataResponseTopic {
  return endStruct(r, flexible, {
    errorCode: r.int16(),
    name: readTopicName(r, flexible, version >= 12),
    topicId: readTopicId(r, version >= 10),
    isInternal: version >= 1 ? r.bool() : false,
    partitions: readArray(r, flexible, (x) => readPartition(x, version, flexible), "partitions"),
    topicAuthorizedOperations: version >= 8 ? r.int32() : NO_AUTHORIZED_OPERATIONS,
  });
}

/**
 * The Metadata codec, versions 0-13 (flexible from 9).
 *
 * Version 0 has no way to say "no topics": there an empty list means all topics, so
 * `topics: null` is sent as an empty list and `topics: []` is refused. Looking topics
 * up by id needs v12+ (the spec allows v10, but brokers ignore it before v12), and
 * `allowAutoTopicCreation: false` needs v4+; both throw
 * {@linkcode UnsupportedVersionError} on older versions.
 */
export const MetadataApi: ApiCodec<MetadataRequest, MetadataResponse> = {
  ...apiIdentity("Metadata", 3, [0, 13], 9),

  encodeRequest(w: Writer, version: number, request: MetadataRequest, flexible: boolean): void {
    let topics = request.topics;
    if (version === 0) {
      if (topics !== null && topics.length === 0) {
        throw new UnsupportedVersionError("Metadata", "version 0 cannot ask for no topics");
      }
      topics ??= [];
    }
    writeArray(w, flexible, topics, (x, t) => encodeTopic(x, version, flexible, t));
    const allow = request.allowAutoTopicCreation ?? true;
    if (version >= 4) w.bool(allow);
    else if (!allow) throw new UnsupportedVersionError("Metadata", `version ${version} cannot disable auto topic creation`);
    if (version >= 8 && version <= 10) w.bool(request.includeClusterAuthorizedOperations ?? false);
    if (version >= 8) w.bool(request.includeTopicAuthorizedOperations ?? false);
    writeNoTags(w, flexible);
  },

  decodeResponse(r: Reader, version: number, flexible: boolean): MetadataResponse {
    return endStruct(r, flexible, {
      throttleTimeMs: version >= 3 ? r.int32() : 0,
      brokers: readArray(r, flexible, (x) => readBroker(x, version, flexible), "brokers"),
      clusterId: version >= 2 ? readNullableString(r, flexible) : null,
      controllerId: version >= 1 ? r.int32() : -1,
      topics: readArray(r, flexible, (x) => readTopic(x, version, flexible), "topics"),
      clusterAuthorizedOperations: version >= 8 && version <= 10 ? r.int32() : NO_AUTHORIZED_OPERATIONS,
      errorCode: version >= 13 ? r.int16() : 0,
    });
  },
};
