/**
 * The producer's view of metadata, as the Java client's `ProducerMetadata`: it follows
 * only the topics the producer writes to, forgets those unused for
 * `metadataMaxIdleMs`, and lets `send()` wait (up to `maxBlockMs`) for a topic's
 * partitions to be known.
 *
 * @module
 */
import type { MetadataResponse } from "../protocol/metadata.ts";
import type { MetadataConfig, TopicInfo } from "../client/metadata.ts";
import { Metadata } from "../client/metadata.ts";
import { TimeoutError } from "../errors.ts";
import { errorForCode, errorInfo } from "../protocol/error_codes.ts";

interface TopicWaiter {
  topic: string;
  resolve: (topic: TopicInfo) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Metadata for the producer's topics, with waiting for new ones.
 *
 * @example
 * ```ts
 * import { ProducerMetadata } from "./producer_metadata.ts";
 * const metadata = new ProducerMetadata([{ host: "127.0.0.1", port: 9092 }], {
 *   metadataMaxAgeMs: 300000, retryBackoffMs: 100, allowAutoTopicCreation: true,
 * }, 300000);
 * metadata.touch("orders", Date.now());
 * ```
 */
export class ProducerMetadata extends Metadata {
  readonly #maxIdleMs: number;
  readonly #lastUsed = new Map<string, number>();
  readonly #waiters = new Set<TopicWaiter>();

  /**
   * @param bootstrap The addresses to start from.
   * @param config Refresh settings.
   * @param maxIdleMs Forget a topic unused this long (`metadataMaxIdleMs`).
   */
  constructor(bootstrap: readonly { host: string; port: number }[], config: MetadataConfig, maxIdleMs: number) {
    super(bootstrap, config);
    this.#maxIdleMs = maxIdleMs;
  }

  /** Notes that the topic is in use, following it if new. */
  touch(topic: string, now: number): void {
    this.#lastUsed.set(topic, now);
    this.addTopic(topic);
  }

  /** The topic's metadata if its partitions are known and usable, else undefined. */
  usableTopic(topic: string): TopicInfo | undefined {
    const info = this.cluster.topics.get(topic);
    return info !== undefined && info.errorCode === 0 && info.partitions.length > 0 ? info : undefined;
  }

  /**
   * Waits until the topic's partitions are known. Rejects with TimeoutError after
   * `maxBlockMs`, or at once with the broker's error when it is not retriable
   * (an invalid or unauthorized topic).
   */
  waitForTopic(topic: string, maxBlockMs: number, now: number): Promise<TopicInfo> {
    this.touch(topic, now);
    const known = this.usableTopic(topic);
    if (known !== undefined) return Promise.resolve(known);
    this.requestUpdate();
    return new Promise((resolve, reject) => {
      const waiter: TopicWaiter = {
        topic,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new TimeoutError(`Topic ${topic} not present in metadata after ${maxBlockMs} ms.`));
        }, maxBlockMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Whether any `send()` waits for a topic, so the next refresh should come soon. */
  get hasWaiters(): boolean {
    return this.#waiters.size > 0;
  }

  override update(response: MetadataResponse, now: number): void {
    for (const [topic, lastUsed] of this.#lastUsed) {
      if (now - lastUsed > this.#maxIdleMs && !this.#isAwaited(topic)) {
        this.#lastUsed.delete(topic);
        this.removeTopic(topic);
      }
    }
    super.update(response, now);
    for (const waiter of [...this.#waiters]) {
      const info = this.cluster.topics.get(waiter.topic);
      if (info === undefined) continue;
      if (info.errorCode === 0 && info.partitions.length > 0) this.#settle(waiter, () => waiter.resolve(info));
      else if (info.errorCode !== 0 && !errorInfo(info.errorCode)?.retriable) {
        this.#settle(waiter, () => waiter.reject(errorForCode(info.errorCode, waiter.topic)));
      }
    }
    // A topic still unknown (e.g. being created) is asked for again after the backoff.
    if (this.#waiters.size > 0) this.requestUpdate();
  }

  /** Fails every waiting `send()`, as when the producer closes. */
  failWaiters(error: Error): void {
    for (const waiter of [...this.#waiters]) this.#settle(waiter, () => waiter.reject(error));
  }

  #isAwaited(topic: string): boolean {
    for (const waiter of this.#waiters) if (waiter.topic === topic) return true;
    return false;
  }

  #settle(waiter: TopicWaiter, settle: () => void): void {
    clearTimeout(waiter.timer);
    this.#waiters.delete(waiter);
    settle();
  }
}
