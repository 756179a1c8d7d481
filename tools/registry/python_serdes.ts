/**
 * Confluent's Python serdes (confluent-kafka from PyPI, with its Avro, JSON Schema and
 * Protobuf extras) in a virtualenv in the harness's cache, installed on first use, and a
 * way to run tools/registry/interop.py with it.
 *
 * @module
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { cacheRoot } from "../kafka/maven.ts";
import { run } from "../kafka/procs.ts";

/** The confluent-kafka release the interop tests use. */
export const CONFLUENT_KAFKA_PYTHON = "2.16.1";
const INTEROP_TIMEOUT_MS = 120_000;
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), "interop.py");

let ready: Promise<string> | undefined;

/**
 * The venv's python, with confluent-kafka[avro,json,protobuf,schemaregistry] installed
 * (once; later calls reuse it).
 *
 * @example
 * ```ts
 * import { pythonSerdes } from "./python_serdes.ts";
 * console.log(await pythonSerdes());
 * ```
 */
export function pythonSerdes(): Promise<string> {
  return ready ??= (async () => {
    const venv = path.join(cacheRoot(), `schema-registry-venv-${CONFLUENT_KAFKA_PYTHON}`);
    const python = path.join(venv, "bin", "python");
    const marker = path.join(venv, "installed");
    if (fs.existsSync(marker)) return python;
    fs.mkdirSync(cacheRoot(), { recursive: true });
    const steps: [string, string[]][] = [
      ["python3", ["-m", "venv", venv]],
      [python, [
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
        `confluent-kafka[avro,json,protobuf,schemaregistry]==${CONFLUENT_KAFKA_PYTHON}`,
      ]],
    ];
    for (const [command, args] of steps) {
      const result = await run(command, args, { timeoutMs: 10 * 60_000 });
      if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.code}): ${result.stderr.trim().slice(-1500)}`);
    }
    fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
    return python;
  })();
}

/**
 * Runs interop.py: `decode` turns hex record values into JSON values, `encode` JSON
 * values into hex record values, with Confluent's Python serdes against the registry.
 *
 * @example
 * ```ts
 * import { pythonInterop } from "./python_serdes.ts";
 * const hex = await pythonInterop("encode", "http://127.0.0.1:8080/apis/ccompat/v7", "avro", "orders", '"string"', ['"hi"']);
 * console.log(hex);
 * ```
 */
export async function pythonInterop(
  action: "decode" | "encode",
  url: string,
  format: "avro" | "json" | "protobuf",
  topic: string,
  schema: string,
  lines: string[],
): Promise<string[]> {
  const python = await pythonSerdes();
  return await new Promise((resolve, reject) => {
    const child = spawn(python, [SCRIPT, action, url, format, topic, schema], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => stdout += chunk);
    child.stderr.on("data", (chunk) => stderr += chunk);
    // interop.py bounds each registry request; this bounds the whole run, so a test fails instead of hanging.
    const watchdog = setTimeout(() => child.kill("SIGKILL"), INTEROP_TIMEOUT_MS);
    child.on("close", (code, signal) => {
      clearTimeout(watchdog);
      if (code === 0) resolve(stdout.split("\n").filter((line) => line !== ""));
      else {
        const how = signal === "SIGKILL" ? `was killed after ${INTEROP_TIMEOUT_MS} ms` : `exited with ${code}`;
        reject(new Error(`interop.py ${action} ${format} ${how}:\n${stderr.trim().slice(-3000)}`));
      }
    });
    child.stdin.end(lines.join("\n") + "\n");
  });
}
