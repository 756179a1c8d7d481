/**
 * The producer against the real broker, checked by an independent reader: every record
 * the Java consumer reads back must be the one we sent, byte for byte, at the partition
 * and offset that `send()` reported, once per compression codec.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaProducer } from "../../mod.ts";
import { partitionForKey } from "../../src/producer/partitioner.ts";
import type { ProducerRecord, RecordHeaders, RecordMetadata } from "../../src/producer/producer_record.ts";
import { bootstrapServers } from "../support/broker.ts";
import { readTopic, type TopicRecord } from "../support/reader.ts";
import { createTestTopic, storedBatches } from "../support/topics.ts";
// Deterministic, so a failure can be reproduced record by record.
import { mulberry32 } from "../support/random.ts";
import { within } from "../support/helpers.ts";

const RECORDS = 50_000;
const CODEC_IDS = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
const PARTITIONS = 6;
const encoder = new TextEncoder();

/**
 * The records of one run: string, binary, multibyte, empty and null keys; tombstones,
 * binary and multibyte values; headers as objects and as pairs with a repeated name,
 * binary and null values; explicit timestamps (a day back) and explicit partitions on some.
 */
function makeRecords(topic: string, count: number, baseTimestamp: number): ProducerRecord[] {
  const random = mulberry32(0x5eed);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const words = ["kafka", "producer", "record", "batch", "linger", "Zürich", "東京", "🙂", "offset", "λ"];
  const text = (n: number) => {
    let s = "";
    while (s.length < n) s += `${words[Math.floor(random() * words.length)]} ${Math.floor(random() * 1000)} `;
    return Array.from(s).slice(0, n).join(""); // whole code points: no lone surrogates
  };
  // undefined: no key field at all, which is a null key too.
  const keyOf = (i: number) =>
    i % 1000 === 3
      ? ""
      : i % 20 === 2
      ? null
      : i % 20 === 12
      ? undefined
      : i % 10 === 0
      ? bytes(1 + (i % 16))
      : i % 10 === 1
      ? `ключ-${i % 300}-🔑`
      : `key-${i % 1000}`;
  const records: ProducerRecord[] = [];
  for (let i = 0; i < count; i++) {
    const record: ProducerRecord = { topic };
    const key = keyOf(i);
    if (key !== undefined) record.key = key;

    if (i % 11 === 5) record.value = null;
    else if (i % 11 === 6) record.value = bytes(i % 200);
    else if (i % 11 === 7) record.value = `значение ${i} 値 😀 ${text(i % 60)}`;
    else record.value = text(20 + (i % 150));

    if (i % 4 === 1) {
      record.headers = i % 8 === 1
        ? { "trace-id": `trace-${i}`, bin: bytes(4), gone: null }
        : { "trace-id": `trace-${i}`, "ünï-名前": "値 ✓" };
    } else if (i % 4 === 2) {
      record.headers = [["dup", "first"], ["dup", bytes(3)], ["ünï-名前", "値 ✓"], ["dup", null]];
    } else if (i % 4 === 3) {
      record.headers = i % 8 === 3 ? [] : {};
    }

    if (i % 5 === 0) record.timestamp = baseTimestamp + i;
    if (i % 97 === 0) record.partition = i % PARTITIONS;
    records.push(record);
  }
  return records;
}

function bytesOf(data: string | Uint8Array | null | undefined): Uint8Array | null {
  if (data === null || data === undefined) return null;
  return typeof data === "string" ? encoder.encode(data) : data;
}

