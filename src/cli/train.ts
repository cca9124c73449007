import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { SrcacoError } from '../errors.js';
import type { Device } from '../engine/runtime.js';
import type { Cell, SrScale } from '../io/layout.js';
import { methodHelp } from '../models/registry.js';
import type { TrainHooks, TrainProgress, TrainResult } from '../train/loop.js';
import { resumeRun, startRun } from '../train/run.js';
import { TRAIN_DEFAULTS } from '../train/run-config.js';

interface RawTrainOptions {
  method?: string;
  cell?: string;
  scale?: string;
  data?: string;
  epochs?: string;
  steps?: string;
  minutes?: string;
  device?: string;
  threads?: string;
  batch?: string;
  hSize?: string;
  lr?: string;
  loss?: string;
  optimizer?: string;
  preset?: string;
  seed?: string;
  clipGrad?: string;
  zeroLastLayer?: boolean;
  seedCompat?: boolean;
  valEvery?: string;
  valLimit?: string;
  workers?: string;
  logEvery?: string;
  out: string;
  name?: string;
  force?: boolean;
  resume?: string;
}

function num(v: string | undefined, option: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new SrcacoError('usage', `${option} must be a number, received '${v}'`, { option });
  return n;
}

function device(v: string | undefined): Device | undefined {
  if (v === undefined) return undefined;
  if (v !== 'cpu' && v !== 'webgpu' && v !== 'cuda') throw new SrcacoError('usage', `--device must be cpu, webgpu or cuda, received '${v}'`, { option: '--device' });
  return v;
}

