// Default (sub-pixel) registration: sign convention, accuracy on synthetic pairs with known shifts, application.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BRIGHTNESS, type Brightness, shiftedPair } from '../../bench/register-scene.js';
import { SrcacoError } from '../../src/errors.js';
import { type Plane, planeOf } from '../../src/image/plane.js';
import { applyShift, estimateShift, estimateShiftJoint, registerWindow } from '../../src/prep/register.js';
import { areaDownsample } from '../../src/prep/registration/resample.js';
import { Rng } from '../../src/util/random.js';

/** out(y, x) = src(y − sy, x − sx): content moved by (+sy, +sx) whole pixels, edges repeated. */
function rollContent(src: Plane, sy: number, sx: number): Plane<Float32Array> {
  const out = new Float32Array(src.width * src.height);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < src.width; x++) {
      const yy = Math.min(src.height - 1, Math.max(0, y - sy));
      const xx = Math.min(src.width - 1, Math.max(0, x - sx));
      out[y * src.width + x] = src.data[yy * src.width + xx]!;
    }
  }
  return planeOf(src.width, src.height, out);
}

test('sign: LR content moved one LR pixel down and two left is a shift of (−s, +2s) HR px in both modes', () => {
  const scale = 4;
  const { hr } = shiftedPair(new Rng(7), { sizeHrPx: 320, scale, dyHrPx: 0, dxHrPx: 0, brightness: 'bright' });
  const box = areaDownsample(hr, scale);
  const lrFloat = rollContent(planeOf(box.width, box.height, box.data), 1, -2);
  const lr = planeOf(lrFloat.width, lrFloat.height, Uint8Array.from(lrFloat.data, (v) => Math.round(v)));
  const est = estimateShift(hr, lr, scale);
  // lr(P) = box(P − (1, −2)) = box(P + shift/s) with shift = (−4, +8): the LR pixel looks 1 LR px up, 2 right.
  assert.ok(Math.abs(est.dyHrPx + 4) < 0.1 && Math.abs(est.dxHrPx - 8) < 0.1, `default ${est.dyHrPx}, ${est.dxHrPx}`);
  assert.ok(est.confidence > 0.95, `confidence ${est.confidence}`);
  const seed = estimateShift(hr, lr, scale, { mode: 'seed-compat' });
  assert.deepEqual([seed.dyHrPx, seed.dxHrPx], [-4, 8]);
});

test('default mode: median error <= 0.05 LR px at x2, x4, x8 on pairs with known sub-pixel shifts', () => {
  const rng = new Rng(2024);
  for (const scale of [2, 4, 8]) {
    for (const brightness of Object.keys(BRIGHTNESS) as Brightness[]) {
      const errorsLrPx: number[] = [];
      for (let k = 0; k < 3; k++) {
        const dy = (rng.uniform() * 2 - 1) * 2.5 * scale;
        const dx = (rng.uniform() * 2 - 1) * 2.5 * scale;
        const { hr, lr } = shiftedPair(rng.fork(k), { sizeHrPx: 640, scale, dyHrPx: dy, dxHrPx: dx, brightness });
        const est = estimateShift(hr, lr, scale);
        errorsLrPx.push(Math.abs(est.dyHrPx - dy) / scale, Math.abs(est.dxHrPx - dx) / scale);
        assert.ok(est.confidence > 0.3 && est.confidence <= 1, `confidence ${est.confidence}`);
      }
      errorsLrPx.sort((a, b) => a - b);
      const median = (errorsLrPx[2]! + errorsLrPx[3]!) / 2;
      assert.ok(median <= 0.05, `x${scale} ${brightness}: median |error| ${median.toFixed(4)} LR px`);
      assert.ok(errorsLrPx[5]! < 0.25, `x${scale} ${brightness}: worst |error| ${errorsLrPx[5]} LR px`);
    }
  }
});

