import type { Command } from 'commander';
import { SrcacoError } from '../errors.js';
import { prepDataset } from '../prep/prep-dataset.js';
import type { PrepMode } from '../prep/windows.js';
import { integerOption, outOption, splitFileOption, workersOption } from './options.js';
import { progressBar, type Progress } from './progress.js';

interface PrepOptions {
  tiles: string;
  out: string;
  mode: string;
  splitFile?: string;
  qc: number;
  workers: number;
}

/** `srcaco prep`: a tiles folder to the patch dataset of the original layout. */
export function register(program: Command): void {
  program
    .command('prep')
    .description('cut a tiles folder into registered LR/HR patches, split folders (l_h.txt, h_l.txt) and a manifest; resumable')
    .requiredOption('--tiles <dir>', 'tiles folder: HighRes1024/, LowRes512/, LowRes256/, LowRes128/ with <Folder>-<id>.tif')
    .addOption(outOption('output data root (hr_div_{1,2,4,8}/, caco2_* split folders, manifest.jsonl)').makeOptionMandatory())
    .option('--mode <mode>', "'default' (ROI test on the 512 crop, sub-pixel registration) or 'seed-compat' (the original's patches exactly)", 'default')
    .addOption(splitFileOption("the tiles of each split (default: the paper's)"))
    .addOption(integerOption('--qc <n>', 'write n before/after registration overlays to <out>/qc/', { min: 0 }).default(0))
    .addOption(workersOption('worker threads cutting tiles'))
    .action(async (raw: PrepOptions) => {
      if (raw.mode !== 'default' && raw.mode !== 'seed-compat') {
        throw new SrcacoError('usage', `--mode must be default or seed-compat, received '${raw.mode}'`, { option: '--mode' });
      }
      let bar: Progress | undefined;
      const summary = await prepDataset({
        tilesDir: raw.tiles,
        outDir: raw.out,
        mode: raw.mode as PrepMode,
        splitFile: raw.splitFile,
        qc: raw.qc,
        workers: raw.workers,
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
