import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planeOf, type Plane } from '../../src/image/plane.js';
import { resizeCubicCv2 } from '../../src/image/resize-cv2.js';
import { buildTileModel, fieldBounds } from '../../src/sim/band.js';
import { bleachFactors } from '../../src/sim/bleach.js';
import { defaultSimParams, psfSigmaHrPx } from '../../src/sim/params.js';
import { simulateTile, type SimulatedTile } from '../../src/sim/tile.js';

const params = defaultSimParams();
const SIZE = 1024;
// Three tiles shared by the tests below (about a second each).
const tiles: SimulatedTile[] = [1, 2, 3].map((id) => simulateTile(params, 5, id, SIZE));

const fraction = (p: Plane, pred: (v: number) => boolean) => {
  let n = 0;
  for (const v of p.data) if (pred(v)) n++;
  return n / p.data.length;
};

test('HR foreground (>= 4) per marker is near the paper Table 6 averages', () => {
  const targets = [0.1472, 0.2255, 0.2574];
  targets.forEach((target, k) => {
    const mean = tiles.reduce((a, t) => a + fraction(t.hr[k]!, (v) => v >= 4), 0) / tiles.length;
    assert.ok(Math.abs(mean - target) < 0.05, `CELL${k}: foreground ${mean.toFixed(3)}, paper ${target}`);
  });
  // and the markers keep the paper's order: survivin < E-cadherin < H2B
  const means = [0, 1, 2].map((k) => tiles.reduce((a, t) => a + fraction(t.hr[k]!, (v) => v >= 4), 0));
  assert.ok(means[0]! < means[1]! && means[1]! < means[2]!, `foreground order ${means}`);
});

test('sizes: HR PX, LR PX/2, PX/4, PX/8 (floored), 3 uint8 planes each', () => {
  const t = simulateTile(params, 5, 4, 331);
  assert.deepEqual(t.hr.map((p) => [p.width, p.height]), [[331, 331], [331, 331], [331, 331]]);
  assert.deepEqual([2, 4, 8].map((s) => t.lr[s as 2 | 4 | 8][0]!.width), [165, 82, 41]);
  for (const p of [...t.hr, ...t.lr[8]]) assert.ok(p.data instanceof Uint8Array);
});

/** Mean |4-neighbour Laplacian| over a plane's interior. */
function meanAbsLaplacian(p: Plane): number {
  let s = 0;
  const w = p.width;
  for (let y = 1; y < p.height - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      s += Math.abs(p.data[i - 1]! + p.data[i + 1]! + p.data[i - w]! + p.data[i + w]! - 4 * p.data[i]!);
    }
  }
  return s / ((p.height - 2) * (w - 2));
}

test('real LR is noisier than bicubic-downscaled HR, and differs from it mostly on cells', () => {
  for (const t of tiles) {
    for (const k of [0, 1, 2]) {
      const real = t.lr[2][k]!;
      const bicubic = resizeCubicCv2(t.hr[k]!, real.width, real.height);
      const rounded = planeOf(real.width, real.height, Uint8Array.from(bicubic.data, (v) => Math.min(255, Math.max(0, Math.round(v)))));
      const lapReal = meanAbsLaplacian(real), lapBicubic = meanAbsLaplacian(rounded);
      assert.ok(lapReal > 1.3 * lapBicubic, `tile ${t.tileId} CELL${k}: |Laplacian| real ${lapReal.toFixed(2)} vs bicubic ${lapBicubic.toFixed(2)}`);
      // foreground mask from the HR CELL2 tile (cells), sampled at the LR pixel centres
      let inside = 0, nIn = 0, outside = 0, nOut = 0;
      for (let y = 0; y < real.height; y++) {
        for (let x = 0; x < real.width; x++) {
          const diff = Math.abs(real.data[y * real.width + x]! - rounded.data[y * real.width + x]!);
          const cell = t.hr[2]!.data[(2 * y) * SIZE + 2 * x]! >= 4;
          if (cell) { inside += diff; nIn++; } else { outside += diff; nOut++; }
        }
      }
      const ratio = inside / nIn / (outside / nOut);
      assert.ok(ratio > 3, `tile ${t.tileId} CELL${k}: mean |real - bicubic| inside cells / outside = ${ratio.toFixed(2)}`);
    }
  }
});

/**
 * Brute-force shift estimate of one LR field against the HR image: for each candidate (dy, dx) on a 0.25 px
 * grid, predict the LR field from HR by the documented sampling (bilinear HR at Y*s + (s-1)/2 + dy, mean of s
 * samples along x from X*s + dx), fit a gain (bleaching), keep the least squares.
 */
