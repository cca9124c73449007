import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { planeOf } from '../../src/image/plane.js';
import { pairMetrics } from '../../src/metrics/pair-metrics.js';
import { quantizeTo255 } from '../../src/metrics/quantize.js';
import { bicubicBaseline } from '../../src/metrics/bicubic-baseline.js';

// Values computed by the original's formulas in torch (scripts/fixtures/metrics-reference.py).
const fixture = JSON.parse(readFileSync(new URL('../fixtures/metrics/reference.json', import.meta.url), 'utf8'));
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
const floats = (b64: string) => new Float32Array(bytes(b64).slice().buffer);

test('metrics match the original torch code on random pairs (SSIM: torch runs it in float32)', () => {
  for (const c of fixture.cases) {
    const hr = planeOf(c.width, c.height, bytes(c.hr));
    const pred = planeOf(c.width, c.height, floats(c.pred));
    const m = pairMetrics(pred, hr, { scale: c.scale });
    for (const part of ['full', 'roi'] as const) {
      for (const k of ['psnr', 'nrmse', 'mse'] as const) {
        const want = c[part][k];
        assert.ok(Math.abs(m[part][k] - want) <= 1e-12 * Math.max(1, Math.abs(want)), `${part} ${k}: ${m[part][k]} vs ${want}`);
      }
      // the original's formula evaluated in float64 agrees to rounding; the original itself runs in
      // float32, whose cancellation in E[x^2] - mu^2 moves SSIM by a few 1e-6
      assert.ok(Math.abs(m[part].ssim - c[part].ssim64) < 1e-12, `${part} ssim64: ${m[part].ssim} vs ${c[part].ssim64}`);
      assert.ok(Math.abs(m[part].ssim - c[part].ssim) < 1e-5, `${part} ssim: ${m[part].ssim} vs ${c[part].ssim}`);
    }
  }
});

test('quantisation ties round like torch.round on float32 * 255', () => {
  const input = floats(fixture.quantize.input);
  const q = quantizeTo255(planeOf(input.length, 1, input), 'p');
  assert.deepEqual(Array.from(q), fixture.quantize.output);
});

test('the Bicubic baseline end to end (uint8 LR -> antialiased bicubic -> clamp -> metrics) matches torch', () => {
  for (const c of fixture.baseline) {
    const lr = planeOf(c.width / c.scale, c.height / c.scale, bytes(c.lr));
    const hr = planeOf(c.width, c.height, bytes(c.hr));
    const pred = bicubicBaseline(lr, c.scale);
    assert.deepEqual(quantizeTo255(pred, 'p'), bytes(c.pred255));
    const m = pairMetrics(pred, hr, { scale: c.scale });
    for (const k of ['psnr', 'nrmse', 'mse'] as const) assert.ok(Math.abs(m.full[k] - c.full[k]) <= 1e-12 * Math.max(1, c.full[k]), k);
    assert.ok(Math.abs(m.full.ssim - c.full.ssim64) < 1e-12);
  }
});
