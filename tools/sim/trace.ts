/**
 * The run's trace: every event the model sees (requests, responses, faults, workload
 * calls and their outcomes), folded into a hash so a test can assert that a seed replays
 * identically, and kept as text only when asked (`--trace`).
 *
 * @module
 */
import { fnv1a } from "./random.ts";

/**
 * Collects events stamped with virtual time.
 *
 * @example
 * ```ts
 * import { Trace } from "./trace.ts";
 * const trace = new Trace(() => 5, true);
 * trace.event("fault", "leader of t-0 moves to 2");
 * console.log(trace.lines[0], trace.hash.toString(16));
 * ```
 */
export class Trace {
  readonly #now: () => number;
  readonly #keep: boolean;
  #hash = 0x811c9dc5;
  /** How many events were recorded. */
  count = 0;
  /** The events as text, when kept. */
  readonly lines: string[] = [];

  /**
   * @param now Virtual ms since the run began.
   * @param keep Whether to keep the text of each event (for `--trace`).
   */
  constructor(now: () => number, keep: boolean) {
    this.#now = now;
    this.#keep = keep;
  }

  /** Records one event of a kind ("net", "broker", "fault", "app", ...). */
  event(kind: string, text: string): void {
    const line = `${this.#now()} ${kind} ${text}`;
    this.#hash = fnv1a(line, this.#hash);
    this.#hash = fnv1a("\n", this.#hash);
    this.count++;
    if (this.#keep) this.lines.push(line);
  }

  /** Keeps a line of text (a producer log line) without hashing it: the hash must not depend on `--trace`. */
  note(kind: string, text: string): void {
    if (this.#keep) this.lines.push(`${this.#now()} ${kind} ${text}`);
  }

  /** Whether event text is kept (callers may skip building expensive text otherwise). */
  get keeping(): boolean {
    return this.#keep;
  }

  /** The hash of every event so far, as 8 hex digits. */
  get hash(): string {
    return this.#hash.toString(16).padStart(8, "0");
  }
}
