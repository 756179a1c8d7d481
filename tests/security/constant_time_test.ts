import { test } from "node:test";
import assert from "node:assert/strict";
import { constantTimeEqual } from "../../src/security/constant_time.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

test("constantTimeEqual: equal arrays, including empty ones", () => {
  assert.equal(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 3)), true);
  assert.equal(constantTimeEqual(bytes(), bytes()), true);
  const big = crypto.getRandomValues(new Uint8Array(64));
  assert.equal(constantTimeEqual(big, big.slice()), true);
});

test("constantTimeEqual: a difference at any position is found", () => {
  const a = crypto.getRandomValues(new Uint8Array(32));
  for (let i = 0; i < a.length; i++) {
    const b = a.slice();
    b[i] ^= 0x80;
    assert.equal(constantTimeEqual(a, b), false, `byte ${i}`);
  }
});

test("constantTimeEqual: different lengths are unequal, even as a prefix or with zero padding", () => {
  assert.equal(constantTimeEqual(bytes(1, 2), bytes(1, 2, 3)), false);
  assert.equal(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2)), false);
  assert.equal(constantTimeEqual(bytes(1, 0), bytes(1)), false);
  assert.equal(constantTimeEqual(bytes(), bytes(0)), false);
});
