/**
 * Trace context into a record's headers: a copy of the record whose headers carry what
 * the propagator injected (`traceparent`, `tracestate`), replacing headers of the same
 * names, in the form the caller used (an object, or `[name, value]` pairs).
 *
 * @module
 */
import type { ProducerRecord } from "../producer/producer_record.ts";

/**
 * Collects what a TextMapPropagator injects (`propagation.inject(context, carrier, setter)`).
 *
 * @example
 * ```ts
 * import { HEADER_SETTER } from "./trace_headers.ts";
 * const carrier: [string, string][] = [];
 * HEADER_SETTER.set(carrier, "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
 * console.log(carrier.length); // 1
 * ```
 */
export const HEADER_SETTER = {
  set(carrier: [string, string][], key: string, value: string): void {
    carrier.push([key, value]);
  },
};

/**
 * `record` with `added` among its headers: a header of the same name is replaced, the
 * others keep their place; the record itself is not changed.
 *
 * @example
 * ```ts
 * import { withHeaders } from "./trace_headers.ts";
 * const record = { topic: "orders", value: "v", headers: [["source", "web"], ["traceparent", "old"]] as [string, string][] };
 * console.log(withHeaders(record, [["traceparent", "new"]]).headers);
 * // [["source", "web"], ["traceparent", "new"]]
 * ```
 */
export function withHeaders<K, V>(record: ProducerRecord<K, V>, added: readonly [string, string][]): ProducerRecord<K, V> {
  const headers = record.headers;
  if (headers === undefined || headers === null) return { ...record, headers: added };
  const replaced = (name: unknown) => added.some(([key]) => key === name);
  if (Array.isArray(headers)) {
    // An entry that is no pair stays, for the producer's own check to name it.
    const kept = headers.filter((pair: unknown) => !(Array.isArray(pair) && replaced(pair[0])));
    return { ...record, headers: [...kept, ...added] };
  }
  const merged: Record<string, string | Uint8Array | null> = {};
  for (const [name, value] of Object.entries(headers)) if (!replaced(name)) merged[name] = value;
  for (const [name, value] of added) merged[name] = value;
  return { ...record, headers: merged };
}
