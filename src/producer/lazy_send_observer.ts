/**
 * The producer's OpenTelemetry observer, loaded only once a provider is registered:
 * until then every span would be a no-op, and @opentelemetry/api's load is a noticeable
 * part of a cold start. Each send looks for a provider (one look at the API's global
 * registry) until one is found.
 *
 * @module
 */
import type { ProducerRecord } from "./producer_record.ts";
import type { RecordSettler } from "./producer_batch.ts";
import type { ObservedSend, SendObserver } from "./send_observer.ts";
import type { ProducerTelemetryOptions } from "../telemetry/producer_telemetry.ts";
import { loadTelemetry } from "../telemetry/load_telemetry.ts";
import { openTelemetryRegistered } from "../telemetry/opentelemetry_global.ts";

/**
 * A {@link SendObserver} that loads the real one when a provider appears.
 *
 * @example
 * ```ts
 * import { LazySendObserver } from "./lazy_send_observer.ts";
 * import { Cluster } from "../client/metadata.ts";
 * import { silentLogger } from "../logger.ts";
 * const tracing = new LazySendObserver(true, { clientId: "app", cluster: () => Cluster.bootstrap([]), logger: silentLogger }, () => {});
 * tracing.lookForProvider(); // nothing registered: nothing loads
 * console.log(tracing.observe({ topic: "orders" }, { resolve() {}, reject() {} })); // undefined
 * ```
 */
export class LazySendObserver implements SendObserver {
  /** Tracing is on and no provider was registered when last looked: each send should look. */
  awaitingProvider: boolean;
  readonly #options: Omit<ProducerTelemetryOptions, "version">;
  readonly #holdUntil: (loading: Promise<void>) => void;
  #observer: SendObserver | undefined;
  #loading: Promise<void> | undefined;

  /**
   * @param enabled The producer's `tracing` setting.
   * @param options What the observer names (client id, cluster) and logs to.
   * @param holdUntil Holds every record back while the observer loads, so none goes unobserved.
   */
  constructor(
    enabled: boolean,
    options: Omit<ProducerTelemetryOptions, "version">,
    holdUntil: (loading: Promise<void>) => void,
  ) {
    this.awaitingProvider = enabled;
    this.#options = options;
    this.#holdUntil = holdUntil;
    this.lookForProvider();
  }

  /** Starts loading the observer if a provider is registered now (at most once). */
  lookForProvider(): void {
    if (!this.awaitingProvider || !openTelemetryRegistered()) return;
    this.awaitingProvider = false;
    this.#loading = loadTelemetry(this.#options).then((observer) => {
      this.#observer = observer;
      this.#loading = undefined;
    });
    this.#holdUntil(this.#loading);
  }

  /** Whether the observer has loaded: {@link observe} may wrap a send's settler. */
  get observing(): boolean {
    return this.#observer !== undefined;
  }

  /** Whether the observer is loading: a send made now is observed once its wait ends. */
  get loading(): boolean {
    return this.#loading !== undefined;
  }

  /** The loaded observer's answer; undefined before it loaded. */
  observe<K, V>(record: ProducerRecord<K, V>, inner: RecordSettler, sentMsAgo?: number): ObservedSend<K, V> | undefined {
    return this.#observer?.observe(record, inner, sentMsAgo);
  }
}
