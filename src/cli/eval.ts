import type { Command } from 'commander';
import { SrcacoError } from '../errors.js';
import type { Device } from '../engine/runtime.js';
import type { Cell, SplitName, SrScale } from '../io/layout.js';
import { evaluateSplit } from '../metrics/evaluate-split.js';
import { writeRowFiles } from '../metrics/row-files.js';
import { evalRunCommand } from './eval-run.js';
import {
  borderOption,
  cellOption,
  dataOption,
  deviceOption,
  limitOption,
  makeOutDir,
  methodOption,
  outOption,
  refuseOptions,
  roiThresholdsOption,
  scaleOption,
  splitOption,
  threadsOption,
  workersOption,
} from './options.js';
import { progressBar, type Progress } from './progress.js';

/** The options as the shared parsers hand them over. */
export interface EvalOptions {
  run?: string;
  data?: string;
  split: SplitName;
  cell?: Cell;
  scale?: SrScale;
  method?: string;
  pred?: string;
  name?: string;
  out?: string;
  limit?: number;
  border?: number;
  roiThresholds?: number[];
  workers: number;
  savePred?: string;
  device?: Device;
  threads?: number;
  nlsnRotations?: string;
}

/** `srcaco eval`: a method on one split/cell/scale, per-image details and the aggregated table row. */
export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate the bicubic baseline or a folder of predictions on a split (l_h.txt): per-image JSONL and the Tables 4/5 row')
    .option('--run <dir>', "a training run folder: evaluate its best checkpoint (the run's cell and scale; --data defaults to the run's)")
    .addOption(dataOption('data root holding the caco2_<split>_X_<s>_in_<512/s>_out_512_cell_<CELLk> folders'))
    .addOption(splitOption().default('test'))
    .addOption(cellOption())
    .addOption(scaleOption())
    .addOption(methodOption("'bicubic' (the paper's baseline: antialiased bicubic, clamped); trained models: --run or --pred"))
    .option('--pred <dir>', 'folder of prediction TIFFs named like the HR patch files')
    .option('--name <method>', 'method name in the result row (default: Bicubic, or the --pred folder name)')
    .addOption(outOption('write <method>_<cell>_x<s>_<split>.jsonl (per image) and .json (row) here; default: print the row'))
    .addOption(limitOption())
    .addOption(borderOption())
    .addOption(roiThresholdsOption())
    .addOption(workersOption('worker threads measuring images'))
    .option('--save-pred <dir>', 'with --run: also write the predictions (uint8 TIFFs named like the HR patches)')
    .addOption(deviceOption("with --run; default: the run's"))
    .addOption(threadsOption("with --run; default: the run's"))
    .option('--nlsn-rotations <file>', "with --run of an nlsn model: its hash rotations from a float32 .npy [k, n_feats/4, n_hashes, buckets/2] instead of srcaco's fixed seeded draw")
    .action(async (raw: EvalOptions, command: Command) => {
      if (raw.run !== undefined) return evalRunCommand(raw.run, raw, command);
      refuseOptions(command, ['savePred', 'device', 'threads', 'nlsnRotations'], 'goes only with --run (bicubic and --pred run no model)');
      for (const [v, o] of [[raw.data, '--data'], [raw.cell, '--cell'], [raw.scale, '--scale']] as const) {
        if (v === undefined) throw new SrcacoError('usage', `${o} is required (or --run DIR)`, { option: o });
      }
      if ((raw.method === undefined) === (raw.pred === undefined)) {
        throw new SrcacoError('usage', 'give exactly one of --method bicubic or --pred <dir>', { option: '--method' });
      }
      if (raw.method !== undefined && raw.method !== 'bicubic') {
        throw new SrcacoError('usage', `--method supports only 'bicubic' (models are evaluated from --pred <dir>), received '${raw.method}'`, { option: '--method' });
      }
      const { split } = raw;
      const [cell, scale] = [raw.cell!, raw.scale!];
      let bar: Progress | undefined;
      const { images, row } = await evaluateSplit({
        dataRoot: raw.data!,
        split,
        cell,
        scale,
        source: raw.pred !== undefined ? { kind: 'folder', dir: raw.pred } : { kind: 'bicubic' },
        method: raw.name,
        limit: raw.limit,
        borderPx: raw.border,
        roiThresholds: raw.roiThresholds,
        workers: raw.workers,
        onImage: (done, total) => {
          bar ??= progressBar(`eval ${cell} x${scale}`, total, 'images');
          bar.tick();
        },
      });
      bar?.stop();
      const rowJson = `${JSON.stringify(row, null, 2)}\n`;
      if (raw.out === undefined) {
        process.stdout.write(rowJson);
        return;
      }
      await makeOutDir(raw.out);
      const stem = (await writeRowFiles(raw.out, images, row)).replace(/\.json$/, '');
      const r = row.roi;
      process.stdout.write(
        `${row.method} ${cell} x${scale} ${split}: ${row.n} images, ${row.nRoiEmpty} with an empty ROI (left out of ROI means)\n` +
          `  ROI:  PSNR ${r.psnr?.toFixed(2)}  NRMSE ${r.nrmse?.toFixed(4)}  SSIM ${r.ssim?.toFixed(4)}\n` +
          `  full: PSNR ${row.full.psnr?.toFixed(2)}  NRMSE ${row.full.nrmse?.toFixed(4)}  SSIM ${row.full.ssim?.toFixed(4)}\n` +
          `wrote ${stem}.json and ${stem}.jsonl\n`,
      );
    });
}
