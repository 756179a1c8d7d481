import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeResponse, encodeRequest, negotiateVersion } from "../../src/protocol/api.ts";
import { END_TXN_LAST_VERSION_BEFORE_TRANSACTION_V2, EndTxnApi, type EndTxnRequest } from "../../src/protocol/end_txn.ts";
import { frame, hex, requestHeader } from "../support/helpers.ts";

const PID = "0102030405060708";

const commit: EndTxnRequest = { transactionalId: "tx", producerId: 0x0102030405060708n, producerEpoch: 5, committed: true };

const header = (v: number) => requestHeader(26, v, v >= 3);

test("EndTxn v5 is transaction protocol v2: protocol v1 stops at v4", () => {
  assert.equal(END_TXN_LAST_VERSION_BEFORE_TRANSACTION_V2, 4);
  assert.equal(Math.min(negotiateVersion(EndTxnApi, 0, 5)!, END_TXN_LAST_VERSION_BEFORE_TRANSACTION_V2), 4);
});

test("EndTxn request v0-v2 golden bytes", () => {
  for (const v of [0, 1, 2]) {
    assert.deepEqual(
      encodeRequest(EndTxnApi, v, 1, "cli", commit),
      frame(hex(header(v) + `0002 "tx" ${PID} 0005 01  // transactional id, producer id, epoch, committed`)),
      `v${v}`,
    );
  }
});

test("EndTxn request v3-v5 golden bytes (flexible); abort is 00", () => {
  for (const v of [3, 4, 5]) {
    assert.deepEqual(encodeRequest(EndTxnApi, v, 1, "cli", commit), frame(hex(header(v) + `03 "tx" ${PID} 0005 01 00`)), `v${v}`);
  }
  assert.deepEqual(
    encodeRequest(EndTxnApi, 5, 1, "cli", { ...commit, committed: false }),
    frame(hex(header(5) + `03 "tx" ${PID} 0005 00 00`)),
  );
});

test("EndTxn response v0-v2 golden bytes: producer id and epoch default to -1", () => {
  for (const v of [0, 1, 2]) {
    assert.deepEqual(
      decodeResponse(EndTxnApi, v, hex(`00000005 0000000a 0000`)),
      { correlationId: 5, body: { throttleTimeMs: 10, errorCode: 0, producerId: -1n, producerEpoch: -1 } },
      `v${v}`,
    );
  }
});

test("EndTxn response v3-v4 golden bytes (flexible)", () => {
  for (const v of [3, 4]) {
    assert.deepEqual(
      decodeResponse(EndTxnApi, v, hex(`00000005 00 0000000a 0030 00  // INVALID_TXN_STATE (48)`)),
      { correlationId: 5, body: { throttleTimeMs: 10, errorCode: 48, producerId: -1n, producerEpoch: -1 } },
      `v${v}`,
    );
  }
});

test("EndTxn response v5 golden bytes: the bumped producer id and epoch", () => {
  assert.deepEqual(
    decodeResponse(EndTxnApi, 5, hex(`00000005 00 0000000a 0000 ${PID} 0006 00`)),
    { correlationId: 5, body: { throttleTimeMs: 10, errorCode: 0, producerId: 0x0102030405060708n, producerEpoch: 6 } },
  );
});
