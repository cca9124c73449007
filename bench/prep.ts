// Seconds per tile of `srcaco prep` in both modes on simulated tiles, one worker (the cost of one tile on one
// core), and the extrapolation to a full 9318-px tile (34 × 34 windows). Prints JSON lines.
//   node --import tsx bench/prep.ts [--size 1664] [--tiles 1] [--modes default,seed-compat] [--workers 1]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { prepDataset } from '../src/prep/prep-dataset.js';
import { windowGrid, type PrepMode } from '../src/prep/windows.js';
import { simulateDataset } from '../src/sim/dataset.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1664' },
    tiles: { type: 'string', default: '1' },
    modes: { type: 'string', default: 'default,seed-compat' },
    workers: { type: 'string', default: '1' },
  },
});
const size = Number(values.size);
const ids = Array.from({ length: Number(values.tiles) }, (_, i) => i + 1);
const workers = Number(values.workers);
const root = await mkdtemp(join(tmpdir(), 'srcaco-bench-prep-'));
try {
  const tilesDir = join(root, 'tiles');
  await simulateDataset({ outDir: tilesDir, ids, sizeHrPx: size, seed: 1 });
  const windowsPerTile = [...windowGrid(size, size)].length;
  for (const mode of values.modes.split(',') as PrepMode[]) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await prepDataset({ tilesDir, outDir: join(root, mode), mode, workers });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const patches = Object.values(r.patchesPerTile).reduce((a, b) => a + b, 0);
    const secondsPerPatch = patches > 0 ? (seconds * Math.max(1, Math.min(workers, ids.length))) / patches : 0;
    console.log(JSON.stringify({
      bench: 'prep',
      mode,
      workers,
      tileSizePx: size,
      tiles: ids.length,
      windowsPerTile,
      patches,
      secondsPerTile: +(seconds / ids.length).toFixed(2),
      secondsPerPatch: +secondsPerPatch.toFixed(3),
      // main-thread CPU only (workers are not counted) — meaningful with --workers 0
      mainCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
      // a full tile: 34 × 34 windows, ~452 patches (9937 / 22 in the paper)
      fullTileSecondsEstimate: Math.round(secondsPerPatch * 452),
    }));
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
