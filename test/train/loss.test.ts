// Training losses: values and gradients against PyTorch (float64, the original's 2-D window code) and central
// finite differences; the registry's names and its error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';
import { SrcacoError } from '../../src/errors.js';
import { LOSS_NAMES, charbonnierLoss, lossByName, mseSsimLoss } from '../../src/train/loss.js';
import { gaussianWindow1d, ssimLossTerm } from '../../src/train/loss-ssim.js';
import { gradCheck } from '../engine/gradcheck.js';

interface LossCase {
  shape: number[];
  window: number;
  pred: number[];
  target: number[];
  ssim: number;
  mse: number;
  mse_ssim: number;
  l1: number;
  charbonnier: number;
  grad_mse_ssim: number[];
}
const { cases } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'loss', 'reference.json'), 'utf8')) as { cases: LossCase[] };

/** Every loss of one fixture case and the gradient of MSE − 5·SSIM, from one float32 graph. */
async function evaluate(c: LossCase): Promise<Record<string, E.HostTensor>> {
  const pred = E.input('pred', c.shape);
  const target = E.input('target', c.shape);
  const ssimOptions = { windowSize: c.window };
  const total = mseSsimLoss({ ssim: ssimOptions })(pred, target);
  const outputs: [string, E.Tensor][] = [
    ['ssim', ssimLossTerm(pred, target, ssimOptions)],
    ['mse', lossByName('mse')(pred, target)],
    ['mse_ssim', total],
    ['l1', lossByName('l1')(pred, target)],
    ['charbonnier', lossByName('charbonnier')(pred, target)],
    ['grad', E.grad(total, [pred], await E.compileTarget('cpu', { blockedConvs: false }))[0]!],
  ];
  const session = await E.Session.create(E.toOnnx({ inputs: [pred, target], outputs }), { threads: 1 });
  const out = await session.runHost({ pred: { shape: c.shape, data: Float32Array.from(c.pred) }, target: { shape: c.shape, data: Float32Array.from(c.target) } });
  await session.release();
  return out;
}

for (const c of cases) {
  test(`losses on [${c.shape}] with a ${c.window}-px window match PyTorch, value and gradient`, async () => {
    const out = await evaluate(c);
    for (const key of ['ssim', 'mse', 'mse_ssim', 'l1', 'charbonnier'] as const) {
      const ours = Number(out[key === 'mse_ssim' ? 'mse_ssim' : key]!.data[0]);
      assert.ok(Math.abs(ours - c[key]) <= 2e-6 * Math.max(1, Math.abs(c[key])), `${key}: ${ours} vs torch ${c[key]}`);
    }
    const g = out.grad!.data as Float32Array;
    const scale = Math.max(...c.grad_mse_ssim.map(Math.abs));
    c.grad_mse_ssim.forEach((t, i) => assert.ok(Math.abs(g[i]! - t) <= 1e-4 * scale, `gradient[${i}]: ${g[i]} vs torch ${t}`));
  });
}

test('the protocol loss is MSE − 5·SSIM, minimal (−5) where prediction equals target', async () => {
  const c = cases[0]!;
  const pred = E.input('pred', c.shape);
  const target = E.input('target', c.shape);
  const session = await E.Session.create(E.toOnnx({ inputs: [pred, target], outputs: [['loss', mseSsimLoss()(pred, target)]] }));
  const img = { shape: c.shape, data: Float32Array.from(c.target) };
  const out = await session.runHost({ pred: img, target: img });
  await session.release();
  assert.ok(Math.abs(Number(out.loss!.data[0]) + 5) < 1e-6, `${out.loss!.data[0]}`);
});

test('the Gaussian window is pytorch-ssim\'s: normalised, symmetric, σ 1.5 about the centre', () => {
  const g = gaussianWindow1d(19, 1.5);
  assert.ok(Math.abs(g.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  assert.equal(g[0], g[18]);
  const norm = 1 / (1.5 * Math.sqrt(2 * Math.PI)); // the tails beyond ±9 px are negligible at σ 1.5
  assert.ok(Math.abs(g[9]! - norm) < 1e-6 && Math.abs(g[10]! - norm * Math.exp(-1 / 4.5)) < 1e-6);
});

test('loss gradients match central finite differences', async () => {
  const img = { shape: [2, 1, 12, 12], lo: 0.1, hi: 0.9 };
  const results = await gradCheck(
    [
      { name: 'mse-ssim', inputs: [img, img], fn: (p, t) => mseSsimLoss()(p, t) },
      { name: 'ssim-2ch', inputs: [{ ...img, shape: [1, 2, 10, 10] }, { ...img, shape: [1, 2, 10, 10] }], fn: (p, t) => ssimLossTerm(p, t, { windowSize: 7 }) },
      { name: 'charbonnier', inputs: [img, img], fn: (p, t) => charbonnierLoss(1e-3)(p, t) },
      { name: 'l1', inputs: [img, img], fn: (p, t) => lossByName('l1')(p, t) },
    ],
    'float32',
    2e-3,
  );
  // float32 graphs (ORT has no float64 Conv): the quotient carries ~1e-3 relative rounding noise, so this check is
  // loose; the comparison with PyTorch's float64 gradient above is the tight one.
  for (const r of results) assert.ok(Math.abs(r.analytic - r.numeric) <= 1e-2 * Math.max(0.01, Math.abs(r.numeric)), `${r.name}: analytic ${r.analytic}, numeric ${r.numeric}`);
});

test('an unknown loss name is a usage error that lists the known ones', () => {
  assert.deepEqual(LOSS_NAMES, ['mse-ssim', 'mse', 'l1', 'charbonnier']);
  assert.throws(
    () => lossByName('ssim-mse'),
    (e: unknown) => e instanceof SrcacoError && e.kind === 'usage' && e.message.includes('"ssim-mse"') && e.message.includes('mse-ssim, mse, l1, charbonnier'),
  );
  assert.throws(() => lossByName('toString'), SrcacoError);
});
