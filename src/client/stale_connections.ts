/**
 * Finds connections that should not carry the next request: those idle longer than
 * `connectionsMaxIdleMs` (the Java client's idle expiry; brokers drop idle connections
 * after `connections.max.idle.ms`), and, after the process was frozen, every idle one.
 *
 * A serverless platform freezes a process between invocations, and the network under it
 * (NAT, load balancers, the broker's idle reaper) often drops its connections meanwhile.
 * Nothing reports that until a request on such a socket times out. The poll loop never
 * sleeps longer than {@link FREEZE_CHECK_INTERVAL_MS}, so a poll that returns far later than
 * it asked for means the process (or its event loop) stood still: the idle connections are
 * then replaced, and metadata refreshed, before anything is sent on them. So is a long gap
 * between two polls: the freeze came while the loop was busy.
 *
 * @module
 */

/**
 * A poll that returns this much later than the wait it asked for counts as a freeze.
 * Long enough that a busy event loop rarely trips it, short next to any idle timeout.
 */
export const FREEZE_GAP_MS = 5_000;

/**
 * The longest a poll sleeps, so that a freeze shows as a late return even when nothing
 * else was due (a wakeup ends the sleep early, but not the measurement).
 */
export const FREEZE_CHECK_INTERVAL_MS = 1_000;

/** What {@link StaleConnections.afterPoll} found. */
export interface StaleVerdict {
  /** Connections to close now. */
  nodeIds: readonly number[];
  /** How long the process stood still, when a freeze was detected (else 0). */
  frozenMs: number;
}

const NOTHING_STALE: StaleVerdict = { nodeIds: [], frozenMs: 0 };

/**
 * Tracks when each connection last moved bytes, and how long each poll slept.
 *
 * @example
 * ```ts
 * import { StaleConnections } from "./stale_connections.ts";
 * const stale = new StaleConnections(540_000);
 * stale.active(1, 0);
 * stale.beforePoll(1_000, 100);
 * console.log(stale.afterPoll(61_100, () => [1])); // { nodeIds: [1], frozenMs: 60000 }
 * ```
 */
export class StaleConnections {
  readonly #maxIdleMs: number;
  readonly #lastActive = new Map<number, number>();
  #pollStartedMs = 0;
  #pollWaitMs = 0;
  #pollEndedMs: number | undefined;
  #lastSweepMs = -Infinity;
  #busyGapMs = 0;

  /** @param maxIdleMs Close connections idle longer than this (`connections.max.idle.ms`). */
  constructor(maxIdleMs: number) {
    this.#maxIdleMs = maxIdleMs;
  }

  /** The connection sent or received bytes (or opened) at `now`. */
  active(nodeId: number, now: number): void {
    this.#lastActive.set(nodeId, now);
  }

  /** The connection is gone. */
  forget(nodeId: number): void {
    this.#lastActive.delete(nodeId);
  }

  /** A poll starts at `now`, asking to wait at most `waitMs`. */
  beforePoll(now: number, waitMs: number): void {
    // The loop's own work between two polls never takes seconds: a long gap is a freeze too.
    this.#busyGapMs = this.#pollEndedMs === undefined ? 0 : now - this.#pollEndedMs;
    this.#pollStartedMs = now;
    this.#pollWaitMs = waitMs;
  }

  /**
   * After the poll: which of the idle connections (open, nothing in flight) to close. After
   * a freeze all of them; otherwise those idle longer than the limit. `idleNodeIds` is only
   * asked for after a freeze or once per {@link FREEZE_CHECK_INTERVAL_MS}, so a busy loop's
   * polls cost no allocation.
   */
  afterPoll(now: number, idleNodeIds: () => Iterable<number>): StaleVerdict {
    this.#pollEndedMs = now;
    const stoodStill = Math.max(now - this.#pollStartedMs - this.#pollWaitMs, this.#busyGapMs);
    const frozenMs = stoodStill > FREEZE_GAP_MS ? stoodStill : 0;
    if (frozenMs === 0 && now - this.#lastSweepMs < FREEZE_CHECK_INTERVAL_MS) return NOTHING_STALE;
    this.#lastSweepMs = now;
    const nodeIds: number[] = [];
    for (const nodeId of idleNodeIds()) {
      const idleMs = now - (this.#lastActive.get(nodeId) ?? now);
      if (frozenMs > 0 || idleMs > this.#maxIdleMs) nodeIds.push(nodeId);
    }
    return { nodeIds, frozenMs };
  }
}
