/**
 * The producer's view of metadata, as the Java client's `ProducerMetadata`: it follows
 * only the topics the producer writes to, forgets those unused for
 * `metadataMaxIdleMs`, and lets `send()` wait (up to `maxBlockMs`) for a topic's
 * partitions to be known.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { clearClockTimer, setClockTimer, systemClock } from "../clock.ts";
import type { MetadataResponse } from "../protocol/metadata.ts";
import type { BrokerNode, MetadataConfig, TopicInfo } from "../client/metadata.ts";
import { Metadata } from "../client/metadata.ts";
import type { ConnectionState } from "../client/cluster_connection_states.ts";
import { type ConnectionFailure, describeConnectionFailure } from "../client/connection_failure.ts";
import { TimeoutError } from "../errors.ts";
import { ErrorCode, errorForCode, errorInfo } from "../protocol/error_codes.ts";

/** What a metadata wait that timed out asks the NetworkClient, to say why the topic never came. */
export interface ConnectionDiagnostics {
  /** The node's last failed connection outcome, if it has not answered since. */
  connectionFailure(nodeId: number): ConnectionFailure | undefined;
  /** Where the node's connection is now. */
  connectionState(nodeId: number): ConnectionState;
}

// How a node that has not failed stands, for the timeout message.
const PENDING: Record<ConnectionState, string> = {
  disconnected: "was not tried yet",
  connecting: "is still connecting",
  checking_api_versions: "accepted the connection but has not answered ApiVersions",
  authenticating: "accepted the connection but has not finished authentication",
  ready: "is connected but has not answered the metadata request",
};

interface TopicWaiter {
  resolve: (topic: TopicInfo) => void;
  reject: (error: Error) => void;
  deadline: number;
  maxBlockMs: number;
  /** How many partitions the topic must have: one more than the record's explicit partition, else 1. */
  partitions: number;
}

/**
 * The sends waiting for one topic, oldest first. One timer per topic, not per send: a
 * burst of sends before the first metadata answer must not cost a timer each.
 */
interface TopicWait {
  waiters: TopicWaiter[];
  timer: unknown;
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
  #lastTouched: string | undefined;
  #lastTouchedMs = -1;
  readonly #waits = new Map<string, TopicWait>();
  readonly #autoCreate: boolean;
  readonly #clock: Clock;
  /** Asked, when a wait times out, what the connections met; the producer sets its NetworkClient here. */
  diagnostics: ConnectionDiagnostics | undefined;
  // Set while something every record needs before it is appended is loading (see holdUntil).
  #held = false;

  /**
   * @param bootstrap The addresses to start from.
   * @param config Refresh settings.
   * @param maxIdleMs Forget a topic unused this long (`metadataMaxIdleMs`).
   * @param clock Whose time and timers end the waits.
   */
  constructor(bootstrap: readonly { host: string; port: number }[], config: MetadataConfig, maxIdleMs: number, clock: Clock = systemClock) {
    super(bootstrap, config);
    this.#maxIdleMs = maxIdleMs;
    this.#clock = clock;
    this.#autoCreate = config.allowAutoTopicCreation ?? false;
  }

