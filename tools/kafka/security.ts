/**
 * Secured client listeners for the test-broker harness: a throw-away CA and
 * certificates made with `openssl`, the broker properties for SSL / SASL, the
 * SCRAM credentials written at format time, and the matching client settings
 * (librdkafka property names).
 *
 * In a secured mode each node keeps a second, PLAINTEXT listener on loopback
 * (`INTERNAL`, also the inter-broker listener); the harness's own readiness
 * checks and topic commands use it, so the harness needs no TLS/SASL client.
 *
 * @module
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { run } from "./procs.ts";

/**
 * Security protocol of the client listener. `all` keeps a PLAINTEXT client
 * listener and adds one listener per {@link SecuredListener}, for test suites
 * that cover every protocol against one cluster.
 */
export type SecurityMode = "plaintext" | "ssl" | "sasl_plaintext" | "sasl_ssl" | "all";

/** Every {@link SecurityMode}, in CLI spelling. */
export const SECURITY_MODES: readonly SecurityMode[] = ["plaintext", "ssl", "sasl_plaintext", "sasl_ssl", "all"];

/**
 * The extra listeners of the `all` mode: each security protocol, and `mtls`
 * (SSL that requires a client certificate).
 */
export type SecuredListener = "ssl" | "sasl_plaintext" | "sasl_ssl" | "mtls";

/** Every {@link SecuredListener}, in port order. */
export const SECURED_LISTENERS: readonly SecuredListener[] = ["ssl", "sasl_plaintext", "sasl_ssl", "mtls"];

/**
 * The session lifetime (`connections.max.reauth.ms`) of the `all` mode's
 * SASL_PLAINTEXT listener, short so tests see clients re-authenticate (KIP-368).
 */
export const REAUTH_TEST_MS = 10_000;

/** SASL mechanisms enabled on the client listener in the sasl_* modes. */
export const SASL_MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"] as const;

/** Users known to the broker in the sasl_* modes (PLAIN: both; SCRAM: alice only). */
export const SASL_USERS = {
  plain: { admin: "admin-secret", alice: "alice-secret" },
  scram: { alice: "alice-secret" },
} as const;

/** Paths of the PEM files a client needs for TLS / mTLS. */
export interface TlsFiles {
  /** The throw-away CA that signed the broker's and the client's certificates. */
  caPath: string;
  /** A client certificate signed by that CA (CN=alice), for mTLS tests. */
  clientCertPath: string;
  /** Its private key (unencrypted PKCS#8 PEM). */
  clientKeyPath: string;
}

/** Parses a `--security` value (case-insensitive, `-` or `_`). */
export function parseSecurity(value: string): SecurityMode {
  const v = value.toLowerCase().replaceAll("-", "_") as SecurityMode;
  if (!SECURITY_MODES.includes(v)) throw new Error(`--security must be one of ${SECURITY_MODES.join("|")}, got ${value}`);
  return v;
}

/** Whether the mode needs certificates (TLS on some client listener). */
export function usesTls(mode: SecurityMode): boolean {
  return mode === "ssl" || mode === "sasl_ssl" || mode === "all";
}

/** Whether the mode uses SASL on some client listener (and so needs SCRAM users). */
export function usesSasl(mode: SecurityMode): boolean {
  return mode === "sasl_plaintext" || mode === "sasl_ssl" || mode === "all";
}

/** The Kafka security protocol of a secured listener. */
function listenerProtocol(listener: SecuredListener): string {
  return listener === "mtls" ? "SSL" : listener.toUpperCase();
}

/** The folder holding the CA, certificates and keystores. */
export function securityDir(stateDir: string): string {
  return path.join(stateDir, "security");
}

/** The PEM files for clients, under `stateDir`. */
export function tlsFiles(stateDir: string): TlsFiles {
  const dir = securityDir(stateDir);
  return {
    caPath: path.join(dir, "ca.pem"),
    clientCertPath: path.join(dir, "client.pem"),
    clientKeyPath: path.join(dir, "client-key.pem"),
  };
}

