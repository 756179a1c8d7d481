/**
 * AddOffsetsToTxn (key 25), versions 0-4: add a consumer group's offsets partition to a
 * transaction, before committing offsets with TxnOffsetCommit.
 *
 * @module
 */

import { type ApiCodec, apiIdentity } from "./api.ts";
import { endStruct, writeNoTags, writeString } from "./fields.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** An AddOffsetsToTxn request. */
export interface AddOffsetsToTxnRequest {
  /** The transactional id. */
  transactionalId: string;
  /** The producer id in use by the transactional id. */
  producerId: bigint;
  /** The producer epoch. */
  producerEpoch: number;
  /** The consumer group whose offsets the transaction will commit. */
  groupId: string;
}

/** An AddOffsetsToTxn response. */
export interface AddOffsetsToTxnResponse {
  /** Throttle time in milliseconds. */
  throttleTimeMs: number;
  /** The error code, or 0. */
  errorCode: number;
}

/**
 * The AddOffsetsToTxn codec, versions 0-4 (flexible from 3). With transaction protocol
 * v2 (KIP-890) clients skip it: TxnOffsetCommit v5 adds the offsets partition itself.
 */
export const AddOffsetsToTxnApi: ApiCodec<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> = {
  ...apiIdentity("AddOffsetsToTxn", 25, [0, 4], 3),

  encodeRequest(w: Writer, _version: number, request: AddOffsetsToTxnRequest, flexible: boolean): void {
    writeString(w, flexible, request.transactionalId);
    w.int64(request.producerId).int16(request.producerEpoch);
    writeString(w, flexible, request.groupId);
    writeNoTags(w, flexible);
  },

  decodeResponse(r: Reader, _version: number, flexible: boolean): AddOffsetsToTxnResponse {
    return endStruct(r, flexible, { throttleTimeMs: r.int32(), errorCode: r.int16() });
  },
};
