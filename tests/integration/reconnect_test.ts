import { test } from "node:test";
import assert from "node:assert/strict";
import { awaitMetadata, awaitReady, createNetworkClient } from "../../src/client/network_client_utils.ts";
import { NetworkError, TimeoutError } from "../../src/errors.ts";
import { startNode, stopNode } from "../../tools/kafka.ts";
import { bootstrapServers } from "../support/broker.ts";

test("the client reconnects by itself after the broker is stopped and restarted", async () => {
  const connected = createNetworkClient({
    bootstrapServers: await bootstrapServers(),
    clientId: "reconnect",
    reconnectBackoffMaxMs: 500,
  });
  try {
    const cluster = await awaitMetadata(connected, 30_000);
    const node = cluster.nodes[0];
    await awaitReady(connected, node.id, 15_000);

    await stopNode(node.id);
    try {
      // While the broker is down, refreshes fail and the node's last error says why.
      await assert.rejects(awaitMetadata(connected, 2_000), TimeoutError);
      assert.ok(connected.client.lastError(node.id) instanceof NetworkError, String(connected.client.lastError(node.id)));
      assert.equal(connected.client.isReady(node.id, Date.now()), false);
    } finally {
      await startNode(node.id);
    }
    const after = await awaitMetadata(connected, 60_000);
    assert.ok(after.node(node.id) !== undefined);
    await awaitReady(connected, node.id, 30_000);
    assert.ok(connected.client.nodeApiVersions(node.id) !== undefined, "a fresh ApiVersions handshake after reconnecting");
  } finally {
    connected.client.close();
  }
});
