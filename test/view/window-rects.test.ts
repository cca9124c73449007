// The viewer's window runs: what is read around the visible window (its halo, the start aligned for window models).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { windowRects } from '../../web/window-rects.js';

test("a window run reads the halo around what it keeps, starting at a multiple of a window model's alignment", () => {
  const lr = { width: 200, height: 100 };
  const hr = { x: 100, y: 60, width: 40, height: 20 };
  assert.deepEqual(windowRects(hr, 2, lr, 20), { keep: { x: 50, y: 30, width: 20, height: 10 }, read: { x: 30, y: 10, width: 60, height: 50 } });
  // SwinIR-like: reads start at multiples of 8, the kept part still at least the halo inside.
  assert.deepEqual(windowRects(hr, 2, lr, 20, 8), { keep: { x: 50, y: 30, width: 20, height: 10 }, read: { x: 24, y: 8, width: 66, height: 52 } });
  assert.deepEqual(windowRects({ x: 0, y: 0, width: 8, height: 8 }, 2, lr, 20, 8).read, { x: 0, y: 0, width: 24, height: 24 });
});
