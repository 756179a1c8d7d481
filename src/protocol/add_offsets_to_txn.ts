/**
 * AddOffsetsToTxn (key 25), versions 0-4: add a consumer group's offsets partition to a
 * transaction, before committing offsets with TxnOffsetCommit.
 *
 * @module
 */

import { type ApiCodec, apiIdentity } from "./api.ts";
import { endStruct, writeNoTags, writeString } from "./fields.ts";
import { type CoordinatorResult, type TransactionalProducer, writeTransactionalProducer } from "./transactional.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** An AddOffsetsToTxn request. */
export interface AddOffsetsToTxnRequest extends TransactionalProducer {
  /** The consumer group whose offsets the transaction will commit. */
  groupId: string;
}

/** An AddOffsetsToTxn response. */
export type AddOffsetsToTxnResponse = CoordinatorResult;

/**
 * The AddOffsetsToTxn codec, versions 0-4 (flexible from 3). With transaction protocol
 * v2 (KIP-890) clients skip it: TxnOffsetCommit v5 adds the offsets partition itself.
 */
export const AddOffsetsToTxnApi: ApiCodec<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> = {
  ...apiIdentity("AddOffsetsToTxn", 25, [0, 4], 3),

  encodeRequest(w: Writer, _version: number, request: AddOffsetsToTxnRequest, flexible: boolean): void {
    writeTransactionalProducer(w, flexible, request);
    writeString(w, flexible, request.groupId);
    writeNoTags(w, flexible);
  },

  decodeResponse(r: Reader, _version: number, flexible: boolean): AddOffsetsToTxnResponse {
    return endStruct(r, flexible, { throttleTimeMs: r.int32(), errorCode: r.int16() });
  },
};