function headersOf(headers: RecordHeaders | undefined): [string, Uint8Array | null][] {
  const pairs = headers === undefined ? [] : Array.isArray(headers) ? headers : Object.entries(headers);
  return pairs.map(([name, value]) => [name, bytesOf(value)]);
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const show = (b: Uint8Array | null) =>
  b === null ? "null" : `[${b.length}] ${Array.from(b.subarray(0, 24), (x) => x.toString(16).padStart(2, "0")).join("")}`;

/** Everything wrong between what was sent, what send() said, and what the reader read; empty when all is well. */
function compare(
  topic: string,
  sent: ProducerRecord[],
  metadata: RecordMetadata[],
  read: TopicRecord[],
  window: { start: number; end: number },
): string[] {
  const problems: string[] = [];
  if (read.length !== sent.length) problems.push(`the reader read ${read.length} records, ${sent.length} were sent`);
  const atPosition = new Map(read.map((r) => [`${r.partition}@${r.offset}`, r]));
  const lastOffset = new Map<number, number>();
  for (let i = 0; i < sent.length; i++) {
    const record = sent[i];
    const md = metadata[i];
    const where = `record ${i} (${md.partition}@${md.offset})`;
    if (md.topic !== topic) problems.push(`${where}: send() named topic ${md.topic}`);
    // Sent in order with no retries, so within a partition offsets follow the order of send().
    if ((lastOffset.get(md.partition) ?? -1) >= md.offset) {
      problems.push(`${where}: offset not after the previous record's in its partition`);
    }
    lastOffset.set(md.partition, md.offset);

    const key = bytesOf(record.key);
    if (record.partition !== undefined) {
      if (md.partition !== record.partition) problems.push(`${where}: sent to partition ${record.partition}`);
    } else if (key !== null) {
      const expected = partitionForKey(key, PARTITIONS);
      if (md.partition !== expected) problems.push(`${where}: murmur2 puts this key on partition ${expected}`);
    } else if (!(md.partition >= 0 && md.partition < PARTITIONS)) {
      problems.push(`${where}: no such partition`);
    }

    const got = atPosition.get(`${md.partition}@${md.offset}`);
    if (got === undefined) {
      problems.push(`${where}: the reader has no record there`);
      continue;
    }
    atPosition.delete(`${md.partition}@${md.offset}`);
    if (!sameBytes(got.key, key)) problems.push(`${where}: key ${show(got.key)}, sent ${show(key)}`);
    const value = bytesOf(record.value);
    if (!sameBytes(got.value, value)) problems.push(`${where}: value ${show(got.value)}, sent ${show(value)}`);
    const headers = headersOf(record.headers);
    if (got.headers.length !== headers.length || got.headers.some(([n, v], h) => n !== headers[h][0] || !sameBytes(v, headers[h][1]))) {
      problems.push(
        `${where}: headers ${JSON.stringify(got.headers.map(([n, v]) => [n, show(v)]))}, sent ${
          JSON.stringify(headers.map(([n, v]) => [n, show(v)]))
        }`,
      );
    }
    if (got.timestampType !== "create") problems.push(`${where}: timestamp type ${got.timestampType}`);
    if (got.timestamp !== md.timestamp) problems.push(`${where}: timestamp ${got.timestamp}, send() said ${md.timestamp}`);
    if (record.timestamp !== undefined && got.timestamp !== record.timestamp) {
      problems.push(`${where}: timestamp ${got.timestamp}, sent ${record.timestamp}`);
    }
    if (record.timestamp === undefined && !(got.timestamp >= window.start && got.timestamp <= window.end)) {
      problems.push(`${where}: timestamp ${got.timestamp} is not the time of send()`);
    }
  }
  for (const position of atPosition.keys()) problems.push(`the reader read a record at ${position} that no send() reported`);
  return problems;
}

for (const compressionType of ["none", "gzip", "snappy", "lz4", "zstd"] as const) {
  test(`50,000 concurrent sends come back byte for byte at the reported offsets and murmur2 partitions (compression ${compressionType})`, async () => {
    const servers = await bootstrapServers();
    const topic = await createTestTopic(`produce-${compressionType}`, PARTITIONS);
    const records = makeRecords(topic, RECORDS, Date.now() - 86_400_000);
    const producer = new KafkaProducer({ bootstrapServers: servers, clientId: `producer-test-${compressionType}`, compressionType });
    const start = Date.now();
    let settled: PromiseSettledResult<RecordMetadata>[];
    try {
      // Fire every send before awaiting any: they are all in flight together.
      const sends = records.map((record) => producer.send(record));
      settled = await within(Promise.allSettled(sends), 40_000, "the sends");
      await within(producer.flush(), 10_000, "flush()");
    } finally {
      await producer.close({ timeoutMs: 10_000 });
    }
    const end = Date.now();
    const failed = settled.flatMap((s, i) => s.status === "rejected" ? [`record ${i}: ${s.reason}`] : []);
    assert.deepEqual(failed.slice(0, 5), [], `${failed.length} sends failed`);
    const metadata = settled.map((s) => (s as PromiseFulfilledResult<RecordMetadata>).value);

    const read = await readTopic(servers, topic);
    const problems = compare(topic, records, metadata, read, { start, end });
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} differences between what was sent and what the reader read`);

    // The reader cannot tell how the records travelled; the broker's log segments can.
    const batches = storedBatches(topic);
    assert.equal(batches.reduce((n, b) => n + b.records, 0), RECORDS);
    assert.deepEqual(
      [...new Set(batches.map((b) => b.codec))],
      [CODEC_IDS[compressionType]],
      "every batch is stored with the codec asked for",
    );
    assert.ok(batches.length <= RECORDS / 10, `${batches.length} batches for ${RECORDS} records: the records were not batched`);
  });
}

test("50,000 sends in the callback form: each callback runs once, before flush() resolves, with what the reader finds", async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic("produce-callbacks", PARTITIONS);
  const records = makeRecords(topic, RECORDS, Date.now() - 86_400_000);
  const producer = new KafkaProducer({ bootstrapServers: servers, clientId: "producer-test-callbacks", lingerMs: 5 });
  const metadata: RecordMetadata[] = [];
  const failed: string[] = [];
  let calls = 0;
  let callsAtFlush = -1;
  const start = Date.now();
  try {
    for (let i = 0; i < records.length; i++) {
      const returned = producer.send(records[i], (error, md) => {
        calls++;
        if (md === null) failed.push(`record ${i}: ${error}`);
        else if (metadata[i] !== undefined) failed.push(`record ${i}: called back twice`);
        else metadata[i] = md;
      });
      assert.equal(returned, undefined, "the callback form returns nothing");
    }
    await within(producer.flush().then(() => callsAtFlush = calls), 40_000, "flush()");
  } finally {
    await producer.close({ timeoutMs: 10_000 });
  }
  const end = Date.now();
  assert.deepEqual(failed.slice(0, 5), [], `${failed.length} sends failed`);
  assert.equal(callsAtFlush, RECORDS, "flush() resolves once every callback has run");
  assert.equal(calls, RECORDS);
  const read = await readTopic(servers, topic);
  const problems = compare(topic, records, metadata, read, { start, end });
  assert.deepEqual(problems.slice(0, 10), [], `${problems.length} differences between what was sent and what the reader read`);
});
