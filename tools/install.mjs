// Installs the npm dependencies (Deno and Bun among them) when they are missing or
// older than package.json, so `npm test` and `npm run demo` work on a fresh machine.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const marker = join(root, "node_modules", ".package-lock.json");
const stale = !existsSync(join(root, "node_modules", ".bin", "deno")) || !existsSync(join(root, "node_modules", ".bin", "bun")) ||
  !existsSync(marker) || statSync(marker).mtimeMs < statSync(join(root, "package.json")).mtimeMs;
if (stale) {
  console.error(
    "installing npm dependencies (package.json: deno, bun, esbuild, hash-wasm, fflate, hysnappy, zstd-wasm, avsc, ajv, @bufbuild/protobuf; kafkajs for the differential test) ...",
  );
  execSync("npm install --no-audit --no-fund", { cwd: root, stdio: "inherit" });
}
