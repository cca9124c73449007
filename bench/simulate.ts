// Seconds to simulate one tile (all 3 markers, HR + LR x2/x4/x8) on a worker pool, and to write its 4 TIFFs.
// Usage: node --import tsx bench/simulate.ts [--size 9318] [--workers 2] [--seed 0]. Prints one JSON line.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTiff } from '../src/io/tiff.js';
import { simulateTileOnPool } from '../src/sim/dataset.js';
import { defaultSimParams, LR_SCALES } from '../src/sim/params.js';
import { startBandPool } from '../src/sim/pool.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const size = arg('size', 9318);
const workers = arg('workers', 2);
const seed = arg('seed', 0);
const params = defaultSimParams();
const pool = startBandPool(workers);
// Warm the workers (loader, JIT) on a tiny tile so the timing is of the simulation itself.
await simulateTileOnPool(pool, params, seed, 99, 160);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const tile = await simulateTileOnPool(pool, params, seed, 1, size);
const simulateSeconds = (performance.now() - t0) / 1000;
// CPU time of all threads (the workers run in this process): wall time on a quiet machine ~ cpu / workers
const cpu = process.cpuUsage(cpu0);
await pool.close();
const dir = await mkdtemp(join(tmpdir(), 'srcaco-bench-sim-'));
const t1 = performance.now();
await writeTiff(join(dir, 'hr.tif'), tile.hr);
for (const s of LR_SCALES) await writeTiff(join(dir, `lr${s}.tif`), tile.lr[s]);
const writeSeconds = (performance.now() - t1) / 1000;
await rm(dir, { recursive: true, force: true });
const megapixels = (3 * (size * size + LR_SCALES.reduce((a, s) => a + Math.floor(size / s) ** 2, 0))) / 1e6;
console.log(JSON.stringify({
  bench: 'simulate-tile',
  sizeHrPx: size,
  workers,
  simulateSeconds: +simulateSeconds.toFixed(2),
  simulateCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
  writeSeconds: +writeSeconds.toFixed(2),
  outputMegapixels: +megapixels.toFixed(1),
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
}));
