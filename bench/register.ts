/**
 * Registration accuracy and speed on synthetic pairs with known shifts (bench/register-scene.ts).
 *   npx tsx bench/register.ts [--size 640] [--pairs 12] [--seed-compat-pairs 3] [--python]
 * Prints one JSON line per (scale, brightness, estimator) with the median/p90 absolute error in LR and HR px and
 * the median time per window; --python also times the original's skimage TV-L1 per window (/usr/bin/python3).
 * Estimators: default (this package), tvl1-mean (−TV-L1 mean flow, unrounded), seed-compat (the shift the original
 * pipeline really applies: the rounded mean flow, moved by whole LR pixels). Shifts in register.ts's convention.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { estimateShift } from '../src/prep/register.js';
import { seedCompatAppliedShiftHrPx, seedCompatShift } from '../src/prep/registration/seed-compat.js';
import { Rng } from '../src/util/random.js';
import { BRIGHTNESS, type Brightness, shiftedPair } from './register-scene.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const size = arg('--size', 640);
const pairs = arg('--pairs', 12);
const seedPairs = arg('--seed-compat-pairs', 3);
const python = process.argv.includes('--python');

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const median = (xs: number[]): number => quantile(xs, 0.5);

for (const scale of [2, 4, 8]) {
  for (const brightness of Object.keys(BRIGHTNESS) as Brightness[]) {
    const rng = new Rng(1000 * scale + brightness.length);
    const errors: Record<string, number[]> = { default: [], 'tvl1-mean': [], 'seed-compat': [] };
    const times: Record<string, number[]> = { default: [], 'seed-compat': [] };
    const pythonInputs: { hr: Uint8Array; lr: Uint8Array }[] = [];
    for (let k = 0; k < pairs; k++) {
      // Shifts up to ±3 LR px, uniformly sub-pixel.
      const truth = [(rng.uniform() * 2 - 1) * 3 * scale, (rng.uniform() * 2 - 1) * 3 * scale];
      const { hr, lr } = shiftedPair(rng.fork(k), { sizeHrPx: size, scale, dyHrPx: truth[0]!, dxHrPx: truth[1]!, brightness });
      let t = performance.now();
      const est = estimateShift(hr, lr, scale);
      times.default!.push(performance.now() - t);
      errors.default!.push(Math.abs(est.dyHrPx - truth[0]!), Math.abs(est.dxHrPx - truth[1]!));
      if (k < seedPairs) {
        t = performance.now();
        const seed = seedCompatShift(hr, lr, scale);
        times['seed-compat']!.push(performance.now() - t);
        // The flow is −shift: compare flow + truth.
        errors['tvl1-mean']!.push(Math.abs(seed.meanDyHrPx + truth[0]!), Math.abs(seed.meanDxHrPx + truth[1]!));
        errors['seed-compat']!.push(
          Math.abs(seedCompatAppliedShiftHrPx(seed.roundedDyHrPx, scale) + truth[0]!),
          Math.abs(seedCompatAppliedShiftHrPx(seed.roundedDxHrPx, scale) + truth[1]!),
        );
        if (python) pythonInputs.push({ hr: hr.data, lr: lr.data });
      }
    }
    const pythonMs = python && pythonInputs.length > 0 ? timePython(pythonInputs, size, scale) : undefined;
    for (const [estimator, errs] of Object.entries(errors)) {
      if (errs.length === 0) continue;
      const timing = estimator === 'tvl1-mean' ? undefined : times[estimator];
      console.log(
        JSON.stringify({
          scale,
          brightness,
          estimator,
          windows: errs.length / 2,
          windowHrPx: size,
          medianAbsErrLrPx: +(median(errs) / scale).toFixed(4),
          p90AbsErrLrPx: +(quantile(errs, 0.9) / scale).toFixed(4),
          medianAbsErrHrPx: +median(errs).toFixed(4),
          medianMsPerWindow: timing ? +median(timing).toFixed(1) : undefined,
          ...(estimator === 'seed-compat' && pythonMs !== undefined ? { pythonSkimageMsPerWindow: +pythonMs.toFixed(0) } : {}),
        }),
      );
    }
  }
}

/** Median wall time of the original's `optical_flow_tvl1(hr, lr_up)` per window, measured by /usr/bin/python3. */
function timePython(inputs: { hr: Uint8Array; lr: Uint8Array }[], n: number, scale: number): number | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'srcaco-register-'));
  try {
    inputs.forEach((p, k) => {
      writeFileSync(join(dir, `hr${k}.u8`), p.hr);
      writeFileSync(join(dir, `lr${k}.u8`), p.lr);
    });
    const script = `
import sys, time, numpy as np
from PIL import Image
from skimage.registration import optical_flow_tvl1
d, n, s, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ts = []
for i in range(k):
    hr = np.fromfile(f'{d}/hr{i}.u8', np.uint8).reshape(n, n)
    lr = np.fromfile(f'{d}/lr{i}.u8', np.uint8).reshape(n // s, n // s)
    t = time.perf_counter()
    up = np.array(Image.fromarray(lr).resize((n, n), Image.NEAREST))
    v, u = optical_flow_tvl1(hr, up)
    round(v.mean()), round(u.mean())
    ts.append(time.perf_counter() - t)
print(sorted(ts)[len(ts) // 2] * 1000)
`;
    const r = spawnSync('/usr/bin/python3', ['-c', script, dir, String(n), String(scale), String(inputs.length)], { encoding: 'utf8' });
    return r.status === 0 ? Number(r.stdout.trim()) : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
