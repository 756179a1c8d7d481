/**
 * InitProducerId (key 22), versions 0-5: get a producer id and epoch for an idempotent
 * or transactional producer, or bump the epoch of the one it already has.
 *
 * @module
 */

import { UnsupportedVersionError } from "../errors.ts";
import { type ApiCodec, apiIdentity } from "./api.ts";
import { endStruct, writeNoTags, writeString } from "./fields.ts";
import type { ProducerIdResult } from "./transactional.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** An InitProducerId request. */
export interface InitProducerIdRequest {
  /** The transactional id, or null for an idempotent (non-transactional) producer. */
  transactionalId: string | null;
  /** How long the coordinator waits before aborting an idle transaction, in milliseconds. */
  transactionTimeoutMs: number;
  /** The current producer id, to bump its epoch (v3+; default -1, i.e. none). */
  producerId?: bigint;
  /** The current producer epoch, checked by the coordinator (v3+; default -1, i.e. none). */
  producerEpoch?: number;
}

/** An InitProducerId response: the producer id and epoch, or -1 on error. */
export type InitProducerIdResponse = ProducerIdResult;

/**
 * The InitProducerId codec, versions 0-5 (flexible from 2). Version 6 (two-phase
 * commit, KIP-939: `enable2Pc`, `keepPreparedTxn`) is marked unstable in every 4.x
 * release, so brokers do not advertise it by default and it is not implemented.
 *
 * Bumping an existing producer's epoch (`producerId`/`producerEpoch` other than -1)
 * needs v3+; older versions throw {@linkcode UnsupportedVersionError}.
 */
export const InitProducerIdApi: ApiCodec<InitProducerIdRequest, InitProducerIdResponse> = {
  ...apiIdentity("InitProducerId", 22, [0, 5], 2),

  encodeRequest(w: Writer, version: number, request: InitProducerIdRequest, flexible: boolean): void {
    const producerId = request.producerId ?? -1n;
    const producerEpoch = request.producerEpoch ?? -1;
    writeString(w, flexible, request.transactionalId);
    w.int32(request.transactionTimeoutMs);
    if (version >= 3) w.int64(producerId).int16(producerEpoch);
    else if (producerId !== -1n || producerEpoch !== -1) {
      throw new UnsupportedVersionError("InitProducerId", `version ${version} cannot bump an existing producer's epoch`);
    }
    writeNoTags(w, flexible);
  },

  decodeResponse(r: Reader, _version: number, flexible: boolean): InitProducerIdResponse {
    return endStruct(r, flexible, {
      throttleTimeMs: r.int32(),
      errorCode: r.int16(),
      producerId: r.int64(),
      producerEpoch: r.int16(),
    });
  },
};
