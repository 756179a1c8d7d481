import { test } from "node:test";
import assert from "node:assert/strict";
import { UnsupportedVersionError } from "../../src/errors.ts";
import { decodeResponse, encodeRequest } from "../../src/protocol/api.ts";
import { DeleteTopicsApi, type DeleteTopicsResponse } from "../../src/protocol/delete_topics.ts";
import { frame, hex, requestHeader } from "../support/helpers.ts";

const ZERO_ID = "00000000000000000000000000000000";
const TOPIC_ID = "000102030405060708090a0b0c0d0e0f";

const header = (v: number) => requestHeader(20, v, v >= 4);

test("DeleteTopics request v1-v3 golden bytes", () => {
  for (const v of [1, 2, 3]) {
    assert.deepEqual(
      encodeRequest(DeleteTopicsApi, v, 1, "cli", { topicNames: ["a", "b"], timeoutMs: 30000 }),
      frame(hex(header(v) + `00000002 0001 "a" 0001 "b"  00007530`)),
      `v${v}`,
    );
  }
});

test("DeleteTopics request v4-v5 golden bytes", () => {
  for (const v of [4, 5]) {
    assert.deepEqual(
      encodeRequest(DeleteTopicsApi, v, 1, "cli", { topicNames: ["a", "b"], timeoutMs: 30000 }),
      frame(hex(header(v) + `03 02 "a" 02 "b"  00007530  00`)),
      `v${v}`,
    );
  }
});

test("DeleteTopics request v6 golden bytes: topic states by name or id", () => {
  const req = { topics: [{ name: "a" }, { name: null, topicId: hex(TOPIC_ID) }], timeoutMs: 30000 };
  assert.deepEqual(
    encodeRequest(DeleteTopicsApi, 6, 1, "cli", req),
    frame(hex(
      header(6) + `
      03                      // topics: compact 2
        02 "a" ${ZERO_ID} 00  //   by name: name, zero id, tagged fields
        00 ${TOPIC_ID} 00     //   by id: null name, id, tagged fields
      00007530                // timeout ms
      00                      // tagged fields
    `,
    )),
  );
});

test("DeleteTopics request converts between topicNames and topics", () => {
  assert.deepEqual(
    encodeRequest(DeleteTopicsApi, 6, 1, "cli", { topicNames: ["a"], timeoutMs: 1 }),
    frame(hex(header(6) + `02 02 "a" ${ZERO_ID} 00 00000001 00`)),
  );
  assert.deepEqual(
    encodeRequest(DeleteTopicsApi, 3, 1, "cli", { topics: [{ name: "a" }], timeoutMs: 1 }),
    frame(hex(header(3) + `00000001 0001 "a" 00000001`)),
  );
  assert.deepEqual(
    encodeRequest(DeleteTopicsApi, 5, 1, "cli", { timeoutMs: 1 }),
    frame(hex(header(5) + `01 00000001 00`)),
  );
  for (const v of [1, 5]) {
    assert.throws(
      () => encodeRequest(DeleteTopicsApi, v, 1, "cli", { topics: [{ name: null, topicId: hex(TOPIC_ID) }], timeoutMs: 1 }),
      UnsupportedVersionError,
    );
    assert.throws(
      () => encodeRequest(DeleteTopicsApi, v, 1, "cli", { topics: [{ name: "a", topicId: hex(TOPIC_ID) }], timeoutMs: 1 }),
      UnsupportedVersionError,
    );
  }
});

function result(name: string | null, errorCode: number, errorMessage: string | null, topicId: Uint8Array = new Uint8Array(16)) {
  return { name, topicId, errorCode, errorMessage };
}

test("DeleteTopics response v1-v3 golden bytes", () => {
  const payload = hex(`
    00000005                  // correlation id
    0000000a                  // throttle time ms
    00000002                  // responses: 2
      0001 "a" 0000           //   deleted
      0001 "b" 0049           //   TOPIC_DELETION_DISABLED (73)
  `);
  const expected: DeleteTopicsResponse = { throttleTimeMs: 10, responses: [result("a", 0, null), result("b", 73, null)] };
  for (const v of [1, 2, 3]) {
    assert.deepEqual(decodeResponse(DeleteTopicsApi, v, payload), { correlationId: 5, body: expected }, `v${v}`);
  }
});

test("DeleteTopics response v4 golden bytes", () => {
  const payload = hex(`
    00000005 00               // correlation id, header tagged fields
    0000000a
    03 02 "a" 0000 00 02 "b" 0049 00
    00
  `);
  const expected: DeleteTopicsResponse = { throttleTimeMs: 10, responses: [result("a", 0, null), result("b", 73, null)] };
  assert.deepEqual(decodeResponse(DeleteTopicsApi, 4, payload), { correlationId: 5, body: expected });
});

test("DeleteTopics response v5 golden bytes (adds error message)", () => {
  const payload = hex(`
    00000005 00 0000000a
    03
      02 "a" 0000 00 00       //   name, error, null message, tagged fields
      02 "b" 0049 02 "x" 00
    00
  `);
  const expected: DeleteTopicsResponse = { throttleTimeMs: 10, responses: [result("a", 0, null), result("b", 73, "x")] };
  assert.deepEqual(decodeResponse(DeleteTopicsApi, 5, payload), { correlationId: 5, body: expected });
});

test("DeleteTopics response v6 golden bytes (adds topic id, nullable name)", () => {
  const payload = hex(`
    00000005 00 0000000a
    03
      02 "a" ${TOPIC_ID} 0000 00 00
      00 ${ZERO_ID} 0064 02 "x" 00   //   unknown id: null name, UNKNOWN_TOPIC_ID (100)
    00
  `);
  const expected: DeleteTopicsResponse = {
    throttleTimeMs: 10,
    responses: [result("a", 0, null, hex(TOPIC_ID)), result(null, 100, "x")],
  };
  assert.deepEqual(decodeResponse(DeleteTopicsApi, 6, payload), { correlationId: 5, body: expected });
});
