import { test } from "node:test";
import assert from "node:assert/strict";
import { CorruptResponseError, UnsupportedVersionError } from "../../src/errors.ts";
import { decodeResponse, encodeRequest } from "../../src/protocol/api.ts";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import { ProduceApi, type ProducePartitionResponse, type ProduceRequest, type ProduceResponse } from "../../src/protocol/produce.ts";
import { RecordBatchBuilder } from "../../src/protocol/record_batch.ts";
import { frame, hex, requestHeader, toHex } from "../support/helpers.ts";

const VERSIONS = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

const request: ProduceRequest = {
  transactionalId: "tx",
  acks: -1,
  timeoutMs: 30000,
  topicData: [{
    name: "t",
    partitionData: [{ index: 0, records: new TextEncoder().encode("abc") }, { index: 1, records: null }],
  }],
};

const header = (v: number) => requestHeader(0, v, v >= 9);

const classicBody = `
  0002 "tx"                         // transactional id
  ffff 00007530                     // acks -1, timeout 30000
  00000001                          // topic data: 1
    0001 "t"
    00000002                        //   partition data: 2
      00000000 00000003 "abc"       //     index 0, records
      00000001 ffffffff             //     index 1, null records
`;

const flexibleBody = `
  03 "tx"
  ffff 00007530
  02                                // topic data: compact 1
    02 "t"
    03                              //   partition data: compact 2
      00000000 04 "abc" 00          //     index 0, compact records, tagged fields
      00000001 00 00                //     index 1, null records
    00                              //   topic tagged fields
  00                                // body tagged fields
`;

test("Produce request v3-v8 golden bytes", () => {
  for (const v of [3, 4, 5, 6, 7, 8]) {
    assert.equal(toHex(encodeRequest(ProduceApi, v, 1, "cli", request)), toHex(frame(hex(header(v) + classicBody))), `v${v}`);
  }
});

test("Produce request v9-v12 golden bytes", () => {
  for (const v of [9, 10, 11, 12]) {
    assert.equal(toHex(encodeRequest(ProduceApi, v, 1, "cli", request)), toHex(frame(hex(header(v) + flexibleBody))), `v${v}`);
  }
});

test("Produce request: null transactional id, acks 1, no topics", () => {
  const req: ProduceRequest = { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [] };
  assert.equal(toHex(encodeRequest(ProduceApi, 8, 1, "cli", req)), toHex(frame(hex(header(8) + `ffff 0001 000003e8 00000000`))));
  assert.equal(toHex(encodeRequest(ProduceApi, 12, 1, "cli", req)), toHex(frame(hex(header(12) + `00 0001 000003e8 01 00`))));
});

test("Produce request carries record batches byte for byte", async () => {
  await initCrc32c();
  const b = new RecordBatchBuilder(new Uint8Array(1024), 1024);
  b.append(1_700_000_000_000, null, new TextEncoder().encode("hello"), [{ key: "h", value: null }]);
  const batch = b.build({ producerId: 9n, producerEpoch: 0, baseSequence: 0 });
  const req: ProduceRequest = {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: "t", partitionData: [{ index: 2, records: batch }] }],
  };
  const frame = encodeRequest(ProduceApi, 11, 1, "cli", req);
  // The batch is followed by the partition, topic and body tagged fields.
  assert.equal(toHex(frame.subarray(frame.length - 3 - batch.length, frame.length - 3)), toHex(batch));
  // The compact length prefix (batch length + 1) sits just before the batch.
  assert.equal(frame[frame.length - 4 - batch.length], batch.length + 1);
});

test("Produce request outside v3-v12 is refused", () => {
  const req: ProduceRequest = { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [] };
  assert.throws(() => encodeRequest(ProduceApi, 2, 1, "cli", req), UnsupportedVersionError);
  assert.throws(() => encodeRequest(ProduceApi, 13, 1, "cli", req), UnsupportedVersionError);
});