/** Password of the broker's PKCS12 keystore (a throw-away test secret). */
const KEYSTORE_PASSWORD = "edge-kafka-test";

/**
 * Creates the CA, the broker certificate (SAN DNS:localhost, IP:127.0.0.1),
 * the client certificate and the broker's PKCS12 keystore, unless all exist.
 */
export async function ensureCertificates(stateDir: string, log: (m: string) => void): Promise<TlsFiles> {
  const dir = securityDir(stateDir);
  const files = tlsFiles(stateDir);
  const keystore = path.join(dir, "broker.p12");
  const needed = [files.caPath, files.clientCertPath, files.clientKeyPath, keystore, path.join(dir, "ca-key.pem")];
  if (needed.every((f) => fs.existsSync(f))) return files;
  log(`generating a throw-away CA and certificates in ${dir}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const p = (name: string) => path.join(dir, name);
  const openssl = async (...args: string[]) => {
    const res = await run("openssl", args, { timeoutMs: 60_000 });
    if (res.code !== 0) throw new Error(`openssl ${args[0]} failed (exit ${res.code}): ${(res.stdout + res.stderr).trim()}`);
  };
  await openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-sha256",
    "-days",
    "3650",
    "-keyout",
    p("ca-key.pem"),
    "-out",
    p("ca.pem"),
    "-subj",
    "/CN=edge-kafka test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  const leaf = async (name: string, cn: string, ext: string) => {
    fs.writeFileSync(p(`${name}.ext`), `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n${ext}\n`);
    await openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", p(`${name}-key.pem`), "-out", p(`${name}.csr`), "-subj", `/CN=${cn}`);
    await openssl(
      "x509",
      "-req",
      "-sha256",
      "-days",
      "3650",
      "-in",
      p(`${name}.csr`),
      "-CA",
      p("ca.pem"),
      "-CAkey",
      p("ca-key.pem"),
      "-CAcreateserial",
      "-CAserial",
      p("ca.srl"),
      "-out",
      p(`${name}.pem`),
      "-extfile",
      p(`${name}.ext`),
    );
  };
  await leaf("broker", "localhost", "extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1");
  await leaf("client", "alice", "extendedKeyUsage=clientAuth");
  await openssl(
    "pkcs12",
    "-export",
    "-in",
    p("broker.pem"),
    "-inkey",
    p("broker-key.pem"),
    "-certfile",
    p("ca.pem"),
    "-name",
    "broker",
    "-out",
    keystore,
    "-passout",
    `pass:${KEYSTORE_PASSWORD}`,
  );
  return files;
}

/**
 * Broker properties for the secured client listener named `CLIENT` (none for
 * plaintext), or in the `all` mode for each {@link SecuredListener}.
 */
export function securityProperties(mode: SecurityMode, stateDir: string): Record<string, string> {
  if (mode === "plaintext") return {};
  if (mode !== "all") return listenerProperties("client", mode, stateDir, "requested", 0);
  const props: Record<string, string> = {};
  for (const listener of SECURED_LISTENERS) {
    const protocol = listener === "mtls" ? "ssl" : listener;
    Object.assign(
      props,
      listenerProperties(
        listener,
        protocol,
        stateDir,
        listener === "mtls" ? "required" : "requested",
        listener === "sasl_plaintext" ? REAUTH_TEST_MS : 0,
      ),
    );
  }
  return props;
}

/** The TLS and SASL properties of one listener (`listener.name.<name>.…`). */
function listenerProperties(
  name: string,
  protocol: Exclude<SecurityMode, "plaintext" | "all">,
  stateDir: string,
  clientAuth: "requested" | "required",
  reauthMs: number,
): Record<string, string> {
  const props: Record<string, string> = {};
  const dir = securityDir(stateDir);
  const prefix = `listener.name.${name}.`;
  if (protocol === "ssl" || protocol === "sasl_ssl") {
    Object.assign(props, {
      [`${prefix}ssl.keystore.type`]: "PKCS12",
      [`${prefix}ssl.keystore.location`]: path.join(dir, "broker.p12"),
      [`${prefix}ssl.keystore.password`]: KEYSTORE_PASSWORD,
      [`${prefix}ssl.key.password`]: KEYSTORE_PASSWORD,
      [`${prefix}ssl.truststore.type`]: "PEM",
      [`${prefix}ssl.truststore.location`]: path.join(dir, "ca.pem"),
      // "requested": a certificate is verified when sent; "required" (mtls) refuses clients without one.
      [`${prefix}ssl.client.auth`]: clientAuth,
    });
  }
  if (protocol === "sasl_plaintext" || protocol === "sasl_ssl") {
    const plainUsers = Object.entries(SASL_USERS.plain).map(([u, pw]) => `user_${u}="${pw}"`).join(" ");
    Object.assign(props, {
      [`${prefix}sasl.enabled.mechanisms`]: SASL_MECHANISMS.join(","),
      [`${prefix}plain.sasl.jaas.config`]:
        `org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" ${plainUsers};`,
      [`${prefix}scram-sha-256.sasl.jaas.config`]: "org.apache.kafka.common.security.scram.ScramLoginModule required;",
      [`${prefix}scram-sha-512.sasl.jaas.config`]: "org.apache.kafka.common.security.scram.ScramLoginModule required;",
      // Unsecured JWTs (alg "none"): the broker's default OAUTHBEARER validator
      // accepts any well-formed token; for tests only.
      [`${prefix}oauthbearer.sasl.jaas.config`]:
        `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="admin";`,
    });
    if (reauthMs > 0) {
      for (const mechanism of SASL_MECHANISMS) props[`${prefix}${mechanism.toLowerCase()}.connections.max.reauth.ms`] = String(reauthMs);
    }
  }
  return props;
}

