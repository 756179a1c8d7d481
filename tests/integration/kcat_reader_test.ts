/** The kcat reader that the producer tests trust: records kcat itself wrote must come back byte for byte. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseKcatJson, readTopic, runKcat } from "../support/kcat.ts";
import { bootstrapServers } from "../support/broker.ts";
import { createTestTopic } from "../support/topics.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);
const bytes = (...values: number[]) => Uint8Array.from(values);
const join = (...parts: Uint8Array[]) => {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  return all;
};

// Multi-byte delimiters let keys and values hold newlines, NUL and any other byte.
const KEY_END = utf8("##KEY##");
const RECORD_END = utf8("##END##");

/** Produces `[key, value]` records to one partition with `kcat -P`, reading them from stdin. */
async function kcatProduce(servers: string, topic: string, partition: number, records: [Uint8Array, Uint8Array][], extra: string[] = []) {
  const stdin = join(...records.flatMap(([key, value]) => [key, KEY_END, value, RECORD_END]));
  await runKcat(["-P", "-b", servers, "-t", topic, "-p", String(partition), "-K", "##KEY##", "-D", "##END##", ...extra], 30_000, stdin);
}

test("parseKcatJson turns yajl's escapes and raw high bytes back into the original bytes", () => {
  // As kcat writes it: `\u0000`, `\n`, `\"`, `\\` escaped; 0x7f, 0x80, 0xff and UTF-8 raw.
  const line = join(
    utf8(`{"topic":"t","partition":2,"offset":7,"tstype":"create","ts":1700000000123,"broker":1,"headers":["h","\\u0001`),
    bytes(0x80, 0xff),
    utf8(`","h",null,"n\u00e9","",""`),
    utf8(`,"x"],"key":"\\u0000\\n\\"\\\\/`),
    bytes(0x7f, 0xc3, 0xa9),
    utf8(`","payload":null}\n{"topic":"t","partition":0,"offset":1,"tstype":"logappend","ts":5,"broker":1,"key":null,"payload":""}\n`),
  );
  assert.deepEqual(parseKcatJson(line), [
    {
      partition: 2,
      offset: 7,
      timestamp: 1700000000123,
      timestampType: "create",
      key: bytes(0x00, 0x0a, 0x22, 0x5c, 0x2f, 0x7f, 0xc3, 0xa9),
      value: null,
      headers: [["h", bytes(0x01, 0x80, 0xff)], ["h", null], ["n\u00e9", bytes()], ["", bytes(0x78)]],
    },
    { partition: 0, offset: 1, timestamp: 5, timestampType: "logappend", key: null, value: bytes(), headers: [] },
  ]);
});

test("readTopic returns exactly what kcat -P wrote: binary keys and values, headers in order, empty vs null", async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic("kcat-reader", 2);
  const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
  const binaryKey = bytes(0xff, 0x00, 0x0d, 0x0a, 0x22, 0x5c, 0x80, 0x7f);
  const headerText = 'n\u00e9\u5024\u0001\t"\\'; // control characters, quote, backslash, 2- and 3-byte UTF-8
  const before = Date.now();
  await kcatProduce(servers, topic, 0, [[binaryKey, everyByte], [bytes(), bytes()], [utf8("ключ"), utf8("значение 値")]], [
    "-H",
    "dup=1",
    "-H",
    "dup=2",
    "-H",
    `\u540d\u524d=${headerText}`,
    "-H",
    "nullh",
    "-H",
    "empty=",
  ]);
  // -Z: an empty value is a tombstone and an empty key a null key.
  await kcatProduce(servers, topic, 1, [[utf8("tomb"), bytes()], [bytes(), utf8("no key")]], ["-Z"]);
  const after = Date.now();

  const records = await readTopic(servers, topic);
  const headers: [string, Uint8Array | null][] = [
    ["dup", utf8("1")],
    ["dup", utf8("2")],
    ["\u540d\u524d", utf8(headerText)],
    ["nullh", null],
    ["empty", bytes()],
  ];
  assert.deepEqual(records.map(({ timestamp: _, ...rest }) => rest), [
    { partition: 0, offset: 0, timestampType: "create", key: binaryKey, value: everyByte, headers },
    { partition: 0, offset: 1, timestampType: "create", key: bytes(), value: bytes(), headers },
    { partition: 0, offset: 2, timestampType: "create", key: utf8("ключ"), value: utf8("значение 値"), headers },
    { partition: 1, offset: 0, timestampType: "create", key: utf8("tomb"), value: null, headers: [] },
    { partition: 1, offset: 1, timestampType: "create", key: null, value: utf8("no key"), headers: [] },
  ]);
  // librdkafka stamps the create time; same host, so the same clock as ours.
  for (const r of records) assert.ok(r.timestamp >= before - 1000 && r.timestamp <= after + 1000, `timestamp ${r.timestamp}`);

  assert.deepEqual(await readTopic(servers, topic, { isolationLevel: "read_committed", props: { "fetch.wait.max.ms": "50" } }), records);
  assert.deepEqual(await readTopic(servers, topic, { partition: 1 }), records.slice(3));
});

test("readTopic of an empty topic returns no records, and a missing topic rejects with kcat's error", async () => {
  const servers = await bootstrapServers();
  const topic = await createTestTopic("kcat-empty", 3);
  assert.deepEqual(await readTopic(servers, topic), []);
  await assert.rejects(readTopic(servers, `${topic}-missing`, { timeoutMs: 30_000 }), /kcat .* failed/);
});
