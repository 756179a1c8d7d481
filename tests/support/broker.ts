/**
 * The real broker for integration tests: the one named by KAFKA_BOOTSTRAP_SERVERS
 * (set by `deno task test`), or the harness's single-node cluster, started on demand
 * with every secured listener (`--security all`).
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { type SecuredListener, type TlsFiles, up, type UpResult } from "../../tools/kafka.ts";

let cached: Promise<UpResult> | undefined;
const startHarness = () => cached ??= up({ security: "all" });

/** `host:port[,host:port...]` of a running broker. */
export function bootstrapServers(): Promise<string> {
  const fromEnv = process.env.KAFKA_BOOTSTRAP_SERVERS;
  if (fromEnv) return Promise.resolve(fromEnv);
  return startHarness().then((result) => result.bootstrapServers);
}

/** The secured listeners' bootstrap servers and the PEM texts a client needs. */
export interface SecuredCluster {
  listeners: Record<SecuredListener, string>;
  /** The throw-away CA, a client certificate it signed (CN=alice) and its key, in PEM. */
  ca: string;
  /** The CA's file, for the Java consumer's ssl.truststore.location (type PEM). */
  caPath: string;
  clientCert: string;
  clientKey: string;
}

/**
 * The same cluster's SSL, SASL_PLAINTEXT, SASL_SSL and mTLS listeners. A broker named
 * by KAFKA_BOOTSTRAP_SERVERS must come with KAFKA_SECURED_LISTENERS (`deno task test`
 * sets both); otherwise the harness starts one.
 */
export async function securedCluster(): Promise<SecuredCluster> {
  const fromEnv = process.env.KAFKA_SECURED_LISTENERS;
  let listeners: Record<SecuredListener, string>;
  let files: TlsFiles;
  if (fromEnv) {
    const parsed = JSON.parse(fromEnv) as Record<SecuredListener, string> & TlsFiles;
    listeners = parsed;
    files = parsed;
  } else if (process.env.KAFKA_BOOTSTRAP_SERVERS) {
    throw new Error("KAFKA_BOOTSTRAP_SERVERS is set without KAFKA_SECURED_LISTENERS; the security tests need the harness's --security all");
  } else {
    const result = await startHarness();
    if (result.securedListeners === null || result.tls === null) throw new Error("the harness cluster has no secured listeners");
    listeners = result.securedListeners;
    files = result.tls;
  }
  return {
    listeners: { ssl: listeners.ssl, sasl_plaintext: listeners.sasl_plaintext, sasl_ssl: listeners.sasl_ssl, mtls: listeners.mtls },
    ca: readFileSync(files.caPath, "utf8"),
    caPath: files.caPath,
    clientCert: readFileSync(files.clientCertPath, "utf8"),
    clientKey: readFileSync(files.clientKeyPath, "utf8"),
  };
}

/** A topic name no other test (or earlier run) uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
