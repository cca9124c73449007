import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { planeOf } from '../../src/image/plane.js';
import { cubicKernel, resizeBicubic } from '../../src/image/resize-bicubic.js';
import { resizeCubicCv2, resizeCubicCv2Uint8 } from '../../src/image/resize-cv2.js';
import { resizeNearest } from '../../src/image/resize-nearest.js';

// Outputs of torch / cv2 on random images (scripts/fixtures/bicubic-fixtures.py).
const fixture = JSON.parse(readFileSync(new URL('../fixtures/bicubic/resize.json', import.meta.url), 'utf8'));
const floats = (b64: string) => new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).slice().buffer);

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// Values are in [0,1] (overshoot up to ~1.3): float32 rounding of the reference's own sums is ~1e-7.
const TOL = 1.5e-6;

for (const c of fixture.cases) {
  const label = `${c.inW}x${c.inH} -> ${c.outW}x${c.outH}${c.scaleFactor ? ` (scale_factor ${c.scaleFactor})` : ''}`;
  const input = planeOf(c.inW, c.inH, floats(c.input));
  const sf = c.scaleFactor ?? undefined;
  test(`torch bicubic ${label}`, () => {
    const out = resizeBicubic(input, c.outW, c.outH, { scaleFactor: sf });
    assert.ok(maxAbsDiff(out.data, floats(c.torchBicubic)) < TOL, `max diff ${maxAbsDiff(out.data, floats(c.torchBicubic))}`);
  });
  test(`torch bicubic antialias ${label}`, () => {
    const out = resizeBicubic(input, c.outW, c.outH, { antialias: true, scaleFactor: sf });
    const d = maxAbsDiff(out.data, floats(c.torchBicubicAntialias));
    assert.ok(d < TOL, `max diff ${d}`);
  });
  test(`torch nearest ${label}`, () => {
    const out = resizeNearest(input, c.outW, c.outH, { scaleFactor: sf });
    assert.deepEqual(out.data, floats(c.torchNearest));
  });
  if (c.cv2Cubic) {
    test(`cv2 INTER_CUBIC ${label}`, () => {
      const out = resizeCubicCv2(input, c.outW, c.outH);
      const d = maxAbsDiff(out.data, floats(c.cv2Cubic));
      assert.ok(d < TOL, `max diff ${d}`);
    });
  }
}

for (const c of fixture.cv2Uint8) {
  test(`cv2 INTER_CUBIC on uint8, bit for bit: ${c.inW}x${c.inH} -> ${c.outW}x${c.outH}`, () => {
    const input = planeOf(c.inW, c.inH, new Uint8Array(Buffer.from(c.input, 'base64')));
    const out = resizeCubicCv2Uint8(input, c.outW, c.outH);
    assert.deepEqual(out.data, new Uint8Array(Buffer.from(c.output, 'base64')));
  });
}

test('the cubic kernel interpolates (1 at 0, 0 at integers) and its 4 taps sum to 1', () => {
  for (const a of [-0.5, -0.75]) {
    assert.equal(cubicKernel(0, a), 1);
    for (const x of [1, 2, -1, 3]) assert.equal(cubicKernel(x, a), 0);
    for (const t of [0.1, 0.37, 0.5, 0.9]) {
      const s = cubicKernel(t + 1, a) + cubicKernel(t, a) + cubicKernel(1 - t, a) + cubicKernel(2 - t, a);
      assert.ok(Math.abs(s - 1) < 1e-12);
    }
  }
  // the two PyTorch kernels differ: this is why antialias=True changes an *up*scale too
  assert.notEqual(cubicKernel(0.5, -0.5), cubicKernel(0.5, -0.75));
});

test('a constant image stays constant under every resize; nearest keeps uint8', () => {
  const c = planeOf(7, 5, new Float32Array(35).fill(0.25));
  for (const [w, h] of [[14, 10], [3, 2], [56, 40]]) {
    for (const out of [resizeBicubic(c, w, h), resizeBicubic(c, w, h, { antialias: true }), resizeCubicCv2(c, w, h)]) {
      assert.ok(out.data.every((v) => Math.abs(v - 0.25) < 1e-7));
    }
  }
  const u = resizeNearest(planeOf(2, 1, Uint8Array.of(3, 9)), 4, 2);
  assert.ok(u.data instanceof Uint8Array);
  assert.deepEqual(Array.from(u.data), [3, 3, 9, 9, 3, 3, 9, 9]);
});
