import { test } from "node:test";
import assert from "node:assert/strict";
import { CorruptResponseError, UnsupportedVersionError } from "../../src/errors.ts";
import {
  type ApiCodec,
  decodeResponse,
  encodeRequest,
  isFlexible,
  negotiateVersion,
  requestHeaderVersion,
  responseCorrelationId,
  responseHeaderVersion,
  versionsOverlap,
} from "../../src/protocol/api.ts";
import { apiByKey, SUPPORTED_APIS } from "../../src/protocol/apis.ts";
import { ApiVersionsApi } from "../../src/protocol/api_versions.ts";
import { MetadataApi } from "../../src/protocol/metadata.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { frame, hex } from "../support/helpers.ts";

// A made-up API whose body is one int32 each way.
const Echo: ApiCodec<{ value: number }, { value: number }> = {
  name: "Echo",
  key: 1000,
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 2,
  encodeRequest(w, _version, request) {
    w.int32(request.value);
  },
  decodeResponse(r) {
    return { value: r.int32() };
  },
};

test("request header v1 for non-flexible versions", () => {
  assert.deepEqual(
    encodeRequest(Echo, 1, 0x01020304, "cli", { value: 9 }),
    frame(hex(`
      03e8        // api key 1000
      0001        // api version 1
      01020304    // correlation id
      0003 "cli"  // client id (int16 string)
      00000009    // body
    `)),
  );
});

test("request header v2 for flexible versions adds empty tagged fields; client id stays int16", () => {
  assert.deepEqual(
    encodeRequest(Echo, 2, 7, "cli", { value: 9 }),
    frame(hex(`
      03e8 0002 00000007
      0003 "cli"  // client id is a nullable int16 string even in header v2
      00          // header tagged fields
      00000009
    `)),
  );
});

test("a null client id is written as length -1", () => {
  assert.deepEqual(encodeRequest(Echo, 0, 1, null, { value: 0 }), frame(hex("03e8 0000 00000001 ffff 00000000")));
});

test("header versions per api", () => {
  assert.equal(requestHeaderVersion(MetadataApi, 8), 1);
  assert.equal(requestHeaderVersion(MetadataApi, 9), 2);
  assert.equal(responseHeaderVersion(MetadataApi, 8), 0);
  assert.equal(responseHeaderVersion(MetadataApi, 9), 1);
  // ApiVersions: flexible request header, but the response header is always v0.
  assert.equal(requestHeaderVersion(ApiVersionsApi, 3), 2);
  assert.equal(responseHeaderVersion(ApiVersionsApi, 3), 0);
  assert.equal(responseHeaderVersion(ApiVersionsApi, 4), 0);
});

test("the codec is told whether the version is flexible, from its flexibleFrom", () => {
  const told: string[] = [];
  const Telling: ApiCodec<null, null> = {
    ...Echo,
    encodeRequest(_w, version, _request, flexible) {
      told.push(`encode v${version} ${flexible}`);
    },
    decodeResponse(_r, version, flexible) {
      told.push(`decode v${version} ${flexible}`);
      return null;
    },
  };
  for (const v of [1, 2]) {
    encodeRequest(Telling, v, 1, null, null);
    decodeResponse(Telling, v, hex(v === 2 ? "00000001 00" : "00000001"));
  }
  assert.deepEqual(told, ["encode v1 false", "decode v1 false", "encode v2 true", "decode v2 true"]);
  assert.deepEqual([0, 1, 2, 3].map((v) => isFlexible(Echo, v)), [false, false, true, true]);
});

test("encodeRequest with a writer resets it and returns a copy the caller owns", () => {
  const w = new Writer(8);
  w.int32(123456);
  const a = encodeRequest(Echo, 0, 1, "x", { value: 1 }, w);
  const b = encodeRequest(Echo, 0, 2, "x", { value: 2 }, w);
  assert.deepEqual(a, frame(hex('03e8 0000 00000001 0001 "x" 00000001')));
  assert.deepEqual(b, frame(hex('03e8 0000 00000002 0001 "x" 00000002')));
  assert.notEqual(a.buffer, b.buffer);
});

test("encodeRequest refuses versions outside the codec's range", () => {
  assert.throws(() => encodeRequest(Echo, 4, 1, null, { value: 0 }), UnsupportedVersionError);
  assert.throws(() => encodeRequest(Echo, -1, 1, null, { value: 0 }), UnsupportedVersionError);
  assert.throws(() => encodeRequest(MetadataApi, 14, 1, null, { topics: null }), UnsupportedVersionError);
});

