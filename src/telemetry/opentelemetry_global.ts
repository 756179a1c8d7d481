/**
 * Whether anything is registered with @opentelemetry/api, known without loading it.
 *
 * @module
 */

/**
 * Where every copy of @opentelemetry/api 1.x keeps what was registered globally (providers,
 * propagator, context manager; its `GLOBAL_OPENTELEMETRY_API_KEY`): absent until something
 * is, and filled at start-up by Deno's built-in OpenTelemetry too.
 */
const OPENTELEMETRY_GLOBAL = Symbol.for("opentelemetry.js.api.1");

/**
 * Whether an OpenTelemetry SDK (or Deno's built-in OpenTelemetry) has registered anything
 * with @opentelemetry/api: one property look, without loading the package.
 *
 * @example
 * ```ts
 * import { openTelemetryRegistered } from "./opentelemetry_global.ts";
 * console.log(openTelemetryRegistered() ? "an SDK is registered" : "spans would be no-ops");
 * ```
 */
export function openTelemetryRegistered(): boolean {
  return (globalThis as Record<symbol, unknown>)[OPENTELEMETRY_GLOBAL] !== undefined;
}
