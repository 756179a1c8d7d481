import { test } from "node:test";
import assert from "node:assert/strict";
import { CorruptResponseError } from "../../src/errors.ts";
import { decodeResponse } from "../../src/protocol/api.ts";
import { MetadataApi, type MetadataResponse } from "../../src/protocol/metadata.ts";
import { hex } from "../support/helpers.ts";

const TOPIC_ID = "000102030405060708090a0b0c0d0e0f";

// Hand-built bodies, field by field in MetadataResponse.json order. Each payload is the
// correlation id (5), the response header's tagged fields from v9, then the body.
const golden: Array<[number, string]> = [
  [
    0,
    `
    00000001 00000001 0001 "h" 00002384                 // brokers: [{1, "h", 9092}]
    00000001                                            // topics: 1
      0000 0001 "t"                                     //   error, name
      00000001 0000 00000000 00000001                   //   partitions: [{error, index 0, leader 1,
        00000002 00000001 00000002 00000001 00000001    //     replicas [1, 2], isr [1]}]
  `,
  ],
  [
    1,
    `
    00000001 00000001 0001 "h" 00002384 0001 "r"        // + rack
    00000002                                            // + controller id
    00000001 0000 0001 "t" 01                           // + is internal
      00000001 0000 00000000 00000001 00000002 00000001 00000002 00000001 00000001
  `,
  ],
  [
    2,
    `
    00000001 00000001 0001 "h" 00002384 0001 "r"
    0001 "c"                                            // + cluster id
    00000002
    00000001 0000 0001 "t" 01
      00000001 0000 00000000 00000001 00000002 00000001 00000002 00000001 00000001
  `,
  ],
  [
    3,
    `
    0000000a                                            // + throttle time
    00000001 00000001 0001 "h" 00002384 0001 "r" 0001 "c" 00000002
    00000001 0000 0001 "t" 01
      00000001 0000 00000000 00000001 00000002 00000001 00000002 00000001 00000001
  `,
  ],
  [
    4,
    `
    0000000a 00000001 00000001 0001 "h" 00002384 0001 "r" 0001 "c" 00000002
    00000001 0000 0001 "t" 01
      00000001 0000 00000000 00000001 00000002 00000001 00000002 00000001 00000001
  `,
  ],
  [
    5,
    `
    0000000a 00000001 00000001 0001 "h" 00002384 0001 "r" 0001 "c" 00000002
    00000001 0000 0001 "t" 01
      00000001 0000 00000000 00000001 00000002 00000001 00000002 00000001 00000001
        00000001 00000002                               // + offline replicas [2]
  `,
  ],
  [
    6,
    `
    0000000a 00000001 00000001 0001 "h" 00002384 0001 "r" 0001 "c" 00000002
    00000001 0000 0001 "t" 01
      00000001 0000 00000000 00000001 00000002 00000001 00000002 00000001 00000001 00000001 00000002
  `,
  ],
  [
    7,
    `
    0000000a 00000001 00000001 0001 "h" 00002384 0001 "r" 0001 "c" 00000002
    00000001 0000 0001 "t" 01
      00000001 0000 00000000 00000001
        00000007                                        // + leader epoch
        00000002 00000001 00000002 00000001 00000001 00000001 00000002
  `,
  ],
  [
    8,
    `
    0000000a 00000001 00000001 0001 "h" 00002384 0001 "r" 0001 "c" 00000002
    00000001 0000 0001 "t" 01
      00000001 0000 00000000 00000001 00000007 00000002 00000001 00000002 00000001 00000001 00000001 00000002
      0000000f                                          // + topic authorized operations
    0000001f                                            // + cluster authorized operations
  `,
  ],
  [
    9,
    `
    00                                                  // header tagged fields
    0000000a
    02 00000001 02 "h" 00002384 02 "r" 00               // compact arrays/strings, struct tags
    02 "c" 00000002
    02 0000 02 "t" 01
      02 0000 00000000 00000001 00000007 03 00000001 00000002 02 00000001 02 00000002 00
      0000000f 00
    0000001f
    00                                                  // body tagged fields
  `,
  ],
  [
    10,
    `
    00 0000000a 02 00000001 02 "h" 00002384 02 "r" 00 02 "c" 00000002
    02 0000 02 "t" ${TOPIC_ID} 01                       // + topic id
      02 0000 00000000 00000001 00000007 03 00000001 00000002 02 00000001 02 00000002 00
      0000000f 00
    0000001f 00
  `,
  ],
  [
    11,
    `
    00 0000000a 02 00000001 02 "h" 00002384 02 "r" 00 02 "c" 00000002
    02 0000 02 "t" ${TOPIC_ID} 01
      02 0000 00000000 00000001 00000007 03 00000001 00000002 02 00000001 02 00000002 00
      0000000f 00
    00                                                  // - cluster authorized operations
  `,
  ],
  [
    12,
    `
    00 0000000a 02 00000001 02 "h" 00002384 02 "r" 00 02 "c" 00000002
    02 0000 02 "t" ${TOPIC_ID} 01
      02 0000 00000000 00000001 00000007 03 00000001 00000002 02 00000001 02 00000002 00
      0000000f 00
    00
  `,
  ],
  [
    13,
    `
    00 0000000a 02 00000001 02 "h" 00002384 02 "r" 00 02 "c" 00000002
    02 0000 02 "t" ${TOPIC_ID} 01
      02 0000 00000000 00000001 00000007 03 00000001 00000002 02 00000001 02 00000002 00
      0000000f 00
    0081                                                // + top-level error code 129
    00
  `,
  ],
];

