import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planeOf, type Plane } from '../../src/image/plane.js';
import { alignerFor } from '../../src/prep/aligners.js';
import { applyShift, crop, estimateShift, estimateShiftJoint, registerWindow } from '../../src/prep/register.js';
import { blockMean, syntheticTile } from './fixtures.js';

const SIDE = 256; // small windows keep TV-L1 cheap; the 64-px margin still fits

/** The HR plane displaced so that LR pixel (Y, X) sees HR (Y·s + (s−1)/2 + dy, …): hr(p + d), edges repeated. */
function displaced(p: Plane<Uint8Array>, dy: number, dx: number): Plane<Uint8Array> {
  const out = new Uint8Array(p.data.length);
  const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  for (let y = 0; y < p.height; y++) for (let x = 0; x < p.width; x++) out[y * p.width + x] = p.data[clamp(y + dy, p.height) * p.width + clamp(x + dx, p.width)]!;
  return planeOf(p.width, p.height, out);
}

const hr = syntheticTile(SIDE, 11, 30)[1];

test('default mode: one joint shift per window and scale, applied to each marker', async () => {
  const s = 4;
  const lr = hr.map((p) => blockMean(displaced(p, 8, -4), s)); // true shift (8, -4) HR px
  const patches = await alignerFor('default')(hr, lr, s, 'default');
  const joint = estimateShiftJoint(hr, lr, s);
  assert.equal(patches.length, 3);
  for (const [k, p] of patches.entries()) {
    assert.deepEqual(p.shiftHrPx, { dy: joint.dyHrPx, dx: joint.dxHrPx }, `CELL${k}`);
    assert.equal(p.estimator, 'joint');
    assert.deepEqual([p.lrPatch.width, p.lrPatch.height], [(SIDE - 128) / s, (SIDE - 128) / s]);
    // this marker's own LR moved by the joint shift, margin cropped
    assert.deepEqual(p.lrPatch, crop(applyShift(lr[k]!, joint, s), 64 / s));
  }
  assert.ok(Math.abs(joint.dyHrPx - 8) < 0.25 && Math.abs(joint.dxHrPx + 4) < 0.25, `joint ${joint.dyHrPx}, ${joint.dxHrPx}`);
  // the markers alone disagree slightly: the joint value is not simply one of them
  const alone = hr.map((p, k) => estimateShift(p, lr[k]!, s).dyHrPx);
  assert.ok(alone.every((dy) => dy !== joint.dyHrPx));
});

test('seed-compat mode registers every marker on its own, exactly as registerWindow does', async () => {
  const s = 4;
  const lr = hr.map((p, k) => blockMean(displaced(p, 4 * k, 4), s)); // a different shift per marker
  const patches = await alignerFor('seed-compat')(hr, lr, s, 'seed-compat');
  for (const [k, p] of patches.entries()) {
    const want = registerWindow(hr[k]!, lr[k]!, s, { mode: 'seed-compat', marginHrPx: 64 });
    assert.deepEqual(p.lrPatch, want.registeredLr, `CELL${k}`);
    assert.deepEqual(p.shiftHrPx, { dy: want.shift.dyHrPx, dx: want.shift.dxHrPx });
    assert.equal(p.estimator, 'per-marker');
  }
  assert.notDeepEqual(patches[0]!.shiftHrPx, patches[2]!.shiftHrPx);
});
