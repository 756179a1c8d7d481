import { test } from "node:test";
import assert from "node:assert/strict";
import { LazySignalContext, SerializationLane } from "../../src/producer/serialization_lane.ts";
import { TimeoutError } from "../../src/errors.ts";
import { systemClock } from "../../src/clock.ts";

const bytes = (n: number) => new Uint8Array([n]);

function later<T>(value: T, ms: number): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

/** Until every send has left the lane (each one's proceed or fail has run). */
async function drained(lane: SerializationLane): Promise<void> {
  while (lane.busy) await later(undefined, 1);
}

test("serialization lane: sends leave in push order, ready ones behind a waiting one included, each failure only its own", async () => {
  const lane = new SerializationLane(systemClock, 60_000);
  const order: string[] = [];
  const push = (name: string, value: Uint8Array | null | Promise<Uint8Array | null>) =>
    lane.push(
      null,
      value,
      undefined,
      Date.now() + 10_000,
      name,
      (_key, v) => order.push(`${name}:${v?.[0]}`),
      (error) => order.push(`${name}!${(error as Error).message}`),
    );
  push("slow", later(bytes(1), 30));
  push("ready", bytes(2));
  push("failing", Promise.reject(new Error("bad value")));
  push("fast", later(bytes(4), 1));
  assert.ok(lane.busy);
  assert.deepEqual(order, []);
  await drained(lane);
  assert.deepEqual(order, ["slow:1", "ready:2", "failing!bad value", "fast:4"]);
  assert.equal(lane.busy, false);
});

test("serialization lane: at the deadline the serializer's signal aborts; its own error wins, else a TimeoutError naming maxBlockMs", async () => {
  const lane = new SerializationLane(systemClock, 25);
  const outcomes: unknown[] = [];
  // One that listens to its signal and rejects with what it waited for.
  const context = new LazySignalContext().prepare(Date.now() + 25);
  const signal = context.signal;
  const listening = new Promise<Uint8Array>((_, reject) =>
    signal.addEventListener("abort", () => reject(new Error("registry at http://r did not answer")))
  );
  lane.push(
    null,
    listening,
    context.controller(),
    Date.now() + 25,
    "a",
    () => outcomes.push("a sent"),
    (e) => outcomes.push(e),
  );
  // One that ignores it.
  lane.push(
    null,
    new Promise<Uint8Array>(() => {}),
    undefined,
    Date.now() + 25,
    "record for t",
    () => outcomes.push("b sent"),
    (e) => outcomes.push(e),
  );
  lane.push(null, bytes(3), undefined, Date.now() + 25, "c", () => outcomes.push("c sent"), (e) => outcomes.push(e));
  await drained(lane);
  assert.equal((outcomes[0] as Error).message, "registry at http://r did not answer");
  assert.ok(outcomes[1] instanceof TimeoutError);
  assert.equal((outcomes[1] as Error).message, "record for t: the serializer did not finish within maxBlockMs (25 ms)");
  assert.equal(outcomes[2], "c sent");
});

test("serialization lane: sends with the same deadline share one AbortController, created only when a serializer reads the signal", () => {
  const context = new LazySignalContext();
  context.prepare(1000);
  assert.equal(context.controller(), undefined);
  const signal = context.signal;
  context.prepare(1000);
  assert.equal(context.signal, signal);
  context.prepare(1001);
  assert.equal(context.controller(), undefined);
  assert.notEqual(context.signal, signal);
});
