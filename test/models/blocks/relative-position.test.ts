// The relative-position index (the original's construction, re-derived here from token offsets) and the bias
// gather, whose VJP scatters onto the table's rows (central differences).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../../../src/engine/index.js';
import { relativePositionBias, relativePositionIndex, relativePositionTableRows } from '../../../src/models/blocks/relative-position.js';
import { gradCheck } from '../../engine/gradcheck.js';

test('the index of a token pair is the row of its (Δy, Δx) offset, each offset its own row', () => {
  const [wh, ww] = [2, 3];
  const index = Array.from(relativePositionIndex(wh, ww), Number);
  const n = wh * ww;
  assert.equal(index.length, n * n);
  const rowOf = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const key = `${Math.floor(i / ww) - Math.floor(j / ww)},${(i % ww) - (j % ww)}`;
      const v = index[i * n + j]!;
      if (rowOf.has(key)) assert.equal(v, rowOf.get(key), key);
      rowOf.set(key, v);
    }
  }
  // Offsets (Δy, Δx) with |Δy| < wh and |Δx| < ww, numbered row-major from (−(wh−1), −(ww−1)).
  assert.equal(rowOf.get(`${-(wh - 1)},${-(ww - 1)}`), 0);
  assert.equal(rowOf.get('0,0'), (wh - 1) * (2 * ww - 1) + ww - 1);
  assert.equal(rowOf.get(`${wh - 1},${ww - 1}`), relativePositionTableRows(wh, ww) - 1);
  assert.equal(new Set(rowOf.values()).size, relativePositionTableRows(wh, ww));
});

test('the bias is [heads, N, N] rows of the table; its VJP matches central differences', async () => {
  const index = E.constant(relativePositionIndex(2, 2), [4, 4], 'int64');
  const bias = relativePositionBias(E.input('t', [9, 3]), index);
  assert.deepEqual(bias.shape, [3, 4, 4]);
  const [r] = await gradCheck([{ name: 'bias', inputs: [{ shape: [9, 3] }], fn: (t) => relativePositionBias(t, index) }], 'float64', 1e-6);
  assert.ok(Math.abs(r!.analytic - r!.numeric) < 1e-8 * Math.max(1, Math.abs(r!.numeric)), `${r!.analytic} vs ${r!.numeric}`);
});
