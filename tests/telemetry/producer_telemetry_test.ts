/**
 * The producer's OpenTelemetry observer without a broker: what it does with no provider
 * registered (nothing), the span it starts and ends for a send, the trace context it puts
 * in a copy of the record, the metrics, providers registered late, and an SDK that throws.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as api from "@opentelemetry/api";
import { Cluster } from "../../src/client/metadata.ts";
import { TimeoutError } from "../../src/errors.ts";
import { silentLogger } from "../../src/logger.ts";
import type { Logger } from "../../src/logger.ts";
import { withResolvers } from "../../src/producer/pending_sends.ts";
import type { ProducerRecord, RecordMetadata } from "../../src/producer/producer_record.ts";
import { errorForCode } from "../../src/protocol/error_codes.ts";
import { ProducerTelemetry } from "../../src/telemetry/producer_telemetry.ts";
import { INSTRUMENTATION_SCOPE } from "../../src/telemetry/semantic_conventions.ts";
import { withHeaders } from "../../src/telemetry/trace_headers.ts";
import { installOpenTelemetry } from "../support/otel.ts";

const CLUSTER = new Cluster(
  [{ id: 1, host: "broker-1.example", port: 9093, rack: null }, { id: 2, host: "broker-2.example", port: 9094, rack: null }],
  new Map(),
  1,
  "cluster",
);

function telemetry(logger: Logger = silentLogger): ProducerTelemetry {
  return new ProducerTelemetry(api, { clientId: "orders-app", version: "0.1.0", cluster: () => CLUSTER, logger });
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

function header(record: ProducerRecord<unknown, unknown>, name: string): unknown {
  const headers = record.headers;
  if (Array.isArray(headers)) return headers.find(([key]) => key === name)?.[1];
  return (headers as Record<string, unknown> | undefined)?.[name];
}

test("with no provider registered, a send is left alone", () => {
  const inner = withResolvers<RecordMetadata>();
  assert.equal(telemetry().observe({ topic: "orders", value: "v" }, inner), undefined);
});

test("a send's span: started under the caller's span, its context in a copy of the record, ended at the acknowledgement", async () => {
  const otel = installOpenTelemetry();
  try {
    const observer = telemetry();
    const record: ProducerRecord = { topic: "orders", key: "order-17", value: "{}", headers: { source: "web" } };
    const inner = withResolvers<RecordMetadata>();
    const parent = api.trace.getTracer("app").startSpan("handle request");
    const observed = api.context.with(api.trace.setSpan(api.context.active(), parent), () => observer.observe(record, inner));
    assert.ok(observed !== undefined);
    assert.deepEqual(record.headers, { source: "web" }, "the caller's record is not changed");
    assert.equal(header(observed.record, "source"), "web");
    const [, traceId, spanId] = TRACEPARENT.exec(String(header(observed.record, "traceparent")))!;
    assert.equal(otel.spans(INSTRUMENTATION_SCOPE).length, 0, "the span ends at the acknowledgement");

    observed.resolve({ topic: "orders", partition: 2, offset: 41, timestamp: 1 }, 2);
    assert.deepEqual(await inner.promise, { topic: "orders", partition: 2, offset: 41, timestamp: 1 });
    const [span] = otel.spans(INSTRUMENTATION_SCOPE);
    assert.equal(span.name, "send orders");
    assert.equal(span.kind, api.SpanKind.PRODUCER);
    assert.equal(span.spanContext().traceId, parent.spanContext().traceId);
    assert.equal(span.parentSpanContext?.spanId, parent.spanContext().spanId);
    assert.equal(span.spanContext().traceId, traceId, "traceparent names the send's span");
    assert.equal(span.spanContext().spanId, spanId);
    assert.deepEqual(span.attributes, {
      "messaging.system": "kafka",
      "messaging.operation.name": "send",
      "messaging.operation.type": "send",
      "messaging.destination.name": "orders",
      "messaging.client.id": "orders-app",
      "messaging.kafka.message.key": "order-17",
      "messaging.destination.partition.id": "2",
      "messaging.kafka.offset": 41,
      "server.address": "broker-2.example",
      "server.port": 9094,
    });
    assert.equal(span.status.code, api.SpanStatusCode.UNSET);
    observed.resolve({ topic: "orders", partition: 2, offset: 99, timestamp: 1 }, 2);
    observed.reject(new Error("late"));
    assert.equal(otel.spans(INSTRUMENTATION_SCOPE).length, 1, "a send ends once");
    parent.end();
  } finally {
    await otel.uninstall();
  }
});

test("a failed send: error.type (the Kafka error's name, else the error's class), an ERROR status, the exception", async () => {
  const otel = installOpenTelemetry();
  try {
    const observer = telemetry();
    const cases: [ProducerRecord<unknown, unknown>, Error, number | undefined, string][] = [
      [{ topic: "orders", partition: 4, key: new Uint8Array([1]), value: null }, errorForCode(19, "orders-4"), 1, "NOT_ENOUGH_REPLICAS"],
      [
        { topic: "orders", key: 7, value: "v" },
        new TimeoutError("Topic orders not present in metadata after 60000 ms"),
        undefined,
        "TimeoutError",
      ],
    ];
    for (const [record, error, nodeId] of cases) {
      const inner = withResolvers<RecordMetadata>();
      const observed = observer.observe(record, inner)!;
      observed.reject(error, nodeId);
      await assert.rejects(inner.promise, (e) => e === error);
    }
    const [replicas, timeout] = otel.spans(INSTRUMENTATION_SCOPE);
    assert.equal(replicas.attributes["error.type"], "NOT_ENOUGH_REPLICAS");
    assert.equal(replicas.attributes["messaging.destination.partition.id"], "4", "the partition the record asked for");
    assert.equal(replicas.attributes["messaging.kafka.message.tombstone"], true);
    assert.equal(replicas.attributes["messaging.kafka.message.key"], undefined, "bytes have no canonical string form");
    assert.equal(replicas.attributes["server.address"], "broker-1.example");
    assert.equal(replicas.attributes["messaging.kafka.offset"], undefined);
    assert.equal(replicas.status.code, api.SpanStatusCode.ERROR);
    assert.equal(replicas.events[0]?.name, "exception");
    assert.equal(timeout.attributes["error.type"], "TimeoutError");
    assert.equal(timeout.attributes["messaging.kafka.message.key"], "7");
    assert.equal(timeout.attributes["server.address"], undefined, "never sent to a broker");
    assert.equal(timeout.attributes["messaging.destination.partition.id"], undefined);
  } finally {
    await otel.uninstall();
  }
});

test("metrics: messaging.client.sent.messages and messaging.client.operation.duration per outcome, spans or not", async () => {
  const otel = installOpenTelemetry({ tracing: false });
  try {
    const observer = telemetry();
    for (let i = 0; i < 3; i++) {
      const observed = observer.observe({ topic: "orders", value: `${i}` }, withResolvers())!;
      assert.equal(header(observed.record, "traceparent"), undefined, "no tracer: no trace context");
      observed.resolve({ topic: "orders", partition: 0, offset: i, timestamp: 1 }, 1);
    }
    const failedInner = withResolvers<RecordMetadata>();
    const failed = observer.observe({ topic: "orders", value: "x" }, failedInner)!;
    failed.reject(new TimeoutError("expired"), 1);
    await failedInner.promise.catch(() => {});
    const sent = await otel.sums("messaging.client.sent.messages");
    const base = {
      "messaging.system": "kafka",
      "messaging.operation.name": "send",
      "messaging.operation.type": "send",
      "messaging.destination.name": "orders",
      "server.address": "broker-1.example",
      "server.port": 9093,
    };
    assert.deepEqual(
      sent.sort((a, b) => b.value - a.value),
      [
        { attributes: { ...base, "messaging.destination.partition.id": "0" }, value: 3 },
        { attributes: { ...base, "error.type": "TimeoutError" }, value: 1 },
      ],
    );
    const durations = await otel.histograms("messaging.client.operation.duration");
    assert.deepEqual(durations.map((p) => p.value.count).sort(), [1, 3]);
    assert.ok(durations.every((p) => p.value.min! >= 0 && p.value.max! < 60), "seconds");
    assert.equal(otel.spans().length, 0);
  } finally {
    await otel.uninstall();
  }
});

test("a provider registered after the producer started is used from the next send on, and one removed is let go", async () => {
  const observer = telemetry();
  assert.equal(observer.observe({ topic: "orders" }, withResolvers()), undefined);
  const otel = installOpenTelemetry();
  try {
    const observed = observer.observe({ topic: "orders" }, withResolvers());
    assert.ok(observed !== undefined);
    observed.resolve({ topic: "orders", partition: 0, offset: 0, timestamp: 0 });
    assert.equal(otel.spans(INSTRUMENTATION_SCOPE).length, 1);
  } finally {
    await otel.uninstall();
  }
  assert.equal(observer.observe({ topic: "orders" }, withResolvers()), undefined);
});

test("a tracer that throws never fails a send: the record goes untraced, and the problem is logged", () => {
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (message) => void warnings.push(message) };
  const broken: api.TracerProvider = {
    getTracer: () => ({
      startSpan: () => {
        throw new Error("sampler bug");
      },
      startActiveSpan: () => {
        throw new Error("sampler bug");
      },
    }),
  };
  assert.ok(api.trace.setGlobalTracerProvider(broken));
  try {
    const record = { topic: "orders", value: "v" };
    assert.equal(telemetry(logger).observe(record, withResolvers()), undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /untraced/);
  } finally {
    api.trace.disable();
  }
});

test("a send that began earlier (it waited for @opentelemetry/api to load) starts its span then", async () => {
  const otel = installOpenTelemetry();
  try {
    const observed = telemetry().observe({ topic: "orders" }, withResolvers(), 250)!;
    observed.resolve({ topic: "orders", partition: 0, offset: 0, timestamp: 0 });
    const [span] = otel.spans(INSTRUMENTATION_SCOPE);
    const ms = (t: api.HrTime) => t[0] * 1000 + t[1] / 1e6;
    assert.ok(ms(span.endTime) - ms(span.startTime) >= 250, `${ms(span.endTime) - ms(span.startTime)} ms`);
  } finally {
    await otel.uninstall();
  }
});

test("trace headers go into a copy of the record, in the form its headers had, replacing headers of the same name", () => {
  const added: [string, string][] = [["traceparent", "00-a-b-01"], ["tracestate", "k=v"]];
  const none: ProducerRecord = { topic: "t", value: "v" };
  assert.deepEqual(withHeaders(none, added), { topic: "t", value: "v", headers: added });
  const object: ProducerRecord = { topic: "t", headers: { a: "1", traceparent: "stale" } };
  assert.deepEqual(withHeaders(object, added).headers, { a: "1", traceparent: "00-a-b-01", tracestate: "k=v" });
  assert.deepEqual(object.headers, { a: "1", traceparent: "stale" });
  const pairs: ProducerRecord = { topic: "t", headers: [["tracestate", "old"], ["a", "1"], ["a", "2"]] };
  assert.deepEqual(withHeaders(pairs, added).headers, [["a", "1"], ["a", "2"], ...added]);
});
