import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaError } from "../../src/errors.ts";
import { ERROR_CODES, ErrorCode, errorForCode, errorInfo, KafkaProtocolError } from "../../src/protocol/error_codes.ts";

// The highest code in apache/kafka trunk's Errors.java when this table was written.
const MAX_CODE = 136;

test("every code from -1 to the highest is present, in order, with a unique name", () => {
  assert.equal(ERROR_CODES.length, MAX_CODE + 2);
  const names = new Set<string>();
  for (let code = -1; code <= MAX_CODE; code++) {
    const info = errorInfo(code);
    assert.ok(info, `code ${code} missing`);
    assert.equal(info.code, code);
    assert.match(info.name, /^[A-Z][A-Z0-9_]*$/);
    assert.ok(info.description.length > 0, `code ${code} has no description`);
    assert.ok(!names.has(info.name), `duplicate name ${info.name}`);
    names.add(info.name);
    // Every InvalidMetadataException is a RetriableException.
    if (info.invalidMetadata) assert.ok(info.retriable, info.name);
  }
  assert.equal(errorInfo(MAX_CODE + 1), undefined);
  assert.equal(errorInfo(-2), undefined);
  assert.equal(errorInfo(1.5), undefined);
});

test("spot checks against Errors.java", () => {
  const expect: Array<[number, string, boolean, boolean]> = [
    [-1, "UNKNOWN_SERVER_ERROR", false, false],
    [0, "NONE", false, false],
    [1, "OFFSET_OUT_OF_RANGE", false, false],
    [2, "CORRUPT_MESSAGE", true, false],
    [3, "UNKNOWN_TOPIC_OR_PARTITION", true, true],
    [5, "LEADER_NOT_AVAILABLE", true, true],
    [6, "NOT_LEADER_OR_FOLLOWER", true, true],
    [7, "REQUEST_TIMED_OUT", true, false],
    [8, "BROKER_NOT_AVAILABLE", false, false],
    [10, "MESSAGE_TOO_LARGE", false, false],
    [13, "NETWORK_EXCEPTION", true, true],
    [15, "COORDINATOR_NOT_AVAILABLE", true, false],
    [19, "NOT_ENOUGH_REPLICAS", true, false],
    [20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", true, false],
    [29, "TOPIC_AUTHORIZATION_FAILED", false, false],
    [35, "UNSUPPORTED_VERSION", false, false],
    [36, "TOPIC_ALREADY_EXISTS", false, false],
    [41, "NOT_CONTROLLER", true, false],
    [45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false, false],
    [47, "INVALID_PRODUCER_EPOCH", false, false],
    [51, "CONCURRENT_TRANSACTIONS", true, false],
    [56, "KAFKA_STORAGE_ERROR", true, true],
    [59, "UNKNOWN_PRODUCER_ID", false, false],
    [74, "FENCED_LEADER_EPOCH", true, true],
    [75, "UNKNOWN_LEADER_EPOCH", true, false],
    [89, "THROTTLING_QUOTA_EXCEEDED", true, false],
    [90, "PRODUCER_FENCED", false, false],
    [100, "UNKNOWN_TOPIC_ID", true, true],
    [103, "INCONSISTENT_TOPIC_ID", true, true],
    [120, "TRANSACTION_ABORTABLE", false, false],
    [129, "REBOOTSTRAP_REQUIRED", false, false],
    [133, "SHARE_SESSION_LIMIT_REACHED", true, false],
    [136, "CONTROLLER_ID_NOT_REGISTERED", false, false],
  ];
  for (const [code, name, retriable, invalidMetadata] of expect) {
    assert.deepEqual(
      { name: errorInfo(code)?.name, retriable: errorInfo(code)?.retriable, invalidMetadata: errorInfo(code)?.invalidMetadata },
      { name, retriable, invalidMetadata },
      `code ${code}`,
    );
  }
});

test("ErrorCode names every code of the table, and nothing else", () => {
  assert.equal(Object.keys(ErrorCode).length, ERROR_CODES.length);
  for (const info of ERROR_CODES) assert.equal(ErrorCode[info.name as keyof typeof ErrorCode], info.code, info.name);
  assert.ok(Object.isFrozen(ErrorCode));
});

test("ErrorCode spot checks against Errors.java: the codes the client and its tests name", () => {
  const expect: Array<[keyof typeof ErrorCode, number]> = [
    ["NONE", 0],
    ["UNKNOWN_TOPIC_OR_PARTITION", 3],
    ["NOT_LEADER_OR_FOLLOWER", 6],
    ["REQUEST_TIMED_OUT", 7],
    ["MESSAGE_TOO_LARGE", 10],
    ["NETWORK_EXCEPTION", 13],
    ["COORDINATOR_LOAD_IN_PROGRESS", 14],
    ["COORDINATOR_NOT_AVAILABLE", 15],
    ["NOT_COORDINATOR", 16],
    ["NOT_ENOUGH_REPLICAS", 19],
    ["ILLEGAL_GENERATION", 22],
    ["UNKNOWN_MEMBER_ID", 25],
    ["TOPIC_AUTHORIZATION_FAILED", 29],
    ["GROUP_AUTHORIZATION_FAILED", 30],
    ["CLUSTER_AUTHORIZATION_FAILED", 31],
    ["UNSUPPORTED_SASL_MECHANISM", 33],
    ["UNSUPPORTED_VERSION", 35],
    ["UNSUPPORTED_FOR_MESSAGE_FORMAT", 43],
    ["OUT_OF_ORDER_SEQUENCE_NUMBER", 45],
    ["DUPLICATE_SEQUENCE_NUMBER", 46],
    ["INVALID_PRODUCER_EPOCH", 47],
    ["INVALID_TXN_STATE", 48],
    ["INVALID_PRODUCER_ID_MAPPING", 49],
    ["CONCURRENT_TRANSACTIONS", 51],
    ["TRANSACTIONAL_ID_AUTHORIZATION_FAILED", 53],
    ["OPERATION_NOT_ATTEMPTED", 55],
    ["UNKNOWN_PRODUCER_ID", 59],
    ["FENCED_INSTANCE_ID", 82],
    ["INVALID_RECORD", 87],
    ["PRODUCER_FENCED", 90],
    ["TRANSACTION_ABORTABLE", 120],
  ];
  for (const [name, code] of expect) assert.equal(ErrorCode[name], code, name);
});

test("errorForCode builds a KafkaProtocolError with context in its message", () => {
  const err = errorForCode(6, "orders-3");
  assert.ok(err instanceof KafkaProtocolError);
  assert.ok(err instanceof KafkaError);
  assert.ok(err instanceof Error);
  assert.equal(err.name, "KafkaProtocolError");
  assert.equal(err.code, 6);
  assert.equal(err.errorName, "NOT_LEADER_OR_FOLLOWER");
  assert.equal(err.retriable, true);
  assert.equal(err.invalidMetadata, true);
  assert.equal(err.context, "orders-3");
  assert.match(err.message, /^NOT_LEADER_OR_FOLLOWER \(6\) for orders-3: /);
});

test("errorForCode without context, and with the broker's own message", () => {
  const plain = errorForCode(36);
  assert.equal(plain.context, undefined);
  assert.equal(plain.message, "TOPIC_ALREADY_EXISTS (36): Topic with this name already exists.");
  assert.equal(plain.retriable, false);
  const detailed = errorForCode(36, "topic orders", "Topic 'orders' already exists.");
  assert.equal(detailed.message, "TOPIC_ALREADY_EXISTS (36) for topic orders: Topic 'orders' already exists.");
  // A null or empty broker message falls back to the table's description.
  assert.equal(errorForCode(36, undefined, null).message, plain.message);
});

test("unknown codes keep their number, are not retriable, and do not throw", () => {
  const err = errorForCode(9999, "t-0");
  assert.equal(err.code, 9999);
  assert.equal(err.errorName, "UNKNOWN_CODE(9999)");
  assert.equal(err.retriable, false);
  assert.equal(err.invalidMetadata, false);
  assert.match(err.message, /^UNKNOWN_CODE\(9999\) \(9999\) for t-0: /);
  assert.equal(errorForCode(-5).errorName, "UNKNOWN_CODE(-5)");
});

test("errorForCode(0) does not throw", () => {
  const err = errorForCode(0);
  assert.equal(err.errorName, "NONE");
  assert.equal(err.code, 0);
  assert.equal(err.retriable, false);
});
