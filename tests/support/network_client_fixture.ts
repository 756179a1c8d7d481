/** A NetworkClient over a FakeSelector and a fake clock, for the client's unit tests. */
import { type ClientConfig, resolveClientConfig } from "../../src/client/client_config.ts";
import { Metadata } from "../../src/client/metadata.ts";
import { NetworkClient } from "../../src/client/network_client.ts";
import { FakeSelector } from "./fake_selector.ts";
import { FakeClock } from "./producer_fixtures.ts";

const API_VERSIONS = 18;

/** A client bootstrapped from b1:9092; `poll()` runs one turn at the clock's time. */
export function networkClientSetup(overrides: Partial<ClientConfig> = {}) {
  const config = resolveClientConfig({ bootstrapServers: "b1:9092", clientId: "test", ...overrides });
  const clock = new FakeClock();
  const selector = new FakeSelector();
  const metadata = new Metadata(config.bootstrapServers, config);
  // random() = 0.5 removes jitter, so backoffs are exact.
  const client = new NetworkClient(selector, metadata, config, clock, { random: () => 0.5 });
  const poll = () => client.poll(0, clock.now());
  /** Lets the client start connecting to the bootstrap broker (node -1), opens the connection, and returns the ApiVersions request sent on it. */
  const openBootstrap = async () => {
    await poll();
    selector.openConnection(-1);
    await poll();
    return selector.lastSent(API_VERSIONS);
  };
  return { config, clock, selector, metadata, client, poll, openBootstrap };
}
