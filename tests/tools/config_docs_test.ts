/** The README's configuration tables and the config interfaces' JSDoc are written from the keys' declarations. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { configDocsProblems, configJsDoc, configTable } from "../../tools/config_docs.ts";
import { integer } from "../../src/client/settings.ts";
import { CLIENT_SETTINGS, resolveClientConfig } from "../../src/client/client_config.ts";
import { PRODUCER_SETTINGS, resolveProducerConfig } from "../../src/producer/producer_config.ts";

test("config docs: the README's tables and the JSDoc of ClientConfig and ProducerConfig match the declarations", () => {
  assert.deepEqual(configDocsProblems(), [], "run `deno task config:docs --write`");
});

test("config docs: a declaration gives its table row and its JSDoc", () => {
  const lingerMs = integer({ java: "linger.ms", doc: "how long a batch waits | or not", fallback: 5, min: 0 });
  assert.match(configTable({ lingerMs }), /^\| `lingerMs` \| `linger\.ms` \| 5 +\| how long a batch waits \\\| or not \|$/m);
  assert.equal(configJsDoc(lingerMs), "  /** `linger.ms`: how long a batch waits | or not (default 5). */");
});

test("config declarations: every declared default is what the resolved config holds when the key is not given", () => {
  const client = resolveClientConfig({ bootstrapServers: "b1:9092" });
  const producer = resolveProducerConfig({ bootstrapServers: "b1:9092" });
  for (const [key, setting] of Object.entries({ ...CLIENT_SETTINGS, ...PRODUCER_SETTINGS })) {
    // The codecs' levels resolve into one compressionLevel; serializers and interceptors apart.
    if (!(key in client) && !(key in producer)) continue;
    const resolved = key in client ? (client as Record<string, unknown>)[key] : (producer as Record<string, unknown>)[key];
    // Numbers and flags; the others show a description ("detected", `"all"` for -1).
    if (/^(-?\d|true|false)/.test(setting.shownDefault)) {
      assert.equal(setting.shownDefault.split(" ")[0], String(resolved), `${key}: the README shows the default in force`);
    }
  }
});
