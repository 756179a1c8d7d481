import { test } from "node:test";
import assert from "node:assert/strict";
import { CorruptResponseError, UnsupportedVersionError } from "../../src/errors.ts";
import { decodeResponse, encodeRequest } from "../../src/protocol/api.ts";
import { CoordinatorKeyType, FindCoordinatorApi, type FindCoordinatorResponse } from "../../src/protocol/find_coordinator.ts";
import { frame, hex, requestHeader } from "../support/helpers.ts";

const header = (v: number) => requestHeader(10, v, v >= 3);

test("FindCoordinator key types: group 0, transaction 1, share 2", () => {
  assert.deepEqual(CoordinatorKeyType, { GROUP: 0, TRANSACTION: 1, SHARE: 2 });
});

test("FindCoordinator request v0 golden bytes: key only, groups only", () => {
  assert.deepEqual(
    encodeRequest(FindCoordinatorApi, 0, 1, "cli", { keyType: CoordinatorKeyType.GROUP, keys: ["g"] }),
    frame(hex(header(0) + `0001 "g"`)),
  );
  assert.throws(
    () => encodeRequest(FindCoordinatorApi, 0, 1, "cli", { keyType: CoordinatorKeyType.TRANSACTION, keys: ["tx"] }),
    UnsupportedVersionError,
  );
});

test("FindCoordinator request v1-v2 golden bytes: key, key type", () => {
  for (const v of [1, 2]) {
    assert.deepEqual(
      encodeRequest(FindCoordinatorApi, v, 1, "cli", { keyType: CoordinatorKeyType.TRANSACTION, keys: ["tx"] }),
      frame(hex(header(v) + `0002 "tx" 01`)),
      `v${v}`,
    );
  }
});

test("FindCoordinator request v3 golden bytes (flexible, still one key)", () => {
  assert.deepEqual(
    encodeRequest(FindCoordinatorApi, 3, 1, "cli", { keyType: CoordinatorKeyType.TRANSACTION, keys: ["tx"] }),
    frame(hex(header(3) + `03 "tx" 01 00`)),
  );
});

test("FindCoordinator request v4-v6 golden bytes: key type, then batched keys", () => {
  for (const v of [4, 5, 6]) {
    assert.deepEqual(
      encodeRequest(FindCoordinatorApi, v, 1, "cli", { keyType: CoordinatorKeyType.TRANSACTION, keys: ["tx", "t2"] }),
      frame(hex(header(v) + `01 03 03 "tx" 03 "t2" 00  // key type, keys: compact 2, tagged fields`)),
      `v${v}`,
    );
  }
  assert.deepEqual(
    encodeRequest(FindCoordinatorApi, 6, 1, "cli", { keyType: CoordinatorKeyType.GROUP, keys: [] }),
    frame(hex(header(6) + `00 01 00`)),
  );
});

test("FindCoordinator request v0-v3 carry exactly one key", () => {
  for (const v of [0, 1, 2, 3]) {
    for (const keys of [[], ["a", "b"]]) {
      assert.throws(() => encodeRequest(FindCoordinatorApi, v, 1, "cli", { keyType: 0, keys }), UnsupportedVersionError, `v${v}`);
    }
  }
});

test("FindCoordinator response v0 golden bytes, normalized to one coordinator", () => {
  const payload = hex(`
    00000005          // correlation id
    0000              // error code
    00000002          // node id
    0001 "h"          // host
    00002384          // port 9092
  `);
  const expected: FindCoordinatorResponse = {
    throttleTimeMs: 0,
    coordinators: [{ key: "", nodeId: 2, host: "h", port: 9092, errorCode: 0, errorMessage: null }],
  };
  assert.deepEqual(decodeResponse(FindCoordinatorApi, 0, payload), { correlationId: 5, body: expected });
});

test("FindCoordinator response v1-v2 golden bytes: throttle time and error message", () => {
  const payload = hex(`
    00000005
    0000000a          // throttle time ms
    000f 0001 "x"     // COORDINATOR_NOT_AVAILABLE (15), message "x"
    ffffffff 0000 ffffffff  // node id -1, host "", port -1
  `);
  const expected: FindCoordinatorResponse = {
    throttleTimeMs: 10,
    coordinators: [{ key: "", nodeId: -1, host: "", port: -1, errorCode: 15, errorMessage: "x" }],
  };
  for (const v of [1, 2]) {
    assert.deepEqual(decodeResponse(FindCoordinatorApi, v, payload), { correlationId: 5, body: expected }, `v${v}`);
  }
});

test("FindCoordinator response v3 golden bytes (flexible)", () => {
  const payload = hex(`00000005 00 0000000a 0000 00 00000002 02 "h" 00002384 00`);
  assert.deepEqual(decodeResponse(FindCoordinatorApi, 3, payload), {
    correlationId: 5,
    body: { throttleTimeMs: 10, coordinators: [{ key: "", nodeId: 2, host: "h", port: 9092, errorCode: 0, errorMessage: null }] },
  });
});

test("FindCoordinator response v4-v6 golden bytes: a coordinator per key", () => {
  const payload = hex(`
    00000005 00
    0000000a
    03                                        // coordinators: compact 2
      03 "tx" 00000002 02 "h" 00002384 0000 00 00   // key, node, host, port, no error, null message, tags
      03 "t2" ffffffff 01 ffffffff 000f 02 "x" 00   // COORDINATOR_NOT_AVAILABLE, message "x"
    00
  `);
  const expected: FindCoordinatorResponse = {
    throttleTimeMs: 10,
    coordinators: [
      { key: "tx", nodeId: 2, host: "h", port: 9092, errorCode: 0, errorMessage: null },
      { key: "t2", nodeId: -1, host: "", port: -1, errorCode: 15, errorMessage: "x" },
    ],
  };
  for (const v of [4, 5, 6]) {
    assert.deepEqual(decodeResponse(FindCoordinatorApi, v, payload), { correlationId: 5, body: expected }, `v${v}`);
  }
});

test("FindCoordinator response: a null host is corrupt", () => {
  assert.throws(
    () => decodeResponse(FindCoordinatorApi, 1, hex(`00000005 00000000 0000 ffff 00000001 ffff 00000001`)),
    CorruptResponseError,
  );
  assert.throws(
    () => decodeResponse(FindCoordinatorApi, 4, hex(`00000005 00 00000000 02 02 "g" 00000001 00 00000001 0000 00 00 00`)),
    CorruptResponseError,
  );
});
