/**
 * A producer whose codec cannot load (WebAssembly refused, as workerd refuses to compile
 * it at run time) fails its sends at once with the reason, instead of letting
 * them wait out maxBlockMs for metadata nobody fetches. Run in a child process, where no
 * codec is cached yet.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Child, evalCommand, root, testRuntime } from "../support/child.ts";

test("a producer that cannot load its codec rejects waiting and later sends with the reason, long before maxBlockMs", async () => {
  const code = `
    const refuse = () => { throw new Error("WebAssembly is switched off here"); };
    for (const name of ["compile", "instantiate", "compileStreaming", "instantiateStreaming"]) {
      WebAssembly[name] = () => Promise.reject(new Error("WebAssembly is switched off here"));
    }
    WebAssembly.Module = refuse;
    WebAssembly.Instance = refuse;
    const { KafkaProducer } = await import(${JSON.stringify(`${root}/mod.ts`)});
    const producer = new KafkaProducer({ bootstrapServers: "127.0.0.1:1", compressionType: "zstd", maxBlockMs: 60000 });
    const started = Date.now();
    const outcome = (p) => p.then(() => "sent", (e) => e.message);
    const first = await outcome(producer.send({ topic: "t", value: "early" }));
    const later = await outcome(producer.send({ topic: "t", value: "later" }));
    console.log(JSON.stringify({ first, later, ms: Date.now() - started }));
    await producer.close({ timeoutMs: 0 });
  `;
  const child = new Child(evalCommand(testRuntime(), code));
  const exit = await child.exit(30_000);
  const line = child.stdout.trim().split("\n").at(-1) ?? "";
  assert.equal(exit.code, 0, `the child failed:\n${child.stderr}`);
  const result = JSON.parse(line) as { first: string; later: string; ms: number };
  assert.match(result.first, /could not start/);
  assert.match(result.later, /could not start/);
  assert.ok(result.ms < 20_000, `settled after ${result.ms} ms`);
});
