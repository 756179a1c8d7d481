import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeResponse, encodeRequest } from "../../src/protocol/api.ts";
import { AddOffsetsToTxnApi, type AddOffsetsToTxnRequest } from "../../src/protocol/add_offsets_to_txn.ts";
import { frame, hex, requestHeader } from "../support/helpers.ts";

const PID = "0102030405060708";

const request: AddOffsetsToTxnRequest = { transactionalId: "tx", producerId: 0x0102030405060708n, producerEpoch: 5, groupId: "g" };

const header = (v: number) => requestHeader(25, v, v >= 3);

test("AddOffsetsToTxn request v0-v2 golden bytes", () => {
  for (const v of [0, 1, 2]) {
    assert.deepEqual(
      encodeRequest(AddOffsetsToTxnApi, v, 1, "cli", request),
      frame(hex(header(v) + `0002 "tx" ${PID} 0005 0001 "g"  // transactional id, producer id, epoch, group id`)),
      `v${v}`,
    );
  }
});

test("AddOffsetsToTxn request v3-v4 golden bytes (flexible)", () => {
  for (const v of [3, 4]) {
    assert.deepEqual(
      encodeRequest(AddOffsetsToTxnApi, v, 1, "cli", request),
      frame(hex(header(v) + `03 "tx" ${PID} 0005 02 "g" 00`)),
      `v${v}`,
    );
  }
});

test("AddOffsetsToTxn response v0-v2 golden bytes", () => {
  for (const v of [0, 1, 2]) {
    assert.deepEqual(
      decodeResponse(AddOffsetsToTxnApi, v, hex(`00000005 0000000a 0000`)),
      { correlationId: 5, body: { throttleTimeMs: 10, errorCode: 0 } },
      `v${v}`,
    );
  }
});

test("AddOffsetsToTxn response v3-v4 golden bytes (flexible)", () => {
  for (const v of [3, 4]) {
    assert.deepEqual(
      decodeResponse(AddOffsetsToTxnApi, v, hex(`00000005 00 0000000a 0033 00  // CONCURRENT_TRANSACTIONS (51)`)),
      { correlationId: 5, body: { throttleTimeMs: 10, errorCode: 51 } },
      `v${v}`,
    );
  }
});
