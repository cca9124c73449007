/** `srcaco eval --run DIR`: the run's best checkpoint on a split, the row written into DIR/eval/. */
import type { Command } from 'commander';
import { evaluateRun } from '../train/run-eval.js';
import type { EvalOptions } from './eval.js';
import { refuseOptions } from './options.js';
import { progressBar, type Progress } from './progress.js';

/** Options of `srcaco eval` that --run has no use for: the run folder says what to evaluate and where the row goes. */
const NOT_WITH_RUN = ['cell', 'scale', 'method', 'pred', 'out', 'border', 'roiThresholds', 'workers'];

/** Runs `srcaco eval --run DIR` and prints the row's numbers. */
export async function evalRunCommand(dir: string, raw: EvalOptions, command: Command): Promise<void> {
  refuseOptions(command, NOT_WITH_RUN, 'does not go with --run (the run folder says what to evaluate)');
  let bar: Progress | undefined;
  const { row, rowPath } = await evaluateRun(dir, {
    split: raw.split,
    dataRoot: raw.data,
    limit: raw.limit,
    name: raw.name,
    predDir: raw.savePred,
    device: raw.device,
    threads: raw.threads,
    nlsnRotations: raw.nlsnRotations,
    onImage: (_done, total) => {
      bar ??= progressBar(`eval ${dir}`, total, 'images');
      bar.tick();
    },
  });
  bar?.stop();
  const r = row.roi;
  process.stdout.write(
    `${row.method} ${row.cell} x${row.scale} ${row.split}: ${row.n} images, ${row.nRoiEmpty} with an empty ROI (left out of ROI means)\n` +
      `  ROI:  PSNR ${r.psnr?.toFixed(2)}  NRMSE ${r.nrmse?.toFixed(4)}  SSIM ${r.ssim?.toFixed(4)}\n` +
      `  full: PSNR ${row.full.psnr?.toFixed(2)}  NRMSE ${row.full.nrmse?.toFixed(4)}  SSIM ${row.full.ssim?.toFixed(4)}\n` +
      `wrote ${rowPath}\n`,
  );
}
