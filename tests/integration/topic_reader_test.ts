/** The Java-consumer reader that the producer tests trust: records the Java producer wrote must come back byte for byte. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readTopic, writeRecords } from "../support/reader.ts";
import { bootstrapServers } from "../support/broker.ts";
import { createTestTopic } from "../support/topics.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);
const bytes = (...values: number[]) => Uint8Array.from(values);

test("readTopic returns exactly what the Java producer wrote: binary keys and values, headers in order, empty vs null", async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic("topic-reader", 2);
  const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
  const binaryKey = bytes(0xff, 0x00, 0x0d, 0x0a, 0x22, 0x5c, 0x80, 0x7f);
  const headers: [string, Uint8Array | null][] = [
    ["dup", utf8("1")],
    ["dup", utf8("2")],
    ["\u540d\u524d", utf8('n\u00e9\u5024\u0001\t"\\')], // 3-byte UTF-8 name; control characters, quote, backslash
    ["nullh", null],
    ["empty", bytes()],
    ["bin", everyByte],
    ["dup", utf8("3")],
  ];
  const before = Date.now();
  assert.deepEqual(
    await writeRecords(servers, topic, 0, [
      { key: binaryKey, value: everyByte, headers },
      { key: bytes(), value: bytes(), headers },
      { key: utf8("ключ"), value: utf8("значение 値 \u{1f600}"), timestamp: 1_700_000_000_123 },
    ]),
    [0, 1, 2],
  );
  assert.deepEqual(await writeRecords(servers, topic, 1, [{ key: utf8("tomb"), value: null }, { key: null, value: utf8("no key") }]), [
    0,
    1,
  ]);
  const after = Date.now();

  const records = await readTopic(servers, topic);
  assert.deepEqual(records.map(({ timestamp: _, ...rest }) => rest), [
    { partition: 0, offset: 0, timestampType: "create", key: binaryKey, value: everyByte, headers },
    { partition: 0, offset: 1, timestampType: "create", key: bytes(), value: bytes(), headers },
    { partition: 0, offset: 2, timestampType: "create", key: utf8("ключ"), value: utf8("значение 値 \u{1f600}"), headers: [] },
    { partition: 1, offset: 0, timestampType: "create", key: utf8("tomb"), value: null, headers: [] },
    { partition: 1, offset: 1, timestampType: "create", key: null, value: utf8("no key"), headers: [] },
  ]);
  assert.equal(records[2].timestamp, 1_700_000_000_123);
  // The Java producer stamps the create time; same host, so the same clock as ours.
  for (const r of records.filter((_, i) => i !== 2)) {
    assert.ok(r.timestamp >= before - 1000 && r.timestamp <= after + 1000, `timestamp ${r.timestamp}`);
  }

  assert.deepEqual(await readTopic(servers, topic, { isolationLevel: "read_committed", props: { "fetch.max.wait.ms": "50" } }), records);
  assert.deepEqual(await readTopic(servers, topic, { partition: 1 }), records.slice(3));
});

test("readTopic of an empty topic returns no records, and a missing topic rejects with the reader's error", async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic("topic-reader-empty", 3);
  assert.deepEqual(await readTopic(servers, topic), []);
  await assert.rejects(readTopic(servers, `${topic}-missing`, { timeoutMs: 30_000 }), /TopicReader read .* failed \(2\): .*does not exist/);
});
