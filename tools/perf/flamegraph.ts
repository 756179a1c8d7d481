/**
 * Flame graphs of V8 CPU profiles (`.cpuprofile`, as `deno run --cpu-prof`, `node --cpu-prof`
 * and `bun --cpu-prof` write them: Chrome DevTools' format) and of sampling heap profiles
 * (`.heapprofile`, as `node --heap-prof` and tools/perf/heap_sampler.ts write them): a
 * self-contained SVG, a frame's width its samples (or bytes), each frame labelled
 * `function file:line` with a hover tooltip, coloured by where its code lives (ours under
 * src/, the bench harness, dependencies, the runtime, GC). Also the top frames by self and
 * total time as Markdown tables.
 *
 *   deno run -A tools/perf/flamegraph.ts PROFILE [--svg OUT.svg] [--md OUT.md] [--title TEXT] [--root DIR] [--top N]
 *
 * Bundled frames are named by their source map where `<script>.map` lies beside the script.
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { type SourceMap, sourceMapsBesideScripts } from "./source_map.ts";

/** A V8 call frame, as both profile formats carry it (line and column 0-based, -1 unknown). */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
  scriptId?: string | number;
}

/** A node of a `.cpuprofile`'s call tree. */
export interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
  /** Samples that stopped in this node (Bun leaves it 0: `samples` is what counts). */
  hitCount?: number;
  children?: number[];
  parent?: number;
}

/** A `.cpuprofile`: the call tree, and the node of each sample (times in µs). */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** A node of a sampling heap profile: bytes sampled as allocated by this frame itself. */
export interface HeapProfileNode {
  callFrame: CallFrame;
  selfSize: number;
  id: number;
  children: HeapProfileNode[];
}

/** A sampling heap profile (`HeapProfiler.SamplingHeapProfile`). */
export interface HeapProfile {
  head: HeapProfileNode;
}

/** Where a frame's code lives, which picks its colour. */
export type FrameKind = "ours" | "harness" | "deps" | "runtime" | "gc" | "idle" | "program" | "other";

/** One frame: its function, its file (relative to the root when under it), its 1-based line (0: none). */
export interface Frame {
  name: string;
  file: string;
  line: number;
  kind: FrameKind;
}

/** A node of the merged call tree: `self` and `total` are samples (CPU) or bytes (heap). */
export interface FlameNode {
  frame: Frame;
  self: number;
  total: number;
  children: FlameNode[];
}

/** How frames are named: the repository root (for relative paths and ours/harness), and source maps. */
export interface FrameOptions {
  root?: string;
  sourceMaps?: (url: string) => SourceMap | undefined;
}

// A Map, not an object: a native frame may be named like an Object.prototype member ("toString").
const META = new Map<string, FrameKind>([
  ["(root)", "program"],
  ["(program)", "program"],
  ["(idle)", "idle"],
  ["(garbage collector)", "gc"],
]);

/** The kind of code a file holds, from its path relative to the root (or its URL). */
function kindOf(file: string, underRoot: boolean): FrameKind {
  if (file === "" || /^(node|ext|bun|internal|builtin|native)[:/]/.test(file) || file.startsWith("[")) return "runtime";
  if (file.includes("node_modules/") || /^(npm|jsr|https?|wasm):/.test(file)) return "deps";
  if (!underRoot) return file.startsWith("/") ? "other" : "runtime";
  if (file.startsWith("src/") || file.startsWith("mod.ts") || file.startsWith("bench/.build/")) return "ours";
  return "harness";
}

/**
 * Names a call frame: `function file:line`, the file mapped back through a source map when
 * one lies beside the script, and relative to the root when under it.
 *
 * @example
 * ```ts
 * import { frameOf } from "./flamegraph.ts";
 * const frame = frameOf({ functionName: "send", url: "file:///repo/src/producer/kafka_producer.ts", lineNumber: 9, columnNumber: 2 }, {
 *   root: "/repo",
 * });
 * // { name: "send", file: "src/producer/kafka_producer.ts", line: 10, kind: "ours" }
 * ```
 */
