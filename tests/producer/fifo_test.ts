import { test } from "node:test";
import assert from "node:assert/strict";
import { Fifo } from "../../src/producer/fifo.ts";

test("Fifo: items come out in the order they went in, across the compactions of a long queue", () => {
  const queue = new Fifo<number>();
  assert.equal(queue.shift(), undefined);
  let next = 0;
  let expected = 0;
  // Interleaved pushes and shifts, so the front is dropped many times while items remain behind it.
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 3000; i++) queue.push(next++);
    for (let i = 0; i < 2000; i++) assert.equal(queue.shift(), expected++);
    assert.equal(queue.length, next - expected);
    assert.equal(queue.first, expected);
  }
  while (queue.length > 0) assert.equal(queue.shift(), expected++);
  assert.equal(expected, next);
  assert.equal(queue.first, undefined);
  queue.push(-1);
  assert.equal(queue.shift(), -1, "an emptied queue takes items again");
});
