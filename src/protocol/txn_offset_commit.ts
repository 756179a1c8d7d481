/**
 * TxnOffsetCommit (key 28), versions 0-5: commit consumer offsets as part of a
 * transaction (sent to the group coordinator).
 *
 * @module
 */

import { UnsupportedVersionError } from "../errors.ts";
import { type ApiCodec, apiIdentity } from "./api.ts";
import { endStruct, readArray, readString, writeArray, writeNoTags, writeString } from "./fields.ts";
import type { TransactionalProducer } from "./transactional.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/**
 * The highest TxnOffsetCommit version of transaction protocol v1. Version 5 also does
 * AddOffsetsToTxn's job (KIP-890), so the spec forbids it inside a transaction unless
 * the cluster's finalized `transaction.version` feature is 2 or more.
 */
export const TXN_OFFSET_COMMIT_LAST_VERSION_BEFORE_TRANSACTION_V2: number = 4;

/** One partition's offset to commit. */
export interface TxnOffsetCommitRequestPartition {
  /** The partition index. */
  partitionIndex: number;
  /** The offset to commit: the next record the group should consume. */
  committedOffset: bigint;
  /** The leader epoch of the last consumed record (v2+; default -1). Older versions drop it, as the spec marks it ignorable. */
  committedLeaderEpoch?: number;
  /** Metadata to store with the offset, or null. */
  committedMetadata: string | null;
}

/** The offsets to commit for one topic. */
export interface TxnOffsetCommitRequestTopic {
  /** The topic name. */
  name: string;
  /** The partitions to commit offsets for. */
  partitions: TxnOffsetCommitRequestPartition[];
}

/** A TxnOffsetCommit request. */
export interface TxnOffsetCommitRequest extends TransactionalProducer {
  /** The consumer group id. */
  groupId: string;
  /** The group generation, or the member epoch for the consumer protocol (v3+; default -1). */
  generationId?: number;
  /** The member id assigned by the group coordinator (v3+; default ""). */
  memberId?: string;
  /** The static member's instance id, or null (v3+; default null). */
  groupInstanceId?: string | null;
  /** The offsets to commit, by topic. */
  topics: TxnOffsetCommitRequestTopic[];
}

/** The result for one partition. */
export interface TxnOffsetCommitResponsePartition {
  /** The partition index. */
  partitionIndex: number;
  /** The error code, or 0. */
  errorCode: number;
}

/** The results for one topic. */
export interface TxnOffsetCommitResponseTopic {
  /** The topic name. */
  name: string;
  /** One result per partition. */
  partitions: TxnOffsetCommitResponsePartition[];
}

/** A TxnOffsetCommit response. */
export interface TxnOffsetCommitResponse {
  /** Throttle time in milliseconds. */
  throttleTimeMs: number;
  /** One result per topic. */
  topics: TxnOffsetCommitResponseTopic[];
}

function encodePartition(w: Writer, version: number, flexible: boolean, p: TxnOffsetCommitRequestPartition): void {
  w.int32(p.partitionIndex).int64(p.committedOffset);
  if (version >= 2) w.int32(p.committedLeaderEpoch ?? -1);
  writeString(w, flexible, p.committedMetadata);
  writeNoTags(w, flexible);
}

function encodeTopic(w: Writer, version: number, flexible: boolean, t: TxnOffsetCommitRequestTopic): void {
  writeString(w, flexible, t.name);
  writeArray(w, flexible, t.partitions, (x, p) => encodePartition(x, version, flexible, p));
  writeNoTags(w, flexible);
}

function readPartition(r: Reader, flexible: boolean): TxnOffsetCommitResponsePartition {
  return endStruct(r, flexible, { partitionIndex: r.int32(), errorCode: r.int16() });
}

function readTopic(r: Reader, flexible: boolean): TxnOffsetCommitResponseTopic {
  return endStruct(r, flexible, {
    name: readString(r, flexible, "topic name"),
    partitions: readArray(r, flexible, (x) => readPartition(x, flexible), "partitions"),
  });
}

/**
 * The TxnOffsetCommit codec, versions 0-5 (flexible from 3). Version 6 (Kafka 4.4+)
 * names topics by id instead of by name and is not implemented. Version 5 is only for
 * transaction protocol v2 (see {@linkcode TXN_OFFSET_COMMIT_LAST_VERSION_BEFORE_TRANSACTION_V2}).
 *
 * Group metadata (`generationId`, `memberId`, `groupInstanceId` other than their
 * defaults) needs v3+; older versions throw {@linkcode UnsupportedVersionError}.
 */
export const TxnOffsetCommitApi: ApiCodec<TxnOffsetCommitRequest, TxnOffsetCommitResponse> = {
  ...apiIdentity("TxnOffsetCommit", 28, [0, 5], 3),

  encodeRequest(w: Writer, version: number, request: TxnOffsetCommitRequest, flexible: boolean): void {
    writeString(w, flexible, request.transactionalId);
    writeString(w, flexible, request.groupId);
    w.int64(request.producerId).int16(request.producerEpoch);
    const generationId = request.generationId ?? -1;
    const memberId = request.memberId ?? "";
    const groupInstanceId = request.groupInstanceId ?? null;
    if (version >= 3) {
      w.int32(generationId);
      writeString(w, flexible, memberId);
      writeString(w, flexible, groupInstanceId);
    } else if (generationId !== -1 || memberId !== "" || groupInstanceId !== null) {
      throw new UnsupportedVersionError("TxnOffsetCommit", `version ${version} cannot carry group metadata (needs v3+)`);
    }
    writeArray(w, flexible, request.topics, (x, t) => encodeTopic(x, version, flexible, t));
    writeNoTags(w, flexible);
  },

  decodeResponse(r: Reader, _version: number, flexible: boolean): TxnOffsetCommitResponse {
    return endStruct(r, flexible, {
      throttleTimeMs: r.int32(),
      topics: readArray(r, flexible, (x) => readTopic(x, flexible), "topics"),
    });
  },
};
