import type { Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { SrcacoError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { CELLS, SPLITS, SR_SCALES, type Cell, type SplitName, type SrScale } from '../io/layout.js';
import { evaluateSplit } from '../metrics/evaluate-split.js';
import { intOption, thresholdsOption } from './metrics.js';
import { evalRunCommand } from './eval-run.js';
import { progressBar, type Progress } from './progress.js';

interface RawEvalOptions {
  run?: string;
  data: string;
  split: string;
  cell: string;
  scale: string;
  method?: string;
  pred?: string;
  name?: string;
  out?: string;
  limit?: string;
  border?: string;
  roiThresholds?: string;
  workers?: string;
  savePred?: string;
}

function oneOf<T extends string | number>(value: string | number, allowed: readonly T[], option: string): T {
  const v = allowed.find((a) => String(a) === String(value));
  if (v === undefined) throw new SrcacoError('usage', `${option} must be one of ${allowed.join(', ')}, received '${value}'`, { option });
  return v;
}

/** `srcaco eval`: a method on one split/cell/scale, per-image details and the aggregated table row. */
export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate the bicubic baseline or a folder of predictions on a split (l_h.txt): per-image JSONL and the Tables 4/5 row')
    .option('--run <dir>', "a training run folder: evaluate its best checkpoint (the run's cell and scale; --data defaults to the run's)")
    .option('--data <root>', 'data root holding the caco2_<split>_X_<s>_in_<512/s>_out_512_cell_<CELLk> folders')
    .option('--split <name>', 'train, val or test', 'test')
    .option('--cell <cell>', 'CELL0, CELL1 or CELL2')
    .option('--scale <s>', '2, 4 or 8')
    .option('--method <name>', "'bicubic' (the paper's baseline: antialiased bicubic, clamped)")
    .option('--pred <dir>', 'folder of prediction TIFFs named like the HR patch files')
    .option('--name <method>', 'method name in the result row (default: Bicubic, or the --pred folder name)')
    .option('--out <dir>', 'write <method>_<cell>_x<s>_<split>.jsonl (per image) and .json (row) here; default: print the row')
    .option('--limit <n>', 'evaluate only the first n pairs')
    .option('--border <px>', 'pixels removed from every side (default: the scale)')
    .option('--roi-thresholds <list>', 'ROI thresholds on the 0..255 HR (default 4-10)')
    .option('--workers <n>', 'worker threads measuring images (default: the number of cores)')
    .option('--save-pred <dir>', 'with --run: also write the predictions (uint8 TIFFs named like the HR patches)')
    .action(async (raw: RawEvalOptions) => {
      if (raw.run !== undefined) return evalRunCommand(raw.run, raw);
      for (const [v, o] of [[raw.data, '--data'], [raw.cell, '--cell'], [raw.scale, '--scale']] as const) {
        if (v === undefined) throw new SrcacoError('usage', `${o} is required (or --run DIR)`, { option: o });
      }
      if ((raw.method === undefined) === (raw.pred === undefined)) {
        throw new SrcacoError('usage', 'give exactly one of --method bicubic or --pred <dir>', { option: '--method' });
      }
      if (raw.method !== undefined && raw.method.toLowerCase() !== 'bicubic') {
        throw new SrcacoError('usage', `--method supports only 'bicubic' (models are evaluated from --pred <dir>), received '${raw.method}'`, { option: '--method' });
      }
      const split = oneOf(raw.split, SPLITS, '--split') as SplitName;
      const cell = oneOf(raw.cell, CELLS, '--cell') as Cell;
      const scale = Number(oneOf(raw.scale, SR_SCALES.map(String), '--scale')) as SrScale;
      let bar: Progress | undefined;
      const { images, row } = await evaluateSplit({
        dataRoot: raw.data,
        split,
        cell,
        scale,
        source: raw.pred !== undefined ? { kind: 'folder', dir: raw.pred } : { kind: 'bicubic' },
        method: raw.name,
        limit: raw.limit === undefined ? undefined : intOption(raw.limit, '--limit', 1),
        borderPx: raw.border === undefined ? undefined : intOption(raw.border, '--border', 0),
        roiThresholds: thresholdsOption(raw.roiThresholds),
        workers: raw.workers === undefined ? availableParallelism() : intOption(raw.workers, '--workers', 1),
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
      await mkdir(raw.out, { recursive: true }).catch((e) => {
        throw new SrcacoError('output', `cannot create the output folder (${(e as Error).message})`, { path: raw.out, cause: e });
      });
      const stem = join(raw.out, `${row.method.replace(/[^A-Za-z0-9._-]+/g, '_')}_${cell}_x${scale}_${split}`);
      const enc = new TextEncoder();
      await writeFileAtomic(`${stem}.jsonl`, [enc.encode(images.map((m) => JSON.stringify(m)).join('\n') + '\n')]);
      await writeFileAtomic(`${stem}.json`, [enc.encode(rowJson)]);
      const r = row.roi;
      process.stdout.write(
        `${row.method} ${cell} x${scale} ${split}: ${row.n} images, ${row.nRoiEmpty} with an empty ROI (left out of ROI means)\n` +
          `  ROI:  PSNR ${r.psnr?.toFixed(2)}  NRMSE ${r.nrmse?.toFixed(4)}  SSIM ${r.ssim?.toFixed(4)}\n` +
          `  full: PSNR ${row.full.psnr?.toFixed(2)}  NRMSE ${row.full.nrmse?.toFixed(4)}  SSIM ${row.full.ssim?.toFixed(4)}\n` +
          `wrote ${stem}.json and ${stem}.jsonl\n`,
      );
    });
}
