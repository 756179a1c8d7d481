/**
 * Produce (key 0), versions 3-12: write record batches to partition leaders.
 *
 * @module
 */

import { type ApiCodec, apiIdentity } from "./api.ts";
import { endStruct, readArray, readNullableString, readString, readTagged, writeArray, writeNoTags, writeString } from "./fields.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** The records for one partition in a Produce request. */
export interface ProducePartitionData {
  /** The partition index. */
  index: number;
  /** One or more encoded record batches, written as they are; null is allowed by the spec. */
  records: Uint8Array | null;
}

/** The partitions of one topic in a Produce request. */
export interface ProduceTopicData {
  /** The topic name. */
  name: string;
  /** Each partition to produce to. */
  partitionData: ProducePartitionData[];
}

/** A Produce request. */
export interface ProduceRequest {
  /** The transactional id, or null if the producer is not transactional. */
  transactionalId: string | null;
  /** Acknowledgements required: 0 (none; the broker sends no response), 1 (leader) or -1 (all in-sync replicas). */
  acks: number;
  /** How long the broker may wait for the acknowledgements, in milliseconds. */
  timeoutMs: number;
  /** Each topic to produce to. */
  topicData: ProduceTopicData[];
}

/** One record that made the broker drop a batch (v8+). */
export interface ProduceRecordError {
  /** The index of the record within the batch. */
  batchIndex: number;
  /** What was wrong with it, or null. */
  batchIndexErrorMessage: string | null;
}

/**
 * A partition's leader as the broker knows it (v10+, sent with NOT_LEADER_OR_FOLLOWER
 * and similar errors).
 */
export interface ProduceLeaderIdAndEpoch {
  /** The current leader's broker id, or -1 if unknown. */
  leaderId: number;
  /** The latest known leader epoch, or -1. */
  leaderEpoch: number;
}

/** The result for one partition in a Produce response. */
export interface ProducePartitionResponse {
  /** The partition index. */
  index: number;
  /** The error code, or 0. */
  errorCode: number;
  /** The offset the broker assigned to the first record. */
  baseOffset: bigint;
  /** The append time for LogAppendTime topics; -1 for CreateTime topics. */
  logAppendTimeMs: bigint;
  /** The log start offset (v5+; -1 before). */
  logStartOffset: bigint;
  /** The records that made the batch fail (v8+; empty before). */
  recordErrors: ProduceRecordError[];
  /** A summary of why the batch failed (v8+; null before). */
  errorMessage: string | null;
  /** The current leader (tagged, v10+); absent when the broker did not send it. */
  currentLeader?: ProduceLeaderIdAndEpoch;
}

/** The results for one topic in a Produce response. */
export interface ProduceTopicResponse {
  /** The topic name. */
  name: string;
  /** Each partition produced to. */
  partitionResponses: ProducePartitionResponse[];
}

/**
 * A broker endpoint in a Produce response (tagged, v10+), for the new leaders named in
 * `currentLeader`.
 */
export interface ProduceNodeEndpoint {
  /** The broker id. */
  nodeId: number;
  /** The broker hostname. */
  host: string;
  /** The broker port. */
  port: number;
  /** The broker's rack, or null. */
  rack: string | null;
}

/**
 * A Produce response. Fields absent from the decoded version hold their spec defaults;
 * tagged fields the broker did not send are absent.
 */
export interface ProduceResponse {
  /** Each topic produced to. */
  responses: ProduceTopicResponse[];
  /** Throttle time in milliseconds. */
  throttleTimeMs: number;
  /** Endpoints of the leaders named in `currentLeader` fields (tagged, v10+). */
  nodeEndpoints?: ProduceNodeEndpoint[];
}

function encodePartition(w: Writer, flexible: boolean, p: ProducePartitionData): void {
  w.int32(p.index);
  // The record batches are written by reference: they are the largest part of the request, and stay unchanged until it is sent.
  if (flexible) w.compactBytes(p.records, true);
  else w.bytes(p.records, true);
  writeNoTags(w, flexible);
}

function encodeTopic(w: Writer, flexible: boolean, t: ProduceTopicData): void {
  writeString(w, flexible, t.name);
  writeArray(w, flexible, t.partitionData, (x, p) => encodePartition(x, flexible, p));
  writeNoTags(w, flexible);
}

function readRecordError(r: Reader, flexible: boolean): ProduceRecordError {
  return endStruct(r, flexible, { batchIndex: r.int32(), batchIndexErrorMessage: readNullableString(r, flexible) });
}

function readLeader(r: Reader): ProduceLeaderIdAndEpoch {
  return endStruct(r, true, { leaderId: r.int32(), leaderEpoch: r.int32() });
}

function readPartition(r: Reader, version: number, flexible: boolean): ProducePartitionResponse {
  const p: ProducePartitionResponse = {
    index: r.int32(),
    errorCode: r.int16(),
    baseOffset: r.int64(),
    logAppendTimeMs: r.int64(),
    logStartOffset: version >= 5 ? r.int64() : -1n,
    recordErrors: version >= 8 ? readArray(r, flexible, (x) => readRecordError(x, flexible), "record errors") : [],
    errorMessage: version >= 8 ? readNullableString(r, flexible) : null,
  };
  if (flexible) {
    for (const f of r.taggedFields()) {
      if (f.tag === 0 && version >= 10) p.currentLeader = readTagged(f.data, readLeader, "current leader");
    }
  }
  return p;
}

function readTopic(r: Reader, version: number, flexible: boolean): ProduceTopicResponse {
  return endStruct(r, flexible, {
    name: readString(r, flexible, "topic name"),
    partitionResponses: readArray(r, flexible, (x) => readPartition(x, version, flexible), "partition responses"),
  });
}

function readNodeEndpoint(r: Reader): ProduceNodeEndpoint {
  return endStruct(r, true, {
    nodeId: r.int32(),
    host: readString(r, true, "node host"),
    port: r.int32(),
    rack: readNullableString(r, true),
  });
}

/**
 * The Produce codec, versions 3-12 (flexible from 9). Versions 0-2 predate record
 * batches (and Kafka 4 removed them); v13 names topics by id and is not implemented.
 *
 * The records of each partition are written as given, so they must already be encoded
 * record batches (see `RecordBatchBuilder` in record_batch.ts). With `acks: 0` the broker sends
 * no response at all.
 */
export const ProduceApi: ApiCodec<ProduceRequest, ProduceResponse> = {
  ...apiIdentity("Produce", 0, [3, 12], 9),

  encodeRequest(w: Writer, _version: number, request: ProduceRequest, flexible: boolean): void {
    writeString(w, flexible, request.transactionalId);
    w.int16(request.acks).int32(request.timeoutMs);
    writeArray(w, flexible, request.topicData, (x, t) => encodeTopic(x, flexible, t));
    writeNoTags(w, flexible);
  },

  decodeResponse(r: Reader, version: number, flexible: boolean): ProduceResponse {
    const res: ProduceResponse = {
      responses: readArray(r, flexible, (x) => readTopic(x, version, flexible), "responses"),
      throttleTimeMs: r.int32(),
    };
    if (flexible) {
      for (const f of r.taggedFields()) {
        if (f.tag === 0 && version >= 10) {
          res.nodeEndpoints = readTagged(f.data, (x) => readArray(x, true, readNodeEndpoint, "node endpoints"), "node endpoints");
        }
      }
    }
    return res;
  },
};
