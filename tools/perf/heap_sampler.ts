/**
 * Loaded before our bench by `bench:profile --heap` (`deno run --preload`, `bun --preload`,
 * `node --import`, bundled to JavaScript first): samples the process's memory every 100 ms
 * and records what allocates, then writes both when the bench calls `process.exit()`.
 *
 * - Deno and Node (V8): the sampling heap profiler through `node:inspector`, keeping the
 *   objects GC collected too (`includeObjectsCollectedByMajorGC/MinorGC`), so the profile is
 *   what was allocated over the run, not what was left at its end: `<out>.heapprofile`.
 * - Bun (JavaScriptCore has no allocation sampler): `bun:jsc`'s `heapStats()` every 500 ms,
 *   keeping the object counts by type at the largest heap seen.
 *
 * Every runtime: `<out>.memory.json` with `process.memoryUsage()` over time. `<out>` is the
 * path in the HEAP_SAMPLER_OUT environment variable; HEAP_SAMPLER_INTERVAL the mean bytes
 * between heap samples (default 65,536).
 *
 * @module
 */
import process from "node:process";
import { writeFileSync } from "node:fs";

/** One sample of `process.memoryUsage()`, in bytes, at `ms` since the sampler started. */
export interface MemorySample {
  ms: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** What `<out>.memory.json` holds. */
export interface MemoryRecord {
  runtime: string;
  samples: MemorySample[];
  /** Bun: JavaScriptCore's heap statistics at the largest heap seen (object counts by type). */
  jscPeak?: { heapSize: number; objectCount: number; objectTypeCounts: Record<string, number> };
}

type Post = (method: string, params?: Record<string, unknown>) => Promise<unknown>;

const out = process.env.HEAP_SAMPLER_OUT;
const runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";

async function start(path: string): Promise<void> {
  const started = Date.now();
  const record: MemoryRecord = { runtime, samples: [] };
  const sample = () => {
    const m = process.memoryUsage();
    record.samples.push({
      ms: Date.now() - started,
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
    });
  };
  const timers: ReturnType<typeof setInterval>[] = [setInterval(sample, 100)];
  let post: Post | undefined;
  if (runtime === "bun") {
    const jsc = await import("bun:jsc" as string) as {
      heapStats(): { heapSize: number; objectCount: number; objectTypeCounts: Record<string, number> };
    };
    const stats = () => {
      const s = jsc.heapStats();
      if (record.jscPeak === undefined || s.heapSize > record.jscPeak.heapSize) {
        record.jscPeak = { heapSize: s.heapSize, objectCount: s.objectCount, objectTypeCounts: s.objectTypeCounts };
      }
    };
    timers.push(setInterval(stats, 500));
  } else {
    const { Session } = await import("node:inspector");
    const session = new Session();
    session.connect();
    post = (method, params) =>
      new Promise((resolve, reject) => session.post(method, params ?? {}, (error, result) => error ? reject(error) : resolve(result)));
    await post("HeapProfiler.enable");
    await post("HeapProfiler.startSampling", {
      samplingInterval: Number(process.env.HEAP_SAMPLER_INTERVAL ?? 65536),
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  // Timers must not keep the bench alive.
  for (const t of timers) (t as { unref?: () => void }).unref?.();
  sample();
  const exit = process.exit.bind(process);
  let finishing = false;
  const finish = async (code?: number | string | null) => {
    if (finishing) return;
    finishing = true;
    for (const t of timers) clearInterval(t);
    sample();
    writeFileSync(`${path}.memory.json`, JSON.stringify(record));
    if (post !== undefined) {
      const { profile } = await post("HeapProfiler.stopSampling") as { profile: unknown };
      writeFileSync(`${path}.heapprofile`, JSON.stringify(profile));
    }
    exit(typeof code === "number" ? code : Number(code ?? 0));
  };
  // The bench ends with process.exit(code): write first, then exit.
  (process as { exit: (code?: number | string | null) => void }).exit = (code) => void finish(code);
}

if (out !== undefined) await start(out);
