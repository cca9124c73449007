import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PearsonSums } from '../../src/util/pearson.js';

test('PearsonSums matches the two-pass formula, and is 0 for constant or too few samples', () => {
  const a = [1, 4, 2, 8, 5, 7];
  const b = [2, 3, 3, 9, 4, 6];
  const sums = new PearsonSums();
  a.forEach((v, i) => sums.add(v, b[i]!));
  const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const ma = mean(a);
  const mb = mean(b);
  let cov = 0;
  let va = 0;
  let vb = 0;
  a.forEach((v, i) => {
    cov += (v - ma) * (b[i]! - mb);
    va += (v - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  });
  assert.ok(Math.abs(sums.value() - cov / Math.sqrt(va * vb)) < 1e-12);
  const constant = new PearsonSums();
  [1, 2, 3].forEach((v) => constant.add(v, 5));
  assert.equal(constant.value(), 0);
  const single = new PearsonSums();
  single.add(1, 2);
  assert.equal(single.value(), 0);
});
