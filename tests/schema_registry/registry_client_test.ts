import { test } from "node:test";
import assert from "node:assert/strict";
import { SchemaRegistryClient, SchemaRegistryError } from "../../src/schema_registry/mod.ts";
import { ConfigError } from "../../src/errors.ts";
import { FakeRegistry } from "../support/fake_registry.ts";

const URL_BASE = "http://registry.test:8081/apis/ccompat/v7";
const STRING = { schema: '"string"' };

test("registers, looks up and reads schemas with Confluent's paths and media types", async () => {
  const fake = new FakeRegistry();
  const registry = new SchemaRegistryClient({ url: `${URL_BASE}/`, fetch: fake.fetch });
  const id = await registry.register("orders value", { schema: '{"type":"int"}' });
  assert.equal(id, 1);
  assert.deepEqual(await registry.getSchemaById(id), { schema: '{"type":"int"}', schemaType: "AVRO", references: [] });
  assert.deepEqual((await registry.lookupSchema("orders value", { schema: '{"type":"int"}' })).version, 1);
  assert.equal((await registry.getLatestVersion("orders value")).id, 1);
  const [first] = fake.requests;
  assert.equal(first.method, "POST");
  assert.equal(first.path, "/apis/ccompat/v7/subjects/orders%20value/versions");
  assert.equal(first.headers["Content-Type"], "application/vnd.schemaregistry.v1+json");
  assert.match(first.headers.Accept, /application\/vnd\.schemaregistry\.v1\+json/);
  // AVRO is the default type and is not sent (older registries refuse the field).
  assert.deepEqual(first.body, { schema: '{"type":"int"}' });
  await registry.register("t-value", { schema: "{}", schemaType: "JSON" });
  assert.deepEqual(fake.requests.at(-1)!.body, { schema: "{}", schemaType: "JSON" });
});

test("caches schemas by id and ids by subject and schema; concurrent calls share one request; failures are not cached", async () => {
  const fake = new FakeRegistry();
  const registry = new SchemaRegistryClient({ url: URL_BASE, fetch: fake.fetch, maxRetries: 0 });
  const ids = await Promise.all([registry.register("a", STRING), registry.register("a", STRING), registry.register("a", STRING)]);
  assert.deepEqual(ids, [1, 1, 1]);
  await registry.getSchemaById(1);
  await registry.getSchemaById(1);
  assert.equal(fake.requests.length, 2);
  fake.failures.push(new TypeError("connection refused"));
  await assert.rejects(registry.getSchemaById(2));
  fake.add("b", { schema: '"long"' });
  assert.equal((await registry.getSchemaById(2)).schema, '"long"');
});

test("basic and bearer authentication, the password never printed", async () => {
  const fake = new FakeRegistry();
  const basic = new SchemaRegistryClient({ url: URL_BASE, fetch: fake.fetch, auth: { username: "key", password: "s3cret" } });
  await basic.getSubjects().catch(() => {});
  assert.equal(fake.requests[0].headers.Authorization, `Basic ${btoa("key:s3cret")}`);
  const bearer = new SchemaRegistryClient({ url: URL_BASE, fetch: fake.fetch, auth: { bearerToken: () => Promise.resolve("tok-1") } });
  await bearer.getSubjects().catch(() => {});
  assert.equal(fake.requests[1].headers.Authorization, "Bearer tok-1");
  assert.throws(() => new SchemaRegistryClient({ url: "registry:8081" }), ConfigError);
  assert.throws(() => new SchemaRegistryClient({ url: URL_BASE, requestTimeoutMS: 5 } as never), /did you mean "requestTimeoutMs"/);
});

test("an error carries the registry's error_code, message and the URL; 4xx answers are not retried", async () => {
  const fake = new FakeRegistry();
  const registry = new SchemaRegistryClient({ url: URL_BASE, fetch: fake.fetch });
  fake.failures.push({ status: 409, errorCode: 409, message: "Schema being registered is incompatible with an earlier schema" });
  const error = await registry.register("a", STRING).then(() => undefined, (e) => e);
  assert.ok(error instanceof SchemaRegistryError);
  assert.equal(error.status, 409);
  assert.equal(error.errorCode, 409);
  assert.equal(error.registryMessage, "Schema being registered is incompatible with an earlier schema");
  assert.equal(error.url, `${URL_BASE}/subjects/a/versions`);
  assert.equal(
    error.message,
    `schema registry POST ${URL_BASE}/subjects/a/versions answered HTTP 409, error_code 409: Schema being registered is incompatible with an earlier schema`,
  );
  assert.equal(fake.requests.length, 1);
  const missing = await registry.getSchemaById(99).then(() => undefined, (e) => e);
  assert.equal(missing.errorCode, 40403);
});

test("503s and lost connections are retried with backoff up to maxRetries, then fail naming every attempt", async () => {
  const fake = new FakeRegistry();
  const registry = new SchemaRegistryClient({ url: URL_BASE, fetch: fake.fetch, maxRetries: 2, retryBackoffMs: 1 });
  fake.failures.push({ status: 503, errorCode: 50003, message: "busy" }, new TypeError("connection reset"));
  assert.equal(await registry.register("a", STRING), 1);
  assert.equal(fake.requests.length, 3);
  fake.failures.push(new TypeError("refused"), new TypeError("refused"), new TypeError("refused"));
  await assert.rejects(registry.getSchemaById(5), (error: unknown) => {
    assert.ok(error instanceof SchemaRegistryError);
    assert.equal(error.message, `schema registry GET ${URL_BASE}/schemas/ids/5 failed after 3 attempt(s): refused; refused; refused`);
    return true;
  });
});

test("an attempt without an answer ends at requestTimeoutMs; the caller's signal ends the request at once with its reason", async () => {
  const fake = new FakeRegistry();
  let open!: () => void;
  fake.gate = new Promise((resolve) => open = resolve);
  const registry = new SchemaRegistryClient({ url: URL_BASE, fetch: fake.fetch, requestTimeoutMs: 20, maxRetries: 1, retryBackoffMs: 1 });
  await assert.rejects(registry.getSchemaById(1), /failed after 2 attempt\(s\): no answer within requestTimeoutMs \(20 ms\)/);
  const controller = new AbortController();
  const waiting = registry.getSchemaById(2, { signal: controller.signal });
  controller.abort(new Error("maxBlockMs (100 ms) ran out"));
  await assert.rejects(
    waiting,
    new RegExp(`^SchemaRegistryError: schema registry GET ${URL_BASE}/schemas/ids/2 did not complete: maxBlockMs \\(100 ms\\) ran out`),
  );
  open();
});
