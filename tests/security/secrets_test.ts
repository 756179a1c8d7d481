import { test } from "node:test";
import assert from "node:assert/strict";
import { format, inspect } from "node:util";
import { Secret, toSecret } from "../../src/security/secrets.ts";
import { SaslPlain } from "../../src/security/sasl_plain.ts";
import { SaslScram } from "../../src/security/sasl_scram.ts";

const config = { username: "alice", password: new Secret("pencil"), nested: { token: new Secret("tok3n") } };

test("Secret reveals its value only through reveal()", () => {
  assert.equal(config.password.reveal(), "pencil");
  assert.equal(toSecret("x").reveal(), "x");
  assert.equal(toSecret(config.password), config.password);
  assert.throws(() => new Secret(42 as unknown as string), { name: "KafkaError", message: "new Secret(value) needs a string, not number" });
});

test("Secret is hidden from JSON.stringify, String() and template literals", () => {
  assert.equal(JSON.stringify(config), '{"username":"alice","password":"[hidden]","nested":{"token":"[hidden]"}}');
  assert.equal(String(config.password), "[hidden]");
  assert.equal(`${config.password}`, "[hidden]");
  assert.equal("p=" + config.password, "p=[hidden]");
  assert.equal(config.password.toString(), "[hidden]");
});

test("Secret is hidden from util.inspect, console formatting and Deno.inspect", () => {
  for (const text of [inspect(config), inspect(config, { depth: 10, showHidden: true }), format("%o %O %s", config, config, config)]) {
    assert.doesNotMatch(text, /pencil|tok3n/);
    assert.match(text, /\[hidden\]/);
  }
  const denoInspect = config.password[Symbol.for("Deno.customInspect") as keyof Secret] as () => string;
  assert.equal(denoInspect.call(config.password), "[hidden]");
  const nodeInspect = config.password[Symbol.for("nodejs.util.inspect.custom") as keyof Secret] as () => string;
  assert.equal(nodeInspect.call(config.password), "[hidden]");
});

test("mechanisms keep the password out of JSON and inspect output", () => {
  const mechanisms = [
    new SaslPlain({ username: "alice", password: "pencil" }),
    new SaslScram({ mechanism: "SCRAM-SHA-256", username: "alice", password: "pencil" }),
  ];
  for (const m of mechanisms) {
    assert.doesNotMatch(JSON.stringify(m), /pencil/);
    assert.doesNotMatch(inspect(m, { showHidden: true, depth: 10 }), /pencil/);
  }
});
