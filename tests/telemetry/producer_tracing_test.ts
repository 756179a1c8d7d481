/**
 * OpenTelemetry against the real broker, on each runtime: the producer's spans as an
 * InMemorySpanExporter receives them (one per record, under the caller's span, with the
 * partition, offset and broker of the acknowledgement, or the error), the trace context
 * the broker stored in each record's headers (read back by the Java consumer), the
 * metrics, `tracing: false`; a KafkaJS consumer instrumented by
 * @opentelemetry/instrumentation-kafkajs (under Node) continuing our traces; and Deno's
 * built-in OpenTelemetry (`OTEL_DENO=true`) exporting our spans and metrics over OTLP.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import * as api from "@opentelemetry/api";
import { KafkaProducer } from "../../src/producer/kafka_producer.ts";
import type { RecordMetadata } from "../../src/producer/producer_record.ts";
import { RecordTooLargeError } from "../../src/errors.ts";
import { INSTRUMENTATION_SCOPE } from "../../src/telemetry/semantic_conventions.ts";
import { bootstrapServers } from "../support/broker.ts";
import { Child, root } from "../support/child.ts";
import { installOpenTelemetry } from "../support/otel.ts";
import { readTopic } from "../support/reader.ts";
import { createTestTopic } from "../support/topics.ts";

const decoder = new TextDecoder();
const text = (bytes: Uint8Array | null | undefined) => bytes == null ? undefined : decoder.decode(bytes);

test("spans, stored trace context and metrics of real sends; tracing: false; a KafkaJS consumer continues the traces", async () => {
  const bootstrap = await bootstrapServers();
  const topic = await createTestTopic("otel", 3);
  const otel = installOpenTelemetry();
  const traced = new KafkaProducer({ bootstrapServers: bootstrap, clientId: "traced", maxRequestSize: 100_000 });
  const untraced = new KafkaProducer({ bootstrapServers: bootstrap, clientId: "untraced", tracing: false });
  let results: RecordMetadata[];
  let parent: api.Span;
  try {
    // The first sends go out before @opentelemetry/api has loaded: they are traced all the same.
    results = await api.trace.getTracer("test").startActiveSpan("handle order", async (span) => {
      parent = span;
      const sends = [
        traced.send({ topic, key: "a-1", value: "first", headers: { source: "test" } }),
        traced.send({ topic, key: "a-2", value: null }),
        traced.send({ topic, key: "a-3", value: "third", partition: 2 }),
        untraced.send({ topic, key: "b-1", value: "untraced" }),
      ];
      await assert.rejects(traced.send({ topic, key: "too-large", value: "x".repeat(200_000) }), RecordTooLargeError);
      span.end();
      return await Promise.all(sends);
    });
  } finally {
    await Promise.all([traced.close(), untraced.close()]);
  }
  const sent = await otel.sums("messaging.client.sent.messages");
  const durations = await otel.histograms("messaging.client.operation.duration");
  const spans = otel.spans(INSTRUMENTATION_SCOPE);
  await otel.uninstall();

  // One span per record of the traced producer, children of the caller's span.
  assert.deepEqual(spans.map((s) => s.attributes["messaging.kafka.message.key"]).sort(), ["a-1", "a-2", "a-3", "too-large"]);
  const byKey = new Map(spans.map((s) => [String(s.attributes["messaging.kafka.message.key"]), s]));
  const [host, port] = bootstrap.split(",")[0].split(":");
  for (const [i, key] of ["a-1", "a-2", "a-3"].entries()) {
    const span = byKey.get(key)!;
    assert.equal(span.name, `send ${topic}`);
    assert.equal(span.kind, api.SpanKind.PRODUCER);
    assert.equal(span.spanContext().traceId, parent!.spanContext().traceId);
    assert.equal(span.parentSpanContext?.spanId, parent!.spanContext().spanId);
    assert.equal(span.status.code, api.SpanStatusCode.UNSET);
    assert.deepEqual(
      {
        ...span.attributes,
        "messaging.kafka.message.key": undefined,
        "messaging.kafka.message.tombstone": undefined,
      },
      {
        "messaging.system": "kafka",
        "messaging.operation.name": "send",
        "messaging.operation.type": "send",
        "messaging.destination.name": topic,
        "messaging.client.id": "traced",
        "messaging.destination.partition.id": String(results[i].partition),
        "messaging.kafka.offset": results[i].offset,
        "messaging.kafka.message.key": undefined,
        "messaging.kafka.message.tombstone": undefined,
        "server.address": host,
        "server.port": Number(port),
      },
    );
  }
  assert.equal(byKey.get("a-2")!.attributes["messaging.kafka.message.tombstone"], true);
  assert.equal(byKey.get("a-1")!.attributes["messaging.kafka.message.tombstone"], undefined);
  assert.equal(results[2].partition, 2);
  const refused = byKey.get("too-large")!;
  assert.equal(refused.attributes["error.type"], "RecordTooLargeError");
  assert.equal(refused.status.code, api.SpanStatusCode.ERROR);

  // The metrics count the same four outcomes, and time them.
  const total = (points: { attributes: Record<string, unknown>; value: number }[]) => points.reduce((n, p) => n + p.value, 0);
  assert.equal(total(sent), 4);
  assert.equal(total(sent.filter((p) => p.attributes["error.type"] === "RecordTooLargeError")), 1);
  assert.ok(sent.every((p) => p.attributes["messaging.destination.name"] === topic && p.attributes["messaging.system"] === "kafka"));
  assert.equal(durations.reduce((n, p) => n + p.value.count, 0), 4);

  // The broker stored each traced record's context; the untraced record has none.
  const stored = await readTopic(bootstrap, topic);
  assert.equal(stored.length, 4);
  for (const record of stored) {
    const key = text(record.key)!;
    const headers = new Map(record.headers.map(([name, value]) => [name, text(value)]));
    if (key === "b-1") {
      assert.equal(headers.has("traceparent"), false, "tracing: false adds no headers");
      continue;
    }
    const span = byKey.get(key)!.spanContext();
    assert.equal(headers.get("traceparent"), `00-${span.traceId}-${span.spanId}-01`, key);
    if (key === "a-1") assert.equal(headers.get("source"), "test", "the record's own headers stay");
  }

  // Another library, another runtime: KafkaJS under Node continues each traced record's trace.
  const consumer = new Child([
    "node",
    "--import",
    "./tools/node_ts_register.mjs",
    join(root, "tests", "support", "kafkajs_traced_consumer.ts"),
    bootstrap,
    topic,
    "4",
  ]);
  await consumer.waitFor(/^done$/m, 90_000);
  assert.deepEqual(await consumer.exit(), { code: 0, signal: null });
  const processed = consumer.stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line));
  assert.equal(processed.length, 4, consumer.stdout);
  for (const span of processed) {
    if (span.key === "b-1") {
      assert.notEqual(span.traceId, parent!.spanContext().traceId, "an untraced record starts a trace of its own");
      continue;
    }
    const ours = byKey.get(span.key)!.spanContext();
    assert.equal(span.traceId, ours.traceId, `${span.key}: the same trace`);
    assert.equal(span.parentSpanId, ours.spanId, `${span.key}: a child of our send span`);
  }
});

/** An OTLP/HTTP JSON receiver: what arrives at /v1/traces and /v1/metrics. */
async function otlpReceiver() {
  const bodies: { path: string; json: Record<string, unknown> }[] = [];
  const server = createServer((request, response) => {
    const chunks: Uint8Array[] = [];
    request.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    request.on("end", () => {
      const body = decoder.decode(new Uint8Array(chunks.flatMap((c) => [...c])));
      bodies.push({ path: request.url ?? "", json: JSON.parse(body) });
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { endpoint: `http://127.0.0.1:${port}`, bodies, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

interface OtlpScope {
  scope: { name: string };
  spans?: { name: string; traceId: string; spanId: string; parentSpanId: string; kind: number; attributes: OtlpAttribute[] }[];
  metrics?: { name: string }[];
}
interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number };
}

test("Deno's built-in OpenTelemetry (OTEL_DENO=true) exports our spans and metrics over OTLP", async () => {
  const bootstrap = await bootstrapServers();
  const topic = await createTestTopic("otel-deno", 1);
  const receiver = await otlpReceiver();
  try {
    const child = new Child([
      join(root, "node_modules", ".bin", "deno"),
      "run",
      "-A",
      "tests/support/deno_otel_producer.ts",
      bootstrap,
      topic,
    ], {
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_DENO_CONSOLE: "ignore",
      OTEL_SERVICE_NAME: "deno-otel-test",
    });
    assert.deepEqual(await child.exit(60_000), { code: 0, signal: null }, child.stderr);
    const metadata = JSON.parse(child.stdout.trim()) as RecordMetadata;
    const scopes = (path: string, key: "resourceSpans" | "resourceMetrics", inner: "scopeSpans" | "scopeMetrics") =>
      receiver.bodies.filter((b) => b.path === path).flatMap((b) =>
        (b.json[key] as Record<string, OtlpScope[]>[]).flatMap((resource) => resource[inner])
      );
    const spans = scopes("/v1/traces", "resourceSpans", "scopeSpans").flatMap((s) =>
      s.spans!.map((span) => ({ ...span, scope: s.scope.name }))
    );
    const parent = spans.find((s) => s.name === "publish order");
    const send = spans.find((s) => s.scope === INSTRUMENTATION_SCOPE);
    assert.ok(parent !== undefined && send !== undefined, JSON.stringify(spans.map((s) => [s.scope, s.name])));
    assert.equal(send.name, `send ${topic}`);
    assert.equal(send.kind, 4, "SPAN_KIND_PRODUCER");
    assert.equal(send.traceId, parent.traceId);
    assert.equal(send.parentSpanId, parent.spanId);
    const attribute = (key: string) => send.attributes.find((a) => a.key === key)?.value;
    assert.equal(attribute("messaging.destination.name")?.stringValue, topic);
    // A JavaScript number: Deno sends it as a double.
    const offset = attribute("messaging.kafka.offset");
    assert.equal(Number(offset?.intValue ?? offset?.doubleValue), metadata.offset);
    assert.equal(attribute("messaging.kafka.message.key")?.stringValue, "deno-otel");
    const metrics = scopes("/v1/metrics", "resourceMetrics", "scopeMetrics").filter((s) => s.scope.name === INSTRUMENTATION_SCOPE);
    assert.deepEqual(
      metrics.flatMap((s) => s.metrics!.map((m) => m.name)).sort(),
      ["messaging.client.operation.duration", "messaging.client.sent.messages"],
    );
  } finally {
    await receiver.close();
  }
});
