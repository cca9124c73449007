// Performer's orthogonal random features as an init: orthogonal rows within each block, Gaussian row lengths,
// the same draw for the same seed, and initState drawing it from the run's generator.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initState } from '../../src/engine/nn/index.js';
import { gaussianOrthogonalRandomMatrix } from '../../src/engine/nn/orthogonal-random.js';
import { Rng } from '../../src/util/random.js';

const row = (m: Float32Array, cols: number, r: number) => Array.from(m.subarray(r * cols, (r + 1) * cols));
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);

test('orthogonal random features: rows of a block are orthogonal, blocks are independent, the last is truncated', () => {
  const [rows, cols] = [10, 4];
  const m = gaussianOrthogonalRandomMatrix(rows, cols, new Rng(3));
  assert.equal(m.length, rows * cols);
  for (let a = 0; a < rows; a++) {
    for (let b = a + 1; b < rows; b++) {
      const cos = dot(row(m, cols, a), row(m, cols, b)) / Math.sqrt(dot(row(m, cols, a), row(m, cols, a)) * dot(row(m, cols, b), row(m, cols, b)));
      // rows 0-3, 4-7 and 8-9 form blocks: orthogonal within, not across
      if (Math.floor(a / cols) === Math.floor(b / cols)) assert.ok(Math.abs(cos) < 1e-6, `rows ${a}, ${b}: cos ${cos}`);
    }
  }
  const across = dot(row(m, cols, 0), row(m, cols, 4));
  assert.ok(Math.abs(across) > 1e-3, 'rows of different blocks are not orthogonal by construction');
  assert.deepEqual(m, gaussianOrthogonalRandomMatrix(rows, cols, new Rng(3)));
  assert.notDeepEqual(m, gaussianOrthogonalRandomMatrix(rows, cols, new Rng(4)));
});

test('orthogonal random features: squared row lengths have the mean of a Gaussian row (cols)', () => {
  const [rows, cols] = [2048, 8];
  const m = gaussianOrthogonalRandomMatrix(rows, cols, new Rng(11));
  let sum = 0;
  for (let r = 0; r < rows; r++) sum += dot(row(m, cols, r), row(m, cols, r));
  // χ²₈ has mean 8 and standard deviation 4: over 2048 rows the mean is 8 ± 0.09 (one standard error).
  assert.ok(Math.abs(sum / rows - cols) < 0.5, `mean squared length ${sum / rows}`);
});

test('initState draws an orthogonalRandomFeatures buffer from the run generator', () => {
  const specs = { p: { shape: [6, 3], role: 'buffer' as const, init: { kind: 'orthogonalRandomFeatures' as const, rows: 6, cols: 3 } } };
  const state = initState(specs, new Rng(9));
  assert.deepEqual(state.p!.shape, [6, 3]);
  assert.deepEqual(state.p!.data, gaussianOrthogonalRandomMatrix(6, 3, new Rng(9)));
});
