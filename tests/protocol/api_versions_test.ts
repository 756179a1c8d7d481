import { test } from "node:test";
import assert from "node:assert/strict";
import { CorruptResponseError } from "../../src/errors.ts";
import { decodeResponse, encodeRequest } from "../../src/protocol/api.ts";
import { ApiVersionsApi, type ApiVersionsResponse } from "../../src/protocol/api_versions.ts";
import { frame, hex } from "../support/helpers.ts";

const request = { clientSoftwareName: "edge-kafka", clientSoftwareVersion: "0.1.0" };

test("ApiVersions request v0-v2: header v1 and an empty body", () => {
  for (const v of [0, 1, 2]) {
    assert.deepEqual(
      encodeRequest(ApiVersionsApi, v, 1, "cli", request),
      frame(hex(`0012 000${v} 00000001 0003 "cli"`)),
      `v${v}`,
    );
  }
});

test("ApiVersions request v3-v4: header v2, client software name and version", () => {
  for (const v of [3, 4]) {
    assert.deepEqual(
      encodeRequest(ApiVersionsApi, v, 1, "cli", request),
      frame(hex(`
        0012 000${v} 00000001 0003 "cli" 00  // header v2
        0b "edge-kafka"                      // client software name (compact)
        06 "0.1.0"                           // client software version (compact)
        00                                   // tagged fields
      `)),
      `v${v}`,
    );
  }
});

const defaults = {
  supportedFeatures: [],
  finalizedFeaturesEpoch: -1n,
  finalizedFeatures: [],
  zkMigrationReady: false,
};

const keys = [
  { apiKey: 3, minVersion: 0, maxVersion: 13 },
  { apiKey: 18, minVersion: 0, maxVersion: 4 },
];

/** `payload` decodes to `expected` in each of `versions`. */
function decodesAs(payload: Uint8Array, versions: number[], expected: ApiVersionsResponse) {
  for (const v of versions) assert.deepEqual(decodeResponse(ApiVersionsApi, v, payload).body, expected, `v${v}`);
}

test("ApiVersions response v0", () => {
  const payload = hex(`
    00000005                      // correlation id
    0000                          // error code
    00000002                      // api keys count
    0003 0000 000d                // Metadata 0..13
    0012 0000 0004                // ApiVersions 0..4
  `);
  const expected: ApiVersionsResponse = { errorCode: 0, apiKeys: keys, throttleTimeMs: 0, ...defaults };
  assert.deepEqual(decodeResponse(ApiVersionsApi, 0, payload), { correlationId: 5, body: expected });
});

test("ApiVersions response v1-v2 add throttle time", () => {
  const payload = hex(`
    00000005 0000 00000002 0003 0000 000d 0012 0000 0004
    0000000a                      // throttle time ms
  `);
  decodesAs(payload, [1, 2], { errorCode: 0, apiKeys: keys, throttleTimeMs: 10, ...defaults });
});

test("ApiVersions response v3-v4 without tagged fields: compact arrays and defaults", () => {
  const payload = hex(`
    00000005                      // correlation id (header v0: no tagged fields)
    0000                          // error code
    03                            // api keys: compact count 2
    0003 0000 000d 00             // each entry ends with tagged fields
    0012 0000 0004 00
    0000000a                      // throttle time ms
    00                            // tagged fields: none
  `);
  decodesAs(payload, [3, 4], { errorCode: 0, apiKeys: keys, throttleTimeMs: 10, ...defaults });
});

test("ApiVersions response v3-v4 with every tagged field, plus an unknown one", () => {
  const payload = hex(`
    00000005 0000
    02 0012 0000 0004 00          // api keys: [{18, 0..4}]
    00000000                      // throttle time ms
    05                            // 5 tagged fields
    00 17                         // tag 0 SupportedFeatures, 23 bytes
      02 11 "metadata.version" 0001 0015 00
    01 08                         // tag 1 FinalizedFeaturesEpoch, 8 bytes
      0000000000000007
    02 17                         // tag 2 FinalizedFeatures, 23 bytes
      02 11 "metadata.version" 0015 0014 00
    03 01                         // tag 3 ZkMigrationReady, 1 byte
      01
    09 02 abcd                    // tag 9: unknown, skipped
  `);
  decodesAs(payload, [3, 4], {
    errorCode: 0,
    apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
    throttleTimeMs: 0,
    supportedFeatures: [{ name: "metadata.version", minVersion: 1, maxVersion: 21 }],
    finalizedFeaturesEpoch: 7n,
    finalizedFeatures: [{ name: "metadata.version", maxVersionLevel: 21, minVersionLevel: 20 }],
    zkMigrationReady: true,
  });
});

test("UNSUPPORTED_VERSION fallback: a v0 body is decoded whatever version was sent", () => {
  // What a broker that only speaks ApiVersions 0..2 answers to a v4 request.
  const payload = hex(`
    00000005                      // correlation id
    0023                          // error code 35 UNSUPPORTED_VERSION
    00000001                      // api keys count (int32: v0 encoding)
    0012 0000 0002                // ApiVersions 0..2
  `);
  for (const v of [1, 2, 3, 4]) {
    const { body } = decodeResponse(ApiVersionsApi, v, payload);
    assert.equal(body.errorCode, 35);
    assert.deepEqual(body.apiKeys, [{ apiKey: 18, minVersion: 0, maxVersion: 2 }]);
    assert.equal(body.throttleTimeMs, 0);
    // The caller retries with the highest version both sides speak.
    const theirs = body.apiKeys.find((k) => k.apiKey === ApiVersionsApi.key);
    assert.equal(Math.min(theirs?.maxVersion ?? -1, ApiVersionsApi.maxVersion), 2);
  }
});

test("a malformed tagged field is CorruptResponseError", () => {
  const bad = [
    "00000005 0000 01 00000000 01 01 04 00000007", // epoch tag with only 4 bytes
    "00000005 0000 01 00000000 01 03 02 0100", // bool tag with a trailing byte
    "00000005 0000 01 00000000 01 00 01 00", // supported features with a null array
  ];
  for (const h of bad) {
    assert.throws(() => decodeResponse(ApiVersionsApi, 3, hex(h)), CorruptResponseError, h);
  }
});
