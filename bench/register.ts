/**
 * Registration accuracy and speed on synthetic pairs with known shifts (bench/register-scene.ts).
 *   npx tsx bench/register.ts [--size 640] [--pairs 12] [--seed-compat-pairs 3] [--python]
 *   npx tsx bench/register.ts --sim DIR [--seed-compat-pairs 3]   (tiles + truth.json from `srcaco simulate`)
 * Prints one JSON line per (scale, brightness, estimator) with the median/p90 absolute error in LR and HR px and
 * the median CPU time per window; --python also times the original's skimage TV-L1 per window (/usr/bin/python3,
 * CPU time; numpy may use more than one thread, which CPU time counts in full).
 * Estimators: default (this package), tvl1-mean (−TV-L1 mean flow, unrounded), seed-compat (the shift the original
 * pipeline really applies: the rounded mean flow, moved by whole LR pixels). Shifts in register.ts's convention.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plane } from '../src/image/plane.js';
import { readTiff } from '../src/io/tiff.js';
import { estimateShift, estimateShiftJoint } from '../src/prep/register.js';
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
/** CPU time of this (single-threaded) process in ms: steadier than wall time on a shared machine. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const simDir = process.argv.includes('--sim') ? process.argv[process.argv.indexOf('--sim') + 1]! : undefined;
if (simDir) await simulatorTable(simDir);
else syntheticTable();

function syntheticTable(): void {
for (const scale of [2, 4, 8]) {
  for (const brightness of Object.keys(BRIGHTNESS) as Brightness[]) {
    const rng = new Rng(1000 * scale + Object.keys(BRIGHTNESS).indexOf(brightness)); // distinct scenes and shifts per row
    const errors: Record<string, number[]> = { default: [], 'tvl1-mean': [], 'seed-compat': [] };
    const times: Record<string, number[]> = { default: [], 'seed-compat': [] };
    const pythonInputs: { hr: Uint8Array; lr: Uint8Array }[] = [];
    for (let k = 0; k < pairs; k++) {
      // Shifts up to ±3 LR px, uniformly sub-pixel.
      const truth = [(rng.uniform() * 2 - 1) * 3 * scale, (rng.uniform() * 2 - 1) * 3 * scale];
      const { hr, lr } = shiftedPair(rng.fork(k), { sizeHrPx: size, scale, dyHrPx: truth[0]!, dxHrPx: truth[1]!, brightness });
      let t = cpuMs();
      const est = estimateShift(hr, lr, scale);
      times.default!.push(cpuMs() - t);
      errors.default!.push(Math.abs(est.dyHrPx - truth[0]!), Math.abs(est.dxHrPx - truth[1]!));
      if (k < seedPairs) {
        t = cpuMs();
        const seed = seedCompatShift(hr, lr, scale);
        times['seed-compat']!.push(cpuMs() - t);
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
          medianCpuMsPerWindow: timing ? +median(timing).toFixed(1) : undefined,
          ...(estimator === 'seed-compat' && pythonMs !== undefined ? { pythonSkimageCpuMsPerWindow: +pythonMs.toFixed(0) } : {}),
        }),
      );
    }
  }
}

}

/**
 * Accuracy on simulator tiles: 640-px windows every 256 px with >= 20 % of CELL2 (H2B) HR pixels >= 4, as prep
 * selects them, per marker (CELL0 survivin: dim, sparse; CELL1 E-cadherin; CELL2 H2B: bright nuclei) and scale,
 * plus `joint` (estimateShiftJoint over the three markers, which share the stage shift). The truth of a window is
 * the area-weighted mean of the per-field stage shifts it covers; `truthSpreadHrPx` is their range within the
 * window (drift a single global shift cannot follow, which bounds the agreement at x2).
 */
