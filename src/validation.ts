/**
 * Checks at the API boundary: a safe description of a bad value for error messages,
 * and the rejection of unknown configuration keys with the closest known one, since
 * JavaScript callers and configurations read from JSON or the environment have no
 * type checker to catch a typo.
 *
 * @module
 */
import { ConfigError } from "./errors.ts";

const SHOWN_CHARS = 40;

/**
 * The type of a value and, for primitives, a short printable form: `number (3)`,
 * `string ("abc")`, `Uint8Array (3 bytes)`, `array (2 items)`, `Secret`. Strings are cut
 * at 40 characters; objects show only their class, so a secret never lands in a message.
 *
 * @example
 * ```ts
 * import { describeValue } from "./validation.ts";
 * console.log(describeValue(3), describeValue("abc"), describeValue(null)); // number (3) string ("abc") null
 * ```
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value.length <= SHOWN_CHARS
        ? `string (${JSON.stringify(value)})`
        : `string (${JSON.stringify(value.slice(0, SHOWN_CHARS))}… of ${value.length} characters)`;
    case "number":
    case "boolean":
      return `${typeof value} (${value})`;
    case "bigint":
      return `bigint (${value}n)`;
    case "object":
      return value === null ? "null" : describeType(value);
    default:
      return typeof value;
  }
}

/**
 * The type of a value only, never its contents: for settings that hold secrets.
 *
 * @example
 * ```ts
 * import { describeType } from "./validation.ts";
 * console.log(describeType(1234), describeType(new Uint8Array(2))); // number Uint8Array (2 bytes)
 * ```
 */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  if (Array.isArray(value)) return `array (${value.length} items)`;
  if (value instanceof Uint8Array) return `${value.constructor.name} (${value.length} bytes)`;
  if (value instanceof Date) return "Date";
  try {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof name === "string" && name !== "" && name !== "Object" ? name : "object";
  } catch {
    return "object"; // A proxy whose getPrototypeOf throws.
  }
}

// Case, dots, dashes and underscores do not count: `linger.ms`, `LINGER_MS` and `lingerMS` all mean lingerMs.
const normalize = (name: string) => name.replace(/[._-]/g, "").toLowerCase();

/** The optimal string alignment distance: Levenshtein with adjacent transpositions. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0].push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i].push(d);
    }
  }
  return rows[a.length][b.length];
}

/**
 * The known key `name` most likely stands for: the same ignoring case and `.`/`_`/`-`
 * (so a Java name such as `linger.ms` finds lingerMs), else the nearest within 3 edits
 * and under half the name's length, else undefined.
 *
 * @example
 * ```ts
 * import { closestKey } from "./validation.ts";
 * console.log(closestKey("linger.ms", ["lingerMs", "batchSize"]), closestKey("bootstrapServer", ["bootstrapServers"])); // lingerMs bootstrapServers
 * ```
 */
export function closestKey(name: string, known: readonly string[]): string | undefined {
  const wanted = normalize(name);
  let best: string | undefined;
  let bestDistance = Math.min(4, Math.ceil(wanted.length / 2));
  for (const key of known) {
    const distance = editDistance(wanted, normalize(key));
    if (distance === 0) return key;
    if (distance < bestDistance) [best, bestDistance] = [key, distance];
  }
  return best;
}

/**
 * Throws a ConfigError for the first own key of `given` that is not in `known`,
 * suggesting the closest known one: `unknown config key "lingerMS" (did you mean
 * "lingerMs"?)`. `prefix` names the enclosing setting (`ssl.`) for nested objects.
 *
 * @example
 * ```ts
 * import { rejectUnknownKeys } from "./validation.ts";
 * try {
 *   rejectUnknownKeys({ lingerMS: 5 }, ["lingerMs"]);
 * } catch (error) {
 *   console.log(String(error)); // ConfigError: unknown config key "lingerMS" (did you mean "lingerMs"?)
 * }
 * ```
 */
export function rejectUnknownKeys(given: object, known: readonly string[], prefix = "", what = "config key"): void {
  for (const name of Object.keys(given)) {
    if (known.includes(name)) continue;
    const suggestion = closestKey(name, known);
    const hint = suggestion === undefined ? "" : ` (did you mean "${prefix}${suggestion}"?)`;
    const key = `${prefix}${name}`;
    throw new ConfigError(key, `is not a known ${what}`, `unknown ${what} "${key}"${hint}`);
  }
}

/**
 * Checks an options argument (`close(options)`, `describeCluster(config, options)`):
 * undefined is no options; otherwise a plain object with only `known` keys, or a
 * ConfigError naming `call`.
 *
 * @example
 * ```ts
 * import { optionsObject } from "./validation.ts";
 * console.log(optionsObject({ timeoutMs: 5 }, ["timeoutMs"], "close()").timeoutMs); // 5
 * ```
 */
export function optionsObject(options: unknown, known: readonly string[], call: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ConfigError("options", `${call} takes an options object, not ${describeValue(options)}`);
  }
  rejectUnknownKeys(options, known, "", `${call} option`);
  return options as Record<string, unknown>;
}

/**
 * A `timeoutMs` option: the fallback when absent, else a number of ms >= 0 (Infinity
 * allowed), or a ConfigError naming `call`.
 *
 * @example
 * ```ts
 * import { timeoutMsOption } from "./validation.ts";
 * console.log(timeoutMsOption(undefined, "close()", Infinity)); // Infinity
 * ```
 */
export function timeoutMsOption(value: unknown, call: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value >= 0)) {
    throw new ConfigError("timeoutMs", `${call} needs a number of ms >= 0, not ${describeValue(value)}`);
  }
  return value;
}
