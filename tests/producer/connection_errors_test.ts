/**
 * What the producer's timeouts say when the cluster cannot be reached: the metadata
 * wait names each address and its outcome, the delivery timeout what the batch's last
 * attempt met; both carry the underlying error as `cause`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProducerMetadata } from "../../src/producer/producer_metadata.ts";
import type { ConnectionDiagnostics } from "../../src/producer/producer_metadata.ts";
import type { ConnectionState } from "../../src/client/cluster_connection_states.ts";
import type { ConnectionFailure } from "../../src/client/connection_failure.ts";
import { classifyConnectionFailure } from "../../src/client/connection_failure.ts";
import { CorruptResponseError, NetworkError, TimeoutError } from "../../src/errors.ts";
import { KafkaProtocolError } from "../../src/protocol/error_codes.ts";
import { initCrc32c } from "../../src/protocol/crc32c.ts";
import type { MetadataResponse } from "../../src/protocol/metadata.ts";
import { metadataResponse, produceResponse, setup } from "../support/sender_fixtures.ts";

await initCrc32c();

class Diagnostics implements ConnectionDiagnostics {
  readonly failures = new Map<number, ConnectionFailure>();
  readonly states = new Map<number, ConnectionState>();
  connectionFailure(nodeId: number): ConnectionFailure | undefined {
    return this.failures.get(nodeId);
  }
  connectionState(nodeId: number): ConnectionState {
    return this.states.get(nodeId) ?? "disconnected";
  }
}

const refused = (nodeId: number, address: string) =>
  classifyConnectionFailure(
    nodeId,
    address,
    new NetworkError(
      `connection to node ${nodeId} at ${address} failed: refused`,
      Object.assign(new Error("refused"), { code: "ECONNREFUSED" }),
    ),
    "connecting",
    false,
    0,
  );

function metadataFor(addresses: string[], autoCreate = true) {
  const bootstrap = addresses.map((a) => ({ host: a.split(":")[0], port: Number(a.split(":")[1]) }));
  const m = new ProducerMetadata(
    bootstrap,
    { metadataMaxAgeMs: 300_000, retryBackoffMs: 100, allowAutoTopicCreation: autoCreate },
    300_000,
  );
  const diagnostics = new Diagnostics();
  m.diagnostics = diagnostics;
  return { m, diagnostics };
}

async function timedOut(wait: Promise<unknown>): Promise<TimeoutError> {
  const error = await wait.then(() => assert.fail("the wait should time out"), (e: unknown) => e);
  assert.ok(error instanceof TimeoutError, `${error}`);
  return error;
}

test("metadata wait: no broker answered names every address and its outcome; cause is an AggregateError of their errors", async () => {
  const { m, diagnostics } = metadataFor(["127.0.0.1:1", "127.0.0.1:8080", "127.0.0.1:9092"]);
  diagnostics.failures.set(-1, refused(-1, "127.0.0.1:1"));
  const notKafka = new CorruptResponseError("node -2 sent a frame of 1213486160 bytes", undefined, "HTTP/1.1 400 Bad Request");
  diagnostics.failures.set(-2, classifyConnectionFailure(-2, "127.0.0.1:8080", notKafka, "checking_api_versions", false, 0));
  diagnostics.states.set(-3, "checking_api_versions");
  const error = await timedOut(m.waitForTopic("orders", 20, Date.now()));
  assert.equal(
    error.message,
    "Topic orders not present in metadata after 20 ms: no broker answered. 127.0.0.1:1 connection refused (ECONNREFUSED); " +
      '127.0.0.1:8080 is not a Kafka broker (it answered "HTTP/1.1 400 Bad Request"); ' +
      "127.0.0.1:9092 accepted the connection but has not answered ApiVersions",
  );
  assert.ok(error.cause instanceof AggregateError);
  assert.deepEqual(error.cause.errors, [diagnostics.failures.get(-1)!.error, notKafka]);
});

test("metadata wait: an address never tried says so, and with no failure there is no cause", async () => {
  const { m } = metadataFor(["b1:9092"]);
  const error = await timedOut(m.waitForTopic("orders", 10, Date.now()));
  assert.equal(error.message, "Topic orders not present in metadata after 10 ms: no broker answered. b1:9092 was not tried yet");
  assert.equal(error.cause, undefined);
});

function unknownTopic(name: string): MetadataResponse {
  const response = metadataResponse(0);
  response.topics = [{ ...response.topics[0], name, errorCode: 3, partitions: [] }];
  return response;
}

test("metadata wait: brokers answered but the topic does not exist: the broker's error, and that auto-creation did not happen", async () => {
  const { m } = metadataFor(["b1:9092"]);
  const wait = m.waitForTopic("orders", 30, Date.now());
  m.update(unknownTopic("orders"), Date.now());
  const error = await timedOut(wait);
  assert.match(
    error.message,
    /^Topic orders not present in metadata after 30 ms: the broker answered UNKNOWN_TOPIC_OR_PARTITION \(3\) for orders/,
  );
  assert.match(error.message, /auto\.create\.topics\.enable is probably false/);
  assert.ok(error.cause instanceof KafkaProtocolError);
  assert.equal(error.cause.errorName, "UNKNOWN_TOPIC_OR_PARTITION");

  const without = metadataFor(["b1:9092"], false).m;
  const second = without.waitForTopic("orders", 10, Date.now());
  without.update(unknownTopic("orders"), Date.now());
  assert.match((await timedOut(second)).message, /automatic creation was not asked for/);
});

test("metadata wait: after brokers answered, a broker that cannot be reached now is named too", async () => {
  const { m, diagnostics } = metadataFor(["b1:9092"]);
  m.update(metadataResponse(1), Date.now());
  diagnostics.failures.set(1, refused(1, "b1:9092"));
  const error = await timedOut(m.waitForTopic("other", 10, Date.now()));
  assert.equal(
    error.message,
    "Topic other not present in metadata after 10 ms: the brokers have not described it yet; " +
      "brokers not reachable now: b1:9092 connection refused (ECONNREFUSED)",
  );
  assert.ok(error.cause instanceof AggregateError);
});

test("delivery timeout: an in-flight batch says its last attempt got no answer, and what the one before met", async () => {
  const t = setup({ deliveryTimeoutMs: 5000 });
  const outcome = t.send(0);
  await t.sender.runOnce();
  t.client.respond(produceResponse([{ partition: 0, errorCode: 6 }]), undefined, undefined, t.clock.now());
  await t.sender.runOnce();
  t.clock.advance(200);
  await t.sender.runOnce();
  t.clock.advance(5000);
  await t.sender.runOnce();
  const error = outcome.error;
  assert.ok(error instanceof TimeoutError);
  assert.match(
    error.message,
    /Expiring 1 record\(s\) for t-0: .*\(sent 2 time\(s\)\); the last attempt, to node 1 \(b1:9092\), got no response yet/,
  );
  assert.match(error.message, /the one before met NOT_LEADER_OR_FOLLOWER \(6\) for t-0: .* from node 1 \(b1:9092\)$/);
  assert.ok(error.cause instanceof KafkaProtocolError);
});

test("delivery timeout: a batch waiting to be retried says what the last attempt met, with it as the cause", async () => {
  const t = setup({ deliveryTimeoutMs: 5000 });
  const outcome = t.send(0);
  await t.sender.runOnce();
  const reset = new NetworkError("connection to node 1 at b1:9092 failed: connection reset");
  t.client.respond(undefined, reset, undefined, t.clock.now());
  await t.sender.runOnce();
  // The node does not come back, so the batch waits in the accumulator until it expires.
  t.client.readyNodes.clear();
  t.clock.advance(5000);
  await t.sender.runOnce();
  assert.ok(outcome.error instanceof TimeoutError);
  assert.match(outcome.error.message, /; the last attempt met connection to node 1 at b1:9092 failed: connection reset$/);
  assert.equal(outcome.error.cause, reset);
});

test("delivery timeout: a batch never sent names its leader's connection outcome", async () => {
  const t = setup({ deliveryTimeoutMs: 5000 });
  t.client.readyNodes.clear();
  t.client.failures.set(1, refused(1, "b1:9092"));
  const outcome = t.send(1);
  await t.sender.runOnce();
  t.clock.advance(5000);
  await t.sender.runOnce();
  assert.ok(outcome.error instanceof TimeoutError);
  assert.match(
    outcome.error.message,
    /\(sent 0 time\(s\)\); never sent: its leader, node 1, could not be used: b1:9092 connection refused \(ECONNREFUSED\)$/,
  );
  assert.equal(outcome.error.cause, t.client.failures.get(1)!.error);
});