test("response header v0: correlation id then body", () => {
  const { correlationId, body } = decodeResponse(Echo, 1, hex("0000002a 00000005"));
  assert.equal(correlationId, 42);
  assert.deepEqual(body, { value: 5 });
});

test("response header v1: tagged fields after the correlation id are consumed", () => {
  assert.deepEqual(decodeResponse(Echo, 2, hex("0000002a 00 00000005")), { correlationId: 42, body: { value: 5 } });
  // An unknown header tag is skipped.
  assert.deepEqual(
    decodeResponse(Echo, 3, hex("0000002a 01 05 02 abcd 00000005")),
    { correlationId: 42, body: { value: 5 } },
  );
});

test("ApiVersions responses always use header v0, even for flexible versions", () => {
  // v3 body right after the correlation id: no header tagged-field byte.
  const payload = hex(`
    00000009              // correlation id
    0000                  // error code
    02 0012 0000 0004 00  // api keys: [{18, 0..4}]
    00000000              // throttle time
    00                    // tagged fields
  `);
  const { correlationId, body } = decodeResponse(ApiVersionsApi, 3, payload);
  assert.equal(correlationId, 9);
  assert.deepEqual(body.apiKeys, [{ apiKey: 18, minVersion: 0, maxVersion: 4 }]);
});

test("responseCorrelationId reads the first int32 and refuses short payloads", () => {
  assert.equal(responseCorrelationId(hex("fffffffe 00")), -2);
  assert.equal(responseCorrelationId(hex("ff 00000003").subarray(1)), 3);
  assert.throws(() => responseCorrelationId(hex("000000")), CorruptResponseError);
});

test("decodeResponse: truncated bodies, trailing bytes and codec errors are CorruptResponseError", () => {
  const check = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof CorruptResponseError);
      assert.match(e.message, pattern);
      assert.ok(e.cause !== undefined);
      return true;
    });
  check(() => decodeResponse(Echo, 0, hex("000000")), /Echo v0 response/);
  check(() => decodeResponse(Echo, 0, hex("00000001 000000")), /correlation id 1/);
  check(() => decodeResponse(Echo, 0, hex("00000001 00000005 00")), /1 bytes left over/);
  const Broken: ApiCodec<unknown, unknown> = {
    ...Echo,
    decodeResponse() {
      throw new TypeError("boom");
    },
  };
  assert.throws(() => decodeResponse(Broken, 0, hex("00000001")), (e: unknown) => {
    assert.ok(e instanceof CorruptResponseError);
    assert.ok(e.cause instanceof TypeError);
    assert.match(e.message, /boom/);
    return true;
  });
});

test("negotiateVersion picks the highest common version", () => {
  assert.equal(negotiateVersion(MetadataApi, 0, 12), 12);
  assert.equal(negotiateVersion(MetadataApi, 0, 20), 13);
  assert.equal(negotiateVersion(MetadataApi, 13, 13), 13);
  assert.equal(negotiateVersion(Echo, 4, 9), null);
  assert.equal(negotiateVersion(Echo, 3, 9), 3);
  assert.equal(versionsOverlap(Echo, 3, 9), true);
  assert.equal(versionsOverlap(Echo, 4, 9), false);
});

test("SUPPORTED_APIS lists each codec once, in key order, with its name, version range and first flexible version", () => {
  // [name, key, min version, max version, first flexible version], from Kafka's message specs and this client's choices.
  assert.deepEqual(SUPPORTED_APIS.map((api) => [api.name, api.key, api.minVersion, api.maxVersion, api.flexibleFrom]), [
    ["Produce", 0, 3, 12, 9],
    ["Metadata", 3, 0, 13, 9],
    ["FindCoordinator", 10, 0, 6, 3],
    ["SaslHandshake", 17, 0, 1, Infinity],
    ["ApiVersions", 18, 0, 4, 3],
    ["CreateTopics", 19, 2, 7, 5],
    ["DeleteTopics", 20, 1, 6, 4],
    ["InitProducerId", 22, 0, 5, 2],
    ["AddPartitionsToTxn", 24, 0, 3, 3],
    ["AddOffsetsToTxn", 25, 0, 4, 3],
    ["EndTxn", 26, 0, 5, 3],
    ["TxnOffsetCommit", 28, 0, 5, 3],
    ["SaslAuthenticate", 36, 0, 2, 2],
    ["CreatePartitions", 37, 0, 3, 2],
  ]);
  for (const api of SUPPORTED_APIS) assert.equal(apiByKey(api.key), api);
  assert.equal(apiByKey(1), undefined, "Fetch is not spoken");
});
