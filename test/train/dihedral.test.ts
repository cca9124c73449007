import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dihedral, inverseDihedral, type DihedralMode } from '../../src/train/augment-dihedral.js';

// Independent 2-D arrays and numpy's primitives, composed exactly as the original's augment_img lists them.
type Grid = number[][];
const rot90 = (g: Grid): Grid => g[0]!.map((_, j) => g.map((row) => row[row.length - 1 - j]!)); // numpy: CCW
const flipud = (g: Grid): Grid => [...g].reverse();
const rot = (g: Grid, k: number): Grid => (k === 0 ? g : rot(rot90(g), k - 1));
const original: Array<(g: Grid) => Grid> = [
  (g) => g,
  (g) => flipud(rot90(g)),
  (g) => flipud(g),
  (g) => rot(g, 3),
  (g) => flipud(rot(g, 2)),
  (g) => rot90(g),
  (g) => rot(g, 2),
  (g) => flipud(rot(g, 3)),
];

function grid(w: number, h: number): { data: Float32Array; rows: Grid } {
  const data = Float32Array.from({ length: w * h }, (_, i) => i + 1);
  const rows = Array.from({ length: h }, (_, y) => Array.from(data.subarray(y * w, (y + 1) * w)));
  return { data, rows };
}

test('the 8 modes equal the original augment_img on a non-square image', () => {
  const { data, rows } = grid(5, 3);
  for (let m = 0; m < 8; m++) {
    const got = dihedral(data, 5, 3, m as DihedralMode);
    const want = original[m]!(rows);
    assert.equal(got.height, want.length, `mode ${m} height`);
    assert.equal(got.width, want[0]!.length, `mode ${m} width`);
    assert.deepEqual(Array.from(got.data), want.flat(), `mode ${m}`);
  }
});

test('each mode is undone by its inverse, and the 8 modes are distinct', () => {
  const { data } = grid(4, 4);
  const seen = new Set<string>();
  for (let m = 0; m < 8; m++) {
    const mode = m as DihedralMode;
    const t = dihedral(data, 4, 4, mode);
    seen.add(Array.from(t.data).join(','));
    const back = dihedral(t.data, t.width, t.height, inverseDihedral(mode));
    assert.deepEqual(Array.from(back.data), Array.from(data), `mode ${m}`);
  }
  assert.equal(seen.size, 8);
});

test('a mode commutes with box downsampling, so LR and HR crops stay aligned', () => {
  const s = 2;
  const w = 6;
  const hr = Float32Array.from({ length: w * w }, (_, i) => (i * 37) % 11);
  const box = (a: Float32Array, n: number) => {
    const m = n / s;
    const out = new Float32Array(m * m);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) out[Math.floor(y / s) * m + Math.floor(x / s)]! += a[y * n + x]! / (s * s);
    return out;
  };
  for (let m = 0; m < 8; m++) {
    const mode = m as DihedralMode;
    assert.deepEqual(box(dihedral(hr, w, w, mode).data, w), dihedral(box(hr, w), w / s, w / s, mode).data, `mode ${m}`);
  }
});
