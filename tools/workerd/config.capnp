# Serves examples/cloudflare_worker.ts (bundled by build.ts into dist/) with workerd:
#
#   deno run -A tools/workerd/build.ts
#   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 ./node_modules/.bin/workerd serve tools/workerd/config.capnp [--socket-addr http=127.0.0.1:8787]
#
# Outbound sockets (connect() from cloudflare:sockets) go through the Worker's globalOutbound.
# workerd's default "internet" service reaches public addresses only; a broker on this machine
# or a private network needs the "brokers" network below. On Cloudflare's network there is no
# such setting: brokers must be reachable on public addresses (or through Cloudflare Tunnel).
# TLS (KAFKA_SSL=true) needs that network's tlsOptions: without them workerd has "no TLS
# configuration" for the connection. A private CA goes in trustedCertificates, a client
# certificate for mutual TLS in keypair (per network, not per connection):
#   tlsOptions = (trustBrowserCas = true, trustedCertificates = ["-----BEGIN CERTIFICATE-----\n..."])

using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "brokers", network = (allow = ["public", "private", "local"], tlsOptions = (trustBrowserCas = true))),
  ],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "dist/cloudflare_worker.js")],
  # nodejs_compat gives the producer node:zlib for native gzip; without it gzip uses fflate.
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["nodejs_compat"],
  globalOutbound = "brokers",
  bindings = [
    (name = "KAFKA_BOOTSTRAP_SERVERS", fromEnvironment = "KAFKA_BOOTSTRAP_SERVERS"),
    (name = "KAFKA_TOPIC", fromEnvironment = "KAFKA_TOPIC"),
    (name = "KAFKA_SSL", fromEnvironment = "KAFKA_SSL"),
  ],
);
