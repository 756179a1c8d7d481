import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { resolveClientConfig } from "../../src/client/client_config.ts";
import type { ClientConfig } from "../../src/client/client_config.ts";
import { transportTlsOptions } from "../../src/client/security_config.ts";
import { ConfigError } from "../../src/errors.ts";
import { Secret } from "../../src/security/secrets.ts";

const base = { bootstrapServers: "127.0.0.1:9093" };
const PASSWORD = "correct horse battery staple";
const KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";

function configError(settings: Record<string, unknown>): ConfigError {
  try {
    resolveClientConfig({ ...base, ...settings } as unknown as ClientConfig);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail(`${JSON.stringify(Object.keys(settings))} was accepted`);
}

test("security settings: each mistake is a ConfigError naming the key, never showing the password", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ sasl: { mechanism: "gssapi", username: "u", password: PASSWORD } }, "sasl.mechanism"],
    [{ sasl: { mechanism: "plain", password: PASSWORD } }, "sasl.username"],
    [{ sasl: { mechanism: "scram-sha-256", username: "u" } }, "sasl.password"],
    [{ sasl: { mechanism: "SCRAM-SHA-512", username: "u", password: "" } }, "sasl.password"],
    [{ sasl: { mechanism: "oauthbearer" } }, "sasl.oauthBearerProvider"],
    [{ sasl: "plain" }, "sasl"],
    [{ ssl: "yes" }, "ssl"],
    [{ ssl: { cafile: "/etc/ca.pem" } }, "ssl.cafile"],
    [{ ssl: { ca: 42 } }, "ssl.ca"],
    [{ ssl: { ca: ["pem", 42] } }, "ssl.ca[1]"],
    [{ ssl: { cert: "pem" } }, "ssl.key"],
    [{ ssl: { key: KEY } }, "ssl.cert"],
    [{ ssl: { servername: "" } }, "ssl.servername"],
    [{ ssl: { rejectUnauthorized: "no" } }, "ssl.rejectUnauthorized"],
    [{ logger: { info() {} } }, "logger"],
  ];
  for (const [settings, key] of cases) {
    const error = configError(settings);
    assert.equal(error.key, key, JSON.stringify(settings));
    assert.ok(!error.message.includes(PASSWORD));
  }
});

test("security settings: mechanisms in any case; KafkaJS-style PEM bytes are accepted", () => {
  const config = resolveClientConfig({
    ...base,
    ssl: { ca: new TextEncoder().encode("CA PEM"), cert: "CERT PEM", key: new TextEncoder().encode(KEY), servername: "broker.example" },
    sasl: { mechanism: "SCRAM-SHA-256", username: "alice", password: PASSWORD },
  });
  assert.equal(config.sasl?.mechanism, "SCRAM-SHA-256");
  const tls = transportTlsOptions(config.ssl!);
  assert.deepEqual(tls, { rejectUnauthorized: true, ca: ["CA PEM"], cert: "CERT PEM", key: KEY, servername: "broker.example" });
  assert.equal(resolveClientConfig({ ...base, ssl: true }).ssl?.rejectUnauthorized, true);
  assert.equal(resolveClientConfig({ ...base, ssl: false }).ssl, undefined);
  assert.equal(
    resolveClientConfig({ ...base, sasl: { mechanism: "plain", username: "u", password: new Secret(PASSWORD) } }).sasl?.mechanism,
    "PLAIN",
  );
});

test("security settings: the resolved configuration shows no password, token or private key when printed", async () => {
  const token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.";
  const configs = [
    resolveClientConfig({ ...base, ssl: { cert: "CERT", key: KEY }, sasl: { mechanism: "plain", username: "alice", password: PASSWORD } }),
    resolveClientConfig({ ...base, sasl: { mechanism: "scram-sha-512", username: "alice", password: PASSWORD } }),
    resolveClientConfig({ ...base, sasl: { mechanism: "oauthbearer", oauthBearerProvider: () => Promise.resolve({ value: token }) } }),
  ];
  for (const config of configs) {
    for (
      const printed of [JSON.stringify(config), inspect(config, { depth: 10, showHidden: true }), `${config.sasl}`, String(config.ssl?.key)]
    ) {
      assert.ok(!printed.includes(PASSWORD), printed);
      assert.ok(!printed.includes("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"), printed);
      assert.ok(!printed.includes(token), printed);
    }
  }
  assert.match(JSON.stringify(configs[1]), /"password":"\[hidden\]"/);
  assert.equal(await (configs[2].sasl as { tokenProvider: () => Promise<{ value: string }> }).tokenProvider().then((t) => t.value), token);
});
