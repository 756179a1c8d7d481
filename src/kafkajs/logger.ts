/**
 * KafkaJS's logging: `logLevel`, a `logCreator` called once with the level that returns
 * the function each entry goes to, and loggers with namespaces. The default writes one
 * JSON object per line to the console, as KafkaJS's does. The native producer's own log
 * lines reach the same function.
 *
 * @module
 */
import type { Logger as NativeLogger } from "../logger.ts";

/**
 * The log levels, as KafkaJS numbers them.
 *
 * @example
 * ```ts
 * import { logLevel } from "./logger.ts";
 * console.log(logLevel.ERROR, logLevel.DEBUG); // 1 5
 * ```
 */
export const logLevel = { NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 } as const;

/** A log level: 0 (NOTHING), 1 (ERROR), 2 (WARN), 4 (INFO) or 5 (DEBUG). */
export type logLevel = typeof logLevel[keyof typeof logLevel];

/** What an entry's `log` holds: a timestamp, the message, and any extra fields. */
export interface LoggerEntryContent {
  /** ISO 8601. */
  readonly timestamp: string;
  /** The message. */
  readonly message: string;
  /** The extra fields given with the message. */
  // deno-lint-ignore no-explicit-any
  [key: string]: any;
}

/** One log entry, as a `logCreator`'s function receives it. */
export interface LogEntry {
  /** Who logs: `Producer`, `Admin`, or "" at the top. */
  namespace: string;
  /** The entry's level. */
  level: logLevel;
  /** The level's name: `ERROR`, `WARN`, `INFO` or `DEBUG`. */
  label: string;
  /** The content. */
  log: LoggerEntryContent;
}

/** Called once with the configured level; returns where each entry goes. */
export type logCreator = (logLevel: logLevel) => (entry: LogEntry) => void;

/** A logger, as `producer.logger()` and `kafka.logger()` return it. */
export interface Logger {
  /** Logs at INFO. */
  info: (message: string, extra?: object) => void;
  /** Logs at ERROR. */
  error: (message: string, extra?: object) => void;
  /** Logs at WARN. */
  warn: (message: string, extra?: object) => void;
  /** Logs at DEBUG. */
  debug: (message: string, extra?: object) => void;
  /** A logger for a part of the client, optionally at its own level. */
  namespace: (namespace: string, logLevel?: number) => Logger;
  /** Changes the level of every logger of this client. */
  setLogLevel: (logLevel: number) => void;
}

const LABELS = { [logLevel.ERROR]: "ERROR", [logLevel.WARN]: "WARN", [logLevel.INFO]: "INFO", [logLevel.DEBUG]: "DEBUG" } as const;

/**
 * The default `logCreator`: one JSON line per entry on the console (`console.error` for
 * errors, `console.warn`, `console.info`, `console.log` for debug).
 *
 * @example
 * ```ts
 * import { consoleLogCreator, logLevel } from "./logger.ts";
 * consoleLogCreator(logLevel.INFO)({ namespace: "Producer", level: logLevel.INFO, label: "INFO", log: { timestamp: "", message: "hi" } });
 * ```
 */
export const consoleLogCreator: logCreator = () => ({ namespace, level, label, log }) => {
  const line = JSON.stringify({ level: label, ...log, message: `${namespace ? `[${namespace}] ` : ""}${log.message}` });
  if (level === logLevel.ERROR) console.error(line);
  else if (level === logLevel.WARN) console.warn(line);
  else if (level === logLevel.INFO) console.info(line);
  else console.log(line);
};

/**
 * The root logger of a `Kafka`: entries at or below the level go to the `logCreator`'s function.
 *
 * @example
 * ```ts
 * import { createLogger, logLevel } from "./logger.ts";
 * const logger = createLogger(logLevel.WARN, () => (entry) => console.log(entry.label, entry.log.message));
 * logger.namespace("Producer").warn("slow broker"); // WARN slow broker
 * ```
 */
export function createLogger(level: logLevel, creator: logCreator): Logger {
  let rootLevel: number = level;
  const write = creator(level);
  const make = (namespace: string, ownLevel: number | undefined): Logger => {
    const at = (entryLevel: 1 | 2 | 4 | 5) => (message: string, extra?: object) => {
      if (entryLevel > (ownLevel ?? rootLevel)) return;
      write({
        namespace,
        level: entryLevel,
        label: LABELS[entryLevel],
        log: { timestamp: new Date().toISOString(), logger: "kafkajs", message, ...extra },
      });
    };
    return {
      info: at(logLevel.INFO),
      error: at(logLevel.ERROR),
      warn: at(logLevel.WARN),
      debug: at(logLevel.DEBUG),
      namespace: (child, childLevel) => make(child, childLevel),
      setLogLevel: (newLevel) => rootLevel = newLevel,
    };
  };
  return make("", undefined);
}

/**
 * The native producer's logger (plain messages) writing to a KafkaJS logger.
 *
 * @example
 * ```ts
 * import { createLogger, consoleLogCreator, logLevel, toNativeLogger } from "./logger.ts";
 * const native = toNativeLogger(createLogger(logLevel.INFO, consoleLogCreator).namespace("Producer"));
 * native.info("connected");
 * ```
 */
export function toNativeLogger(logger: Logger): NativeLogger {
  return {
    debug: (message) => logger.debug(message),
    info: (message) => logger.info(message),
    warn: (message) => logger.warn(message),
    error: (message) => logger.error(message),
  };
}
