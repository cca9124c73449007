/** `srcaco eval --run DIR`: the run's best checkpoint on a split, the row written into DIR/eval/. */
import { SrcacoError } from '../errors.js';
import { SPLITS, type SplitName } from '../io/layout.js';
import { evaluateRun } from '../train/run-eval.js';
import { intOption } from './metrics.js';
import { progressBar, type Progress } from './progress.js';

/** The options of `srcaco eval` that --run uses. */
export interface EvalRunOptions {
  data?: string;
  split: string;
  limit?: string;
  name?: string;
  cell?: string;
  scale?: string;
  method?: string;
  pred?: string;
  savePred?: string;
}

/** Runs `srcaco eval --run DIR` and prints the row's numbers. */
export async function evalRunCommand(dir: string, raw: EvalRunOptions): Promise<void> {
  for (const [v, o] of [[raw.cell, '--cell'], [raw.scale, '--scale'], [raw.method, '--method'], [raw.pred, '--pred']] as const) {
    if (v !== undefined) throw new SrcacoError('usage', `${o} does not go with --run (the run folder says what to evaluate)`, { option: o });
  }
  if (!(SPLITS as readonly string[]).includes(raw.split)) throw new SrcacoError('usage', `--split must be one of ${SPLITS.join(', ')}, received '${raw.split}'`, { option: '--split' });
  let bar: Progress | undefined;
  const { row, rowPath } = await evaluateRun(dir, {
    split: raw.split as SplitName,
    dataRoot: raw.data,
    limit: raw.limit === undefined ? undefined : intOption(raw.limit, '--limit', 1),
    name: raw.name,
    predDir: raw.savePred,
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