/** A response for every version: partition 0 succeeded (with record errors from v8), partition 1 lost its leader. */
function responsePayload(v: number): Uint8Array {
  const flexible = v >= 9;
  const str = (s: string | null) =>
    s === null
      ? (flexible ? "00" : "ffff")
      : flexible
      ? `${(s.length + 1).toString(16).padStart(2, "0")} "${s}"`
      : `${s.length.toString(16).padStart(4, "0")} "${s}"`;
  const count = (n: number) => flexible ? (n + 1).toString(16).padStart(2, "0") : n.toString(16).padStart(8, "0");
  const tags = flexible ? "00" : "";
  return hex(`
    00000005 ${tags}                                 // correlation id, header tags
    ${count(1)}                                      // responses: 1
      ${str("t")}
      ${count(2)}                                    //   partition responses: 2
        00000000 0000 000000000000002a               //     index 0, no error, base offset 42
        ffffffffffffffff                             //     log append time -1
        ${v >= 5 ? "0000000000000000" : ""}          //     log start offset 0 (v5+)
        ${v >= 8 ? `${count(2)} 00000003 ${str("bad")} ${tags} 00000004 ${str(null)} ${tags}` : ""}  // record errors (v8+)
        ${v >= 8 ? str("oops") : ""}                 //     error message (v8+)
        ${tags}
        00000001 0006 ffffffffffffffff               //     index 1, NOT_LEADER_OR_FOLLOWER, base offset -1
        ffffffffffffffff
        ${v >= 5 ? "ffffffffffffffff" : ""}
        ${v >= 8 ? `${count(0)} ${str(null)}` : ""}
        ${flexible ? "02 00 09 00000002 00000007 00 07 01 ee" : ""}  // tag 0 current leader {2, 7}; unknown tag 7
      ${tags}                                        //   topic tags
    0000000a                                         // throttle time 10
    ${flexible ? `02 00 0e 02 00000002 03 "b2" 00002384 00 00 05 01 ff` : ""}  // tag 0 node endpoints; unknown tag 5
  `);
}

function expectedResponse(v: number): ProduceResponse {
  const ok: ProducePartitionResponse = {
    index: 0,
    errorCode: 0,
    baseOffset: 42n,
    logAppendTimeMs: -1n,
    logStartOffset: v >= 5 ? 0n : -1n,
    recordErrors: v >= 8 ? [{ batchIndex: 3, batchIndexErrorMessage: "bad" }, { batchIndex: 4, batchIndexErrorMessage: null }] : [],
    errorMessage: v >= 8 ? "oops" : null,
  };
  const moved: ProducePartitionResponse = {
    index: 1,
    errorCode: 6,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    recordErrors: [],
    errorMessage: null,
  };
  // Tag 0 means nothing in v9, so it is skipped there like any unknown tag.
  if (v >= 10) moved.currentLeader = { leaderId: 2, leaderEpoch: 7 };
  const res: ProduceResponse = { responses: [{ name: "t", partitionResponses: [ok, moved] }], throttleTimeMs: 10 };
  if (v >= 10) res.nodeEndpoints = [{ nodeId: 2, host: "b2", port: 9092, rack: null }];
  return res;
}

test("Produce response golden bytes, every version 3-12 (tagged fields from v10)", () => {
  for (const v of VERSIONS) {
    assert.deepEqual(decodeResponse(ProduceApi, v, responsePayload(v)), { correlationId: 5, body: expectedResponse(v) }, `v${v}`);
  }
});

test("Produce response v12 without tagged fields leaves them absent", () => {
  const payload = hex(`00000005 00 02 02 "t" 02 00000000 0000 0000000000000001 ffffffffffffffff 0000000000000000 01 00 00 00 00000000 00`);
  const { body } = decodeResponse(ProduceApi, 12, payload);
  assert.deepEqual(body, {
    responses: [{
      name: "t",
      partitionResponses: [{
        index: 0,
        errorCode: 0,
        baseOffset: 1n,
        logAppendTimeMs: -1n,
        logStartOffset: 0n,
        recordErrors: [],
        errorMessage: null,
      }],
    }],
    throttleTimeMs: 0,
  });
  assert.equal("currentLeader" in body.responses[0].partitionResponses[0], false);
  assert.equal("nodeEndpoints" in body, false);
});

test("Produce response node endpoint with a rack", () => {
  const payload = hex(`00000005 00 01 00000000 01 00 0f 02 00000001 02 "h" 00000001 03 "r1" 00`);
  assert.deepEqual(decodeResponse(ProduceApi, 10, payload).body, {
    responses: [],
    throttleTimeMs: 0,
    nodeEndpoints: [{ nodeId: 1, host: "h", port: 1, rack: "r1" }],
  });
});

test("Produce response: malformed tagged fields and nulls where not allowed are corrupt", () => {
  const bad = [
    // current leader tag one byte short
    `00000005 00 02 02 "t" 02 00000000 0000 0000000000000001 ffffffffffffffff 0000000000000000 01 00 00 01 00 08 00000002 00000007 00 00000000 00`,
    // current leader tag with a trailing byte
    `00000005 00 02 02 "t" 02 00000000 0000 0000000000000001 ffffffffffffffff 0000000000000000 01 00 00 01 00 0a 00000002 00000007 00 00 00 00000000 00`,
    // null topic name
    `00000005 00 02 00 01 00 00000000 00`,
    // null node endpoints array
    `00000005 00 01 00000000 01 00 01 00`,
    // truncated after the throttle time
    `00000005 00 01 00000000`,
  ];
  for (const text of bad) assert.throws(() => decodeResponse(ProduceApi, 12, hex(text)), CorruptResponseError, text);
  assert.throws(() => decodeResponse(ProduceApi, 3, hex(`00000005 00000001 ffff 00000000 00000000`)), CorruptResponseError);
});
