import type { Command } from 'commander';
import { datasetStats } from '../prep/stats.js';
import { integerOption, outOption, splitFileOption } from './options.js';
import { progressBar, type Progress } from './progress.js';

/** `srcaco stats DIR`: paper Tables 1 and 6 and the real-vs-bicubic LR plots. */
export function register(program: Command): void {
  program
    .command('stats')
    .description('write Table 1 (splits, sizes) and Table 6 (foreground % per tile and marker) as Markdown and JSON, and real-vs-bicubic LR histograms as SVG')
    .argument('<dir>', 'a patches folder written by `srcaco prep` (or a tiles folder: tables only)')
    .option('--tiles <dir>', 'tiles folder (default: the one recorded in <dir>/prep.json)')
    .addOption(splitFileOption("default: the split prep used, else the paper's"))
    .addOption(outOption('output folder (default: <dir>/stats)'))
    .addOption(integerOption('--sample <n>', 'patches per scale for the real-vs-bicubic histograms', { min: 1 }).default(200))
    .action(async (dir: string, raw: { tiles?: string; splitFile?: string; out?: string; sample: number }) => {
      const bars = new Map<string, Progress>();
      const result = await datasetStats(dir, {
        tilesDir: raw.tiles,
        splitFile: raw.splitFile,
        outDir: raw.out,
        samplePatches: raw.sample,
        onProgress: (what, done, total) => {
          let bar = bars.get(what);
          if (!bar) bars.set(what, (bar = progressBar(what, total, 'files')));
          bar.tick();
          if (done === total) bar.stop();
        },
      });
      for (const c of result.realVsBicubic) {
        process.stdout.write(
          `x${c.scale}: mean |real − bicubic| ${c.meanAbsDiff.toFixed(2)}, mean |Laplacian| real ${c.meanAbsLaplacianReal.toFixed(2)} vs bicubic ${c.meanAbsLaplacianBicubic.toFixed(2)} (${c.patches} patches)\n`,
        );
      }
      process.stdout.write(result.files.map((f) => `wrote ${f}\n`).join(''));
    });
}
