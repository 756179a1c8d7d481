/**
 * HTTP to a Schema Registry over `fetch`: Confluent's media types, basic or bearer
 * authentication, a timeout per attempt, retries with exponential backoff for answers
 * that may change (no connection, timeouts, 408, 429, 5xx), and errors that carry the
 * registry's `error_code` and message with the URL. A caller's AbortSignal ends the
 * request at once (the producer's `maxBlockMs`).
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { Secret } from "../security/secrets.ts";
import { toSecret } from "../security/secrets.ts";
import { describeValue, rejectUnknownKeys } from "../validation.ts";
import { SchemaRegistryError } from "./errors.ts";

/** Basic authentication (Confluent Cloud's API key and secret), or a bearer token (OAuth). */
export type RegistryAuth =
  | { username: string; password: string | Secret }
  | { bearerToken: string | Secret | (() => string | Promise<string>) };

/** How to reach a Schema Registry. */
export interface RegistryHttpConfig {
  /** The registry's base URL: `https://psrc-xxxx.confluent.cloud`, `http://127.0.0.1:8080/apis/ccompat/v7`. */
  url: string;
  /** Basic or bearer authentication (default none). */
  auth?: RegistryAuth;
  /** How long one attempt may take, in ms (default 10000). */
  requestTimeoutMs?: number;
  /** Retries after a failed attempt that may succeed later (default 2). */
  maxRetries?: number;
  /** First wait before a retry, doubled per retry (default 100 ms). */
  retryBackoffMs?: number;
  /** The longest wait between retries (default 2000 ms). */
  retryBackoffMaxMs?: number;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** The `fetch` to use (default the global one). */
  fetch?: typeof fetch;
}

const HTTP_KEYS = ["url", "auth", "requestTimeoutMs", "maxRetries", "retryBackoffMs", "retryBackoffMaxMs", "headers", "fetch"];
const CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
const ACCEPT = "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json";
// Answers worth another attempt: the registry (or a proxy before it) may answer differently soon.
const RETRIABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

function nonNegativeInteger(config: Record<string, unknown>, key: string, fallback: number): number {
  const value = config[key];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new ConfigError(key, `must be a non-negative integer, not ${describeValue(value)}`);
  }
  return value;
}

/** What the other side of a request said, or why nothing came. */
type Attempt = { response: Response; text: string } | { error: unknown };

/**
 * Sends requests to one Schema Registry.
 *
 * @example
 * ```ts
 * import { RegistryHttp } from "./registry_http.ts";
 * const http = new RegistryHttp({ url: "http://127.0.0.1:8081", auth: { username: "key", password: "secret" } });
 * console.log(await http.request("GET", "/subjects"));
 * ```
 */
export class RegistryHttp {
  /** The base URL, without a trailing slash. */
  readonly url: string;
  readonly #authorization: () => Promise<string | undefined>;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #backoffMs: number;
  readonly #backoffMaxMs: number;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;

  /** Checks the configuration; a mistake throws ConfigError naming the key. */
  constructor(config: RegistryHttpConfig) {
    if (config === null || typeof config !== "object") {
      throw new ConfigError("url", `the registry needs a config object, not ${describeValue(config)}`);
    }
    rejectUnknownKeys(config, HTTP_KEYS);
    const settings = config as unknown as Record<string, unknown>;
    if (typeof config.url !== "string" || !/^https?:\/\/[^/]/.test(config.url)) {
      throw new ConfigError("url", `must be an http:// or https:// URL, not ${describeValue(config.url)}`);
    }
    this.url = config.url.replace(/\/+$/, "");
    this.#timeoutMs = nonNegativeInteger(settings, "requestTimeoutMs", 10_000) || 10_000;
    this.#maxRetries = nonNegativeInteger(settings, "maxRetries", 2);
    this.#backoffMs = nonNegativeInteger(settings, "retryBackoffMs", 100);
    this.#backoffMaxMs = nonNegativeInteger(settings, "retryBackoffMaxMs", 2_000);
    this.#headers = { ...config.headers };
    const fetcher = config.fetch;
    if (fetcher !== undefined && typeof fetcher !== "function") {
      throw new ConfigError("fetch", `must be a function, not ${describeValue(fetcher)}`);
    }
    // Called as a plain function: workerd's fetch refuses any other `this` ("Illegal invocation").
    this.#fetch = fetcher ?? ((input, init) => fetch(input, init));
    this.#authorization = authorization(config.auth);
  }