const fmtS = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`);

/** A progress bar with epoch, loss, lr, patches/s and ETA on a TTY; one line per validation either way. */
function trainDisplay(label: string): { hooks: TrainHooks; stop(): void } {
  const tty = process.stderr.isTTY && !process.env.CI;
  let bar: cliProgress.SingleBar | undefined;
  const payload = (p: TrainProgress) => {
    const remaining = [p.totalSteps !== undefined && p.step > 0 ? ((p.totalSteps - p.step) * p.elapsedS) / Math.max(p.step, 1) : Infinity, p.budgetS !== undefined ? p.budgetS - p.elapsedS : Infinity];
    const eta = Math.min(...remaining);
    return { epoch: p.epoch, loss: p.loss.toPrecision(4), lr: p.lr.toExponential(2), pps: p.patchesPerS.toFixed(1), eta: Number.isFinite(eta) ? fmtS(Math.max(0, eta)) : '?' };
  };
  return {
    hooks: {
      onProgress(p) {
        if (!tty) return;
        const total = p.totalSteps ?? Math.round(p.budgetS ?? 0);
        const value = p.totalSteps !== undefined ? p.step : Math.round(p.elapsedS);
        if (!bar) {
          bar = new cliProgress.SingleBar(
            { format: `${label} [{bar}] {value}/{total} ${p.totalSteps !== undefined ? 'updates' : 's'} | epoch {epoch} | loss {loss} | lr {lr} | {pps} patches/s | ETA {eta}`, stream: process.stderr, hideCursor: true },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, value, payload(p));
        } else bar.update(value, payload(p));
      },
      onValidation(v) {
        const line = `${label} update ${v.step} (epoch ${v.epoch}): validation ROI PSNR ${v.row.roi.psnr?.toFixed(2) ?? '-'} dB, full ${v.row.full.psnr?.toFixed(2) ?? '-'} dB on ${v.row.n} patches${v.isBest ? ' (best so far)' : ''}`;
        if (bar) bar.stop();
        process.stderr.write(`${line}\n`);
        bar = undefined;
      },
    },
    stop: () => bar?.stop(),
  };
}

function summary(r: TrainResult): string {
  const best = r.best ? `best validation ROI PSNR ${r.best.roiPsnr.toFixed(2)} dB at update ${r.best.step}` : 'no validation';
  return `${r.runDir}: ${r.steps} updates (stopped by --${r.stoppedBy}), ${r.patchesPerS.toFixed(1)} patches/s, ${best}\n`;
}

/** `srcaco train`: trains one model on one cell and scale into a run folder, or resumes one. */
export function register(program: Command): void {
  program
    .command('train')
    .description('train a model on a cell and scale (SGD or Adam, the protocol loss and schedule) into runs/<method>/<train split>/<id>/; resumable')
    .option('--method <name>', methodHelp({ trainable: true }))
    .option('--cell <cell>', 'CELL0, CELL1 or CELL2')
    .option('--scale <s>', '2, 4 or 8')
    .option('--data <root>', 'data root holding the caco2_* split folders (srcaco prep --out)')
    .option('--epochs <n>', 'stop after n epochs (the protocol: 100)')
    .option('--steps <n>', 'stop after n updates in all')
    .option('--minutes <m>', 'stop after m minutes of this invocation')
    .option('--device <d>', 'cpu, webgpu or cuda', TRAIN_DEFAULTS.device)
    .option('--threads <n>', 'ONNX Runtime threads (default: one per core)')
    .option('--batch <n>', 'patches per update', String(TRAIN_DEFAULTS.batchSize))
    .option('--h-size <px>', 'HR side of a training patch', String(TRAIN_DEFAULTS.hrPatchPx))
    .option('--lr <x>', 'base learning rate (halved every 30 epochs, floor 1e-4)', String(TRAIN_DEFAULTS.lr))
    .option('--loss <name>', 'mse-ssim (MSE - 5 SSIM), mse, l1 or charbonnier', TRAIN_DEFAULTS.loss)
    .option('--optimizer <name>', "sgd (Nesterov momentum 0.9, the protocol) or adam (short budgeted runs)", TRAIN_DEFAULTS.optimizer)
    .option('--preset <name>', "model preset: 'default' or the model's smaller 'demo'", TRAIN_DEFAULTS.preset)
    .option('--clip-grad <norm>', 'clip the global gradient norm before each update (0: off)', String(TRAIN_DEFAULTS.clipGradNorm))
    .option('--zero-last-layer', 'start the output conv at zero: a global-residual model (vdsr, drrn, memnet) starts at its bicubic input')
    .option('--seed <n>', 'seed of the weights and of the batches', String(TRAIN_DEFAULTS.seed))
    .option('--seed-compat', "the original's schedule (lr stepped per update) and drifting LR/HR crops")
    .option('--val-every <n>', 'validate every n updates (default: every epoch); always at update 0 and at the end')
    .option('--val-limit <n>', 'validation patches: the first n of the list', String(TRAIN_DEFAULTS.valLimit))
    .option('--workers <n>', 'batch-building worker threads (0: on the training thread)', String(TRAIN_DEFAULTS.workers))
    .option('--log-every <n>', 'write a training line to log.jsonl every n updates', String(TRAIN_DEFAULTS.logEvery))
    .option('--out <dir>', 'parent folder of the runs', 'runs')
    .option('--name <id>', 'run id (default: UTC timestamp and seed)')
    .option('--force', 'start an existing run folder of the same id again')
    .option('--resume <dir>', 'continue the run in this folder (its config; a new --epochs/--steps/--minutes replaces its budget)')
    .action(async (raw: RawTrainOptions) => {
      const budget = { epochs: num(raw.epochs, '--epochs'), steps: num(raw.steps, '--steps'), minutes: num(raw.minutes, '--minutes') };
      const runtime = { device: device(raw.device), threads: num(raw.threads, '--threads'), workers: num(raw.workers, '--workers'), logEvery: num(raw.logEvery, '--log-every') };
      let result: TrainResult;
      if (raw.resume !== undefined) {
        const display = trainDisplay('train');
        try {
          result = await resumeRun(raw.resume, { ...budget, ...runtime, dataRoot: raw.data }, display.hooks);
        } finally {
          display.stop();
        }
      } else {
        for (const [v, o] of [[raw.method, '--method'], [raw.cell, '--cell'], [raw.scale, '--scale'], [raw.data, '--data']] as const) {
          if (v === undefined) throw new SrcacoError('usage', `${o} is required (or --resume DIR)`, { option: o });
        }
        const display = trainDisplay(`${raw.method} ${raw.cell} x${raw.scale}`);
        try {
          result = await startRun(
            {
              method: raw.method!,
              cell: raw.cell as Cell,
              scale: num(raw.scale, '--scale') as SrScale,
              dataRoot: raw.data!,
              preset: raw.preset,
              ...budget,
              ...runtime,
              batchSize: num(raw.batch, '--batch'),
              hrPatchPx: num(raw.hSize, '--h-size'),
              lr: num(raw.lr, '--lr'),
              loss: raw.loss,
              optimizer: raw.optimizer,
              seed: num(raw.seed, '--seed'),
              clipGradNorm: num(raw.clipGrad, '--clip-grad'),
              zeroLastLayer: raw.zeroLastLayer === true,
              seedCompat: raw.seedCompat === true,
              valEvery: num(raw.valEvery, '--val-every'),
              valLimit: num(raw.valLimit, '--val-limit'),
            } as Parameters<typeof startRun>[0],
            { out: raw.out, name: raw.name, force: raw.force === true },
            display.hooks,
          );
        } finally {
          display.stop();
        }
      }
      process.stdout.write(summary(result));
    });
}
