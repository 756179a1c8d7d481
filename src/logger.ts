/**
 * The logging seam: the client reports what it does to a {@link Logger} the user
 * supplies, and stays silent without one. Messages never contain secrets.
 *
 * @module
 */
import { ConfigError } from "./errors.ts";
import { describeValue } from "./validation.ts";

/** The four levels, least severe first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * Where log lines go. Each method takes a message and optional structured fields.
 *
 * @example Forward to your own logger
 * ```ts
 * import type { Logger } from "./logger.ts";
 * const lines: string[] = [];
 * const logger: Logger = {
 *   debug: (message) => lines.push(`DEBUG ${message}`),
 *   info: (message) => lines.push(`INFO ${message}`),
 *   warn: (message) => lines.push(`WARN ${message}`),
 *   error: (message) => lines.push(`ERROR ${message}`),
 * };
 * ```
 */
export interface Logger {
  /** Detail for tracing the client's steps. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Notable events such as connections and leader changes. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something went wrong and the client recovers (a retry, a reconnect). */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Something failed that the application sees. */
  error(message: string, fields?: Record<string, unknown>): void;
}

const nothing = () => {};

/**
 * The default logger: drops everything.
 *
 * @example
 * ```ts
 * import { silentLogger } from "./logger.ts";
 * silentLogger.error("never printed");
 * ```
 */
export const silentLogger: Logger = Object.freeze({ debug: nothing, info: nothing, warn: nothing, error: nothing });

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * A logger that writes lines at `level` and above to the console, prefixed with the
 * level and a timestamp.
 *
 * @example
 * ```ts
 * import { consoleLogger } from "./logger.ts";
 * const logger = consoleLogger("warn");
 * logger.info("not printed");
 * logger.warn("printed");
 * ```
 */
export function consoleLogger(level: LogLevel = "info"): Logger {
  // An unknown level would compare as undefined and let every line through.
  if (!Object.hasOwn(RANK, level)) {
    throw new ConfigError("level", `consoleLogger(level) takes "debug", "info", "warn" or "error", not ${describeValue(level)}`);
  }
  const write = (at: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (RANK[at] < RANK[level]) return;
    const line = `${new Date().toISOString()} ${at.toUpperCase()} [edge-kafka] ${message}`;
    const sink = at === "error" ? console.error : at === "warn" ? console.warn : console.log;
    if (fields === undefined) sink(line);
    else sink(line, JSON.stringify(fields));
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}