export function frameOf(callFrame: CallFrame, options: FrameOptions = {}): Frame {
  const name = callFrame.functionName || "(anonymous)";
  const meta = META.get(name);
  if (meta !== undefined && callFrame.url === "") return { name, file: "", line: 0, kind: meta };
  let file = callFrame.url;
  let line = callFrame.lineNumber >= 0 ? callFrame.lineNumber + 1 : 0;
  const original = line > 0 ? options.sourceMaps?.(file)?.lookup(callFrame.lineNumber, Math.max(0, callFrame.columnNumber)) : undefined;
  if (original !== undefined) {
    file = original.source;
    line = original.line + 1;
  }
  if (file.startsWith("file://")) file = fileURLToPath(file);
  let underRoot = false;
  if (options.root !== undefined && file.startsWith(options.root + sep)) {
    file = relative(options.root, file).split(sep).join("/");
    underRoot = true;
  }
  return { name, file, line, kind: kindOf(file, underRoot) };
}

/** `function file:line`, or the bare name for frames without a file. */
export function frameLabel(frame: Frame): string {
  if (frame.file === "") return frame.name;
  return `${frame.name} ${frame.file}${frame.line > 0 ? `:${frame.line}` : ""}`;
}

const keyOf = (frame: Frame) => `${frame.name}\u0000${frame.file}\u0000${frame.line}`;

/** Builds a merged tree: children with the same frame under the same parent become one node. */
class TreeBuilder {
  readonly root: FlameNode = { frame: { name: "all", file: "", line: 0, kind: "program" }, self: 0, total: 0, children: [] };
  readonly #index = new Map<FlameNode, Map<string, FlameNode>>();

  /** The child of `parent` for `frame`, made on first use. */
  child(parent: FlameNode, frame: Frame): FlameNode {
    let byKey = this.#index.get(parent);
    if (byKey === undefined) this.#index.set(parent, byKey = new Map());
    const key = keyOf(frame);
    let node = byKey.get(key);
    if (node === undefined) {
      node = { frame, self: 0, total: 0, children: [] };
      byKey.set(key, node);
      parent.children.push(node);
    }
    return node;
  }

  /** Sums totals bottom-up and orders children by name (a flame graph's x order), then returns the root. */
  finish(): FlameNode {
    const order: FlameNode[] = [this.root];
    for (let i = 0; i < order.length; i++) order.push(...order[i].children);
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i];
      node.total = node.self + node.children.reduce((sum, c) => sum + c.total, 0);
      node.children.sort((a, b) => frameLabel(a.frame).localeCompare(frameLabel(b.frame)));
    }
    return this.root;
  }
}

/**
 * The merged call tree of a `.cpuprofile`, weighted by samples: counted from `samples` when
 * present (Bun leaves `hitCount` at 0), else from each node's `hitCount`. Its root, "all",
 * stands for the profile's "(root)".
 *
 * @example
 * ```ts ignore
 * const tree = cpuProfileTree(JSON.parse(readFileSync("CPU.cpuprofile", "utf8")), { root: process.cwd() });
 * console.log(tree.total); // samples
 * ```
 */
export function cpuProfileTree(profile: CpuProfile, options: FrameOptions = {}): FlameNode {
  if (!Array.isArray(profile.nodes) || profile.nodes.length === 0) throw new Error("not a CPU profile: no nodes");
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const children = new Map<number, number[]>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) (children.get(node.id) ?? children.set(node.id, []).get(node.id)!).push(child);
    if (node.parent !== undefined && node.children === undefined) {
      (children.get(node.parent) ?? children.set(node.parent, []).get(node.parent)!).push(node.id);
    }
  }
  const hits = new Map<number, number>();
  if (profile.samples !== undefined && profile.samples.length > 0) {
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  } else {
    for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0);
  }
  const isChild = new Set([...children.values()].flat());
  const roots = profile.nodes.filter((n) => !isChild.has(n.id));
  const builder = new TreeBuilder();
  const frames = new Map<number, Frame>();
  const stack: [number, FlameNode][] = [];
  for (const root of roots) {
    // A profile's own "(root)" is the graph's root; anything else hangs under it.
    if (root.callFrame.functionName === "(root)") {
      builder.root.self += hits.get(root.id) ?? 0;
      for (const c of children.get(root.id) ?? []) stack.push([c, builder.root]);
    } else stack.push([root.id, builder.root]);
  }
  while (stack.length > 0) {
    const [id, parent] = stack.pop()!;
    const node = byId.get(id);
    if (node === undefined) throw new Error(`CPU profile: node ${id} is referenced but missing`);
    if (!frames.has(id)) frames.set(id, frameOf(node.callFrame, options));
    const merged = builder.child(parent, frames.get(id)!);
    merged.self += hits.get(id) ?? 0;
    for (const c of children.get(id) ?? []) stack.push([c, merged]);
  }
  return builder.finish();
}

