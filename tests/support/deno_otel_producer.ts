/**
 * A Deno program for the test of Deno's built-in OpenTelemetry: run with
 * `OTEL_DENO=true`, it sends one record (key `deno-otel`) to `topic` inside a span of its
 * own, through Deno's registered tracer provider (no SDK of ours), and prints the
 * record's metadata as JSON.
 *
 *   OTEL_DENO=true deno run -A tests/support/deno_otel_producer.ts BOOTSTRAP TOPIC
 *
 * @module
 */
import process from "node:process";
import { trace } from "@opentelemetry/api";
import { KafkaProducer } from "../../mod.ts";

const [bootstrapServers, topic] = process.argv.slice(2);
const producer = new KafkaProducer({ bootstrapServers, clientId: "deno-otel" });
await trace.getTracer("deno-otel-test").startActiveSpan("publish order", async (span) => {
  console.log(JSON.stringify(await producer.send({ topic, key: "deno-otel", value: "{}" })));
  span.end();
});
await producer.close();
