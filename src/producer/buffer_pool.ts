/**
 * The memory that records may occupy while they wait to be sent (`bufferMemory`), as the
 * Java client's `BufferPool`: batch buffers of exactly `batchSize` bytes are kept for
 * reuse, other sizes come from the remaining budget, and when the budget is spent an
 * allocation waits, first come first served, up to `maxBlockMs`.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import { clearClockTimer, setClockTimer, systemClock } from "../clock.ts";
import { TimeoutError } from "../errors.ts";

interface Waiter {
  size: number;
  resolve: (buffer: Uint8Array) => void;
  reject: (error: Error) => void;
  timer: unknown;
}

/**
 * A pool of batch buffers bounded by a total size.
 *
 * @example
 * ```ts
 * import { BufferPool } from "./buffer_pool.ts";
 * const pool = new BufferPool(1024 * 1024, 16384);
 * const buffer = pool.tryAllocate(16384)!;
 * pool.deallocate(buffer);
 * ```
 */
export class BufferPool {
  readonly #totalMemory: number;
  readonly #poolableSize: number;
  readonly #free: Uint8Array[] = [];
  // Memory neither handed out nor held in the free list.
  #nonPooledAvailable: number;
  readonly #waiters: Waiter[] = [];
  #closed = false;
  readonly #clock: Clock;

  /**
   * @param totalMemory The budget in bytes (`bufferMemory`).
   * @param poolableSize The size of the buffers worth keeping (`batchSize`).
   * @param clock Whose timers end the waits.
   */
  constructor(totalMemory: number, poolableSize: number, clock: Clock = systemClock) {
    this.#totalMemory = totalMemory;
    this.#poolableSize = poolableSize;
    this.#nonPooledAvailable = totalMemory;
    this.#clock = clock;
  }

  /** The budget in bytes. */
  get totalMemory(): number {
    return this.#totalMemory;
  }

  /** Bytes that can be allocated now without waiting. */
  get availableMemory(): number {
    return this.#nonPooledAvailable + this.#free.length * this.#poolableSize;
  }

  /** How many allocations are waiting for memory. */
  get queued(): number {
    return this.#waiters.length;
  }

  /** A buffer of `size` bytes if the budget has room now and nobody waits before us, else undefined. */
  tryAllocate(size: number): Uint8Array | undefined {
    if (this.#waiters.length > 0) return undefined;
    return this.#take(size);
  }

  /**
   * A buffer of `size` bytes, waiting up to `maxWaitMs` (what is left of the send's
   * `maxBlockMs`) for memory to be freed. Rejects with TimeoutError when the wait runs
   * out (at once when nothing is left of it), and at once when `size` is larger than
   * the whole budget.
   */
  allocate(size: number, maxWaitMs: number): Promise<Uint8Array> {
    if (size > this.#totalMemory) {
      return Promise.reject(new RangeError(`cannot allocate ${size} bytes from a pool of ${this.#totalMemory}`));
    }
    const now = this.tryAllocate(size);
    if (now !== undefined) return Promise.resolve(now);
    if (this.#closed) return Promise.reject(new TimeoutError("the producer is closing; no buffer memory will be freed"));
    if (maxWaitMs <= 0) return Promise.reject(this.#timeout(size, 0));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        size,
        resolve,
        reject,
        timer: setClockTimer(this.#clock, () => {
          this.#remove(waiter);
          reject(this.#timeout(size, maxWaitMs));
          this.#serveWaiters();
        }, maxWaitMs),
      };
      this.#waiters.push(waiter);
    });
  }

  #timeout(size: number, maxWaitMs: number): TimeoutError {
    return new TimeoutError(
      `Failed to allocate ${size} bytes of buffer memory within the ${maxWaitMs} ms left of maxBlockMs ` +
        `(total ${this.#totalMemory} bytes, available ${this.availableMemory})`,
    );
  }

  /**
   * Returns a buffer; waiting allocations are served in order. With `reuse` false only its
   * memory comes back, not the buffer itself: something may still read it.
   */
  deallocate(buffer: Uint8Array, reuse = true): void {
    if (reuse && buffer.length === this.#poolableSize) this.#free.push(buffer);
    else this.#nonPooledAvailable += buffer.length;
    this.#serveWaiters();
  }

  /** Fails every waiting allocation, as when the producer is closed. */
  close(error: Error): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) {
      clearClockTimer(this.#clock, waiter.timer);
      waiter.reject(error);
    }
  }

  #serveWaiters(): void {
    while (this.#waiters.length > 0) {
      const buffer = this.#take(this.#waiters[0].size);
      if (buffer === undefined) return;
      const waiter = this.#waiters.shift()!;
      clearClockTimer(this.#clock, waiter.timer);
      waiter.resolve(buffer);
    }
  }

  #take(size: number): Uint8Array | undefined {
    if (size === this.#poolableSize && this.#free.length > 0) return this.#free.pop()!;
    if (this.availableMemory < size) return undefined;
    // Free pooled buffers back into the general budget until the request fits.
    while (this.#nonPooledAvailable < size) {
      this.#free.pop();
      this.#nonPooledAvailable += this.#poolableSize;
    }
    this.#nonPooledAvailable -= size;
    return new Uint8Array(size);
  }

  #remove(waiter: Waiter): void {
    const index = this.#waiters.indexOf(waiter);
    if (index >= 0) this.#waiters.splice(index, 1);
  }
}