function expected(v: number): MetadataResponse {
  return {
    throttleTimeMs: v >= 3 ? 10 : 0,
    brokers: [{ nodeId: 1, host: "h", port: 9092, rack: v >= 1 ? "r" : null }],
    clusterId: v >= 2 ? "c" : null,
    controllerId: v >= 1 ? 2 : -1,
    topics: [{
      errorCode: 0,
      name: "t",
      topicId: v >= 10 ? hex(TOPIC_ID) : new Uint8Array(16),
      isInternal: v >= 1,
      partitions: [{
        errorCode: 0,
        partitionIndex: 0,
        leaderId: 1,
        leaderEpoch: v >= 7 ? 7 : -1,
        replicaNodes: [1, 2],
        isrNodes: [1],
        offlineReplicas: v >= 5 ? [2] : [],
      }],
      topicAuthorizedOperations: v >= 8 ? 15 : -2147483648,
    }],
    clusterAuthorizedOperations: v >= 8 && v <= 10 ? 31 : -2147483648,
    errorCode: v >= 13 ? 129 : 0,
  };
}

test("Metadata response golden covers every version", () => {
  assert.deepEqual(golden.map(([v]) => v), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
});

for (const [version, body] of golden) {
  test(`Metadata response v${version} golden bytes`, () => {
    const { correlationId, body: decoded } = decodeResponse(MetadataApi, version, hex("00000005" + body));
    assert.equal(correlationId, 5);
    assert.deepEqual(decoded, expected(version));
  });
}

test("Metadata response v12+: unknown topic asked for by id has a null name", () => {
  const payload = hex(`
    00000005 00 00000000
    01                                  // no brokers
    00                                  // cluster id null
    ffffffff                            // controller id -1
    02 0064 00 ${TOPIC_ID} 00 01 80000000 00  // topic: UNKNOWN_TOPIC_ID, null name, no partitions
    00
  `);
  const { body } = decodeResponse(MetadataApi, 12, payload);
  assert.equal(body.clusterId, null);
  assert.deepEqual(body.topics, [{
    errorCode: 100,
    name: null,
    topicId: hex(TOPIC_ID),
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: -2147483648,
  }]);
});

test("Metadata response: a null topic name before v12 is corrupt", () => {
  const payload = hex(`00000005 00 00000000 01 00 ffffffff 02 0003 00 ${TOPIC_ID} 00 01 80000000 00 00`);
  assert.throws(() => decodeResponse(MetadataApi, 11, payload), CorruptResponseError);
});

test("Metadata response: null rack, null cluster id and error codes per topic and partition", () => {
  const payload = hex(`
    00000005 00000000
    00000001 00000003 0001 "h" 00002384 ffff   // rack null
    ffff                                       // cluster id null
    ffffffff
    00000002
      0003 0001 "x" 00 00000000 80000000       // UNKNOWN_TOPIC_OR_PARTITION, no partitions
      0000 0001 "y" 00
        00000001 0005 00000003 ffffffff ffffffff 00000000 00000000 00000000  // LEADER_NOT_AVAILABLE
        80000000
    80000000                                   // cluster authorized operations
  `);
  const { body } = decodeResponse(MetadataApi, 8, payload);
  assert.equal(body.brokers[0].rack, null);
  assert.equal(body.clusterId, null);
  assert.equal(body.controllerId, -1);
  assert.equal(body.topics[0].errorCode, 3);
  assert.deepEqual(body.topics[1].partitions[0], {
    errorCode: 5,
    partitionIndex: 3,
    leaderId: -1,
    leaderEpoch: -1,
    replicaNodes: [],
    isrNodes: [],
    offlineReplicas: [],
  });
});

test("Metadata response: truncated or trailing bytes are corrupt", () => {
  const [, v9] = golden[9];
  const full = hex("00000005" + v9);
  assert.throws(() => decodeResponse(MetadataApi, 9, full.subarray(0, full.length - 1)), CorruptResponseError);
  const longer = new Uint8Array(full.length + 1);
  longer.set(full);
  assert.throws(() => decodeResponse(MetadataApi, 9, longer), CorruptResponseError);
  // A null brokers array is not allowed.
  assert.throws(() => decodeResponse(MetadataApi, 0, hex("00000005 ffffffff 00000000")), CorruptResponseError);
});