  /**
   * Sends one request and returns the registry's JSON answer; retries what may succeed
   * later, within `maxRetries`. Rejects with SchemaRegistryError naming the URL.
   */
  async request(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    const url = `${this.url}${path}`;
    const failures: string[] = [];
    for (let attempt = 0;; attempt++) {
      if (signal?.aborted) throw this.#aborted(method, url, signal, failures);
      const outcome = await this.#attempt(method, url, body, signal);
      if ("response" in outcome) {
        const { response, text } = outcome;
        if (response.ok) return text === "" ? null : parseJson(text, method, url);
        const answer = registryAnswer(text);
        const error = new SchemaRegistryError(
          `schema registry ${method} ${url} answered HTTP ${response.status}` +
            (answer.errorCode === undefined ? "" : `, error_code ${answer.errorCode}`) +
            `: ${answer.message ?? (text.slice(0, 300) || response.statusText)}`,
          {
            url,
            status: response.status,
            errorCode: answer.errorCode,
            registryMessage: answer.message,
            retriable: RETRIABLE_STATUS.has(response.status),
          },
        );
        if (!error.retriable || attempt >= this.#maxRetries) throw error;
        failures.push(`HTTP ${response.status}`);
      } else {
        if (signal?.aborted) throw this.#aborted(method, url, signal, failures);
        failures.push(describeFailure(outcome.error, this.#timeoutMs));
        if (attempt >= this.#maxRetries) {
          throw new SchemaRegistryError(
            `schema registry ${method} ${url} failed after ${attempt + 1} attempt(s): ${failures.join("; ")}`,
            { url, retriable: true, cause: outcome.error },
          );
        }
      }
      const wait = Math.min(this.#backoffMaxMs, this.#backoffMs * 2 ** attempt) * (0.8 + Math.random() * 0.4);
      await sleep(wait, signal);
    }
  }

  /** One attempt within the per-attempt timeout; the caller's abort ends it at once. */
  async #attempt(method: string, url: string, body: unknown, signal: AbortSignal | undefined): Promise<Attempt> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`no answer within requestTimeoutMs (${this.#timeoutMs} ms)`)),
      this.#timeoutMs,
    );
    const onAbort = () => controller.abort(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const headers: Record<string, string> = { Accept: ACCEPT, ...this.#headers };
      const auth = await this.#authorization();
      if (auth !== undefined) headers.Authorization = auth;
      if (body !== undefined) headers["Content-Type"] = CONTENT_TYPE;
      const send = this.#fetch;
      const response = await send(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
      });
      return { response, text: await response.text() };
    } catch (error) {
      return { error: controller.signal.aborted && !signal?.aborted ? controller.signal.reason : error };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  #aborted(method: string, url: string, signal: AbortSignal, failures: string[]): SchemaRegistryError {
    const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
    const before = failures.length === 0 ? "" : ` (earlier attempts: ${failures.join("; ")})`;
    return new SchemaRegistryError(`schema registry ${method} ${url} did not complete: ${reason}${before}`, {
      url,
      retriable: true,
      cause: signal.reason,
    });
  }
}

function authorization(auth: RegistryAuth | undefined): () => Promise<string | undefined> {
  if (auth === undefined) return () => Promise.resolve(undefined);
  if (auth === null || typeof auth !== "object") {
    throw new ConfigError("auth", `must be { username, password } or { bearerToken }, not ${describeValue(auth)}`);
  }
  if ("bearerToken" in auth) {
    const token = auth.bearerToken;
    if (typeof token === "function") return async () => `Bearer ${await token()}`;
    const secret = toSecret(token);
    return () => Promise.resolve(`Bearer ${secret.reveal()}`);
  }
  if (typeof auth.username !== "string") throw new ConfigError("auth.username", `must be a string, not ${describeValue(auth.username)}`);
  const password = toSecret(auth.password);
  const bytes = new TextEncoder().encode(`${auth.username}:${password.reveal()}`);
  const header = `Basic ${btoa(String.fromCharCode(...bytes))}`;
  return () => Promise.resolve(header);
}

function registryAnswer(text: string): { errorCode?: number; message?: string } {
  try {
    const parsed = JSON.parse(text);
    return {
      errorCode: typeof parsed?.error_code === "number" ? parsed.error_code : undefined,
      message: typeof parsed?.message === "string" ? parsed.message : undefined,
    };
  } catch {
    return {};
  }
}

function parseJson(text: string, method: string, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SchemaRegistryError(`schema registry ${method} ${url} answered with something that is not JSON: ${text.slice(0, 200)}`, {
      url,
      cause: error,
    });
  }
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? ` (${cause.message})` : "";
    return `${error.message}${detail}`;
  }
  return String(error ?? `no answer within ${timeoutMs} ms`);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
