import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type CpuProfile,
  cpuProfileTree,
  flameGraphSvg,
  type FlameNode,
  frameLabel,
  frameOf,
  heapProfileTree,
  kindShares,
  profileTree,
  topFrames,
  topFramesMarkdown,
} from "../../tools/perf/flamegraph.ts";
import { decodeVlq, SourceMap } from "../../tools/perf/source_map.ts";

const ROOT = "/repo";

const frame = (id: number, functionName: string, url = "", lineNumber = -1, children?: number[]) => ({
  id,
  callFrame: { functionName, url, lineNumber, columnNumber: lineNumber < 0 ? -1 : 2, scriptId: "1" },
  hitCount: 0,
  ...(children === undefined ? {} : { children }),
});

/**
 * A hand-made profile, as Bun writes them (hitCount 0, the samples name the nodes):
 * (root) → (idle), (garbage collector), main → work and a second `work` node of the same
 * frame (which must merge), the second calling helper.
 */
function handMade(): CpuProfile {
  return {
    nodes: [
      frame(1, "(root)", "", -1, [2, 3, 6]),
      frame(2, "(idle)"),
      frame(3, "main", "file:///repo/src/a.ts", 0, [4, 5]),
      frame(4, "work", "file:///repo/src/b.ts", 9),
      frame(5, "work", "file:///repo/src/b.ts", 9, [7]),
      frame(6, "(garbage collector)"),
      frame(7, "helper", "node:internal/x", 4),
    ],
    startTime: 1_000_000,
    endTime: 1_009_000,
    samples: [3, 4, 4, 5, 7, 7, 2, 6, 4],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  };
}

const childNamed = (node: FlameNode, name: string) => node.children.find((c) => c.frame.name === name);

test("the tree counts every sample once: the root's total is the profile's sample count", () => {
  const tree = cpuProfileTree(handMade(), { root: ROOT });
  assert.equal(tree.total, 9);
  assert.equal(childNamed(tree, "main")?.total, 7);
  assert.equal(childNamed(tree, "(idle)")?.total, 1);
  assert.equal(childNamed(tree, "(garbage collector)")?.self, 1);
});

test("sibling nodes of the same frame merge into one, their samples and children added", () => {
  const main = childNamed(cpuProfileTree(handMade(), { root: ROOT }), "main")!;
  assert.equal(main.children.length, 1);
  const work = main.children[0];
  assert.equal(work.self, 4);
  assert.equal(work.total, 6);
  assert.deepEqual(work.children.map((c) => [c.frame.name, c.self]), [["helper", 2]]);
});

test("without samples, each node's hitCount is its self weight (Node's and Deno's profiles carry both)", () => {
  const profile = handMade();
  const counts: Record<number, number> = { 3: 1, 4: 2, 5: 2 };
  for (const node of profile.nodes) node.hitCount = counts[node.id] ?? 0;
  delete profile.samples;
  const tree = cpuProfileTree(profile, { root: ROOT });
  assert.equal(tree.total, 5);
  assert.equal(childNamed(tree, "main")?.children[0].self, 4);
});

test("frames are labelled `function file:line`, relative to the root, lines 1-based, and classed by kind of code", () => {
  const tree = cpuProfileTree(handMade(), { root: ROOT });
  const main = childNamed(tree, "main")!;
  const work = main.children[0];
  assert.equal(frameLabel(main.frame), "main src/a.ts:1");
  assert.equal(frameLabel(work.frame), "work src/b.ts:10");
  assert.equal(frameLabel(work.children[0].frame), "helper node:internal/x:5");
  assert.deepEqual([main.frame.kind, work.children[0].frame.kind], ["ours", "runtime"]);
  const shares = kindShares(tree);
  assert.deepEqual([shares.get("ours"), shares.get("runtime"), shares.get("gc"), shares.get("idle")], [5, 2, 1, 1]);
});

test("a native frame named like an Object.prototype member is runtime code, not a special frame", () => {
  for (const name of ["toString", "constructor", "valueOf"]) {
    assert.equal(frameOf({ functionName: name, url: "", lineNumber: -1, columnNumber: -1 }).kind, "runtime", name);
  }
  assert.equal(frameOf({ functionName: "(garbage collector)", url: "", lineNumber: -1, columnNumber: -1 }).kind, "gc");
});

test("top frames: by self and by total, a recursive frame's total counted once per stack", () => {
  const { bySelf, byTotal } = topFrames(cpuProfileTree(handMade(), { root: ROOT }), 3);
  assert.equal(bySelf.length, 3);
  assert.deepEqual(bySelf.slice(0, 2).map((r) => [frameLabel(r.frame), r.self]), [["work src/b.ts:10", 4], [
    "helper node:internal/x:5",
    2,
  ]]);
  assert.deepEqual(byTotal.slice(0, 2).map((r) => [frameLabel(r.frame), r.total]), [["main src/a.ts:1", 7], ["work src/b.ts:10", 6]]);

  const recursive: CpuProfile = {
    nodes: [
      frame(1, "(root)", "", -1, [2]),
      frame(2, "fib", "file:///repo/src/f.ts", 0, [3]),
      frame(3, "fib", "file:///repo/src/f.ts", 0, [4]),
      frame(4, "fib", "file:///repo/src/f.ts", 0),
    ],
    startTime: 0,
    endTime: 3000,
    samples: [2, 3, 4],
  };
  const rows = topFrames(cpuProfileTree(recursive, { root: ROOT })).byTotal;
  assert.deepEqual(rows.map((r) => [r.frame.name, r.self, r.total]), [["fib", 3, 3]]);
});

