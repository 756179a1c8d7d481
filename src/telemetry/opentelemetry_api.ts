/**
 * Loads @opentelemetry/api, the producer's optional peer dependency. Its own module, so
 * that the npm build can swap it for one whose import bundlers leave alone (a Worker or
 * Lambda bundle without the package must still build): see tools/build_npm.ts.
 *
 * @module
 */
import type * as otel from "@opentelemetry/api";

/**
 * The @opentelemetry/api module, or a rejection when it is not installed.
 *
 * @example
 * ```ts
 * import { importOpenTelemetryApi } from "./opentelemetry_api.ts";
 * const api = await importOpenTelemetryApi().catch(() => undefined);
 * console.log(api === undefined ? "not installed" : "installed");
 * ```
 */
export function importOpenTelemetryApi(): Promise<typeof otel> {
  return import("@opentelemetry/api");
}
