/**
 * SaslHandshake (key 17), versions 0-1: pick a SASL mechanism before authenticating.
 *
 * Version 0 is followed by raw SASL tokens on the socket (no Kafka framing); version 1
 * (KIP-152) is followed by SaslAuthenticate requests, which is what this client uses.
 *
 * @module
 */

import { type ApiCodec, apiIdentity } from "./api.ts";
import { readArray, readString, writeString } from "./fields.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** A SaslHandshake request. */
export interface SaslHandshakeRequest {
  /** The SASL mechanism chosen by the client, e.g. "PLAIN". */
  mechanism: string;
}

/**
 * A SaslHandshake response.
 *
 * @example
 * ```ts
 * import type { SaslHandshakeResponse } from "./sasl_handshake.ts";
 * const res: SaslHandshakeResponse = { errorCode: 33, mechanisms: ["PLAIN"] };
 * console.log(res.mechanisms.includes("PLAIN"));
 * ```
 */
export interface SaslHandshakeResponse {
  /** The error code, or 0 (33 is UNSUPPORTED_SASL_MECHANISM). */
  errorCode: number;
  /** The mechanisms enabled on the broker's listener. */
  mechanisms: string[];
}

/**
 * The SaslHandshake codec, versions 0-1 (never flexible: KAFKA-9577 keeps it from
 * being bumped). Both versions have the same body.
 */
export const SaslHandshakeApi: ApiCodec<SaslHandshakeRequest, SaslHandshakeResponse> = {
  ...apiIdentity("SaslHandshake", 17, [0, 1], Infinity),

  encodeRequest(w: Writer, _version: number, request: SaslHandshakeRequest): void {
    writeString(w, false, request.mechanism);
  },

  decodeResponse(r: Reader, _version: number): SaslHandshakeResponse {
    return {
      errorCode: r.int16(),
      mechanisms: readArray(r, false, (x) => readString(x, false, "mechanism"), "mechanisms"),
    };
  },
};
