/**
 * `npm run demo` (tools/demo.ts) on the runtime under test, against the test broker: it
 * must finish with every one of its own checks passed (the Java consumer agrees with
 * every offset the client reported, and sees only the committed transaction).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { bootstrapServers } from "../support/broker.ts";
import { Child, testRuntime } from "../support/child.ts";
import { scriptCommand } from "../../tools/script_command.ts";

const runtime = testRuntime();

test(`the demo runs its four steps and passes its checks (${runtime})`, async () => {
  const child = new Child(scriptCommand(runtime, "tools/demo.ts"), { KAFKA_BOOTSTRAP_SERVERS: await bootstrapServers() });
  const exit = await child.exit(120_000);
  const output = child.stdout;
  assert.deepEqual(exit, { code: 0, signal: null }, `the demo failed:\n${output}\n${child.stderr}`);
  assert.match(output, /^ {3}partition {2}records {2}keys {2}first offset {2}last offset$/m);
  // Six partition rows that add up to every keyed record.
  const rows = [...output.matchAll(/^ +(\d) +(\d+) +(\d+) +(\d+) +(\d+)$/gm)];
  assert.equal(rows.length, 6, output);
  assert.equal(rows.reduce((sum, row) => sum + Number(row[2]), 0), 10_000);
  assert.match(output, /the Java consumer read back 10,000 records: 10,000 at the partition and offset send\(\) returned/);
  assert.match(output, /Java consumer, read_committed: +order-1 order-2 order-3$/m);
  assert.match(output, /Java consumer, read_uncommitted: +order-1 order-2 order-3 order-4 order-5 order-6$/m);
  assert.match(output, /^ {3}[\d,]+ records\/s \([\d.]+ MiB\/s of values\)/m);
  assert.match(output, /p50 \d+ ms, p95 \d+ ms, p99 \d+ ms, p99\.9 \d+ ms, max \d+ ms/);
  assert.match(output, /^All checks passed\.$/m);
  // Not a terminal: plain progress lines, no redrawn bar.
  assert.match(child.stderr, /^ {3}500000\/500000 acknowledged$/m);
  assert.doesNotMatch(child.stderr, /\r/);
});