/**
 * The merged call tree of a sampling heap profile, weighted by the bytes each frame allocated.
 *
 * @example
 * ```ts ignore
 * const tree = heapProfileTree(JSON.parse(readFileSync("heap.heapprofile", "utf8")));
 * ```
 */
export function heapProfileTree(profile: HeapProfile, options: FrameOptions = {}): FlameNode {
  if (profile.head === undefined) throw new Error("not a sampling heap profile: no head (Bun's --heap-prof writes a heap snapshot)");
  const builder = new TreeBuilder();
  builder.root.self += profile.head.selfSize;
  const stack: [HeapProfileNode, FlameNode][] = profile.head.children.map((c) => [c, builder.root]);
  while (stack.length > 0) {
    const [node, parent] = stack.pop()!;
    const merged = builder.child(parent, frameOf(node.callFrame, options));
    merged.self += node.selfSize;
    for (const c of node.children) stack.push([c, merged]);
  }
  return builder.finish();
}

/** A frame's share of the profile. */
export interface FrameRow {
  frame: Frame;
  self: number;
  total: number;
}

/**
 * Frames by self and by total weight (the root left out). A frame's total counts each stack
 * once, however often it recurses in it.
 *
 * @example
 * ```ts ignore
 * const { bySelf, byTotal } = topFrames(tree, 20);
 * ```
 */
export function topFrames(tree: FlameNode, limit = 20): { bySelf: FrameRow[]; byTotal: FrameRow[] } {
  const rows = new Map<string, FrameRow>();
  const onPath = new Map<string, number>();
  const visit = (node: FlameNode) => {
    const key = keyOf(node.frame);
    const row = rows.get(key) ?? rows.set(key, { frame: node.frame, self: 0, total: 0 }).get(key)!;
    row.self += node.self;
    if (!onPath.get(key)) row.total += node.total;
    onPath.set(key, (onPath.get(key) ?? 0) + 1);
    for (const child of node.children) visit(child);
    onPath.set(key, onPath.get(key)! - 1);
  };
  for (const child of tree.children) visit(child);
  const all = [...rows.values()];
  return {
    bySelf: all.filter((r) => r.self > 0).sort((a, b) => b.self - a.self).slice(0, limit),
    byTotal: [...all].sort((a, b) => b.total - a.total).slice(0, limit),
  };
}

/** Self weight per kind of code (ours, runtime, GC, ...), the root's own included as "program". */
export function kindShares(tree: FlameNode): Map<FrameKind, number> {
  const shares = new Map<FrameKind, number>();
  const stack = [tree];
  while (stack.length > 0) {
    const node = stack.pop()!;
    shares.set(node.frame.kind, (shares.get(node.frame.kind) ?? 0) + node.self);
    stack.push(...node.children);
  }
  return shares;
}

/** How weights print: samples (with ms per sample when known) or bytes. */
export interface Unit {
  kind: "samples" | "bytes";
  /** CPU: the mean sampling interval in ms, to print times. */
  msPerSample?: number;
}

function amount(value: number, unit: Unit): string {
  if (unit.kind === "bytes") return value >= 1 << 20 ? `${(value / (1 << 20)).toFixed(1)} MB` : `${(value / 1024).toFixed(1)} KB`;
  return unit.msPerSample === undefined ? `${value} samples` : `${(value * unit.msPerSample).toFixed(1)} ms`;
}

