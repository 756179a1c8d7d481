/**
 * The send loop of our perf tools (`deno task bench`, the demo): sends records as fast as
 * the producer takes them, or at a target rate, with a bound on the records in flight.
 *
 * @module
 */
import type { ProducerRecord, RecordMetadata } from "../../src/producer/producer_record.ts";
import type { Producer } from "../../src/producer/producer.ts";
import { ThroughputThrottler } from "./throughput_throttler.ts";

/** Options of {@link runSendLoop}. */
export interface SendLoopOptions<K, V> {
  /** How many records to send. */
  numRecords: number;
  /** The `i`-th record (the same object every time is fine: send() copies nothing it keeps). */
  record: (i: number) => ProducerRecord<K, V>;
  /** Records per second; -1 for as fast as possible. */
  throughput: number;
  /** At most this many unsettled sends; the loop waits for half of them to settle past it. */
  maxOutstanding: number;
  /** Give the event loop a turn at least this often (the producer's I/O shares the thread). */
  yieldEveryMs: number;
  /** Called when send `i`, started at `sendStartMs`, was acknowledged. */
  onAcked: (i: number, sendStartMs: number, metadata: RecordMetadata) => void;
  /** Called when send `i` failed. */
  onFailed: (i: number, error: unknown) => void;
  /**
   * `callback` (default): `send(record, callback)`, one callback per record, as Java's
   * ProducerPerformance passes one; `promise`: `send(record).then(...)`.
   */
  sendForm?: "callback" | "promise";
}

// Java's sender is a thread of its own; here it shares the event loop with this loop, which must let it run.
// Node's and Bun's setImmediate lets pending socket events in; Deno's does not, and a 0 ms timer,
// which does, costs about 1 ms, so Deno yields less often.
const onDeno = "Deno" in globalThis;
const setImmediateOrTimeout: (callback: () => void) => void = onDeno
  ? (callback) => setTimeout(callback, 0)
  : (globalThis as unknown as { setImmediate: (callback: () => void) => void }).setImmediate;
/** Lets the producer's I/O (socket events, timers) run before the loop goes on. */
export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediateOrTimeout(resolve));

/** How often the loop yields by default on this runtime, in ms. */
export const DEFAULT_YIELD_EVERY_MS = onDeno ? 3 : 1;

/**
 * Sends `numRecords` records and resolves once every send has settled.
 *
 * @example
 * ```ts ignore
 * await runSendLoop(producer, {
 *   numRecords: 1000, record: () => ({ topic: "perf", value: "x" }), throughput: -1, maxOutstanding: 500,
 *   yieldEveryMs: DEFAULT_YIELD_EVERY_MS, onAcked: () => {}, onFailed: (_, error) => console.error(error),
 * });
 * ```
 */
export async function runSendLoop<K, V>(producer: Producer<K, V>, options: SendLoopOptions<K, V>): Promise<void> {
  const { numRecords, maxOutstanding, yieldEveryMs, onAcked, onFailed } = options;
  const throttler = new ThroughputThrottler(options.throughput, Date.now());
  let lastYield = Date.now();
  let outstanding = 0;
  let resumeSending: (() => void) | null = null;
  let allSettled: (() => void) | null = null;
  const settle = () => {
    outstanding--;
    if (resumeSending !== null && outstanding <= maxOutstanding / 2) {
      const resume = resumeSending;
      resumeSending = null;
      resume();
    }
    if (outstanding === 0) allSettled?.();
  };
  const promises = options.sendForm === "promise";
  for (let i = 0; i < numRecords; i++) {
    const sendStart = Date.now();
    outstanding++;
    if (promises) {
      producer.send(options.record(i)).then(
        (metadata) => {
          onAcked(i, sendStart, metadata);
          settle();
        },
        (error) => {
          onFailed(i, error);
          settle();
        },
      );
    } else {
      producer.send(options.record(i), (error, metadata) => {
        if (metadata !== null) onAcked(i, sendStart, metadata);
        else onFailed(i, error);
        settle();
      });
    }
    if (outstanding >= maxOutstanding) await new Promise<void>((resolve) => resumeSending = resolve);
    else if (sendStart - lastYield >= yieldEveryMs) {
      await yieldToEventLoop();
      lastYield = Date.now();
    }
    if (throttler.shouldThrottle(i, sendStart)) await throttler.throttle();
  }
  if (outstanding > 0) await new Promise<void>((resolve) => allSettled = resolve);
}
