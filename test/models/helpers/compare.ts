import assert from 'node:assert/strict';

/** The largest |a[i] − b[i]| of two same-length arrays (a model's output against a reference's). */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
