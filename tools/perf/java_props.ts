/**
 * Java producer properties (`linger.ms=5`, `acks=all`, ...) as this client's settings, so
 * the benchmark takes the same `--producer-props` as Kafka's perf tool. librdkafka's
 * security names (`security.protocol`, `ssl.ca.location`, `sasl.mechanism`,
 * `sasl.username`, `sasl.password`) are understood too, as the harness prints them.
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** `linger.ms` → `lingerMs`. */
export function camelCase(name: string): string {
  return name.replace(/\.([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Values as the Java config parser reads them: integers, booleans, or strings. */
function typed(value: string): string | number | boolean {
  if (/^-?\d+$/.test(value)) return Number(value);
  if (value === "true" || value === "false") return value === "true";
  return value;
}

/**
 * Converts Java/librdkafka property names and values to a producer configuration.
 *
 * @example
 * ```ts
 * import { javaPropsToConfig } from "./java_props.ts";
 * console.log(javaPropsToConfig({ "bootstrap.servers": "127.0.0.1:9092", "acks": "all", "linger.ms": "5" }));
 * // { bootstrapServers: "127.0.0.1:9092", acks: -1, lingerMs: 5 }
 * ```
 */
export function javaPropsToConfig(props: Record<string, string>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const security = (props["security.protocol"] ?? "PLAINTEXT").toUpperCase();
  for (const [name, value] of Object.entries(props)) {
    switch (name) {
      case "acks":
        config.acks = value === "all" ? -1 : Number(value);
        break;
      case "security.protocol":
        break;
      case "ssl.ca.location":
        config.ssl = { ca: readFileSync(value, "utf8") };
        break;
      case "sasl.mechanism":
      case "sasl.username":
      case "sasl.password": {
        const sasl = (config.sasl ??= {}) as Record<string, string>;
        sasl[name.slice("sasl.".length)] = value;
        break;
      }
      default:
        config[camelCase(name)] = typed(value);
    }
  }
  if (security.endsWith("SSL") && config.ssl === undefined) config.ssl = true;
  if (security.startsWith("SASL") && config.sasl === undefined) throw new Error(`security.protocol=${security} needs sasl.mechanism`);
  return config;
}
