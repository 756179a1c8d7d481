/**
 * SaslAuthenticate (key 36), versions 0-2: carry one round of a SASL exchange after
 * SaslHandshake v1 (KIP-152).
 *
 * @module
 */

import { type ApiCodec, apiIdentity } from "./api.ts";
import { endStruct, readNullableString, writeNoTags } from "./fields.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";
import { CorruptResponseError } from "../errors.ts";

/** A SaslAuthenticate request. */
export interface SaslAuthenticateRequest {
  /** The client's SASL message, as the mechanism defines it. */
  authBytes: Uint8Array;
}

/**
 * A SaslAuthenticate response. Fields absent from the decoded version hold their spec
 * defaults.
 */
export interface SaslAuthenticateResponse {
  /** The error code, or 0 (58 is SASL_AUTHENTICATION_FAILED). */
  errorCode: number;
  /** The broker's error message, or null. */
  errorMessage: string | null;
  /** The server's SASL message (a view of the response buffer). */
  authBytes: Uint8Array;
  /**
   * How long the session may live before the client must re-authenticate (KIP-368), in
   * milliseconds; 0 means no limit or a version before 1.
   */
  sessionLifetimeMs: number;
}

/**
 * The SaslAuthenticate codec, versions 0-2 (flexible from 2). Version 1 adds the
 * session lifetime (KIP-368).
 */
export const SaslAuthenticateApi: ApiCodec<SaslAuthenticateRequest, SaslAuthenticateResponse> = {
  ...apiIdentity("SaslAuthenticate", 36, [0, 2], 2),

  encodeRequest(w: Writer, _version: number, request: SaslAuthenticateRequest, flexible: boolean): void {
    if (flexible) w.compactBytes(request.authBytes);
    else w.bytes(request.authBytes);
    writeNoTags(w, flexible);
  },

  decodeResponse(r: Reader, version: number, flexible: boolean): SaslAuthenticateResponse {
    const errorCode = r.int16();
    const errorMessage = readNullableString(r, flexible);
    const authBytes = flexible ? r.compactBytes() : r.bytes();
    if (authBytes === null) throw new CorruptResponseError("auth bytes are null but the field is not nullable");
    // Milliseconds fit a double exactly for any realistic lifetime.
    const sessionLifetimeMs = version >= 1 ? Number(r.int64()) : 0;
    return endStruct(r, flexible, { errorCode, errorMessage, authBytes, sessionLifetimeMs });
  },
};
