/**
 * EndTxn (key 26), versions 0-5: commit or abort a transaction.
 *
 * @module
 */

import { type ApiCodec, apiIdentity } from "./api.ts";
import { endStruct, writeNoTags } from "./fields.ts";
import { type ProducerIdResult, type TransactionalProducer, writeTransactionalProducer } from "./transactional.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/**
 * The highest EndTxn version of transaction protocol v1. The coordinator treats v5+ as
 * a transaction protocol v2 (KIP-890) client and bumps the epoch on every commit or
 * abort, so a producer must stay at or below this unless the cluster's finalized
 * `transaction.version` feature is 2 or more.
 *
 * @example
 * ```ts
 * import { negotiateVersion } from "./api.ts";
 * import { END_TXN_LAST_VERSION_BEFORE_TRANSACTION_V2, EndTxnApi } from "./end_txn.ts";
 * const transactionV2 = false;
 * const best = negotiateVersion(EndTxnApi, 0, 5) ?? 0;
 * console.log(transactionV2 ? best : Math.min(best, END_TXN_LAST_VERSION_BEFORE_TRANSACTION_V2)); // 4
 * ```
 */
export const END_TXN_LAST_VERSION_BEFORE_TRANSACTION_V2: number = 4;

/** An EndTxn request. */
export interface EndTxnRequest extends TransactionalProducer {
  /** True to commit, false to abort. */
  committed: boolean;
}

/**
 * An EndTxn response. The producer id and bumped epoch to use from now on come from v5;
 * before, they hold the spec default -1, meaning unchanged.
 */
export type EndTxnResponse = ProducerIdResult;

/**
 * The EndTxn codec, versions 0-5 (flexible from 3). Version 5 is transaction protocol
 * v2 (see {@linkcode END_TXN_LAST_VERSION_BEFORE_TRANSACTION_V2}): its response returns
 * the producer id and the epoch the coordinator bumped to (a new id with epoch 0 if the
 * epoch overflowed).
 */
export const EndTxnApi: ApiCodec<EndTxnRequest, EndTxnResponse> = {
  ...apiIdentity("EndTxn", 26, [0, 5], 3),

  encodeRequest(w: Writer, _version: number, request: EndTxnRequest, flexible: boolean): void {
    writeTransactionalProducer(w, flexible, request).bool(request.committed);
    writeNoTags(w, flexible);
  },

  decodeResponse(r: Reader, version: number, flexible: boolean): EndTxnResponse {
    return endStruct(r, flexible, {
      throttleTimeMs: r.int32(),
      errorCode: r.int16(),
      producerId: version >= 5 ? r.int64() : -1n,
      producerEpoch: version >= 5 ? r.int16() : -1,
    });
  },
};
