import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeResponse, encodeRequest } from "../../src/protocol/api.ts";
import { CreatePartitionsApi, type CreatePartitionsRequest, type CreatePartitionsResponse } from "../../src/protocol/create_partitions.ts";
import { frame, hex, requestHeader } from "../support/helpers.ts";

// Request header v2 (tagged fields) from the first flexible version, 2.
const header = (v: number) => requestHeader(37, v, v >= 2);

const request: CreatePartitionsRequest = {
  topics: [{ name: "a", count: 3, assignments: [[1, 2]] }, { name: "b", count: 6, assignments: null }],
  timeoutMs: 30000,
  validateOnly: true,
};

test("CreatePartitions codec metadata", () => {
  assert.equal(CreatePartitionsApi.key, 37);
  assert.equal(CreatePartitionsApi.minVersion, 0);
  assert.equal(CreatePartitionsApi.maxVersion, 3);
  assert.equal(CreatePartitionsApi.flexibleFrom, 2);
});

test("CreatePartitions request v0-v1 golden bytes", () => {
  for (const v of [0, 1]) {
    assert.deepEqual(
      encodeRequest(CreatePartitionsApi, v, 1, "cli", request),
      frame(hex(
        header(v) + `
        00000002                                  // topics: 2
          0001 "a" 00000003                       //   name, count 3
          00000001 00000002 00000001 00000002     //   assignments: [[1, 2]]
          0001 "b" 00000006 ffffffff              //   name, count 6, null assignments
        00007530 01                               // timeout ms, validate only
      `,
      )),
      `v${v}`,
    );
  }
});

test("CreatePartitions request v2-v3 golden bytes", () => {
  for (const v of [2, 3]) {
    assert.deepEqual(
      encodeRequest(CreatePartitionsApi, v, 1, "cli", request),
      frame(hex(
        header(v) + `
        03                                        // topics: compact 2
          02 "a" 00000003 02 03 00000001 00000002 00 00   //   assignments [[1, 2]], each with tagged fields
          02 "b" 00000006 00 00                   //   null assignments
        00007530 01 00
      `,
      )),
      `v${v}`,
    );
  }
});

test("CreatePartitions response golden bytes, classic and flexible", () => {
  const expected: CreatePartitionsResponse = {
    throttleTimeMs: 10,
    results: [{ name: "a", errorCode: 0, errorMessage: null }, { name: "b", errorCode: 37, errorMessage: "x" }],
  };
  const classic = hex(`00000005 0000000a 00000002 0001 "a" 0000 ffff 0001 "b" 0025 0001 "x"`);
  for (const v of [0, 1]) assert.deepEqual(decodeResponse(CreatePartitionsApi, v, classic), { correlationId: 5, body: expected }, `v${v}`);
  const flexible = hex(`00000005 00 0000000a 03 02 "a" 0000 00 00 02 "b" 0025 02 "x" 00 00`);
  for (const v of [2, 3]) assert.deepEqual(decodeResponse(CreatePartitionsApi, v, flexible), { correlationId: 5, body: expected }, `v${v}`);
});
