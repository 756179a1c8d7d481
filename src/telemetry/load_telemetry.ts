/**
 * Loads the producer's OpenTelemetry observer when @opentelemetry/api is installed:
 * both the package and the observer's code are imported on first use, once per process,
 * so a producer with `tracing: false`, or without the package, loads neither. A producer
 * loads them only once an OpenTelemetry provider is registered (see
 * opentelemetry_global.ts): until then every span would be a no-op, and the
 * package's load is ~25 ms of a cold start on Node.
 *
 * @module
 */
import { CLIENT_SOFTWARE } from "../client/client_config.ts";
import type { SendObserver } from "../producer/send_observer.ts";
import type { ProducerTelemetryOptions } from "./producer_telemetry.ts";
import { importOpenTelemetryApi } from "./opentelemetry_api.ts";

type Loaded = (options: ProducerTelemetryOptions) => SendObserver;

let loading: Promise<Loaded | Error> | undefined;

/**
 * An observer over @opentelemetry/api's global providers for one producer, or undefined
 * when the package cannot be loaded (said once at debug level). Never rejects.
 *
 * @example
 * ```ts
 * import { loadTelemetry } from "./load_telemetry.ts";
 * import { Cluster } from "../client/metadata.ts";
 * import { silentLogger } from "../logger.ts";
 * const observer = await loadTelemetry({ clientId: "app", cluster: () => Cluster.bootstrap([]), logger: silentLogger });
 * console.log(observer === undefined ? "no @opentelemetry/api" : "traced when a provider is registered");
 * ```
 */
export async function loadTelemetry(options: Omit<ProducerTelemetryOptions, "version">): Promise<SendObserver | undefined> {
  loading ??= Promise.all([importOpenTelemetryApi(), import("./producer_telemetry.ts")]).then(
    ([api, { ProducerTelemetry }]) => (options: ProducerTelemetryOptions) => new ProducerTelemetry(api, options),
    (error) => error instanceof Error ? error : new Error(String(error)),
  );
  const loaded = await loading;
  if (typeof loaded === "function") return loaded({ ...options, version: CLIENT_SOFTWARE.version });
  options.logger.debug(`OpenTelemetry is off: @opentelemetry/api could not be loaded (${loaded.message})`);
  return undefined;
}
