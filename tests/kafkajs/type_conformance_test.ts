/**
 * tsc, as a TypeScript user of the npm package would run it: the declarations of
 * `@edge-kafka/producer/kafkajs` (emitted as the package build emits them) against
 * KafkaJS 2.2.4's own `types/index.d.ts`. Our Producer, Transaction and Admin must be
 * assignable to KafkaJS's, and KafkaJS-typed code (its ProducerRecord, Message,
 * RecordMetadata, CompressionTypes, logLevel, partitioners) must compile against ours.
 * Lines marked `@ts-expect-error` must fail, so a check that checks nothing fails too.
 * Type checking does not depend on the runtime, so this runs under Node only.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { declarations } from "../../tools/build_npm.ts";
import { root, testRuntime } from "../support/child.ts";

const CHECK = `
import type * as K from "kafkajs";
import { CompressionTypes, Kafka, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, logLevel, Partitioners } from "./types/src/kafkajs/mod.js";

const kafka = new Kafka({ clientId: "app", brokers: ["127.0.0.1:9092"], logLevel: logLevel.ERROR });

// Our objects, where KafkaJS's types are expected.
export const producer: K.Producer = kafka.producer({ createPartitioner: Partitioners.LegacyPartitioner, idempotent: true });
export const admin: K.Admin = kafka.admin();
export async function transaction(): Promise<K.Transaction> {
  return await kafka.producer({ transactionalId: "t", maxInFlightRequests: 1 }).transaction();
}
export const partitioner: K.ICustomPartitioner = Partitioners.DefaultPartitioner;
export const logger: K.Logger = producer.logger();

// KafkaJS-typed values, handed to ours.
export async function sendAsKafkaJSUsersDo(ours: ReturnType<Kafka["producer"]>, record: K.ProducerRecord, batch: K.ProducerBatch) {
  const message: K.Message = { key: "k", value: "v", headers: { h: ["a", "b"] }, timestamp: "1700000000000" };
  const sent: K.RecordMetadata[] = await ours.send({ topic: "t", messages: [message], acks: 1, timeout: 5000, compression: CompressionTypes.GZIP });
  await ours.send(record);
  await ours.sendBatch(batch);
  const remove: K.RemoveInstrumentationEventListener<"producer.network.request"> = ours.on(ours.events.REQUEST, (event: K.RequestEvent) => {
    console.log(event.payload.apiName, event.payload.duration);
  });
  remove();
  const theirs: K.CompressionTypes = CompressionTypes.ZSTD;
  const level: K.logLevel = logLevel.WARN;
  return [sent, theirs, level];
}

export function errors(e: unknown): string {
  if (e instanceof KafkaJSNumberOfRetriesExceeded) return \`\${e.retryCount} \${e.cause}\`;
  if (e instanceof KafkaJSProtocolError) return \`\${e.type} \${e.code} \${e.retriable}\`;
  return "";
}

// What must not compile, or this check proves nothing.
// @ts-expect-error A producer is not an Admin.
export const wrong: K.Admin = kafka.producer();
// @ts-expect-error send() resolves with RecordMetadata[], not a number.
export const notANumber: Promise<number> = producer.send({ topic: "t", messages: [] });
`;

if (testRuntime() === "node") {
  test("tsc: our Producer, Transaction and Admin are KafkaJS 2.2.4's types, and KafkaJS-typed code compiles against ours", () => {
    // Under dist/ (ignored by git) so that "kafkajs" and @types/node resolve from the repository's node_modules.
    const dir = join(root, "dist", `kafkajs-types-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    try {
      declarations(join(dir, "types"));
      writeFileSync(join(dir, "check.ts"), CHECK);
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "es2022",
            lib: ["es2022", "esnext.disposable", "dom"],
            module: "nodenext",
            moduleResolution: "nodenext",
            strict: true,
            noEmit: true,
            types: ["node"],
          },
          files: ["check.ts"],
        }),
      );
      mkdirSync(dir, { recursive: true });
      const tsc = spawnSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
      assert.equal(tsc.status, 0, `tsc found:\n${tsc.stdout}${tsc.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
