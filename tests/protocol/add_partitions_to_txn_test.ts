import { test } from "node:test";
import assert from "node:assert/strict";
import { UnsupportedVersionError } from "../../src/errors.ts";
import { decodeResponse, encodeRequest } from "../../src/protocol/api.ts";
import {
  AddPartitionsToTxnApi,
  type AddPartitionsToTxnRequest,
  type AddPartitionsToTxnResponse,
} from "../../src/protocol/add_partitions_to_txn.ts";
import { frame, hex, requestHeader } from "../support/helpers.ts";

const PID = "0102030405060708";

const request: AddPartitionsToTxnRequest = {
  transactionalId: "tx",
  producerId: 0x0102030405060708n,
  producerEpoch: 5,
  topics: [{ name: "t", partitions: [0, 2] }, { name: "u", partitions: [] }],
};

const header = (v: number) => requestHeader(24, v, v >= 3);

test("AddPartitionsToTxn request v0-v2 golden bytes", () => {
  for (const v of [0, 1, 2]) {
    assert.deepEqual(
      encodeRequest(AddPartitionsToTxnApi, v, 1, "cli", request),
      frame(hex(
        header(v) + `
        0002 "tx" ${PID} 0005                        // transactional id, producer id, epoch
        00000002                                     // topics: 2
          0001 "t" 00000002 00000000 00000002        //   t: [0, 2]
          0001 "u" 00000000                          //   u: []
      `,
      )),
      `v${v}`,
    );
  }
});

test("AddPartitionsToTxn request v3 golden bytes (flexible)", () => {
  assert.deepEqual(
    encodeRequest(AddPartitionsToTxnApi, 3, 1, "cli", request),
    frame(hex(
      header(3) + `
      03 "tx" ${PID} 0005
      03                                             // topics: compact 2
        02 "t" 03 00000000 00000002 00               //   t: [0, 2], tagged fields
        02 "u" 01 00                                 //   u: []
      00
    `,
    )),
  );
});

test("AddPartitionsToTxn request: the broker-to-broker versions 4+ are refused", () => {
  assert.throws(() => encodeRequest(AddPartitionsToTxnApi, 4, 1, "cli", request), UnsupportedVersionError);
});

const expected: AddPartitionsToTxnResponse = {
  throttleTimeMs: 10,
  resultsByTopic: [{
    name: "t",
    resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 0 }, { partitionIndex: 2, partitionErrorCode: 48 }],
  }],
};

test("AddPartitionsToTxn response v0-v2 golden bytes", () => {
  const payload = hex(`
    00000005 0000000a
    00000001 0001 "t"                  // results by topic: 1
      00000002 00000000 0000 00000002 0030   // partition 0 ok, partition 2 INVALID_TXN_STATE (48)
  `);
  for (const v of [0, 1, 2]) {
    assert.deepEqual(decodeResponse(AddPartitionsToTxnApi, v, payload), { correlationId: 5, body: expected }, `v${v}`);
  }
});

test("AddPartitionsToTxn response v3 golden bytes (flexible)", () => {
  const payload = hex(`
    00000005 00 0000000a
    02 02 "t"
      03 00000000 0000 00 00000002 0030 00
      00
    00
  `);
  assert.deepEqual(decodeResponse(AddPartitionsToTxnApi, 3, payload), { correlationId: 5, body: expected });
});
