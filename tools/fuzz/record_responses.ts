/**
 * Records real broker responses for every API this client decodes, as fuzzing seeds:
 * it drives the client against the harness broker (`--security all`) through a
 * transport that keeps a copy of every frame, pairs responses with their requests by
 * correlation id, and writes `tests/fixtures/broker_responses.json` (api key, version,
 * base64 payload without the size prefix), a few distinct payloads per API version.
 *
 *   deno run -A tools/fuzz/record_responses.ts [--version 3.9.x]
 *
 * Seeds already in the file are kept, so recording against Kafka 4.x and 3.9 (whose
 * transactions still use AddPartitionsToTxn and AddOffsetsToTxn) adds up.
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KafkaProducer } from "../../mod.ts";
import { awaitMetadata, createNetworkClient, sendAndReceive } from "../../src/client/network_client_utils.ts";
import { runtimeTransport } from "../../src/net/runtime_transport.ts";
import type { Transport } from "../../src/net/transport.ts";
import { apiByKey } from "../../src/protocol/apis.ts";
import { CreatePartitionsApi } from "../../src/protocol/create_partitions.ts";
import { CreateTopicsApi } from "../../src/protocol/create_topics.ts";
import { DeleteTopicsApi } from "../../src/protocol/delete_topics.ts";
import { MetadataApi } from "../../src/protocol/metadata.ts";
import { unsecuredJwt, up } from "../kafka.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MAX_PER_VERSION = 4;

interface Connection {
  sent: Uint8Array[];
  received: Uint8Array[];
}

/** A transport that keeps every byte each connection wrote and read. */
function recording(inner: Transport, connections: Connection[]): Transport {
  return {
    name: `recording ${inner.name}`,
    connect(address, events) {
      const connection: Connection = { sent: [], received: [] };
      connections.push(connection);
      const socket = inner.connect(address, {
        onOpen: () => events.onOpen(),
        onData: (chunk) => {
          connection.received.push(chunk.slice());
          events.onData(chunk);
        },
        onDrain: () => events.onDrain(),
        onClose: (error) => events.onClose(error),
      });
      return {
        write(data) {
          const taken = socket.write(data);
          if (taken > 0) connection.sent.push(data.slice(0, taken));
          return taken;
        },
        close: () => socket.close(),
      };
    },
  };
}

function frames(chunks: Uint8Array[]): Uint8Array[] {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let pos = 0;
  for (const c of chunks) {
    all.set(c, pos);
    pos += c.length;
  }
  const out: Uint8Array[] = [];
  const view = new DataView(all.buffer);
  for (pos = 0; pos + 4 <= all.length;) {
    const size = view.getInt32(pos);
    if (pos + 4 + size > all.length) break;
    out.push(all.subarray(pos + 4, pos + 4 + size));
    pos += 4 + size;
  }
  return out;
}

