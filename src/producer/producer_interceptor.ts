/**
 * Producer interceptors, as the Java client's `ProducerInterceptor`: each sees every
 * record before it is serialized and partitioned (and may change it), and learns how
 * each send ended. An interceptor that throws is logged and skipped; it never fails a
 * send.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { ProducerRecord, RecordData, RecordMetadata } from "./producer_record.ts";
import type { RecordSettler } from "./producer_batch.ts";

/**
 * Sees records on their way in and their outcome on the way out.
 *
 * @example Count acknowledgements and give keyless records a key
 * ```ts
 * import type { ProducerInterceptor } from "./producer_interceptor.ts";
 * let acked = 0;
 * const stamp: ProducerInterceptor = {
 *   onSend: (record) => record.key == null ? { ...record, key: "unkeyed" } : record,
 *   onAcknowledgement: (_metadata, error) => {
 *     if (error === undefined) acked++;
 *   },
 * };
 * // new KafkaProducer({ bootstrapServers: "127.0.0.1:9092", interceptors: [stamp] })
 * ```
 */
export interface ProducerInterceptor<K = RecordData, V = RecordData> {
  /**
   * Called by `send()` before the key and value are serialized and the partition is
   * chosen; returns the record to send instead (or the same one). Interceptors run in
   * the configured order, each on the previous one's result. Runs on the caller's
   * turn of the event loop, so it should be quick.
   */
  onSend?(record: ProducerRecord<K, V>): ProducerRecord<K, V>;
  /**
   * Called once per record, when the broker acknowledged it or its send failed, before
   * the `send()` promise's own reactions run. On failure `error` is set and `metadata`
   * holds the topic, the partition (-1 when none was chosen), and -1 for offset and
   * timestamp.
   */
  onAcknowledgement?(metadata: RecordMetadata, error: Error | undefined): void;
  /** Called once when the producer closes. */
  close?(): void | Promise<void>;
}

const METHODS = ["onSend", "onAcknowledgement", "close"] as const;

/**
 * Checks the `interceptors` setting: undefined, or an array of objects whose
 * `onSend`, `onAcknowledgement` and `close` are functions where present.
 *
 * @example
 * ```ts
 * import { resolveInterceptors } from "./producer_interceptor.ts";
 * console.log(resolveInterceptors({ interceptors: [{ onSend: (r: unknown) => r }] }).length); // 1
 * ```
 */
export function resolveInterceptors<K, V>(config: { interceptors?: unknown }): ProducerInterceptor<K, V>[] {
  const list = config.interceptors;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new ConfigError("interceptors", "must be an array of interceptors");
  list.forEach((interceptor, index) => {
    if (interceptor === null || typeof interceptor !== "object") {
      throw new ConfigError("interceptors", `entry ${index} must be an object, got ${interceptor === null ? "null" : typeof interceptor}`);
    }
    for (const method of METHODS) {
      const value = (interceptor as Record<string, unknown>)[method];
      if (value !== undefined && typeof value !== "function") {
        throw new ConfigError("interceptors", `entry ${index}: ${method} must be a function`);
      }
    }
  });
  return [...list];
}

/**
 * The configured interceptors as one, guarding each call (Java's `ProducerInterceptors`).
 *
 * @example
 * ```ts
 * import { ProducerInterceptors } from "./producer_interceptor.ts";
 * import { silentLogger } from "../logger.ts";
 * const interceptors = new ProducerInterceptors([{ onSend: () => { throw new Error("bug"); } }], silentLogger);
 * console.log(interceptors.onSend({ topic: "orders", value: "v" }).topic); // "orders": the record goes on unchanged
 * ```
 */
export class ProducerInterceptors<K, V> {
  readonly #list: readonly ProducerInterceptor<K, V>[];
  readonly #logger: Logger;
  // Sends intercepted and not settled yet, so close() comes after their acknowledgements.
  #unsettled = 0;
  #settledAll: (() => void)[] = [];

  /**
   * @param list The interceptors, in order.
   * @param logger Where a throwing interceptor is reported.
   */
  constructor(list: readonly ProducerInterceptor<K, V>[], logger: Logger) {
    this.#list = list;
    this.#logger = logger;
  }

  /** Runs every `onSend` in order; one that throws (or returns no record) is logged and skipped. */
  onSend(record: ProducerRecord<K, V>): ProducerRecord<K, V> {
    let current = record;
    for (let i = 0; i < this.#list.length; i++) {
      const interceptor = this.#list[i];
      if (interceptor.onSend === undefined) continue;
      try {
        const next = interceptor.onSend(current);
        if (next === null || typeof next !== "object") {
          this.#logger.warn(`producer interceptor ${i} returned no record from onSend; sending the record it was given`);
        } else {
          current = next;
        }
      } catch (error) {
        this.#logger.warn(`producer interceptor ${i} threw in onSend; sending the record unchanged by it`, { error: String(error) });
      }
    }
    return current;
  }

  /** Runs every `onAcknowledgement`; one that throws is logged. */
  onAcknowledgement(metadata: RecordMetadata, error: Error | undefined): void {
    for (let i = 0; i < this.#list.length; i++) {
      const interceptor = this.#list[i];
      if (interceptor.onAcknowledgement === undefined) continue;
      try {
        interceptor.onAcknowledgement(metadata, error);
      } catch (thrown) {
        this.#logger.warn(`producer interceptor ${i} threw in onAcknowledgement`, { error: String(thrown) });
      }
    }
  }

  /**
   * The settler a send of `record` goes through: it runs every `onAcknowledgement` with the
   * outcome, then settles `inner` (the caller's promise or callback), so the interceptors hear
   * it before the caller, as with Java's InterceptorCallback. close() waits for it.
   */
  intercept(inner: RecordSettler, record: ProducerRecord<K, V>): RecordSettler {
    this.#unsettled++;
    let done = false;
    return {
      resolve: (metadata, nodeId) => {
        if (done) return;
        done = true;
        this.#acknowledged(metadata, undefined);
        inner.resolve(metadata, nodeId);
      },
      reject: (error, nodeId) => {
        if (done) return;
        done = true;
        const partition = typeof record?.partition === "number" ? record.partition : -1;
        this.#acknowledged({ topic: String(record?.topic), partition, offset: -1, timestamp: -1 }, error);
        inner.reject(error, nodeId);
      },
    };
  }

  #acknowledged(metadata: RecordMetadata, error: Error | undefined): void {
    this.onAcknowledgement(metadata, error);
    this.#settled();
  }

  #settled(): void {
    if (--this.#unsettled > 0) return;
    const waiting = this.#settledAll;
    this.#settledAll = [];
    for (const resolve of waiting) resolve();
  }

  /**
   * Waits for the acknowledgements of every intercepted send (the producer closes this
   * only once they all settled), then calls every `close`, awaiting each; one that
   * throws or rejects is logged.
   */
  async close(): Promise<void> {
    while (this.#unsettled > 0) await new Promise<void>((resolve) => this.#settledAll.push(resolve));
    for (let i = 0; i < this.#list.length; i++) {
      const interceptor = this.#list[i];
      if (interceptor.close === undefined) continue;
      try {
        await interceptor.close();
      } catch (error) {
        this.#logger.warn(`producer interceptor ${i} threw in close`, { error: String(error) });
      }
    }
  }
}