test("the Markdown tables name the frames and their shares", () => {
  const { tree, unit } = profileTree(handMade(), { root: ROOT });
  assert.equal(unit.kind, "samples");
  assert.equal(unit.msPerSample, 1);
  const markdown = topFramesMarkdown(tree, unit, 5);
  assert.match(markdown, /^9 samples \(9\.0 ms\)/);
  assert.match(markdown, /\| 1 \| 44\.4% \| 4\.0 ms \| 66\.7% \| `work src\/b\.ts:10` \| ours \|/);
});

/** The tags of an XML text, checked to nest: every opening tag closed, in order. */
function assertBalanced(xml: string): number {
  const stack: string[] = [];
  let elements = 0;
  for (const [, closing, name, selfClosing] of xml.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^<>]*?(\/?)>/g)) {
    elements++;
    if (selfClosing === "/") continue;
    if (closing === "/") assert.equal(stack.pop(), name, `</${name}> closes ${stack.at(-1)}`);
    else stack.push(name);
  }
  assert.deepEqual(stack, [], "unclosed tags");
  return elements;
}

test("the SVG is well-formed, titled, and has a frame per node with its label and tooltip", () => {
  const { tree, unit } = profileTree(handMade(), { root: ROOT });
  const svg = flameGraphSvg(tree, { title: "S6 on <Bun> & co", subtitle: "9 samples", unit });
  assert.ok(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  assert.ok(assertBalanced(svg.replace(/<\?xml[^>]*\?>/, "")) > 0);
  assert.doesNotMatch(svg.replace(/<[^<>]*>/g, ""), /[<>]|&(?!(amp|lt|gt|quot);)/, "text must be escaped");
  assert.ok(svg.includes("S6 on &lt;Bun&gt; &amp; co"));
  // all, (garbage collector), (idle), main, work, helper: one <g> with one <title> each.
  assert.equal(svg.match(/<g><title>/g)?.length, 6);
  assert.ok(svg.includes("<title>work src/b.ts:10\n6.0 ms total (66.7%), 4.0 ms self (44.4%), ours</title>"));
  assert.ok(svg.includes(">work src/b.ts:10</text>"));
});

test("a frame's width is proportional to its samples", () => {
  const { tree, unit } = profileTree(handMade(), { root: ROOT });
  const svg = flameGraphSvg(tree, { title: "t", unit, width: 920 });
  const width = (label: string) => Number(new RegExp(`<title>${label}\\n[^<]*</title><rect [^>]*width="([\\d.]+)"`).exec(svg)?.[1]);
  // 900 px across 9 samples (10 px of padding each side): 100 px a sample.
  assert.equal(width("all \\(9\\.0 ms\\)"), 900);
  assert.equal(width("main src/a\\.ts:1"), 700);
  assert.equal(width("work src/b\\.ts:10"), 600);
  assert.equal(width("helper node:internal/x:5"), 200);
});

test("a sampling heap profile becomes a tree weighted by bytes", () => {
  const node = (id: number, functionName: string, selfSize: number, children: unknown[] = []) => ({
    id,
    selfSize,
    callFrame: { functionName, url: "file:///repo/src/h.ts", lineNumber: id, columnNumber: 0 },
    children,
  });
  const { tree, unit } = profileTree({ head: node(1, "(root)", 0, [node(2, "a", 1024, [node(3, "b", 4096)]), node(4, "a", 2048)]) }, {
    root: ROOT,
  });
  assert.equal(unit.kind, "bytes");
  assert.equal(tree.total, 7168);
  // The two "a" nodes differ by line, so they stay apart.
  assert.equal(tree.children.length, 2);
  assert.equal(heapProfileTree({ head: node(1, "(root)", 0, [node(2, "a", 10), node(2, "a", 20)]) as never }).children[0].self, 30);
  assert.throws(() => profileTree({ snapshot: {}, nodes: [] }), /heap snapshot/);
});

test("source maps: VLQ fields decode, and a bundled frame is named by its original file and line", () => {
  assert.deepEqual(decodeVlq("AAAA"), [0, 0, 0, 0]);
  assert.deepEqual(decodeVlq("AACA"), [0, 0, 1, 0]);
  assert.deepEqual(decodeVlq("D"), [-1]);
  assert.deepEqual(decodeVlq("gB"), [16]);
  // Generated line 0 col 0 → a.ts line 0; line 1 col 0 → a.ts line 1, col 4 → b.ts line 6.
  const map = new SourceMap(
    JSON.stringify({ version: 3, sources: ["../../src/a.ts", "../../src/b.ts"], mappings: "AAAA;AACA,ICKA" }),
    "/repo/bench/.build/bench.mjs.map",
  );
  assert.deepEqual(map.lookup(1, 2), { source: "/repo/src/a.ts", line: 1, column: 0 });
  assert.deepEqual(map.lookup(1, 7), { source: "/repo/src/b.ts", line: 6, column: 0 });
  assert.equal(map.lookup(5, 0), undefined);
  const profile: CpuProfile = {
    nodes: [frame(1, "(root)", "", -1, [2]), { ...frame(2, "send", "file:///repo/bench/.build/bench.mjs", 1) }],
    startTime: 0,
    endTime: 1000,
    samples: [2],
  };
  profile.nodes[1].callFrame.columnNumber = 4;
  const tree = cpuProfileTree(profile, { root: ROOT, sourceMaps: () => map });
  assert.equal(frameLabel(tree.children[0].frame), "send src/b.ts:7");
  assert.equal(tree.children[0].frame.kind, "ours");
});
