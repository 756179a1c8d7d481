/**
 * SaslAuthenticate (key 36), versions 0-2: carry one round of a SASL exchange after
 * SaslHandshake v1 (KIP-152).
 *
 * @module
 */

import type { ApiCodec } from "./api.ts";
import { readNullableString, skipTags, writeNoTags } from "./fields.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";
import { CorruptResponseError } from "../errors.ts";

/**
 * A SaslAuthenticate request.
 *
 * @example
 * ```ts
 * import type { SaslAuthenticateRequest } from "./sasl_authenticate.ts";
 * const req: SaslAuthenticateRequest = { authBytes: new TextEncoder().encode("\0user\0secret") };
 * console.log(req.authBytes.length); // 12
 * ```
 */
export interface SaslAuthenticateRequest {
  /** The client's SASL message, as the mechanism defines it. */
  authBytes: Uint8Array;
}

/**
 * A SaslAuthenticate response. Fields absent from the decoded version hold their spec
 * defaults.
 *
 * @example
 * ```ts
 * import type { SaslAuthenticateResponse } from "./sasl_authenticate.ts";
 * const res: SaslAuthenticateResponse = { errorCode: 0, errorMessage: null, authBytes: new Uint8Array(), sessionLifetimeMs: 0 };
 * console.log(res.sessionLifetimeMs);
 * ```
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
 *
 * @example
 * ```ts
 * import { encodeRequest } from "./api.ts";
 * import { SaslAuthenticateApi } from "./sasl_authenticate.ts";
 * const frame = encodeRequest(SaslAuthenticateApi, 2, 1, "client", { authBytes: new Uint8Array([0, 117, 0, 112]) });
 * console.log(frame.length); // 27
 * ```
 */
export const SaslAuthenticateApi: ApiCodec<SaslAuthenticateRequest, SaslAuthenticateResponse> = {
  name: "SaslAuthenticate",
  key: 36,
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,

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
    skipTags(r, flexible);
    return { errorCode, errorMessage, authBytes, sessionLifetimeMs };
  },
};
