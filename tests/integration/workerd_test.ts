/**
 * examples/cloudflare_worker.ts bundled (tools/workerd/build.ts) and served by workerd
 * (tools/workerd/config.capnp), producing to the real broker through `cloudflare:sockets`.
 * The test runner only builds, spawns workerd and speaks HTTP, so it runs the same under
 * deno, bun and node.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { partitionForKey } from "../../mod.ts";
import { buildWorker } from "../../tools/workerd/build.ts";
import { startWorkerd, stopWorkerd } from "../../tools/workerd/serve.ts";
import { bootstrapServers, securedCluster } from "../support/broker.ts";
import { createTestTopic } from "../support/topics.ts";
import { readTopic } from "../support/reader.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

let bundle: Promise<Uint8Array> | undefined;

/**
 * A directory holding the bundle (built once per file) and a copy of config.capnp,
 * which embeds dist/cloudflare_worker.js relative to itself; `edit` may change the copy.
 */
async function workerDir(edit: (config: string) => string = (config) => config): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "edge-kafka-workerd-"));
  const outfile = join(dir, "dist", "cloudflare_worker.js");
  const code = await (bundle ??= buildWorker({ outfile }).then((built) => {
    assert.ok(built.bytes > 0 && built.gzipBytes < built.bytes);
    return built.code;
  }).finally(() => esbuild.stop()));
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(outfile, code);
  writeFileSync(join(dir, "config.capnp"), edit(readFileSync(join(root, "tools", "workerd", "config.capnp"), "utf8")));
  return dir;
}

async function post(url: string, body: Uint8Array<ArrayBuffer>): Promise<{ status: number; json: Answer }> {
  const response = await fetch(url, { method: "POST", body, signal: AbortSignal.timeout(15_000) });
  return { status: response.status, json: await response.json() as Answer };
}

interface Answer {
  topic: string;
  partition: number;
  offset: number;
  error?: string;
}

test("a Worker in workerd produces each request's body and answers with its partition and offset", async () => {
  const [servers, topic] = await Promise.all([bootstrapServers(), createTestTopic("workerd", 2)]);
  const dir = await workerDir();
  let workerd: ChildProcess | undefined;
  try {
    const started = await startWorkerd(join(dir, "config.capnp"), { KAFKA_BOOTSTRAP_SERVERS: servers }, { expectStatus: 400 });
    workerd = started.child;

    // Text and binary bodies (every byte value; one of 600 kB), all requests at once.
    const big = new Uint8Array(600_000).map((_, i) => (i * 7919) >>> 3);
    const bodies = [
      ...Array.from({ length: 8 }, (_, i) => ({ key: `key-${i}`, value: new TextEncoder().encode(`record ${i}`) })),
      { key: "binary", value: Uint8Array.from({ length: 256 }, (_, i) => i) },
      { key: "big", value: big },
    ];
    const answers = await Promise.all(bodies.map(async ({ key, value }) => {
      const { status, json } = await post(`${started.url}?topic=${topic}&key=${key}`, value);
      assert.equal(status, 200, `${json.error}\n${started.output()}`);
      return json;
    }));
    for (const [i, answer] of answers.entries()) {
      assert.equal(answer.topic, topic);
      assert.equal(answer.partition, partitionForKey(new TextEncoder().encode(bodies[i].key), 2), bodies[i].key);
    }
    // Each partition's offsets are 0..n-1, each given out once.
    for (const partition of [0, 1]) {
      const offsets = answers.filter((a) => a.partition === partition).map((a) => a.offset).sort((a, b) => a - b);
      assert.deepEqual(offsets, offsets.map((_, i) => i));
    }

    const records = await readTopic(servers, topic);
    assert.equal(records.length, bodies.length);
    for (const [i, answer] of answers.entries()) {
      const record = records.find((r) => r.partition === answer.partition && r.offset === answer.offset);
      assert.ok(record, `no record at ${answer.partition}/${answer.offset}`);
      assert.deepEqual(record.key, new TextEncoder().encode(bodies[i].key));
      assert.deepEqual(record.value, bodies[i].value);
    }
  } finally {
    if (workerd) await stopWorkerd(workerd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a Worker in workerd speaks TLS to the broker", async () => {
  const [cluster, topic] = await Promise.all([securedCluster(), createTestTopic("workerd-tls", 1)]);
  // workerd trusts extra CAs per network service, not per connection: give the outbound network the test CA.
  const options = "tlsOptions = (trustBrowserCas = true)";
  const dir = await workerDir((config) => {
    assert.ok(config.includes(options));
    return config.replace(options, `tlsOptions = (trustBrowserCas = true, trustedCertificates = [${JSON.stringify(cluster.ca)}])`);
  });
  let workerd: ChildProcess | undefined;
  try {
    const started = await startWorkerd(join(dir, "config.capnp"), { KAFKA_BOOTSTRAP_SERVERS: cluster.listeners.ssl, KAFKA_SSL: "true" }, {
      expectStatus: 400,
    });
    workerd = started.child;
    const ok = await post(`${started.url}?topic=${topic}&key=k`, new TextEncoder().encode("over TLS"));
    assert.equal(ok.status, 200, `${ok.json.error}\n${started.output()}`);
    assert.deepEqual([ok.json.partition, ok.json.offset], [0, 0]);
    const records = await readTopic(cluster.listeners.ssl, topic, {
      props: { "security.protocol": "SSL", "ssl.truststore.type": "PEM", "ssl.truststore.location": cluster.caPath },
    });
    assert.deepEqual(records.map((r) => new TextDecoder().decode(r.value!)), ["over TLS"]);
  } finally {
    if (workerd) await stopWorkerd(workerd);
    rmSync(dir, { recursive: true, force: true });
  }
});
