/**
 * The real Schema Registry for integration tests: the one named by SCHEMA_REGISTRY_URL
 * (set by `deno task test`), or the harness's Apicurio Registry, started on demand.
 */
import process from "node:process";
import { registryUp } from "../../tools/registry.ts";

let started: Promise<string> | undefined;

/** The URL of Confluent's API on a running registry (`http://127.0.0.1:PORT/apis/ccompat/v7`). */
export function registryUrl(): Promise<string> {
  const fromEnv = process.env.SCHEMA_REGISTRY_URL;
  if (fromEnv) return Promise.resolve(fromEnv);
  return started ??= registryUp().then((state) => state.url);
}
