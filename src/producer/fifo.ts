/**
 * A first-in, first-out queue whose `shift` stays O(1) however long it grows. An array's
 * own `shift` moves every element once the array is large (V8 keeps big backing stores
 * where it cannot trim them from the front): a queue of a few hundred thousand sends
 * waiting for memory then spent most of its time moving them.
 *
 * @module
 */

// Taken slots are dropped from the front once there are this many and they are at least half the array.
const COMPACT_AFTER = 1024;

/**
 * A FIFO queue.
 *
 * @example
 * ```ts
 * import { Fifo } from "./fifo.ts";
 * const queue = new Fifo<string>();
 * queue.push("a");
 * queue.push("b");
 * console.log(queue.shift(), queue.first, queue.length); // "a" "b" 1
 * ```
 */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  /** How many items are queued. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** The item `shift` would return, without taking it. */
  get first(): T | undefined {
    return this.#items[this.#head];
  }

  /** Queues an item at the back. */
  push(item: T): void {
    this.#items.push(item);
  }

  /** Takes the item at the front. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}
