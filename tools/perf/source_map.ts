/**
 * Reads source maps (version 3, as esbuild writes them) to name a bundled position by its
 * original file and line: `bench:profile` profiles our bundle and labels its frames with
 * the TypeScript under src/.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** An original position: its file (absolute path or URL as the map names it), 0-based line and column. */
export interface OriginalPosition {
  source: string;
  line: number;
  column: number;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Decodes one segment's Base64 VLQ fields. */
export function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const digit = DIGIT.get(c);
    if (digit === undefined) throw new Error(`bad VLQ digit ${JSON.stringify(c)} in ${JSON.stringify(segment)}`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -Math.floor(value / 2) : Math.floor(value / 2));
    value = 0;
    shift = 0;
  }
  if (shift !== 0) throw new Error(`unterminated VLQ ${JSON.stringify(segment)}`);
  return values;
}

/** One generated line's mappings: [generated column, source index, original line, original column], by column. */
type LineMappings = [number, number, number, number][];

/** A parsed source map that answers where a generated position came from. */
export class SourceMap {
  readonly #lines: LineMappings[] = [];
  readonly #sources: string[];

  /** `json` is the map's text; `mapPath` its own path, against which its sources resolve. */
  constructor(json: string, mapPath: string) {
    const map = JSON.parse(json) as { version: number; sources: string[]; sourceRoot?: string; mappings: string };
    if (map.version !== 3) throw new Error(`${mapPath}: source map version ${map.version}, expected 3`);
    const base = resolve(dirname(mapPath), map.sourceRoot ?? "");
    this.#sources = map.sources.map((s) => /^[a-z]+:/i.test(s) ? s : resolve(base, s));
    let source = 0;
    let line = 0;
    let column = 0;
    for (const text of map.mappings.split(";")) {
      const mappings: LineMappings = [];
      let generated = 0;
      for (const segment of text === "" ? [] : text.split(",")) {
        const fields = decodeVlq(segment);
        generated += fields[0];
        if (fields.length < 4) continue;
        source += fields[1];
        line += fields[2];
        column += fields[3];
        mappings.push([generated, source, line, column]);
      }
      this.#lines.push(mappings);
    }
  }

  /** The original position of a 0-based generated line and column: the nearest mapping at or before it on that line. */
  lookup(line: number, column: number): OriginalPosition | undefined {
    const mappings = this.#lines[line];
    if (mappings === undefined || mappings.length === 0) return undefined;
    let lo = 0;
    let hi = mappings.length - 1;
    if (mappings[0][0] > column) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (mappings[mid][0] <= column) lo = mid;
      else hi = mid - 1;
    }
    const [, source, originalLine, originalColumn] = mappings[lo];
    return { source: this.#sources[source], line: originalLine, column: originalColumn };
  }
}

/**
 * Finds the map of a script URL (`<file>.map` beside a `file://` script or an absolute path), once per URL;
 * undefined when there is none.
 *
 * @example
 * ```ts ignore
 * const maps = sourceMapsBesideScripts();
 * const position = maps("file:///repo/bench/.build/profile/bench.mjs")?.lookup(120, 4);
 * ```
 */
export function sourceMapsBesideScripts(): (url: string) => SourceMap | undefined {
  const cache = new Map<string, SourceMap | undefined>();
  return (url) => {
    if (!cache.has(url)) {
      let map: SourceMap | undefined;
      if (url.startsWith("file://") || url.startsWith("/")) {
        const path = `${url.startsWith("/") ? url : fileURLToPath(url)}.map`;
        if (existsSync(path)) map = new SourceMap(readFileSync(path, "utf8"), path);
      }
      cache.set(url, map);
    }
    return cache.get(url);
  };
}
