/**
 * A wrapper that keeps passwords and tokens out of logs, JSON and string
 * interpolation.
 *
 * @module
 */
import { KafkaError } from "../errors.ts";
import { DENO_INSPECT, NODE_INSPECT } from "../runtimes/inspect.ts";
import { describeType } from "../validation.ts";

const HIDDEN = "[hidden]";

/**
 * A secret string (a password or token). The value sits in a private field and every
 * way of printing the object — `JSON.stringify`, `String()`, template literals,
 * `console.log`, Node's `util.inspect`, Deno's and Bun's inspectors — shows
 * `[hidden]`. Only {@linkcode Secret.reveal} returns the value.
 *
 * @example
 * ```ts
 * import { Secret } from "./secrets.ts";
 * const config = { username: "alice", password: new Secret("pencil") };
 * console.log(JSON.stringify(config)); // {"username":"alice","password":"[hidden]"}
 * console.log(config.password.reveal()); // "pencil"
 * ```
 */
export class Secret {
  readonly #value: string;

  /**
   * Wraps a value so it prints as `[hidden]`.
   *
   * @param value The secret value.
   */
  constructor(value: string) {
    // The type only: what was given may be the secret in another form.
    if (typeof value !== "string") throw new KafkaError(`new Secret(value) needs a string, not ${describeType(value)}`);
    this.#value = value;
  }

  /**
   * The secret value; call it only where the value is really needed.
   *
   * @example
   * ```ts
   * import { Secret } from "./secrets.ts";
   * console.log(new Secret("pencil").reveal().length); // 6
   * ```
   */
  reveal(): string {
    return this.#value;
  }

  /**
   * `[hidden]`, so `JSON.stringify` never writes the value.
   *
   * @example
   * ```ts
   * import { Secret } from "./secrets.ts";
   * console.log(JSON.stringify({ p: new Secret("x") })); // {"p":"[hidden]"}
   * ```
   */
  toJSON(): string {
    return HIDDEN;
  }

  /**
   * `[hidden]`.
   *
   * @example
   * ```ts
   * import { Secret } from "./secrets.ts";
   * console.log(String(new Secret("x"))); // "[hidden]"
   * ```
   */
  toString(): string {
    return HIDDEN;
  }

  /** `[hidden]`, for template literals and `+`. */
  [Symbol.toPrimitive](): string {
    return HIDDEN;
  }

  /** `[hidden]`, for Node's `util.inspect` and `console.log` (Bun honours it too). */
  [NODE_INSPECT](): string {
    return HIDDEN;
  }

  /** `[hidden]`, for Deno's inspector and `console.log`. */
  [DENO_INSPECT](): string {
    return HIDDEN;
  }
}

/**
 * Wraps a string in a {@linkcode Secret}; a `Secret` is returned as it is.
 *
 * @example
 * ```ts
 * import { toSecret } from "./secrets.ts";
 * console.log(toSecret("pencil").reveal(), String(toSecret(toSecret("x")))); // "pencil" "[hidden]"
 * ```
 */
export function toSecret(value: string | Secret): Secret {
  return value instanceof Secret ? value : new Secret(value);
}
