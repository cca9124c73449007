// The relative-position index (Swin's relative_position_index, Omni-SR's rel_pos_indices) on small windows,
// against values worked out by hand, and the bias gathered from a table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../src/engine/index.js';
import { relativePositionBias, relativePositionIndex } from '../../../src/models/blocks/relative-position.js';

test('relativePositionIndex: (dy + wh − 1)·(2ww − 1) + (dx + ww − 1) for every token pair', () => {
  // 2×2 window, tokens (0,0) (0,1) (1,0) (1,1); the 3×3 table's centre (row 4) is "same position".
  assert.deepEqual(Array.from(relativePositionIndex(2, 2), Number), [4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4]);
  // 1×3 window: only dx, rows 0..4 of a 1×5 table.
  assert.deepEqual(Array.from(relativePositionIndex(1, 3), Number), [2, 1, 0, 3, 2, 1, 4, 3, 2]);
});

test('relativePositionBias: [heads, N, N] rows of the table', async () => {
  const table = E.input('t', [9, 2]);
  const bias = relativePositionBias(table, 2, 2);
  assert.deepEqual(bias.shape, [2, 4, 4]);
  const s = await E.Session.create(E.toOnnx({ inputs: [table], outputs: [['b', bias]] }), { threads: 1 });
  const data = Float32Array.from({ length: 18 }, (_, i) => i);
  const out = await s.runHost({ t: { shape: [9, 2], data } });
  await s.release();
  const index = Array.from(relativePositionIndex(2, 2), Number);
  const want = [0, 1].flatMap((h) => index.map((r) => data[r * 2 + h]!));
  assert.deepEqual(Array.from(out.b!.data as Float32Array), want);
  assert.throws(() => relativePositionBias(table, 3, 3), /needs 25 table rows/);
});
