import { test } from "node:test";
import assert from "node:assert/strict";
import { CorruptResponseError } from "../../src/errors.ts";
import { decodeResponse, encodeRequest } from "../../src/protocol/api.ts";
import { CreateTopicsApi, type CreateTopicsRequest, type CreateTopicsResponse } from "../../src/protocol/create_topics.ts";
import { frame, hex, requestHeader } from "../support/helpers.ts";

const TOPIC_ID = "000102030405060708090a0b0c0d0e0f";

const request: CreateTopicsRequest = {
  topics: [{
    name: "t",
    numPartitions: 3,
    replicationFactor: 2,
    assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }],
    configs: [{ name: "k", value: "v" }, { name: "n", value: null }],
  }],
  timeoutMs: 30000,
  validateOnly: true,
};

const classicBody = `
  00000001                                  // topics: 1
    0001 "t" 00000003 0002                  //   name, partitions 3, replication factor 2
    00000001 00000000 00000002 00000001 00000002  // assignments: [{0, [1, 2]}]
    00000002 0001 "k" 0001 "v" 0001 "n" ffff      // configs: k=v, n=null
  00007530                                  // timeout ms 30000
  01                                        // validate only
`;

const flexibleBody = `
  02                                        // topics: compact 1
    02 "t" 00000003 0002
    02 00000000 03 00000001 00000002 00     // assignments, each with tagged fields
    03 02 "k" 02 "v" 00 02 "n" 00 00        // configs; null value is 00
    00                                      // topic tagged fields
  00007530 01
  00                                        // body tagged fields
`;

const header = (v: number, flexible: boolean) => requestHeader(19, v, flexible);

test("CreateTopics request v2-v4 golden bytes", () => {
  for (const v of [2, 3, 4]) {
    assert.deepEqual(encodeRequest(CreateTopicsApi, v, 1, "cli", request), frame(hex(header(v, false) + classicBody)), `v${v}`);
  }
});

test("CreateTopics request v5-v7 golden bytes", () => {
  for (const v of [5, 6, 7]) {
    assert.deepEqual(encodeRequest(CreateTopicsApi, v, 1, "cli", request), frame(hex(header(v, true) + flexibleBody)), `v${v}`);
  }
});

test("CreateTopics request defaults: no assignments, no configs, validateOnly false", () => {
  const req: CreateTopicsRequest = { topics: [{ name: "t", numPartitions: -1, replicationFactor: -1 }], timeoutMs: 1000 };
  assert.deepEqual(
    encodeRequest(CreateTopicsApi, 4, 1, "cli", req),
    frame(hex(header(4, false) + `00000001 0001 "t" ffffffff ffff 00000000 00000000 000003e8 00`)),
  );
  assert.deepEqual(
    encodeRequest(CreateTopicsApi, 7, 1, "cli", req),
    frame(hex(header(7, true) + `02 02 "t" ffffffff ffff 01 01 00 000003e8 00 00`)),
  );
});

test("CreateTopics response v2-v4 golden bytes", () => {
  const payload = hex(`
    00000005                    // correlation id
    0000000a                    // throttle time ms
    00000002                    // topics: 2
      0001 "t" 0000 ffff        //   created: no error, null message
      0001 "u" 0024 0001 "x"    //   TOPIC_ALREADY_EXISTS (36), message "x"
  `);
  const expected: CreateTopicsResponse = {
    throttleTimeMs: 10,
    topics: [
      {
        name: "t",
        topicId: new Uint8Array(16),
        errorCode: 0,
        errorMessage: null,
        topicConfigErrorCode: 0,
        numPartitions: -1,
        replicationFactor: -1,
        configs: [],
      },
      {
        name: "u",
        topicId: new Uint8Array(16),
        errorCode: 36,
        errorMessage: "x",
        topicConfigErrorCode: 0,
        numPartitions: -1,
        replicationFactor: -1,
        configs: [],
      },
    ],
  };
  for (const v of [2, 3, 4]) {
    assert.deepEqual(decodeResponse(CreateTopicsApi, v, payload), { correlationId: 5, body: expected }, `v${v}`);
  }
});

function flexibleResponse(withTopicId: boolean): string {
  return `
    00000005 00                 // correlation id, header tagged fields
    0000000a
    03                          // topics: compact 2
      02 "t" ${withTopicId ? TOPIC_ID : ""} 0000 00   // name, [topic id], error, null message
      00000003 0002                                   // partitions, replication factor
      02 02 "k" 02 "v" 00 05 00 00                    // configs: [{k, v, not read-only, source 5, not sensitive}]
      00                                              // topic tagged fields
      02 "u" ${withTopicId ? "00000000000000000000000000000000" : ""} 0024 02 "x"
      ffffffff ffff
      00                                              // configs: null
      01 00 02 001d                                   // tag 0 TopicConfigErrorCode = 29
    00
  `;
}

function expectedFlexible(topicId: Uint8Array): CreateTopicsResponse {
  return {
    throttleTimeMs: 10,
    topics: [
      {
        name: "t",
        topicId,
        errorCode: 0,
        errorMessage: null,
        topicConfigErrorCode: 0,
        numPartitions: 3,
        replicationFactor: 2,
        configs: [{ name: "k", value: "v", readOnly: false, configSource: 5, isSensitive: false }],
      },
      {
        name: "u",
        topicId: new Uint8Array(16),
        errorCode: 36,
        errorMessage: "x",
        topicConfigErrorCode: 29,
        numPartitions: -1,
        replicationFactor: -1,
        configs: null,
      },
    ],
  };
}

test("CreateTopics response v5-v6 golden bytes", () => {
  for (const v of [5, 6]) {
    assert.deepEqual(
      decodeResponse(CreateTopicsApi, v, hex(flexibleResponse(false))),
      { correlationId: 5, body: expectedFlexible(new Uint8Array(16)) },
      `v${v}`,
    );
  }
});

test("CreateTopics response v7 golden bytes (adds topic id)", () => {
  assert.deepEqual(
    decodeResponse(CreateTopicsApi, 7, hex(flexibleResponse(true))),
    { correlationId: 5, body: expectedFlexible(hex(TOPIC_ID)) },
  );
});

test("CreateTopics response: malformed topic config error tag is corrupt", () => {
  const payload = hex(`00000005 00 00000000 02 02 "t" 0000 00 ffffffff ffff 00 01 00 01 00 00`);
  assert.throws(() => decodeResponse(CreateTopicsApi, 6, payload), CorruptResponseError);
});
