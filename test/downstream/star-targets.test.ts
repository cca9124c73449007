import { test } from 'node:test';
import assert from 'node:assert/strict';
import { edtProb, rayAngles, starDist } from '../../src/downstream/star-targets.js';

const R = 32;

/** A label image of one object: pixels where `inside(y, x)`. */
function shape(size: number, inside: (y: number, x: number) => boolean): Uint16Array {
  const lab = new Uint16Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (inside(y, x)) lab[y * size + x] = 1;
  return lab;
}

test('ray distances of a disc from its centre: StarDist stepping ends half a pixel past the last inside pixel', () => {
  const n = 41, c = 20;
  const disc = shape(n, (y, x) => (y - c) ** 2 + (x - c) ** 2 <= 100); // radius 10, pixel centres
  const d = starDist(disc, n, n, R).subarray((c * n + c) * R, (c * n + c + 1) * R);
  // along the axes the last inside pixel is at 10: the boundary is put at 10.5
  for (const k of [0, 8, 16, 24]) assert.ok(Math.abs(d[k]! - 10.5) < 1e-5, `ray ${k}: ${d[k]}`);
  // 45°: steps of (√½, √½) leave the disc at step 11 (rounded (8, 8): 128 > 100), stepped back by 1 − ½/√½
  assert.ok(Math.abs(d[4]! - (11 - (1 - 0.5 / Math.SQRT1_2))) < 1e-4, `ray 4: ${d[4]}`);
  // every ray lies within a pixel of the disc's radius
  for (let k = 0; k < R; k++) assert.ok(Math.abs(d[k]! - 10.5) < 1, `ray ${k}: ${d[k]}`);
});

test('ray distances of a square follow its sides, stop at the image border, and are 0 on the background', () => {
  const n = 31, c = 15;
  const square = shape(n, (y, x) => Math.abs(y - c) <= 6 && Math.abs(x - c) <= 6);
  const all = starDist(square, n, n, R);
  const d = all.subarray((c * n + c) * R, (c * n + c + 1) * R);
  const phis = rayAngles(R);
  for (let k = 0; k < R; k++) {
    const exact = 6.5 / Math.max(Math.abs(Math.sin(phis[k]!)), Math.abs(Math.cos(phis[k]!)));
    assert.ok(Math.abs(d[k]! - exact) < 0.75, `ray ${k}: ${d[k]} vs the side at ${exact}`);
  }
  // ray 0 points along +column (cos 0 = 1), ray 8 along +row (sin π/2 = 1): from a point off-centre they differ
  const off = all.subarray((c * n + c + 3) * R, (c * n + c + 4) * R);
  assert.ok(Math.abs(off[0]! - 3.5) < 1e-5 && Math.abs(off[16]! - 9.5) < 1e-5 && Math.abs(off[8]! - 6.5) < 1e-5, `${off[0]} ${off[16]} ${off[8]}`);
  assert.ok(all.subarray(0, R).every((v) => v === 0));
  // an object filling the image: its rays end at the image border
  const full = starDist(new Uint16Array(9 * 9).fill(3), 9, 9, 4);
  assert.deepEqual(Array.from(full.subarray((4 * 9 + 4) * 4, (4 * 9 + 5) * 4)).map((v) => Math.round(v * 1e4) / 1e4), [4.5, 4.5, 4.5, 4.5]);
  // the grid samples every other pixel, distances still in full-resolution pixels
  const grid = starDist(square, n, n, R, 2);
  assert.equal(grid.length, 16 * 16 * R);
  const g = (8 * 16 + 8) * R; // grid point (8, 8) = pixel (16, 16)
  assert.deepEqual(Array.from(grid.subarray(g, g + R)), Array.from(all.subarray((16 * n + 16) * R, (16 * n + 17) * R)));
});

test('edt probability: 1 at an object centre, its distance to the nearest other pixel elsewhere, the image border not background', () => {
  const n = 21;
  const square = shape(n, (y, x) => Math.abs(y - 10) <= 4 && Math.abs(x - 10) <= 4);
  const p = edtProb(square, n, n);
  assert.equal(p[10 * n + 10], 1);
  // an edge pixel is 1 from the background, the centre 5
  assert.ok(Math.abs(p[10 * n + 6]! - 1 / 5) < 1e-6, `${p[10 * n + 6]}`);
  assert.ok(Math.abs(p[8 * n + 8]! - 3 / 5) < 1e-6, `${p[8 * n + 8]}`);
  assert.equal(p[0], 0);
  // two touching objects: each is background for the other
  const two = new Uint16Array(n * n);
  for (let y = 5; y < 15; y++) for (let x = 2; x < 19; x++) two[y * n + x] = x < 10 ? 1 : 2;
  const q = edtProb(two, n, n);
  assert.ok(q[10 * n + 9]! < 0.3 && q[10 * n + 10]! < 0.3, `${q[10 * n + 9]} ${q[10 * n + 10]}`);
  // an object cut by the image border keeps its largest value inside, not at the border
  const cut = shape(n, (y, x) => x <= 4 && Math.abs(y - 10) <= 6);
  const r = edtProb(cut, n, n);
  assert.ok(Math.abs(r[10 * n + 0]! - 1) < 1e-6, `${r[10 * n]}`);
  // grid: every other pixel
  assert.equal(edtProb(square, n, n, 2).length, 11 * 11);
  assert.equal(edtProb(square, n, n, 2)[5 * 11 + 5], 1);
});