function estimateShift(hr: Plane, lr: Plane, s: number, rows: [number, number], cols: [number, number]): [number, number] {
  const at = (y: number, x: number) => {
    const yi = Math.min(hr.height - 2, Math.max(0, Math.floor(y))), xi = Math.min(hr.width - 2, Math.max(0, Math.floor(x)));
    const fy = y - yi, fx = x - xi, i = yi * hr.width + xi, d = hr.data;
    return (1 - fy) * ((1 - fx) * d[i]! + fx * d[i + 1]!) + fy * ((1 - fx) * d[i + hr.width]! + fx * d[i + hr.width + 1]!);
  };
  let best = Infinity, arg: [number, number] = [0, 0];
  for (let dy = -5; dy <= 5; dy += 0.25) {
    for (let dx = -5; dx <= 5; dx += 0.25) {
      let sxy = 0, sxx = 0, syy = 0;
      for (let Y = rows[0]; Y < rows[1]; Y++) {
        for (let X = cols[0]; X < cols[1]; X++) {
          let pred = 0;
          for (let k = 0; k < s; k++) pred += at(Y * s + (s - 1) / 2 + dy, X * s + k + dx);
          pred /= s;
          const obs = lr.data[Y * lr.width + X]!;
          sxy += pred * obs; sxx += pred * pred; syy += obs * obs;
        }
      }
      const residual = syy - (sxy * sxy) / sxx;
      if (residual < best) { best = residual; arg = [dy, dx]; }
    }
  }
  return arg;
}

test('the LR stage shifts in truth are recoverable from the pixels, sign and magnitude', () => {
  const t = tiles[0]!;
  const model = buildTileModel(params, 5, 1, SIZE);
  const s = 2;
  const lrBounds = fieldBounds(Math.floor(SIZE / s), params.fieldsPerSide);
  // the 3 fields with most H2B signal, away from the tile border
  const fields: Array<[number, number, number]> = [];
  for (let fy = 1; fy < 9; fy++) {
    for (let fx = 1; fx < 9; fx++) {
      let sum = 0;
      for (let Y = lrBounds[fy]!; Y < lrBounds[fy + 1]!; Y++) for (let X = lrBounds[fx]!; X < lrBounds[fx + 1]!; X++) sum += t.lr[s][2]!.data[Y * (SIZE / s) + X]!;
      fields.push([sum, fy, fx]);
    }
  }
  fields.sort((a, b) => b[0] - a[0]);
  let largest = 0;
  for (const [, fy, fx] of fields.slice(0, 3)) {
    const truth = model.shifts[s][fy]![fx]!;
    const [dy, dx] = estimateShift(t.hr[2]!, t.lr[s][2]!, s, [lrBounds[fy]!, lrBounds[fy + 1]!], [lrBounds[fx]!, lrBounds[fx + 1]!]);
    assert.ok(Math.abs(dy - truth.dyHrPx) <= 0.5 && Math.abs(dx - truth.dxHrPx) <= 0.5,
      `field (${fy},${fx}): estimated (${dy}, ${dx}), truth (${truth.dyHrPx}, ${truth.dxHrPx})`);
    largest = Math.max(largest, Math.abs(truth.dyHrPx), Math.abs(truth.dxHrPx));
  }
  // a sign error would put the estimate 2|shift| away: make sure the fields tested have a shift worth the name
  assert.ok(largest >= 0.75, `the fields tested have shifts of at most ${largest} px: pick another seed`);
  // shifts are a fraction of a micron and vary smoothly: neighbouring fields differ by much less than the range
  const grid = model.shifts[s];
  const maxUm = (params.stage.offsetMaxUm + params.stage.driftAmplitudeUm) / params.pixelSizeHrUm;
  for (let fy = 0; fy < 10; fy++) {
    for (let fx = 0; fx < 10; fx++) {
      assert.ok(Math.abs(grid[fy]![fx]!.dyHrPx) <= maxUm && Math.abs(grid[fy]![fx]!.dxHrPx) <= maxUm);
      if (fx > 0) assert.ok(Math.abs(grid[fy]![fx]!.dxHrPx - grid[fy]![fx - 1]!.dxHrPx) < 0.2 * maxUm);
    }
  }
});

test('deterministic per seed and tile; tiles are independent of each other; seeds differ', () => {
  const again = simulateTile(params, 5, 2, SIZE);
  assert.deepEqual(again.hr[1]!.data, tiles[1]!.hr[1]!.data);
  assert.deepEqual(again.lr[8][0]!.data, tiles[1]!.lr[8][0]!.data);
  const otherSeed = simulateTile(params, 6, 2, 256);
  const sameSeedSmall = simulateTile(params, 5, 2, 256);
  assert.notDeepEqual(otherSeed.hr[2]!.data, sameSeedSmall.hr[2]!.data);
});

test('physics: PSF widths follow the emission wavelength; bleaching is monotone in acquisition order', () => {
  // sigma = 0.21 lambda / NA, in HR pixels of 0.156289 um
  assert.ok(Math.abs(psfSigmaHrPx(params, 'survivin') - (0.21 * 0.52) / 0.8 / 0.156289) < 1e-9);
  assert.ok(psfSigmaHrPx(params, 'survivin') < psfSigmaHrPx(params, 'h2b'));
  for (const b of Object.values(bleachFactors(params))) {
    assert.ok(b.hr <= 1 && b.lr['2']! < b.hr && b.lr['4']! < b.lr['2']! && b.lr['8']! < b.lr['4']!);
  }
});