async function simulatorTable(dir: string): Promise<void> {
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as {
    tiles: { id: number; fieldBoundsPx: Record<string, number[]>; shiftsHrPx: Record<string, number[][][]> }[];
  };
  const lrFolder: Record<number, string> = { 2: 'LowRes512', 4: 'LowRes256', 8: 'LowRes128' };
  type Row = { errs: number[]; seedErrs: number[]; tvl1Errs: number[]; ms: number[]; spread: number[] };
  const rows: Record<string, Row> = {};
  const rowOf = (scale: number, marker: string): Row => (rows[`${scale}:${marker}`] ??= { errs: [], seedErrs: [], tvl1Errs: [], ms: [], spread: [] });
  for (const tile of truth.tiles) {
    const hrPlanes = await readTiff(join(dir, 'HighRes1024', `HighRes1024-${tile.id}.tif`));
    const hb = tile.fieldBoundsPx['1']!;
    for (const scale of [2, 4, 8]) {
      const lrPlanes = await readTiff(join(dir, lrFolder[scale]!, `${lrFolder[scale]}-${tile.id}.tif`));
      const shifts = tile.shiftsHrPx[String(scale)]!;
      for (let i = 0; i + 640 < hrPlanes[2]!.height; i += 256) {
        for (let j = 0; j + 640 < hrPlanes[2]!.width; j += 256) {
          const hr = hrPlanes.map((p) => window(p, i, j, 640));
          if (hr[2]!.data.filter((v) => v >= 4).length < 0.2 * 640 * 640) continue;
          const lr = lrPlanes.map((p) => window(p, i / scale, j / scale, 640 / scale));
          const t = fieldMean(hb, shifts, i, j, 640);
          hr.forEach((hrWindow, cell) => {
            const row = rowOf(scale, `CELL${cell}`);
            const t0 = cpuMs();
            const est = estimateShift(hrWindow, lr[cell]!, scale);
            row.ms.push(cpuMs() - t0);
            row.errs.push(Math.abs(est.dyHrPx - t.dy), Math.abs(est.dxHrPx - t.dx));
            row.spread.push(t.spread);
            if (row.seedErrs.length < 2 * seedPairs) {
              const seed = seedCompatShift(hrWindow, lr[cell]!, scale);
              row.tvl1Errs.push(Math.abs(seed.meanDyHrPx + t.dy), Math.abs(seed.meanDxHrPx + t.dx));
              row.seedErrs.push(
                Math.abs(seedCompatAppliedShiftHrPx(seed.roundedDyHrPx, scale) + t.dy),
                Math.abs(seedCompatAppliedShiftHrPx(seed.roundedDxHrPx, scale) + t.dx),
              );
            }
          });
          const row = rowOf(scale, 'joint');
          const t0 = cpuMs();
          const est = estimateShiftJoint(hr, lr, scale);
          row.ms.push(cpuMs() - t0);
          row.errs.push(Math.abs(est.dyHrPx - t.dy), Math.abs(est.dxHrPx - t.dx));
          row.spread.push(t.spread);
        }
      }
    }
  }
  for (const [key, r] of Object.entries(rows)) {
    const [scale, marker] = [Number(key.split(':')[0]), key.split(':')[1]];
    for (const [estimator, errs] of [['default', r.errs], ['tvl1-mean', r.tvl1Errs], ['seed-compat', r.seedErrs]] as const) {
      if (errs.length === 0) continue;
      console.log(JSON.stringify({
        source: 'simulator', scale, marker, estimator, windows: errs.length / 2,
        medianAbsErrLrPx: +(median(errs) / scale!).toFixed(4), p90AbsErrLrPx: +(quantile(errs, 0.9) / scale!).toFixed(4),
        medianAbsErrHrPx: +median(errs).toFixed(4), medianTruthSpreadHrPx: +median(r.spread).toFixed(3),
        medianCpuMsPerWindow: estimator === 'default' ? +median(r.ms).toFixed(1) : undefined,
      }));
    }
  }
}

function window(plane: Plane, y: number, x: number, size: number): Plane {
  const data = new (plane.data.constructor as new (n: number) => Plane['data'])(size * size);
  for (let r = 0; r < size; r++) data.set(plane.data.subarray((y + r) * plane.width + x, (y + r) * plane.width + x + size), r * size);
  return { width: size, height: size, data };
}

/** Area-weighted mean (and range) of the field shifts covering HR rows [y, y+size) × cols [x, x+size). */
function fieldMean(bounds: number[], shifts: number[][][], y: number, x: number, size: number): { dy: number; dx: number; spread: number } {
  let w = 0, dy = 0, dx = 0;
  const ys: number[] = [], xs: number[] = [];
  for (let fy = 0; fy + 1 < bounds.length; fy++) {
    const oy = Math.max(0, Math.min(y + size, bounds[fy + 1]!) - Math.max(y, bounds[fy]!));
    for (let fx = 0; fx + 1 < bounds.length; fx++) {
      const ox = Math.max(0, Math.min(x + size, bounds[fx + 1]!) - Math.max(x, bounds[fx]!));
      if (oy * ox === 0) continue;
      const [sy, sx] = shifts[fy]![fx]!;
      w += oy * ox;
      dy += oy * ox * sy!;
      dx += oy * ox * sx!;
      ys.push(sy!);
      xs.push(sx!);
    }
  }
  const range = (v: number[]) => Math.max(...v) - Math.min(...v);
  return { dy: dy / w, dx: dx / w, spread: Math.max(range(ys), range(xs)) };
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
    t = time.process_time()
    up = np.array(Image.fromarray(lr).resize((n, n), Image.NEAREST))
    v, u = optical_flow_tvl1(hr, up)
    round(v.mean()), round(u.mean())
    ts.append(time.process_time() - t)
print(sorted(ts)[len(ts) // 2] * 1000)
`;
    const r = spawnSync('/usr/bin/python3', ['-c', script, dir, String(n), String(scale), String(inputs.length)], { encoding: 'utf8' });
    return r.status === 0 ? Number(r.stdout.trim()) : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
