import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveProducerConfig, resolveSerializers } from "../../src/producer/producer_config.ts";
import type { ProducerConfig } from "../../src/producer/producer_config.ts";
import { ConfigError } from "../../src/errors.ts";

const base = { bootstrapServers: "127.0.0.1:9092" };

function rejects(config: Partial<ProducerConfig> & Record<string, unknown>, key: string, message?: RegExp) {
  assert.throws(() => resolveProducerConfig({ ...base, ...config } as ProducerConfig), (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.key, key);
    assert.match(error.message, new RegExp(key));
    if (message) assert.match(error.message, message);
    return true;
  });
}

test("resolveProducerConfig fills in the Java 4.x defaults", () => {
  const config = resolveProducerConfig(base);
  assert.equal(config.acks, -1);
  assert.equal(config.lingerMs, 5);
  assert.equal(config.batchSize, 16_384);
  assert.equal(config.bufferMemory, 33_554_432);
  assert.equal(config.maxBlockMs, 60_000);
  assert.equal(config.deliveryTimeoutMs, 120_000);
  assert.equal(config.requestTimeoutMs, 30_000);
  assert.equal(config.retries, 2_147_483_647);
  assert.equal(config.retryBackoffMs, 100);
  assert.equal(config.retryBackoffMaxMs, 1000);
  assert.equal(config.maxInFlightRequestsPerConnection, 5);
  assert.equal(config.maxRequestSize, 1_048_576);
  assert.equal(config.compressionType, "none");
  assert.equal(config.partitionerAdaptivePartitioningEnable, true);
  assert.equal(config.partitionerIgnoreKeys, false);
});

test("deliveryTimeoutMs below lingerMs + requestTimeoutMs is an error when set, and grows to fit when not", () => {
  rejects({ deliveryTimeoutMs: 20_000, lingerMs: 5, requestTimeoutMs: 30_000 }, "deliveryTimeoutMs", /30005/);
  assert.equal(resolveProducerConfig({ ...base, requestTimeoutMs: 200_000 }).deliveryTimeoutMs, 200_005);
  assert.equal(resolveProducerConfig({ ...base, deliveryTimeoutMs: 30_005 }).deliveryTimeoutMs, 30_005);
});

test('acks takes "all", -1, 0 and 1 only', () => {
  assert.equal(resolveProducerConfig({ ...base, acks: "all" }).acks, -1);
  assert.equal(resolveProducerConfig({ ...base, acks: 0 }).acks, 0);
  assert.equal(resolveProducerConfig({ ...base, acks: 1 }).acks, 1);
  rejects({ acks: 2 as never }, "acks");
  rejects({ acks: "leader" as never }, "acks");
});

test("numbers must be integers in range, named by their key", () => {
  rejects({ batchSize: -1 }, "batchSize");
  rejects({ lingerMs: 1.5 }, "lingerMs");
  rejects({ bufferMemory: 0 }, "bufferMemory");
  rejects({ maxRequestSize: "big" as never }, "maxRequestSize");
  rejects({ retries: -1 }, "retries");
  rejects({ maxBlockMs: -5 }, "maxBlockMs");
  rejects({ requestTimeoutMs: 0 }, "requestTimeoutMs");
});

test("compression type and levels are checked against Kafka's ranges", () => {
  rejects({ compressionType: "brotli" as never }, "compressionType");
  rejects({ compressionGzipLevel: 10 }, "compressionGzipLevel");
  rejects({ compressionZstdLevel: 23 }, "compressionZstdLevel");
  rejects({ compressionLz4Level: 0 }, "compressionLz4Level");
  const zstd = resolveProducerConfig({ ...base, compressionType: "zstd", compressionZstdLevel: 9 });
  assert.equal(zstd.compressionLevel, 9);
});

test("functions and booleans are type-checked, and bootstrapServers is required", () => {
  rejects({ partitioner: 3 as never }, "partitioner");
  assert.throws(
    () => resolveSerializers({ ...base, keySerializer: "utf8" as never }),
    (e: unknown) => e instanceof ConfigError && e.key === "keySerializer",
  );
  rejects({ partitionerIgnoreKeys: "yes" as never }, "partitionerIgnoreKeys");
  assert.throws(
    () => resolveProducerConfig({} as ProducerConfig),
    (e: unknown) => e instanceof ConfigError && e.key === "bootstrapServers",
  );
  assert.throws(
    () => resolveProducerConfig({ bootstrapServers: "no-port" }),
    (e: unknown) => e instanceof ConfigError && e.key === "bootstrapServers",
  );
});