const percent = (value: number, whole: number) => whole === 0 ? "0.0%" : `${((100 * value) / whole).toFixed(1)}%`;
const cell = (text: string) => text.replace(/\|/g, "\\|");

/**
 * The top frames as Markdown: the share of each kind of code, then two tables (by self,
 * by total).
 *
 * @example
 * ```ts ignore
 * console.log(topFramesMarkdown(tree, { kind: "samples", msPerSample: 1 }, 20));
 * ```
 */
export function topFramesMarkdown(tree: FlameNode, unit: Unit, limit = 20): string {
  const { bySelf, byTotal } = topFrames(tree, limit);
  const whole = tree.total;
  const shares = [...kindShares(tree)].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  const what = unit.kind === "bytes" ? "allocated" : "time";
  // One table: its rows led by `first` (self or total), the other share after.
  const table = (heading: string, rows: FrameRow[], first: "self" | "total") => {
    const second = first === "self" ? "total" : "self";
    return [
      `### ${heading}`,
      "",
      `| # | ${first} | ${first} ${unit.kind === "bytes" ? "bytes" : "time"} | ${second} | frame | code |`,
      "| ---: | ---: | ---: | ---: | --- | --- |",
      ...rows.map((r, i) =>
        `| ${i + 1} | ${percent(r[first], whole)} | ${amount(r[first], unit)} | ${percent(r[second], whole)} | \`${
          cell(frameLabel(r.frame))
        }\` | ${r.frame.kind} |`
      ),
      "",
    ];
  };
  const lines = [
    `${
      unit.kind === "bytes" ? `${amount(whole, unit)} sampled as allocated` : `${whole} samples (${amount(whole, unit)})`
    }; self ${what} by kind of code: ${shares.map(([kind, v]) => `${kind} ${percent(v, whole)}`).join(", ")}.`,
    "",
    ...table(`Top ${limit} frames by self ${what}`, bySelf, "self"),
    ...table(`Top ${limit} frames by total ${what} (the frame and what it calls)`, byTotal, "total"),
  ];
  return lines.join("\n");
}

const HUES: Record<FrameKind, [number, number]> = {
  ours: [210, 65],
  harness: [275, 40],
  deps: [115, 40],
  runtime: [28, 75],
  gc: [0, 70],
  idle: [0, 0],
  program: [0, 0],
  other: [50, 45],
};