test('applyShift moves content by whole pixels exactly and registers a sub-pixel pair to ~0 residual shift', () => {
  const scale = 2;
  const { hr, lr } = shiftedPair(new Rng(11), { sizeHrPx: 320, scale, dyHrPx: 3.3, dxHrPx: -1.7, brightness: 'bright' });
  // Integer LR shift: bicubic weights are (0, 1, 0, 0), so the interior equals lr(P − shift/s) exactly.
  const moved = applyShift(lr, { dyHrPx: 2 * scale, dxHrPx: -3 * scale }, scale);
  assert.ok(moved.data instanceof Uint8Array);
  for (let y = 5; y < lr.height - 5; y++) {
    for (let x = 5; x < lr.width - 5; x++) assert.equal(moved.data[y * lr.width + x], lr.data[(y - 2) * lr.width + x + 3]);
  }
  const est = estimateShift(hr, lr, scale);
  const registered = applyShift(lr, est, scale);
  const residual = estimateShift(hr, registered, scale);
  assert.ok(Math.hypot(residual.dyHrPx, residual.dxHrPx) < 0.1, `residual ${residual.dyHrPx}, ${residual.dxHrPx}`);
});

test('registerWindow crops the margin from HR and LR in both modes', () => {
  const scale = 8;
  const { hr, lr } = shiftedPair(new Rng(3), { sizeHrPx: 256, scale, dyHrPx: 8.4, dxHrPx: 0, brightness: 'medium' });
  for (const mode of ['default', 'seed-compat'] as const) {
    const w = registerWindow(hr, lr, scale, { mode });
    assert.deepEqual([w.hr.width, w.hr.height, w.registeredLr.width, w.registeredLr.height], [128, 128, 16, 16]);
    assert.deepEqual(w.hr.data.subarray(0, 128), hr.data.subarray(64 * 256 + 64, 64 * 256 + 192));
    // 32×32 LR pixels only: a plumbing check, not an accuracy one (TV-L1 underestimates on so small a window).
    assert.ok(Math.abs(w.shift.dyHrPx - 8.4) < (mode === 'default' ? 1 : 3), `${mode}: dy ${w.shift.dyHrPx}`);
    if (mode === 'seed-compat') assert.ok(Number.isInteger(w.shift.dyHrPx) && Number.isInteger(w.shift.dxHrPx));
  }
});

test('joint shift of several markers: inverse-variance weighted, at least as precise as the best plane', () => {
  const scale = 8;
  const rng = new Rng(77);
  const [dy, dx] = [5.3, -9.1];
  const planes = (['dim', 'medium', 'bright'] as const).map((brightness, k) => shiftedPair(rng.fork(k), { sizeHrPx: 640, scale, dyHrPx: dy, dxHrPx: dx, brightness }));
  const single = planes.map((p) => estimateShift(p.hr, p.lr, scale));
  const joint = estimateShiftJoint(planes.map((p) => p.hr), planes.map((p) => p.lr), scale);
  const w = single.map((e) => 1 / e.stdErrHrPx! ** 2);
  const expectDy = single.reduce((a, e, k) => a + w[k]! * e.dyHrPx, 0) / w.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(joint.dyHrPx - expectDy) < 1e-9);
  assert.ok(joint.stdErrHrPx! < Math.min(...single.map((e) => e.stdErrHrPx!)));
  assert.ok(single[0]!.stdErrHrPx! > single[2]!.stdErrHrPx!, 'the dim plane must be the least precise');
  assert.ok(Math.abs(joint.dyHrPx - dy) / scale < 0.05 && Math.abs(joint.dxHrPx - dx) / scale < 0.05, `joint ${joint.dyHrPx}, ${joint.dxHrPx}`);
  assert.throws(() => estimateShiftJoint([planes[0]!.hr], [], scale), SrcacoError);
});

test('mismatched sizes and bad scales are user errors', () => {
  const hr = planeOf(64, 64, new Uint8Array(64 * 64));
  const lr = planeOf(16, 16, new Uint8Array(16 * 16));
  assert.throws(() => estimateShift(hr, lr, 2), (e: unknown) => e instanceof SrcacoError && e.kind === 'data' && /times the scale 2/.test(e.message));
  assert.throws(() => estimateShift(hr, lr, 2.5), (e: unknown) => e instanceof SrcacoError && e.kind === 'usage');
  assert.throws(() => registerWindow(hr, lr, 4, { marginHrPx: 6 }), (e: unknown) => e instanceof SrcacoError && /multiple of the scale/.test(e.message));
});
