/** Runs each example under the runtime running this test, against the real broker. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { detectRuntime } from "../../src/net/runtime_transport.ts";
import { bootstrapServers } from "../support/broker.ts";
import { scriptCommand } from "../../tools/script_command.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function runExample(file: string, env: Record<string, string>): Promise<string> {
  const [command, ...args] = scriptCommand(detectRuntime(), file);
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

test(`examples/cluster_info.ts prints brokers, controller, topics and negotiated versions (${detectRuntime()})`, async () => {
  const servers = await bootstrapServers();
  const output = await runExample("examples/cluster_info.ts", { KAFKA_BOOTSTRAP_SERVERS: servers });
  const lines = output.trim().split("\n");
  const nodeLines = lines.filter((line) => line.startsWith("node "));
  assert.equal(nodeLines.length, servers.split(",").length, output);
  for (const line of nodeLines) assert.match(line, /^node \d+ 127\.0\.0\.1:\d+$/);
  assert.match(output, /^controller \d+$/m);
  assert.match(output, /^cluster [A-Za-z0-9_-]{22}$/m);
  const apis = [
    "Produce",
    "Metadata",
    "FindCoordinator",
    "SaslHandshake",
    "ApiVersions",
    "CreateTopics",
    "DeleteTopics",
    "InitProducerId",
    "AddPartitionsToTxn",
    "AddOffsetsToTxn",
    "EndTxn",
    "TxnOffsetCommit",
    "SaslAuthenticate",
  ];
  for (const api of apis) {
    assert.match(output, new RegExp(`^api node \\d+ ${api} v\\d+ \\(broker \\d+\\.\\.\\d+\\)$`, "m"));
  }
});
