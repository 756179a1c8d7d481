import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeResponse, encodeRequest } from "../../src/protocol/api.ts";
import { SaslHandshakeApi } from "../../src/protocol/sasl_handshake.ts";
import { CorruptResponseError } from "../../src/errors.ts";
import { frame, hex } from "../support/helpers.ts";

test("SaslHandshake request v0-v1 golden bytes", () => {
  for (const v of [0, 1]) {
    assert.deepEqual(
      encodeRequest(SaslHandshakeApi, v, 1, "cli", { mechanism: "SCRAM-SHA-512" }),
      frame(hex(`0011 000${v} 00000001 0003 "cli"  000d "SCRAM-SHA-512"  // mechanism`)),
      `v${v}`,
    );
  }
});

test("SaslHandshake response v0-v1 golden bytes: error code and enabled mechanisms", () => {
  for (const v of [0, 1]) {
    assert.deepEqual(
      decodeResponse(
        SaslHandshakeApi,
        v,
        hex(`00000005 0021 00000002 0005 "PLAIN" 000d "SCRAM-SHA-256" // UNSUPPORTED_SASL_MECHANISM (33)`),
      ),
      { correlationId: 5, body: { errorCode: 33, mechanisms: ["PLAIN", "SCRAM-SHA-256"] } },
      `v${v}`,
    );
  }
  assert.deepEqual(decodeResponse(SaslHandshakeApi, 1, hex(`00000005 0000 00000000`)).body, { errorCode: 0, mechanisms: [] });
});

test("SaslHandshake response with a null mechanism list is corrupt", () => {
  assert.throws(() => decodeResponse(SaslHandshakeApi, 1, hex(`00000005 0000 ffffffff`)), CorruptResponseError);
});
