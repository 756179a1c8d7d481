/**
 * AddPartitionsToTxn (key 24), versions 0-3: tell the transaction coordinator which
 * partitions a transaction is about to write to.
 *
 * @module
 */

import { type ApiCodec, apiIdentity } from "./api.ts";
import { endStruct, readArray, readString, writeArray, writeInt32Array, writeNoTags, writeString } from "./fields.ts";
import { type TransactionalProducer, writeTransactionalProducer } from "./transactional.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** The partitions of one topic to add to a transaction. */
export interface AddPartitionsToTxnTopic {
  /** The topic name. */
  name: string;
  /** The partition indexes. */
  partitions: number[];
}

/** An AddPartitionsToTxn request, as a client sends it (the spec's `V3AndBelow*` fields). */
export interface AddPartitionsToTxnRequest extends TransactionalProducer {
  /** The partitions to add, by topic. */
  topics: AddPartitionsToTxnTopic[];
}

/** The result for one partition. */
export interface AddPartitionsToTxnPartitionResult {
  /** The partition index. */
  partitionIndex: number;
  /** The error code, or 0. */
  partitionErrorCode: number;
}

/** The results for one topic. */
export interface AddPartitionsToTxnTopicResult {
  /** The topic name. */
  name: string;
  /** One result per partition. */
  resultsByPartition: AddPartitionsToTxnPartitionResult[];
}

/** An AddPartitionsToTxn response (the spec's `ResultsByTopicV3AndBelow`). */
export interface AddPartitionsToTxnResponse {
  /** Throttle time in milliseconds. */
  throttleTimeMs: number;
  /** One result per topic. */
  resultsByTopic: AddPartitionsToTxnTopicResult[];
}

function readPartitionResult(r: Reader, flexible: boolean): AddPartitionsToTxnPartitionResult {
  return endStruct(r, flexible, { partitionIndex: r.int32(), partitionErrorCode: r.int16() });
}

function readTopicResult(r: Reader, flexible: boolean): AddPartitionsToTxnTopicResult {
  return endStruct(r, flexible, {
    name: readString(r, flexible, "topic name"),
    resultsByPartition: readArray(r, flexible, (x) => readPartitionResult(x, flexible), "partition results"),
  });
}

/**
 * The AddPartitionsToTxn codec, versions 0-3 (flexible from 3). The spec reserves
 * v3 and below for clients: v4+ batch several transactions, add `verifyOnly`, and are
 * sent broker to broker (Kafka 4's Java producer also stops at v3). With transaction
 * protocol v2 (KIP-890) clients do not send this request at all: Produce v12+ adds
 * partitions implicitly.
 */
export const AddPartitionsToTxnApi: ApiCodec<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse> = {
  ...apiIdentity("AddPartitionsToTxn", 24, [0, 3], 3),

  encodeRequest(w: Writer, _version: number, request: AddPartitionsToTxnRequest, flexible: boolean): void {
    writeTransactionalProducer(w, flexible, request);
    writeArray(w, flexible, request.topics, (x, t) => {
      writeString(x, flexible, t.name);
      writeInt32Array(x, flexible, t.partitions);
      writeNoTags(x, flexible);
    });
    writeNoTags(w, flexible);
  },

  decodeResponse(r: Reader, _version: number, flexible: boolean): AddPartitionsToTxnResponse {
    return endStruct(r, flexible, {
      throttleTimeMs: r.int32(),
      resultsByTopic: readArray(r, flexible, (x) => readTopicResult(x, flexible), "topic results"),
    });
  },
};
