import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { SrcacoError } from '../errors.js';
import type { Device } from '../engine/runtime.js';
import type { Cell, SrScale } from '../io/layout.js';
import { methodHelp } from '../models/registry.js';
import type { TrainHooks, TrainProgress, TrainResult } from '../train/loop.js';
import { resumeRun, startRun } from '../train/run.js';
import { TRAIN_DEFAULTS, type OptimizerName } from '../train/run-config.js';
import {
  cellOption,
  dataOption,
  deviceOption,
  given,
  integerOption,
  methodOption,
  numberOption,
  outOption,
  presetOption,
  refuseOptions,
  scaleOption,
  seedOption,
  threadsOption,
} from './options.js';

/** The options as the shared parsers hand them over (numbers already checked). */
interface TrainOptions {
  method?: string;
  cell?: Cell;
  scale?: SrScale;
  data?: string;
  epochs?: number;
  steps?: number;
  minutes?: number;
  device: Device;
  threads?: number;
  batch: number;
  hSize: number;
  lr: number;
  loss: string;
  optimizer: OptimizerName;
  preset: string;
  seed: number;
  clipGrad: number;
  zeroLastLayer?: boolean;
  seedCompat?: boolean;
  valEvery?: number;
  valLimit: number;
  workers: number;
  logEvery: number;
  out: string;
  name?: string;
  force?: boolean;
  resume?: string;
}

/** What a run's config.json fixes: giving it with --resume would be silently ignored, so it is refused. */
const FIXED_BY_RUN = ['method', 'cell', 'scale', 'preset', 'batch', 'hSize', 'lr', 'loss', 'optimizer', 'seed', 'clipGrad', 'zeroLastLayer', 'seedCompat', 'valEvery', 'valLimit', 'out', 'name', 'force'];

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

/**
 * SIGUSR1 (what Slurm sends before a time limit with `--signal=B:USR1@s`, forwarded by the batch script) and
 * SIGTERM (scancel, preemption) abort the returned signal: the loop finishes the update in flight, saves the last
 * checkpoint and returns. So does the end of the IPC channel of a `grid run --local` that started this process:
 * a grid killed outright (SIGKILL, OOM) must not leave its trainings running on, holding their run folders' locks,
 * when it is started again. A second signal changes nothing; the handlers are removed by `dispose`.
 */
function stopOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const names = ['SIGUSR1', 'SIGTERM'] as const;
  const handler = (name: string) => {
    if (controller.signal.aborted) return;
    process.stderr.write(`srcaco train: ${name}: stopping after the update in flight, with the last checkpoint saved\n`);
    controller.abort(name);
  };
  const orphaned = () => {
    // Its stdout and stderr were pipes to the grid: writing on must not fail the checkpoint (EPIPE).
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
    handler('the grid that started it has exited');
  };
  for (const n of names) process.on(n, handler);
  if (process.channel) {
    process.once('disconnect', orphaned);
    process.channel.unref(); // the channel alone must not keep the process alive
  }
  return {
    signal: controller.signal,
    dispose: () => {
      names.forEach((n) => process.off(n, handler));
      process.off('disconnect', orphaned);
    },
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
    .addOption(methodOption(methodHelp({ trainable: true })))
    .addOption(cellOption())
    .addOption(scaleOption())
    .addOption(dataOption())
    .addOption(integerOption('--epochs <n>', 'stop after n epochs (the protocol: 100)', { min: 1 }))
    .addOption(integerOption('--steps <n>', 'stop after n updates in all', { min: 1 }))
    .addOption(numberOption('--minutes <m>', 'stop after m minutes of this invocation', { above: 0 }))
    .addOption(deviceOption().default(TRAIN_DEFAULTS.device))
    .addOption(threadsOption())
    .addOption(integerOption('--batch <n>', 'patches per update', { min: 1 }).default(TRAIN_DEFAULTS.batchSize))
    .addOption(integerOption('--h-size <px>', 'HR side of a training patch', { min: 1 }).default(TRAIN_DEFAULTS.hrPatchPx))
    .addOption(numberOption('--lr <x>', 'base learning rate (halved every 30 epochs, floor 1e-4)', { above: 0 }).default(TRAIN_DEFAULTS.lr))
    .option('--loss <name>', 'mse-ssim (MSE - 5 SSIM), mse, l1 or charbonnier', TRAIN_DEFAULTS.loss)
    .option('--optimizer <name>', "sgd (Nesterov momentum 0.9, the protocol) or adam (short budgeted runs)", TRAIN_DEFAULTS.optimizer)
    .addOption(presetOption().default(TRAIN_DEFAULTS.preset))
    .addOption(numberOption('--clip-grad <norm>', 'clip the global gradient norm before each update (0: off)', { min: 0 }).default(TRAIN_DEFAULTS.clipGradNorm))
    .option('--zero-last-layer', 'start the output conv at zero: a global-residual model (vdsr, drrn, memnet) starts at its bicubic input')
    .addOption(seedOption('seed of the weights and of the batches').default(TRAIN_DEFAULTS.seed))
    .option('--seed-compat', "the original's schedule (lr stepped per update) and drifting LR/HR crops")
    .addOption(integerOption('--val-every <n>', 'validate every n updates (default: every epoch); always at update 0 and at the end', { min: 0 }))
    .addOption(integerOption('--val-limit <n>', 'validation patches: the first n of the list', { min: 1 }).default(TRAIN_DEFAULTS.valLimit))
    // Not defaultWorkers(): every batch worker keeps its own copy of the training pairs, and the training
    // step itself wants the other cores.
    .addOption(integerOption('--workers <n>', 'batch-building worker threads (0: on the training thread)', { min: 0 }).default(TRAIN_DEFAULTS.workers))
    .addOption(integerOption('--log-every <n>', 'write a training line to log.jsonl every n updates', { min: 1 }).default(TRAIN_DEFAULTS.logEvery))
    .addOption(outOption('parent folder of the runs').default('runs'))
    .option('--name <id>', 'run id (default: UTC timestamp and seed)')
    .option('--force', 'start an existing run folder of the same id again')
    .option('--resume <dir>', 'continue the run in this folder (its config; a new --epochs/--steps/--minutes replaces its budget)')
    .action(async (o: TrainOptions, command: Command) => {
      const budget = { epochs: o.epochs, steps: o.steps, minutes: o.minutes };
      if (o.resume !== undefined) {
        refuseOptions(command, FIXED_BY_RUN, "does not go with --resume (the run's config.json fixes it; start a new run to change it)");
      } else {
        for (const [v, flag] of [[o.method, '--method'], [o.cell, '--cell'], [o.scale, '--scale'], [o.data, '--data']] as const) {
          if (v === undefined) throw new SrcacoError('usage', `${flag} is required (or --resume DIR)`, { option: flag });
        }
      }
      const display = trainDisplay(o.resume !== undefined ? 'train' : `${o.method} ${o.cell} x${o.scale}`);
      const stop = stopOnSignals();
      const hooks = { ...display.hooks, signal: stop.signal };
      let result: TrainResult;
      try {
        if (o.resume !== undefined) {
          // Only what the user gave replaces the run's own device, threads, workers and logging.
          const runtime = Object.fromEntries((['device', 'threads', 'workers', 'logEvery'] as const).filter((k) => given(command, k)).map((k) => [k, o[k]]));
          result = await resumeRun(o.resume, { ...budget, ...runtime, dataRoot: o.data }, hooks);
        } else {
          result = await startRun(
            {
              method: o.method!,
              cell: o.cell!,
              scale: o.scale!,
              dataRoot: o.data!,
              preset: o.preset,
              ...budget,
              device: o.device,
              threads: o.threads,
              workers: o.workers,
              logEvery: o.logEvery,
              batchSize: o.batch,
              hrPatchPx: o.hSize,
              lr: o.lr,
              loss: o.loss,
              optimizer: o.optimizer,
              seed: o.seed,
              clipGradNorm: o.clipGrad,
              zeroLastLayer: o.zeroLastLayer === true,
              seedCompat: o.seedCompat === true,
              valEvery: o.valEvery,
              valLimit: o.valLimit,
            } as Parameters<typeof startRun>[0],
            { out: o.out, name: o.name, force: o.force === true },
            hooks,
          );
        }
      } finally {
        display.stop();
        stop.dispose();
      }
      if (result.stoppedBy === 'interrupt') {
        throw new SrcacoError('interrupted', `${String(stop.signal.reason)} stopped training at update ${result.steps}, its last checkpoint saved; continue with srcaco train --resume ${result.runDir}`);
      }
      process.stdout.write(summary(result));
    });
}
