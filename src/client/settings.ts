/**
 * One declaration per configuration key: its Java name, its default, what it does, and how
 * a value is checked. Validation, the resolved configuration's type, the components'
 * configuration types and the README's tables all come from these declarations (the
 * README and the JSDoc of the public config interfaces are written from them by
 * `deno task config:docs`, and a test keeps them in step).
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { describeValue } from "../validation.ts";

/**
 * One configuration key.
 *
 * @example
 * ```ts
 * import { integer } from "./settings.ts";
 * const lingerMs = integer({ java: "linger.ms", doc: "how long a batch waits for more records", fallback: 5, min: 0 });
 * console.log(lingerMs.resolve(undefined, "lingerMs"), lingerMs.resolve(20, "lingerMs")); // 5 20
 * ```
 */
export interface Setting<T> {
  /** The Java client's name (in backticks in the README), or what it stands for. */
  readonly java: string;
  /** What it does, as the README and the config interface's JSDoc say it. */
  readonly doc: string;
  /** The default as the README shows it. */
  readonly shownDefault: string;
  /** Checks the value given for `key` (undefined when none was) and returns it, or the default. */
  resolve(value: unknown, key: string): T;
}

/** What a declaration resolves to. */
export type SettingValue<S> = S extends Setting<infer T> ? T : never;

/** A whole table of declarations, resolved. */
export type ResolvedSettings<S> = { [K in keyof S]: SettingValue<S[K]> };

interface Declaration {
  java: string;
  doc: string;
}

/** An integer within [min, max] (default max: Number.MAX_SAFE_INTEGER). */
export function integer(d: Declaration & { fallback: number; min: number; max?: number; shown?: string }): Setting<number> {
  const max = d.max ?? Number.MAX_SAFE_INTEGER;
  return {
    java: d.java,
    doc: d.doc,
    shownDefault: d.shown ?? String(d.fallback),
    resolve(value, key) {
      if (value === undefined) return d.fallback;
      if (typeof value !== "number" || !Number.isInteger(value) || value < d.min || value > max) {
        throw new ConfigError(key, `must be an integer from ${d.min} to ${max}, not ${describeValue(value)}`);
      }
      return value;
    },
  };
}

/** true or false. */
export function flag(d: Declaration & { fallback: boolean }): Setting<boolean> {
  return {
    java: d.java,
    doc: d.doc,
    shownDefault: String(d.fallback),
    resolve(value, key) {
      if (value === undefined) return d.fallback;
      if (typeof value !== "boolean") throw new ConfigError(key, `must be true or false, not ${describeValue(value)}`);
      return value;
    },
  };
}

/** A function, or nothing (the default is then the component's own behaviour). */
export function optionalFunction<T>(d: Declaration & { shown: string }): Setting<T | undefined> {
  return {
    java: d.java,
    doc: d.doc,
    shownDefault: d.shown,
    resolve(value, key) {
      if (value !== undefined && typeof value !== "function") throw new ConfigError(key, `must be a function, not ${describeValue(value)}`);
      return value as T | undefined;
    },
  };
}

/** Any other kind: `resolve` checks the value itself. */
export function custom<T>(d: Declaration & { shown: string; resolve(value: unknown, key: string): T }): Setting<T> {
  return { java: d.java, doc: d.doc, shownDefault: d.shown, resolve: d.resolve };
}

/**
 * Resolves every declared key of `config` (unknown keys are the caller's to refuse).
 *
 * @example
 * ```ts
 * import { flag, integer, resolveSettings } from "./settings.ts";
 * const settings = { lingerMs: integer({ java: "linger.ms", doc: "", fallback: 5, min: 0 }), acksAll: flag({ java: "", doc: "", fallback: true }) };
 * console.log(resolveSettings({ lingerMs: 7 }, settings)); // { lingerMs: 7, acksAll: true }
 * ```
 */
export function resolveSettings<S extends Record<string, Setting<unknown>>>(config: object, settings: S): ResolvedSettings<S> {
  const given = config as Record<string, unknown>;
  const resolved: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings)) resolved[key] = setting.resolve(given[key], key);
  return resolved as ResolvedSettings<S>;
}
