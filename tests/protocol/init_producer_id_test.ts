import { test } from "node:test";
import assert from "node:assert/strict";
import { UnsupportedVersionError } from "../../src/errors.ts";
import { decodeResponse, encodeRequest } from "../../src/protocol/api.ts";
import { InitProducerIdApi, type InitProducerIdResponse } from "../../src/protocol/init_producer_id.ts";
import { frame, hex, requestHeader } from "../support/helpers.ts";

const PID = "0102030405060708";

const header = (v: number) => requestHeader(22, v, v >= 2);

test("InitProducerId request v0-v1 golden bytes", () => {
  for (const v of [0, 1]) {
    assert.deepEqual(
      encodeRequest(InitProducerIdApi, v, 1, "cli", { transactionalId: "tx", transactionTimeoutMs: 60000 }),
      frame(hex(header(v) + `0002 "tx" 0000ea60  // transactional id, timeout 60000`)),
      `v${v}`,
    );
  }
});

test("InitProducerId request v2 golden bytes (flexible, no producer id yet)", () => {
  assert.deepEqual(
    encodeRequest(InitProducerIdApi, 2, 1, "cli", { transactionalId: "tx", transactionTimeoutMs: 60000 }),
    frame(hex(header(2) + `03 "tx" 0000ea60 00`)),
  );
});

test("InitProducerId request v3-v5 golden bytes (producer id and epoch)", () => {
  for (const v of [3, 4, 5]) {
    assert.deepEqual(
      encodeRequest(InitProducerIdApi, v, 1, "cli", {
        transactionalId: "tx",
        transactionTimeoutMs: 60000,
        producerId: 0x0102030405060708n,
        producerEpoch: 5,
      }),
      frame(hex(header(v) + `03 "tx" 0000ea60 ${PID} 0005 00`)),
      `v${v}`,
    );
  }
});

test("InitProducerId request: null transactional id and default producer id/epoch", () => {
  const req = { transactionalId: null, transactionTimeoutMs: 0x7fffffff };
  assert.deepEqual(encodeRequest(InitProducerIdApi, 1, 1, "cli", req), frame(hex(header(1) + `ffff 7fffffff`)));
  assert.deepEqual(
    encodeRequest(InitProducerIdApi, 4, 1, "cli", req),
    frame(hex(header(4) + `00 7fffffff ffffffffffffffff ffff 00`)),
  );
});

test("InitProducerId request: an epoch bump needs v3+", () => {
  for (const extra of [{ producerId: 7n }, { producerEpoch: 2 }]) {
    assert.throws(
      () => encodeRequest(InitProducerIdApi, 2, 1, "cli", { transactionalId: "tx", transactionTimeoutMs: 1, ...extra }),
      UnsupportedVersionError,
    );
  }
  // Explicit defaults are fine on old versions.
  const req = { transactionalId: "tx", transactionTimeoutMs: 1, producerId: -1n, producerEpoch: -1 };
  assert.deepEqual(encodeRequest(InitProducerIdApi, 0, 1, "cli", req), frame(hex(header(0) + `0002 "tx" 00000001`)));
});

const expected: InitProducerIdResponse = { throttleTimeMs: 10, errorCode: 0, producerId: 0x0102030405060708n, producerEpoch: 5 };

test("InitProducerId response v0-v1 golden bytes", () => {
  const payload = hex(`00000005 0000000a 0000 ${PID} 0005  // correlation id, throttle, error, producer id, epoch`);
  for (const v of [0, 1]) {
    assert.deepEqual(decodeResponse(InitProducerIdApi, v, payload), { correlationId: 5, body: expected }, `v${v}`);
  }
});

test("InitProducerId response v2-v5 golden bytes", () => {
  const payload = hex(`00000005 00 0000000a 0000 ${PID} 0005 00`);
  for (const v of [2, 3, 4, 5]) {
    assert.deepEqual(decodeResponse(InitProducerIdApi, v, payload), { correlationId: 5, body: expected }, `v${v}`);
  }
});

test("InitProducerId response: error with unknown tagged field skipped", () => {
  const payload = hex(`00000005 00 00000000 005a ffffffffffffffff ffff 01 07 01 00  // PRODUCER_FENCED (90), unknown tag 7`);
  assert.deepEqual(decodeResponse(InitProducerIdApi, 5, payload).body, {
    throttleTimeMs: 0,
    errorCode: 90,
    producerId: -1n,
    producerEpoch: -1,
  });
});
