// The TV-L1 port and the seed-compat pipeline against scikit-image 0.19 / the original Python
// (fixtures from scripts/fixtures/tvl1-fixtures.py; no Python needed here).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { planeOf } from '../../src/image/plane.js';
import { registerWindowSeedCompat } from '../../src/prep/register.js';
import { nearestUpsample, roundHalfEven } from '../../src/prep/registration/seed-compat.js';
import { grid, unitFloat32 } from '../../src/prep/registration/skimage-ops.js';
import { opticalFlowTvl1 } from '../../src/prep/registration/tvl1.js';

const dir = new URL('../fixtures/tvl1/', import.meta.url);
interface Case {
  name: string;
  size: number;
  scale: number;
  meanV: number;
  meanU: number;
  roundedV: number;
  roundedU: number;
  flowV: { std: number; samples: number[] };
  flowU: { std: number; samples: number[] };
  registered: { rows: number; cols: number };
}
const meta = JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8')) as { marginHrPx: number; cases: Case[] };
const load = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));

// Every float32 operation of skimage is mirrored with Math.fround, so the flows agree bit for bit on this machine;
// 1e-5 px leaves room for a last-ulp difference in Math.exp (Gaussian weights) or in the bilinear sum order of
// scipy, which float32 storage then amplifies through 5 pyramid levels × 5 warps × 10 iterations.
const FLOW_TOL_PX = 1e-5;

for (const c of meta.cases) {
  test(`TV-L1 flow matches skimage on ${c.name}`, () => {
    const hr = planeOf(c.size, c.size, load(`${c.name}_hr.u8`));
    const lr = planeOf(c.size / c.scale, c.size / c.scale, load(`${c.name}_lr.u8`));
    const up = nearestUpsample(lr, c.scale);
    const flow = opticalFlowTvl1(grid(c.size, c.size, unitFloat32(hr.data, 255)), grid(c.size, c.size, unitFloat32(up.data, 255)));
    const n = c.size * c.size;
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / n;
    assert.ok(Math.abs(mean(flow.v) - c.meanV) < FLOW_TOL_PX, `mean v ${mean(flow.v)} vs ${c.meanV}`);
    assert.ok(Math.abs(mean(flow.u) - c.meanU) < FLOW_TOL_PX, `mean u ${mean(flow.u)} vs ${c.meanU}`);
    const step = Math.floor(n / 16);
    c.flowV.samples.forEach((v, k) => assert.ok(Math.abs(flow.v[k * step]! - v) < 1e-4, `v sample ${k}`));
    c.flowU.samples.forEach((u, k) => assert.ok(Math.abs(flow.u[k * step]! - u) < 1e-4, `u sample ${k}`));
  });

  test(`seed-compat shift and registered LR equal the original's on ${c.name}`, () => {
    const hr = planeOf(c.size, c.size, load(`${c.name}_hr.u8`));
    const lr = planeOf(c.size / c.scale, c.size / c.scale, load(`${c.name}_lr.u8`));
    const { registeredLr, shift } = registerWindowSeedCompat(hr, lr, c.scale, meta.marginHrPx);
    assert.deepEqual([registeredLr.height, registeredLr.width], [c.registered.rows, c.registered.cols]);
    assert.deepEqual(registeredLr.data, load(`${c.name}_registered.u8`));
    // register.ts reports −flow (the LR pixel's position offset, truth.json's convention).
    assert.deepEqual([shift.dyHrPx, shift.dxHrPx], [0 - c.roundedV, 0 - c.roundedU]);
    assert.ok(shift.confidence > 0.5 && shift.confidence <= 1, `confidence ${shift.confidence}`);
  });
}

test('rounding follows Python: halves to even', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.49, -2.51].map(roundHalfEven), [0, 2, 2, -0, -2, -2, 2, -3]);
});