/** A colour for a frame: its kind's hue, a lightness from its file (one file, one shade). */
function colour(frame: Frame): string {
  const [hue, saturation] = HUES[frame.kind];
  let hash = 0;
  for (const c of frame.file || frame.name) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return `hsl(${hue},${saturation}%,${saturation === 0 ? 82 : 58 + (hash % 20)}%)`;
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Options of {@link flameGraphSvg}. */
export interface SvgOptions {
  title: string;
  /** Lines under the title (the command, the sample count), split at newlines. */
  subtitle?: string;
  unit: Unit;
  /** Total width in px (default 1200). */
  width?: number;
}

const FRAME_HEIGHT = 17;
const CHAR_WIDTH = 6.6;
const MIN_WIDTH = 0.3;

/**
 * A flame graph: the root at the bottom, each frame as wide as its weight, labelled
 * `function file:line` where it fits, with a `<title>` tooltip; frames narrower than 0.3 px
 * are left out.
 *
 * @example
 * ```ts ignore
 * writeFileSync("S6-bun.svg", flameGraphSvg(tree, { title: "S6 on Bun", unit: { kind: "samples", msPerSample: 1 } }));
 * ```
 */
export function flameGraphSvg(tree: FlameNode, options: SvgOptions): string {
  const width = options.width ?? 1200;
  const pad = 10;
  const scale = tree.total === 0 ? 0 : (width - 2 * pad) / tree.total;
  const depthOf = (node: FlameNode): number => 1 + Math.max(0, ...node.children.filter((c) => c.total * scale >= MIN_WIDTH).map(depthOf));
  const depth = depthOf(tree);
  const subtitles = options.subtitle?.split("\n") ?? [];
  const top = 44 + 16 * subtitles.length;
  const height = top + depth * FRAME_HEIGHT + 30;
  const out: string[] = [];
  const draw = (node: FlameNode, x: number, level: number) => {
    const w = node.total * scale;
    if (w < MIN_WIDTH) return;
    const y = height - 30 - (level + 1) * FRAME_HEIGHT;
    const label = node === tree ? `all (${amount(tree.total, options.unit)})` : frameLabel(node.frame);
    const tip = `${label}\n${amount(node.total, options.unit)} total (${percent(node.total, tree.total)}), ${
      amount(node.self, options.unit)
    } self (${percent(node.self, tree.total)}), ${node.frame.kind}`;
    const fits = Math.floor((w - 6) / CHAR_WIDTH);
    const text = fits < 3 ? "" : label.length <= fits ? label : `${label.slice(0, fits - 1)}…`;
    out.push(
      `<g><title>${escapeXml(tip)}</title><rect x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${
        FRAME_HEIGHT - 1
      }" rx="2" fill="${colour(node.frame)}"/>${
        text === "" ? "" : `<text x="${(x + 3).toFixed(2)}" y="${y + FRAME_HEIGHT - 5}">${escapeXml(text)}</text>`
      }</g>`,
    );
    let childX = x;
    for (const child of node.children) {
      draw(child, childX, level + 1);
      childX += child.total * scale;
    }
  };
  draw(tree, pad, 0);
  const legend = (Object.keys(HUES) as FrameKind[]).filter((k) => k !== "program").map((kind, i) => {
    const x = pad + i * 120;
    const fill = colour({ name: "", file: "", line: 0, kind });
    return `<rect x="${x}" y="${height - 20}" width="12" height="12" fill="${fill}"/><text x="${x + 16}" y="${height - 10}">${kind}</text>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">`,
    `<style>g:hover rect { stroke: #000; stroke-width: 0.8; } text { pointer-events: none; }</style>`,
    `<rect width="100%" height="100%" fill="#fafafa"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-family="sans-serif">${escapeXml(options.title)}</text>`,
    ...subtitles.map((line, i) =>
      `<text x="${width / 2}" y="${42 + 16 * i}" text-anchor="middle" font-size="12" font-family="sans-serif" fill="#555">${
        escapeXml(line)
      }</text>`
    ),
    ...out,
    ...legend,
    `</svg>`,
    "",
  ].join("\n");
}

/** The tree of a profile file's JSON (CPU or sampling heap profile), with its unit. */
export function profileTree(json: unknown, options: FrameOptions = {}): { tree: FlameNode; unit: Unit } {
  const profile = json as Partial<CpuProfile & HeapProfile> & { snapshot?: unknown };
  if (profile.snapshot !== undefined) throw new Error("a heap snapshot (Bun's --heap-prof), not a profile: no allocation sites to draw");
  if (profile.head !== undefined) return { tree: heapProfileTree(profile as HeapProfile, options), unit: { kind: "bytes" } };
  const cpu = profile as CpuProfile;
  const tree = cpuProfileTree(cpu, options);
  const msPerSample = tree.total > 0 && cpu.endTime > cpu.startTime ? (cpu.endTime - cpu.startTime) / 1000 / tree.total : undefined;
  return { tree, unit: { kind: "samples", msPerSample } };
}

if (import.meta.main || process.argv[1]?.endsWith("flamegraph.ts")) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const input = args[0];
  if (input === undefined || input.startsWith("--")) {
    console.error("usage: flamegraph.ts PROFILE [--svg OUT.svg] [--md OUT.md] [--title TEXT] [--root DIR] [--top N]");
    process.exit(2);
  }
  const { tree, unit } = profileTree(JSON.parse(readFileSync(input, "utf8")), {
    root: flag("--root") ?? process.cwd(),
    sourceMaps: sourceMapsBesideScripts(),
  });
  const markdown = topFramesMarkdown(tree, unit, Number(flag("--top") ?? 20));
  const svg = flag("--svg");
  if (svg !== undefined) writeFileSync(svg, flameGraphSvg(tree, { title: flag("--title") ?? input, unit }));
  const md = flag("--md");
  if (md !== undefined) writeFileSync(md, markdown);
  console.log(markdown);
}