/** The `listener.security.protocol.map` entries of the `all` mode's secured listeners. */
export function securedListenerProtocols(): string[] {
  return SECURED_LISTENERS.map((l) => `${l.toUpperCase()}:${listenerProtocol(l)}`);
}

/** Extra `StorageTool format` arguments: SCRAM credentials for alice in the sasl_* modes. */
export function formatArgs(mode: SecurityMode): string[] {
  if (!usesSasl(mode)) return [];
  const args: string[] = [];
  for (const mech of ["SCRAM-SHA-256", "SCRAM-SHA-512"]) {
    for (const [name, password] of Object.entries(SASL_USERS.scram)) {
      args.push("--add-scram", `${mech}=[name=${name},password=${password}]`);
    }
  }
  return args;
}

/** The Kafka security protocol name of a mode. */
export function protocolName(mode: SecurityMode): string {
  return mode.toUpperCase();
}

/**
 * Client settings as librdkafka properties (beyond bootstrap.servers); empty
 * for plaintext. SASL modes default to SCRAM-SHA-512 as alice.
 */
export function clientSettings(mode: SecurityMode, stateDir: string): Record<string, string> {
  if (mode === "plaintext" || mode === "all") return {};
  const settings: Record<string, string> = { "security.protocol": protocolName(mode) };
  if (usesTls(mode)) settings["ssl.ca.location"] = tlsFiles(stateDir).caPath;
  if (usesSasl(mode)) {
    settings["sasl.mechanism"] = "SCRAM-SHA-512";
    settings["sasl.username"] = "alice";
    settings["sasl.password"] = SASL_USERS.scram.alice;
  }
  return settings;
}

/**
 * An unsecured JWT (alg "none") for `sub`, valid for `lifetimeMs`: what the harness
 * broker's OAUTHBEARER listener accepts. For tests and tools only.
 */
export function unsecuredJwt(lifetimeMs: number, sub = "alice"): string {
  const part = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const now = Date.now();
  return `${part({ alg: "none" })}.${part({ sub, iat: Math.floor(now / 1000), exp: Math.floor((now + lifetimeMs) / 1000) })}.`;
}
