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
  resolve: (topic: TopicInfo) => void;
  reject: (error: Error) => void;
  deadline: number;
  maxBlockMs: number;
}

/**
 * The sends waiting for one topic, oldest first. One timer per topic, not per send: a
 * burst of sends before the first metadata answer must not cost a timer each.
 */
interface TopicWait {
  waiters: TopicWaiter[];
  timer: ReturnType<typeof setTimeout> | undefined;
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
  readonly #waits = new Map<string, TopicWait>();

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
      let wait = this.#waits.get(topic);
      if (wait === undefined) this.#waits.set(topic, wait = { waiters: [], timer: undefined });
      // Deadlines only grow, so the waiters stay sorted by deadline.
      wait.waiters.push({ resolve, reject, deadline: now + maxBlockMs, maxBlockMs });
      if (wait.timer === undefined) this.#armTimer(topic, wait, now);
    });
  }

  /** Fails the waiters whose `maxBlockMs` has passed, then waits for the next deadline. */
  #armTimer(topic: string, wait: TopicWait, now: number): void {
    const first = wait.waiters[0];
    wait.timer = setTimeout(() => {
      const at = Math.max(Date.now(), first.deadline);
      let expired = 0;
      while (expired < wait.waiters.length && wait.waiters[expired].deadline <= at) expired++;
      for (const waiter of wait.waiters.splice(0, expired)) {
        waiter.reject(new TimeoutError(`Topic ${topic} not present in metadata after ${waiter.maxBlockMs} ms.`));
      }
      if (wait.waiters.length > 0) this.#armTimer(topic, wait, at);
      else this.#waits.delete(topic);
    }, Math.max(0, first.deadline - now));
  }

  /** Whether any `send()` waits for a topic, so the next refresh should come soon. */
  get hasWaiters(): boolean {
    return this.#waits.size > 0;
  }

  override update(response: MetadataResponse, now: number): void {
    for (const [topic, lastUsed] of this.#lastUsed) {
      if (now - lastUsed > this.#maxIdleMs && !this.#isAwaited(topic)) {
        this.#lastUsed.delete(topic);
        this.removeTopic(topic);
      }
    }
    super.update(response, now);
    for (const [topic, wait] of [...this.#waits]) {
      const info = this.cluster.topics.get(topic);
      if (info === undefined) continue;
      if (info.errorCode === 0 && info.partitions.length > 0) this.#settle(topic, wait, (waiter) => waiter.resolve(info));
      else if (info.errorCode !== 0 && !errorInfo(info.errorCode)?.retriable) {
        const error = errorForCode(info.errorCode, topic);
        this.#settle(topic, wait, (waiter) => waiter.reject(error));
      }
    }
    // A topic still unknown (e.g. being created) is asked for again after the backoff.
    if (this.#waits.size > 0) this.requestUpdate();
  }

  /** Fails every waiting `send()`, as when the producer closes. */
  failWaiters(error: Error): void {
    for (const [topic, wait] of [...this.#waits]) this.#settle(topic, wait, (waiter) => waiter.reject(error));
  }

  #isAwaited(topic: string): boolean {
    return this.#waits.has(topic);
  }

  #settle(topic: string, wait: TopicWait, settle: (waiter: TopicWaiter) => void): void {
    clearTimeout(wait.timer);
    this.#waits.delete(topic);
    for (const waiter of wait.waiters) settle(waiter);
  }
}
