import { test } from "node:test";
import assert from "node:assert/strict";
import { UnsupportedVersionError } from "../../src/errors.ts";
import { encodeRequest } from "../../src/protocol/api.ts";
import { MetadataApi, type MetadataRequest } from "../../src/protocol/metadata.ts";
import { frame, hex, requestHeader } from "../support/helpers.ts";

const ZERO_ID = "00000000000000000000000000000000";
const TOPIC_ID = "000102030405060708090a0b0c0d0e0f";

const request: MetadataRequest = {
  topics: [{ name: "t" }],
  includeClusterAuthorizedOperations: true,
  includeTopicAuthorizedOperations: true,
};

// Expected bodies, field by field in MetadataRequest.json order, for every version.
const golden: Array<[number, string]> = [
  [0, `00000001 0001 "t"`], // topics
  [1, `00000001 0001 "t"`],
  [2, `00000001 0001 "t"`],
  [3, `00000001 0001 "t"`],
  [4, `00000001 0001 "t" 01`], // + allow auto topic creation
  [5, `00000001 0001 "t" 01`],
  [6, `00000001 0001 "t" 01`],
  [7, `00000001 0001 "t" 01`],
  [8, `00000001 0001 "t" 01 01 01`], // + include cluster/topic authorized operations
  [9, `02 02 "t" 00  01 01 01  00`], // flexible: compact array/string, tagged fields
  [10, `02 ${ZERO_ID} 02 "t" 00  01 01 01  00`], // + topic id
  [11, `02 ${ZERO_ID} 02 "t" 00  01 01  00`], // - include cluster authorized operations
  [12, `02 ${ZERO_ID} 02 "t" 00  01 01  00`],
  [13, `02 ${ZERO_ID} 02 "t" 00  01 01  00`],
];

const header = (v: number) => requestHeader(3, v, v >= 9);

test("Metadata request golden bytes cover every version", () => {
  assert.deepEqual(golden.map(([v]) => v), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
});

for (const [version, body] of golden) {
  test(`Metadata request v${version} golden bytes`, () => {
    assert.deepEqual(encodeRequest(MetadataApi, version, 1, "cli", request), frame(hex(header(version) + body)));
  });
}

test("Metadata request: null topics means all topics", () => {
  const all: MetadataRequest = { topics: null };
  // v0 has no null: an empty array asks for all topics.
  assert.deepEqual(encodeRequest(MetadataApi, 0, 1, "cli", all), frame(hex(header(0) + "00000000")));
  assert.deepEqual(encodeRequest(MetadataApi, 1, 1, "cli", all), frame(hex(header(1) + "ffffffff")));
  assert.deepEqual(encodeRequest(MetadataApi, 4, 1, "cli", all), frame(hex(header(4) + "ffffffff 01")));
  assert.deepEqual(encodeRequest(MetadataApi, 12, 1, "cli", all), frame(hex(header(12) + "00 01 00 00")));
});

test("Metadata request: empty topics means no topics (v1+), refused at v0", () => {
  const none: MetadataRequest = { topics: [] };
  assert.deepEqual(encodeRequest(MetadataApi, 1, 1, "cli", none), frame(hex(header(1) + "00000000")));
  assert.deepEqual(encodeRequest(MetadataApi, 13, 1, "cli", none), frame(hex(header(13) + "01 01 00 00")));
  assert.throws(() => encodeRequest(MetadataApi, 0, 1, "cli", none), UnsupportedVersionError);
});

test("Metadata request: allowAutoTopicCreation false is sent from v4 and refused before", () => {
  const req: MetadataRequest = { topics: [{ name: "t" }], allowAutoTopicCreation: false };
  assert.deepEqual(encodeRequest(MetadataApi, 4, 1, "cli", req), frame(hex(header(4) + `00000001 0001 "t" 00`)));
  assert.deepEqual(
    encodeRequest(MetadataApi, 12, 1, "cli", req),
    frame(hex(header(12) + `02 ${ZERO_ID} 02 "t" 00  00 00  00`)),
  );
  assert.throws(() => encodeRequest(MetadataApi, 3, 1, "cli", req), UnsupportedVersionError);
});

test("Metadata request: topics by id with a null name from v12", () => {
  const id = hex(TOPIC_ID);
  const req: MetadataRequest = { topics: [{ topicId: id, name: null }] };
  for (const v of [12, 13]) {
    assert.deepEqual(
      encodeRequest(MetadataApi, v, 1, "cli", req),
      frame(hex(header(v) + `02 ${TOPIC_ID} 00 00  01 00  00`)),
    );
  }
  for (const v of [0, 9, 10, 11]) {
    assert.throws(() => encodeRequest(MetadataApi, v, 1, "cli", req), UnsupportedVersionError, `v${v}`);
  }
  assert.throws(
    () => encodeRequest(MetadataApi, 11, 1, "cli", { topics: [{ name: null }] }),
    UnsupportedVersionError,
  );
});
