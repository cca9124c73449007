import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { SrcacoError } from '../errors.js';
import { prepDataset } from '../prep/prep-dataset.js';
import type { PrepMode } from '../prep/windows.js';
import { progressBar, type Progress } from './progress.js';

interface RawPrepOptions {
  tiles: string;
  out: string;
  mode: string;
  split?: string;
  qc: string;
  workers?: string;
}

function count(value: string, option: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new SrcacoError('usage', `${option} must be an integer >= ${min}, received '${value}'`, { option });
  return n;
}

/** `srcaco prep`: a tiles folder to the patch dataset of the original layout. */
export function register(program: Command): void {
  program
    .command('prep')
    .description('cut a tiles folder into registered LR/HR patches, split folders (l_h.txt, h_l.txt) and a manifest; resumable')
    .requiredOption('--tiles <dir>', 'tiles folder: HighRes1024/, LowRes512/, LowRes256/, LowRes128/ with <Folder>-<id>.tif')
    .requiredOption('--out <dir>', 'output data root (hr_div_{1,2,4,8}/, caco2_* split folders, manifest.jsonl)')
    .option('--mode <mode>', "'default' (ROI test on the 512 crop, sub-pixel registration) or 'seed-compat' (the original's patches exactly)", 'default')
    .option('--split <file>', 'custom split JSON {"train": [ids], "val": [ids], "test": [ids]} (default: the paper\'s)')
    .option('--qc <n>', 'write n before/after registration overlays to <out>/qc/', '0')
    .option('--workers <n>', 'worker threads (default: the number of cores)')
    .action(async (raw: RawPrepOptions) => {
      if (raw.mode !== 'default' && raw.mode !== 'seed-compat') {
        throw new SrcacoError('usage', `--mode must be default or seed-compat, received '${raw.mode}'`, { option: '--mode' });
      }
      let bar: Progress | undefined;
      const summary = await prepDataset({
        tilesDir: raw.tiles,
        outDir: raw.out,
        mode: raw.mode as PrepMode,
        splitFile: raw.split,
        qc: count(raw.qc, '--qc', 0),
        workers: raw.workers === undefined ? availableParallelism() : count(raw.workers, '--workers', 1),
        onProgress: (done, total) => {
          bar ??= progressBar('prep', total, 'windows');
          if (done > 0) bar.tick();
        },
      });
      bar?.stop();
      const patches = Object.values(summary.patchesPerTile).reduce((a, b) => a + b, 0);
      const perSplit = (['train', 'val', 'test'] as const)
        .map((s) => `${s} ${summary.split[s].reduce((n, t) => n + (summary.patchesPerTile[t] ?? 0), 0)}`)
        .join(', ');
      process.stdout.write(
        `${summary.tiles.length} tiles (${summary.skippedTiles.length} already done), ${patches} patches (${perSplit}), mode ${summary.mode}\n` +
          `manifest: ${summary.manifestPath}\n` +
          summary.qcPaths.map((p) => `qc: ${p}\n`).join(''),
      );
    });
}
