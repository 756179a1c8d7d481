/**
 * When the producer loads @opentelemetry/api: not while no OpenTelemetry provider is
 * registered (every span would be a no-op, and the load costs a cold start), and from the
 * first send after one is. Run in a child process, where nothing is registered yet.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Child, evalCommand, root, testRuntime } from "../support/child.ts";

test("a producer made before any OpenTelemetry provider is registered traces the sends made after one is", async () => {
  const code = `
    const { KafkaProducer } = await import(${JSON.stringify(`${root}/mod.ts`)});
    const { openTelemetryRegistered } = await import(${JSON.stringify(`${root}/src/telemetry/opentelemetry_global.ts`)});
    const { INSTRUMENTATION_SCOPE } = await import(${JSON.stringify(`${root}/src/telemetry/semantic_conventions.ts`)});
    const producer = new KafkaProducer({ bootstrapServers: "127.0.0.1:1", maxBlockMs: 300 });
    const outcome = (p) => p.then(() => "sent", (e) => e.name);
    const registeredBefore = openTelemetryRegistered();
    const before = await outcome(producer.send({ topic: "orders", value: "before" }));
    const { installOpenTelemetry } = await import(${JSON.stringify(`${root}/tests/support/otel.ts`)});
    const otel = installOpenTelemetry();
    const after = await outcome(producer.send({ topic: "orders", value: "after" }));
    const spans = otel.spans(INSTRUMENTATION_SCOPE).map((s) => s.name);
    console.log(JSON.stringify({ registeredBefore, registeredAfter: openTelemetryRegistered(), before, after, spans }));
    await producer.close({ timeoutMs: 0 });
    await otel.uninstall();
  `;
  const child = new Child(evalCommand(testRuntime(), code));
  const exit = await child.exit(30_000);
  assert.equal(exit.code, 0, `the child failed:\n${child.stderr}`);
  const result = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "");
  assert.deepEqual(result, {
    registeredBefore: false,
    registeredAfter: true,
    before: "TimeoutError",
    after: "TimeoutError",
    spans: ["send orders"],
  });
});