  /** Notes that the topic is in use, following it if new. */
  touch(topic: string, now: number): void {
    // Every send touches its topic: a burst to one topic in one millisecond needs one update.
    if (topic === this.#lastTouched && now === this.#lastTouchedMs) return;
    this.#lastTouched = topic;
    this.#lastTouchedMs = now;
    this.#lastUsed.set(topic, now);
    this.addTopic(topic);
  }

  /**
   * Until `loaded` settles, no topic counts as usable and no wait ends with the topic (a
   * wait still times out, or fails on the broker's error); then the waits for known topics
   * end, in order. The producer holds its topics while its OpenTelemetry observer loads,
   * so that no record goes into a batch without it.
   */
  holdUntil(loaded: Promise<unknown>): void {
    this.#held = true;
    const release = () => {
      this.#held = false;
      this.#resolveWaits(this.#clock.now());
    };
    loaded.then(release, release);
  }

  /** The topic's metadata if its partitions are known and usable, else undefined. */
  usableTopic(topic: string): TopicInfo | undefined {
    if (this.#held) return undefined;
    const info = this.cluster.topics.get(topic);
    return info !== undefined && info.errorCode === 0 && info.partitions.length > 0 ? info : undefined;
  }

  /**
   * Waits until the topic's partitions are known, and at least `partitions` of them
   * (for a record sent to partition `partitions - 1`: the metadata may predate new
   * partitions, as Java's waitOnMetadata). Rejects with TimeoutError after `maxBlockMs`,
   * or at once with the broker's error when it is not retriable (an invalid or
   * unauthorized topic).
   */
  waitForTopic(topic: string, maxBlockMs: number, now: number, partitions = 1): Promise<TopicInfo> {
    this.touch(topic, now);
    const known = this.usableTopic(topic);
    if (known !== undefined && known.partitions.length >= partitions) return Promise.resolve(known);
    this.requestUpdate();
    return new Promise((resolve, reject) => {
      let wait = this.#waits.get(topic);
      if (wait === undefined) this.#waits.set(topic, wait = { waiters: [], timer: undefined });
      // Deadlines only grow, so the waiters stay sorted by deadline.
      wait.waiters.push({ resolve, reject, deadline: now + maxBlockMs, maxBlockMs, partitions });
      if (wait.timer === undefined) this.#armTimer(topic, wait, now);
    });
  }

  /** Fails the waiters whose `maxBlockMs` has passed, then waits for the next deadline. */
  #armTimer(topic: string, wait: TopicWait, now: number): void {
    const first = wait.waiters[0];
    wait.timer = setClockTimer(this.#clock, () => {
      const at = Math.max(this.#clock.now(), first.deadline);
      let expired = 0;
      while (expired < wait.waiters.length && wait.waiters[expired].deadline <= at) expired++;
      // At least the first waiter is due (the timer fired at its deadline): one explanation serves all.
      const why = this.explainMissingTopic(topic);
      const count = this.usableTopic(topic)?.partitions.length;
      for (const waiter of wait.waiters.splice(0, expired)) {
        const after = `after ${waiter.maxBlockMs} ms`;
        // Java's two messages: the topic is unknown, or it has fewer partitions than the record asked for.
        waiter.reject(
          count === undefined
            ? new TimeoutError(`Topic ${topic} not present in metadata ${after}: ${why.reason}`, why.cause)
            : new TimeoutError(
              `Partition ${waiter.partitions - 1} of topic ${topic} with partition count ${count} is not present in metadata ${after}.`,
            ),
        );
      }
      if (wait.waiters.length > 0) this.#armTimer(topic, wait, at);
      else this.#waits.delete(topic);
    }, Math.max(0, first.deadline - now));
  }

  /**
   * Why the topic's partitions are not known, for the timeout of a wait: what each
   * address met when no broker answered (cause: an AggregateError of their errors, in
   * address order), or the broker's error for the topic (cause: that error).
   */
  explainMissingTopic(topic: string): { reason: string; cause: unknown } {
    const cluster = this.cluster;
    const failures: string[] = [];
    const errors: Error[] = [];
    const report = (node: BrokerNode, pendingToo: boolean) => {
      const failure = this.diagnostics?.connectionFailure(node.id);
      if (failure !== undefined) {
        failures.push(describeConnectionFailure(failure));
        errors.push(failure.error);
      } else if (pendingToo && this.diagnostics !== undefined) {
        failures.push(`${node.host}:${node.port} ${PENDING[this.diagnostics.connectionState(node.id)]}`);
      }
    };
    if (cluster.isBootstrap) {
      for (const node of cluster.nodes) report(node, true);
      const reason = `no broker answered${failures.length > 0 ? `. ${failures.join("; ")}` : ""}`;
      return { reason, cause: errors.length > 0 ? new AggregateError(errors, reason) : undefined };
    }
    for (const node of cluster.nodes) report(node, false);
    const unreachable = failures.length > 0 ? `; brokers not reachable now: ${failures.join("; ")}` : "";
    const info = cluster.topics.get(topic);
    if (info !== undefined && info.errorCode !== 0) {
      const error = errorForCode(info.errorCode, topic);
      const hint = info.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        ? ""
        : this.#autoCreate
        ? " (the producer asked for it to be created, so the broker's auto.create.topics.enable is probably false: create the topic)"
        : " (automatic creation was not asked for: create the topic)";
      return { reason: `the broker answered ${error.message}${hint}${unreachable}`, cause: error };
    }
    const known = info === undefined ? "the brokers have not described it yet" : "the broker lists it without partitions";
    return { reason: known + unreachable, cause: errors.length > 0 ? new AggregateError(errors, known + unreachable) : undefined };
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
        if (this.#lastTouched === topic) this.#lastTouched = undefined;
      }
    }
    super.update(response, now);
    this.#resolveWaits(now);
    // A topic still unknown (e.g. being created) is asked for again after the backoff.
    if (this.#waits.size > 0) this.requestUpdate();
  }

  /** Ends the waits the metadata answers: known topics (unless held), and those the broker refused. */
  #resolveWaits(now: number): void {
    for (const [topic, wait] of [...this.#waits]) {
      const info = this.cluster.topics.get(topic);
      if (info === undefined) continue;
      if (info.errorCode === 0 && info.partitions.length > 0) {
        if (!this.#held) this.#resolveKnown(topic, wait, info, now);
      } else if (info.errorCode !== 0 && !errorInfo(info.errorCode)?.retriable) {
        const error = errorForCode(info.errorCode, topic);
        this.#settle(topic, wait, (waiter) => waiter.reject(error));
      }
    }
  }

  /** Fails every waiting `send()`, as when the producer closes. */
  failWaiters(error: Error): void {
    for (const [topic, wait] of [...this.#waits]) this.#settle(topic, wait, (waiter) => waiter.reject(error));
  }

  /** Resolves the waiters the topic now has enough partitions for; the others wait on. */
  #resolveKnown(topic: string, wait: TopicWait, info: TopicInfo, now: number): void {
    const count = info.partitions.length;
    if (wait.waiters.every((waiter) => waiter.partitions <= count)) return this.#settle(topic, wait, (waiter) => waiter.resolve(info));
    const waiting = wait.waiters.filter((waiter) => waiter.partitions > count);
    if (waiting.length === wait.waiters.length) return;
    for (const waiter of wait.waiters) if (waiter.partitions <= count) waiter.resolve(info);
    wait.waiters = waiting;
    // The first waiter may have gone: the timer follows the new first deadline.
    clearClockTimer(this.#clock, wait.timer);
    this.#armTimer(topic, wait, now);
  }

  #isAwaited(topic: string): boolean {
    return this.#waits.has(topic);
  }

  #settle(topic: string, wait: TopicWait, settle: (waiter: TopicWaiter) => void): void {
    clearClockTimer(this.#clock, wait.timer);
    this.#waits.delete(topic);
    for (const waiter of wait.waiters) settle(waiter);
  }
}