async function main(): Promise<void> {
  const versionAt = process.argv.indexOf("--version");
  const cluster = await up({
    security: "all",
    version: versionAt > 0 ? process.argv[versionAt + 1] : undefined,
    log: (m) => console.error(m),
  });
  const listeners = cluster.securedListeners!;
  const connections: Connection[] = [];
  const transport = recording(runtimeTransport(), connections);
  const topic = `fuzz-seed-${Date.now().toString(36)}`;

  // Admin: CreateTopics (new and already existing), CreatePartitions, Metadata, DeleteTopics.
  const admin = createNetworkClient({ bootstrapServers: cluster.bootstrapServers, transport });
  const node = (await awaitMetadata(admin, 30_000)).nodes[0].id;
  for (let i = 0; i < 2; i++) {
    await sendAndReceive(admin, {
      destination: node,
      api: CreateTopicsApi,
      body: { topics: [{ name: topic, numPartitions: 3, replicationFactor: 1 }], timeoutMs: 30_000 },
    }, 30_000);
  }
  // CreatePartitions: grown to 4, then refused (INVALID_PARTITIONS: fewer than it has).
  for (const count of [4, 2]) {
    await sendAndReceive(admin, {
      destination: node,
      api: CreatePartitionsApi,
      body: { topics: [{ name: topic, count, assignments: null }], timeoutMs: 30_000, validateOnly: false },
    }, 30_000);
  }
  await sendAndReceive(admin, {
    destination: node,
    api: MetadataApi,
    body: { topics: [{ name: topic }, { name: "no-such-topic" }], allowAutoTopicCreation: false },
  }, 30_000);

  // Produce, InitProducerId and the transaction APIs, over SASL (SaslHandshake, SaslAuthenticate).
  const settings = [
    {
      bootstrapServers: listeners.sasl_plaintext,
      sasl: { mechanism: "scram-sha-512" as const, username: "alice", password: "alice-secret" },
    },
    {
      bootstrapServers: listeners.sasl_plaintext,
      sasl: { mechanism: "oauthbearer" as const, oauthBearerProvider: () => Promise.resolve({ value: unsecuredJwt(60_000) }) },
    },
    { bootstrapServers: listeners.sasl_plaintext, sasl: { mechanism: "plain" as const, username: "alice", password: "alice-secret" } },
  ];
  for (const [i, s] of settings.entries()) {
    const producer = new KafkaProducer({ ...s, transport, transactionalId: `fuzz-seed-${i}-${topic}`, lingerMs: 2 });
    await producer.initTransactions();
    producer.beginTransaction();
    await Promise.all(Array.from({ length: 20 }, (_, n) => producer.send({ topic, key: `k${n}`, value: `v${n}`, headers: { h: "x" } })));
    await producer.sendOffsetsToTransaction([{ topic, partition: 0, offset: 1 }], "fuzz-seed-group");
    await producer.commitTransaction();
    producer.beginTransaction();
    await producer.send({ topic, value: "aborted" });
    await producer.abortTransaction();
    await producer.close();
  }
  const acks1 = new KafkaProducer({ bootstrapServers: cluster.bootstrapServers, transport, acks: 1, enableIdempotence: false });
  await Promise.all(Array.from({ length: 10 }, (_, n) => acks1.send({ topic, value: `a${n}` })));
  await acks1.close();
  // A refused login: SaslAuthenticate with an error.
  const refused = new KafkaProducer({
    bootstrapServers: listeners.sasl_plaintext,
    transport,
    sasl: { mechanism: "scram-sha-256", username: "alice", password: "wrong" },
    maxBlockMs: 5_000,
  });
  await refused.send({ topic, value: "x" }).catch(() => {});
  await refused.close();

  await sendAndReceive(admin, {
    destination: node,
    api: DeleteTopicsApi,
    body: { topics: [{ name: topic }], topicNames: [topic], timeoutMs: 30_000 },
  }, 30_000);
  admin.client.close();

  const out = join(root, "tests", "fixtures", "broker_responses.json");
  const seeds: { api: string; key: number; version: number; payload: string; kafka?: string }[] = existsSync(out)
    ? JSON.parse(readFileSync(out, "utf8")).seeds
    : [];
  const seen = new Set(seeds.map((s) => s.payload));
  const perVersion = new Map<string, number>();
  for (const s of seeds) perVersion.set(`${s.key}/${s.version}`, (perVersion.get(`${s.key}/${s.version}`) ?? 0) + 1);
  for (const connection of connections) {
    const requests = new Map<number, { key: number; version: number }>();
    for (const f of frames(connection.sent)) {
      const view = new DataView(f.buffer, f.byteOffset);
      requests.set(view.getInt32(4), { key: view.getInt16(0), version: view.getInt16(2) });
    }
    for (const f of frames(connection.received)) {
      const request = requests.get(new DataView(f.buffer, f.byteOffset).getInt32(0));
      const api = request && apiByKey(request.key);
      if (request === undefined || api === undefined) continue;
      const payload = btoa(String.fromCharCode(...f));
      const at = `${request.key}/${request.version}`;
      if (seen.has(payload) || (perVersion.get(at) ?? 0) >= MAX_PER_VERSION) continue;
      seen.add(payload);
      perVersion.set(at, (perVersion.get(at) ?? 0) + 1);
      seeds.push({ api: api.name, key: request.key, version: request.version, payload, kafka: cluster.state.version });
    }
  }
  seeds.sort((a, b) => a.key - b.key || a.version - b.version);
  writeFileSync(out, JSON.stringify({ recordedAt: new Date().toISOString(), seeds }, null, 1) + "\n");
  console.log(`${seeds.length} responses (${[...perVersion.keys()].join(" ")}) written to ${out}`);
}

await main();
