import { test } from "node:test";
import assert from "node:assert/strict";
import { countingUnhandledRejections, emptyReport, fuzzDecoders, fuzzNetworkClient, loadSeeds, MUTATIONS } from "../../tools/fuzz/fuzz.ts";
import { mulberry32 } from "../support/random.ts";
import { decodeResponse } from "../../src/protocol/api.ts";
import { apiByKey, SUPPORTED_APIS } from "../../src/protocol/apis.ts";

const seeds = loadSeeds();
// A new seed every run covers new ground; it is printed so a failure can be replayed with `deno task fuzz --seed`.
const runSeed = Date.now() % 2 ** 31;

test("fuzz seeds: a recorded broker response for every API this client decodes", () => {
  const recorded = new Set(seeds.map((s) => s.api));
  assert.deepEqual(SUPPORTED_APIS.map((api) => api.name).filter((name) => !recorded.has(name)), []);
});

test("fuzz seeds: every recorded broker response decodes as it is", () => {
  for (const seed of seeds) {
    const api = apiByKey(seed.key);
    assert.ok(api, `${seed.api}: no codec for key ${seed.key}`);
    assert.doesNotThrow(() => decodeResponse(api, seed.version, seed.payload), `${seed.api} v${seed.version}`);
  }
});

test(`fuzz: 100,000 mutated broker responses decode or fail with CorruptResponseError, none crashes, hangs or over-allocates (seed ${runSeed})`, async () => {
  const report = emptyReport();
  await countingUnhandledRejections(report, () => Promise.resolve(fuzzDecoders(seeds, 100_000, mulberry32(runSeed), report)));
  assert.deepEqual(report.failures.slice(0, 5), []);
  assert.equal(report.unhandledRejections, 0);
  assert.equal(report.cases, 100_000);
  for (const kind of MUTATIONS) assert.ok((report.byMutation[kind] ?? 0) > 5_000, `${kind} ran`);
  assert.ok(report.typedErrors > 50_000, `most mutations are caught (${report.typedErrors})`);
});

test(`fuzz: 3,000 mutated Metadata frames through Selector and NetworkClient end in a response or a typed error on a closed connection (seed ${runSeed})`, async () => {
  const report = emptyReport();
  await countingUnhandledRejections(report, () => fuzzNetworkClient(seeds, 3_000, mulberry32(runSeed + 1), report));
  assert.deepEqual(report.failures.slice(0, 5), []);
  assert.equal(report.unhandledRejections, 0);
  assert.ok(report.typedErrors > 1_000, `typed errors: ${report.typedErrors}`);
});
