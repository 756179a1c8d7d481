/**
 * The producer's instrumentation events: connect, request (from the native producer's
 * NetworkClient, through its observer) and request queue size against the broker;
 * request timeout through the observer the NetworkClient calls on a timed-out request.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Kafka, logLevel, type RequestEvent, type RequestTimeoutEvent } from "../../src/kafkajs/mod.ts";
import { clientEvents, Instrumentation } from "../../src/kafkajs/instrumentation.ts";
import { consoleLogCreator, createLogger } from "../../src/kafkajs/logger.ts";
import { ProduceApi } from "../../src/protocol/produce.ts";
import type { ClientRequest } from "../../src/client/client_request.ts";
import { bootstrapServers } from "../support/broker.ts";
import { createTestTopic } from "../support/topics.ts";
import { testRuntime } from "../support/child.ts";

const runtime = testRuntime();

test(`producer.on(): connect, each answered request with its timing, and the requests in flight (${runtime})`, async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic(`kjs-events-${runtime}`, 1);
  const producer = new Kafka({ clientId: "events", brokers: servers.split(","), logLevel: logLevel.NOTHING }).producer();
  const types: string[] = [];
  const requests: RequestEvent["payload"][] = [];
  const queueSizes: number[] = [];
  producer.on(producer.events.CONNECT, (event) => types.push(event.type));
  producer.on(producer.events.REQUEST, (event: RequestEvent) => requests.push(event.payload));
  producer.on(producer.events.REQUEST_QUEUE_SIZE, (event) => queueSizes.push(event.payload.queueSize));
  await producer.connect();
  await producer.send({ topic, messages: [{ value: "observed" }] });
  await producer.disconnect();
  assert.deepEqual(types, ["producer.connect"]);
  const produce = requests.find((r) => r.apiName === "Produce");
  assert.ok(produce, `a Produce request among ${requests.map((r) => r.apiName).join(", ")}`);
  assert.equal(produce.apiKey, 0);
  assert.equal(produce.clientId, "events");
  assert.ok(servers.split(",").includes(produce.broker), produce.broker);
  assert.ok(produce.size > 0 && produce.duration >= 0 && produce.sentAt >= produce.createdAt);
  assert.ok(queueSizes.includes(1) && queueSizes.includes(0), `queue sizes ${queueSizes.join(",")}`);
});

test("a request that timed out becomes a request_timeout event with its timing", () => {
  const instrumentation = new Instrumentation(clientEvents("producer"), createLogger(logLevel.NOTHING, consoleLogCreator));
  const seen: RequestTimeoutEvent[] = [];
  instrumentation.on("producer.network.request_timeout", (event: RequestTimeoutEvent) => seen.push(event));
  const request = { api: ProduceApi, version: 9, correlationId: 7, createdMs: 1000, sendTimeMs: 1002, destination: 1 } as ClientRequest;
  instrumentation.networkObserver("app").requestTimedOut(request, 31_002, "b1:9092");
  assert.deepEqual(seen.map((e) => [e.type, e.payload]), [[
    "producer.network.request_timeout",
    {
      apiKey: 0,
      apiName: "Produce",
      apiVersion: 9,
      broker: "b1:9092",
      clientId: "app",
      correlationId: 7,
      createdAt: 1000,
      sentAt: 1002,
      pendingDuration: 2,
    },
  ]]);
  assert.equal(typeof seen[0].id, "string");
});
