/**
 * Progress of a long step: one redrawn bar on a terminal, a few plain lines in a log.
 *
 * @module
 */
import process from "node:process";

const WIDTH = 30;
const REDRAW_EVERY_MS = 100;

/**
 * Counts settled items of a known total and shows how far along they are on stderr.
 *
 * @example
 * ```ts ignore
 * const progress = new Progress(1000, "acknowledged");
 * for (let i = 0; i < 1000; i++) progress.advance();
 * progress.done();
 * ```
 */
export class Progress {
  readonly #total: number;
  readonly #label: string;
  readonly #tty = process.stderr.isTTY === true;
  readonly #startedAt = Date.now();
  #count = 0;
  #drawnAt = 0;
  #nextPlain: number;

  /**
   * @param total How many items the step has.
   * @param label What an item's settling means, e.g. "acknowledged".
   */
  constructor(total: number, label: string) {
    this.#total = total;
    this.#label = label;
    this.#nextPlain = total / 4;
  }

  /** One more item settled. */
  advance(): void {
    this.#count++;
    if (this.#tty) {
      const now = Date.now();
      if (now - this.#drawnAt >= REDRAW_EVERY_MS) {
        this.#drawnAt = now;
        this.#draw(now);
      }
    } else if (this.#count >= this.#nextPlain) {
      console.error(`   ${this.#count}/${this.#total} ${this.#label}`);
      this.#nextPlain += this.#total / 4;
    }
  }

  /** Clears the bar, so that the next line starts clean. */
  done(): void {
    if (this.#tty) process.stderr.write("\r\x1b[K");
  }

  #draw(now: number): void {
    const filled = Math.round((WIDTH * this.#count) / this.#total);
    const perSecond = Math.round((1000 * this.#count) / Math.max(1, now - this.#startedAt));
    process.stderr.write(
      `\r   [${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${this.#count}/${this.#total} ${this.#label}, ${perSecond}/s\x1b[K`,
    );
  }
}
