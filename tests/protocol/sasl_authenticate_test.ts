import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeResponse, encodeRequest, requestHeaderVersion, responseHeaderVersion } from "../../src/protocol/api.ts";
import { SaslAuthenticateApi } from "../../src/protocol/sasl_authenticate.ts";
import { CorruptResponseError } from "../../src/errors.ts";
import { frame, hex } from "../support/helpers.ts";

const authBytes = new TextEncoder().encode("\0u\0p");

test("SaslAuthenticate v2 uses request header v2 and response header v1; v1 response header v0", () => {
  assert.equal(requestHeaderVersion(SaslAuthenticateApi, 2), 2);
  assert.equal(responseHeaderVersion(SaslAuthenticateApi, 2), 1);
  assert.equal(responseHeaderVersion(SaslAuthenticateApi, 1), 0);
});

test("SaslAuthenticate request v0-v1 golden bytes", () => {
  for (const v of [0, 1]) {
    assert.deepEqual(
      encodeRequest(SaslAuthenticateApi, v, 1, "cli", { authBytes }),
      frame(hex(`0024 000${v} 00000001 0003 "cli"  00000004 00 "u" 00 "p"  // auth bytes`)),
      `v${v}`,
    );
  }
});

test("SaslAuthenticate request v2 golden bytes (flexible: compact bytes, tags)", () => {
  assert.deepEqual(
    encodeRequest(SaslAuthenticateApi, 2, 1, "cli", { authBytes }),
    frame(hex(`0024 0002 00000001 0003 "cli" 00  05 00 "u" 00 "p"  00`)),
  );
  assert.deepEqual(
    encodeRequest(SaslAuthenticateApi, 2, 1, "cli", { authBytes: new Uint8Array() }),
    frame(hex(`0024 0002 00000001 0003 "cli" 00  01 00`)),
  );
});

test("SaslAuthenticate response v0 golden bytes: session lifetime defaults to 0", () => {
  assert.deepEqual(decodeResponse(SaslAuthenticateApi, 0, hex(`00000005 0000 ffff 00000002 "ok"`)), {
    correlationId: 5,
    body: { errorCode: 0, errorMessage: null, authBytes: new TextEncoder().encode("ok"), sessionLifetimeMs: 0 },
  });
});

test("SaslAuthenticate response v1 golden bytes: error message and session lifetime", () => {
  assert.deepEqual(
    decodeResponse(
      SaslAuthenticateApi,
      1,
      hex(`00000005 003a 0003 "bad" 00000000 000000000036ee80  // SASL_AUTHENTICATION_FAILED (58), no bytes, 3600000 ms`),
    ),
    { correlationId: 5, body: { errorCode: 58, errorMessage: "bad", authBytes: new Uint8Array(), sessionLifetimeMs: 3600000 } },
  );
});

test("SaslAuthenticate response v2 golden bytes (flexible)", () => {
  assert.deepEqual(
    decodeResponse(SaslAuthenticateApi, 2, hex(`00000005 00  0000 00 03 "v=" 000000000036ee80 00`)),
    { correlationId: 5, body: { errorCode: 0, errorMessage: null, authBytes: new TextEncoder().encode("v="), sessionLifetimeMs: 3600000 } },
  );
});

test("SaslAuthenticate response with null auth bytes is corrupt", () => {
  assert.throws(() => decodeResponse(SaslAuthenticateApi, 0, hex(`00000005 0000 ffff ffffffff`)), CorruptResponseError);
  assert.throws(() => decodeResponse(SaslAuthenticateApi, 2, hex(`00000005 00 0000 00 00 0000000000000000 00`)), CorruptResponseError);
});
