import { test } from "node:test";
import assert from "node:assert/strict";
import { UnsupportedVersionError } from "../../src/errors.ts";
import { decodeResponse, encodeRequest } from "../../src/protocol/api.ts";
import {
  TXN_OFFSET_COMMIT_LAST_VERSION_BEFORE_TRANSACTION_V2,
  TxnOffsetCommitApi,
  type TxnOffsetCommitRequest,
  type TxnOffsetCommitResponse,
} from "../../src/protocol/txn_offset_commit.ts";
import { frame, hex, requestHeader } from "../support/helpers.ts";

const PID = "0102030405060708";

// No group metadata, so every version can carry it.
const plain: TxnOffsetCommitRequest = {
  transactionalId: "tx",
  groupId: "g",
  producerId: 0x0102030405060708n,
  producerEpoch: 5,
  topics: [{
    name: "t",
    partitions: [
      { partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 7, committedMetadata: "md" },
      { partitionIndex: 1, committedOffset: 43n, committedMetadata: null },
    ],
  }],
};

const withGroup: TxnOffsetCommitRequest = { ...plain, generationId: 3, memberId: "m", groupInstanceId: "i" };

const header = (v: number) => requestHeader(28, v, v >= 3);

test("TxnOffsetCommit v5 is transaction protocol v2: protocol v1 stops at v4", () => {
  assert.equal(TXN_OFFSET_COMMIT_LAST_VERSION_BEFORE_TRANSACTION_V2, 4);
});

test("TxnOffsetCommit request v0-v1 golden bytes: the ignorable leader epoch is dropped", () => {
  for (const v of [0, 1]) {
    assert.deepEqual(
      encodeRequest(TxnOffsetCommitApi, v, 1, "cli", plain),
      frame(hex(
        header(v) + `
        0002 "tx" 0001 "g" ${PID} 0005          // transactional id, group id, producer id, epoch
        00000001 0001 "t"                        // topics: 1
          00000002                               //   partitions: 2
            00000000 000000000000002a 0002 "md"  //     0: offset 42, metadata "md"
            00000001 000000000000002b ffff       //     1: offset 43, metadata null
      `,
      )),
      `v${v}`,
    );
  }
});

test("TxnOffsetCommit request v2 golden bytes: committed leader epoch", () => {
  assert.deepEqual(
    encodeRequest(TxnOffsetCommitApi, 2, 1, "cli", plain),
    frame(hex(
      header(2) + `
      0002 "tx" 0001 "g" ${PID} 0005
      00000001 0001 "t" 00000002
        00000000 000000000000002a 00000007 0002 "md"  // leader epoch 7
        00000001 000000000000002b ffffffff ffff       // leader epoch defaults to -1
    `,
    )),
  );
});

test("TxnOffsetCommit request v3-v5 golden bytes: group metadata, flexible", () => {
  for (const v of [3, 4, 5]) {
    assert.deepEqual(
      encodeRequest(TxnOffsetCommitApi, v, 1, "cli", withGroup),
      frame(hex(
        header(v) + `
        03 "tx" 02 "g" ${PID} 0005
        00000003 02 "m" 02 "i"                      // generation id, member id, group instance id
        02 02 "t" 03                                // topics: compact 1; partitions: compact 2
          00000000 000000000000002a 00000007 03 "md" 00
          00000001 000000000000002b ffffffff 00 00
          00                                        // topic tagged fields
        00
      `,
      )),
      `v${v}`,
    );
  }
});

test("TxnOffsetCommit request v3: group metadata defaults", () => {
  assert.deepEqual(
    encodeRequest(TxnOffsetCommitApi, 3, 1, "cli", { ...plain, topics: [] }),
    frame(hex(header(3) + `03 "tx" 02 "g" ${PID} 0005 ffffffff 01 00 01 00  // generation -1, member "", instance null`)),
  );
});

test("TxnOffsetCommit request: group metadata needs v3+", () => {
  for (const extra of [{ generationId: 1 }, { memberId: "m" }, { groupInstanceId: "i" }]) {
    assert.throws(() => encodeRequest(TxnOffsetCommitApi, 2, 1, "cli", { ...plain, ...extra }), UnsupportedVersionError);
  }
  const defaults = { ...plain, generationId: -1, memberId: "", groupInstanceId: null };
  assert.deepEqual(encodeRequest(TxnOffsetCommitApi, 2, 1, "cli", defaults), encodeRequest(TxnOffsetCommitApi, 2, 1, "cli", plain));
});

const expected: TxnOffsetCommitResponse = {
  throttleTimeMs: 10,
  topics: [{ name: "t", partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 22 }] }],
};

test("TxnOffsetCommit response v0-v2 golden bytes", () => {
  const payload = hex(`
    00000005 0000000a
    00000001 0001 "t" 00000002
      00000000 0000
      00000001 0016          // ILLEGAL_GENERATION (22)
  `);
  for (const v of [0, 1, 2]) {
    assert.deepEqual(decodeResponse(TxnOffsetCommitApi, v, payload), { correlationId: 5, body: expected }, `v${v}`);
  }
});

test("TxnOffsetCommit response v3-v5 golden bytes (flexible)", () => {
  const payload = hex(`
    00000005 00 0000000a
    02 02 "t" 03
      00000000 0000 00
      00000001 0016 00
      00
    00
  `);
  for (const v of [3, 4, 5]) {
    assert.deepEqual(decodeResponse(TxnOffsetCommitApi, v, payload), { correlationId: 5, body: expected }, `v${v}`);
  }
});
