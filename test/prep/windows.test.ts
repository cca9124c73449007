import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPlane } from '../../src/image/plane.js';
import { acceptsWindow, windowGrid } from '../../src/prep/windows.js';

// The original's loop, transcribed independently: for i in range(0, h, 256): ii = i + 640; if ii >= h: break ...
function pythonLoop(h: number, w: number): string[] {
  const out: string[] = [];
  outer: for (let i = 0; ; i += 256) {
    if (!(i < h)) break;
    if (i + 640 >= h) break outer;
    for (let j = 0; j < w; j += 256) {
      if (j + 640 >= w) break;
      out.push(`${i}_${i + 640}_${j}_${j + 640}`);
    }
  }
  return out;
}

test('the window grid follows the original loop, including its >= stop at the border', () => {
  const cases: Array<[number, number]> = [[640, 640], [641, 641], [896, 897], [1152, 1153], [9318, 9318], [1000, 2000]];
  for (const [h, w] of cases) {
    const got = [...windowGrid(h, w)].map((v) => `${v.i}_${v.ii}_${v.j}_${v.jj}`);
    assert.deepEqual(got, pythonLoop(h, w), `${h}x${w}`);
  }
  assert.equal([...windowGrid(640, 640)].length, 0, 'a 640-px tile has no window: ii = 640 >= h');
  assert.equal([...windowGrid(896, 897)].length, 2, 'row i = 256 ends exactly at 896 = h and is dropped; column j = 256 ends at 896 < 897 and is kept');
  assert.equal([...windowGrid(9318, 9318)].length, 34 * 34);
});

function windowPlane(fill: (y: number, x: number) => number) {
  const p = createPlane(700, 700, 'uint8');
  for (let y = 0; y < 700; y++) for (let x = 0; x < 700; x++) p.data[y * 700 + x] = fill(y, x);
  return p;
}

test('seed-compat tests the central 128 x 128 of the window, default the 512 crop', () => {
  const w = { i: 0, ii: 640, j: 0, jj: 640 };
  // foreground only in the central 128 square: 100 % there, 16384 / 262144 = 6.25 % of the 512 crop
  const centre = windowPlane((y, x) => (y >= 256 && y < 384 && x >= 256 && x < 384 ? 9 : 0));
  assert.equal(acceptsWindow(centre, w, 'seed-compat'), true);
  assert.equal(acceptsWindow(centre, w, 'default'), false);
  // foreground in a ring outside the central 128: 60 % of the crop, 0 % of the centre
  const ring = windowPlane((y, x) => (y >= 64 && y < 576 && x >= 64 && x < 576 && (y < 230 || y >= 410) ? 4 : 3));
  assert.equal(acceptsWindow(ring, w, 'seed-compat'), false);
  assert.equal(acceptsWindow(ring, w, 'default'), true);
});

test('the 20 % threshold is inclusive and counts pixels >= 4 only', () => {
  const w = { i: 0, ii: 640, j: 0, jj: 640 };
  // exactly 20 % of the central 128 rows*cols: 128 * 128 * 0.2 = 3276.8 -> 3277 pixels needed
  const make = (n: number) => {
    const p = createPlane(640, 640, 'uint8');
    let k = 0;
    for (let y = 256; y < 384; y++) for (let x = 256; x < 384; x++) if (k++ < n) p.data[y * 640 + x] = 4;
    for (let y = 0; y < 640; y++) p.data[y * 640] = 3;
    return p;
  };
  assert.equal(acceptsWindow(make(3276), w, 'seed-compat'), false);
  assert.equal(acceptsWindow(make(3277), w, 'seed-compat'), true);
  // the window is taken at its offset in a band (rowOffset) and column j
  const band = createPlane(1200, 700, 'uint8');
  for (let y = 400; y < 528; y++) for (let x = 256 + 512; x < 384 + 512; x++) band.data[y * 1200 + x] = 200;
  assert.equal(acceptsWindow(band, { i: 400, ii: 1040, j: 512, jj: 1152 }, 'seed-compat', 256), true);
  assert.equal(acceptsWindow(band, { i: 400, ii: 1040, j: 256, jj: 896 }, 'seed-compat', 256), false);
  assert.equal(acceptsWindow(band, { i: 256, ii: 896, j: 512, jj: 1152 }, 'seed-compat', 256), false);
});
