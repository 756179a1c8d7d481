// Lets Node 20 run this project's TypeScript directly (Deno and Bun need nothing):
// `node --import ./tools/node_ts_register.mjs file.ts`. esbuild strips the types.
import { register } from "node:module";

register("./node_ts_loader.mjs", import.meta.url);
