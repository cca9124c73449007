/**
 * The training loop: one compiled step graph (forward, loss, backward, SGD or Adam) run batch after batch, the step
 * schedule, validation on whole validation patches with best/last checkpoints, and exact resume. Everything a
 * step depends on is saved in the last checkpoint (params, optimizer slots, buffers, step count, the sampler's
 * three integers), so a resumed run takes the very same updates as an uninterrupted one. An aborted `signal` (the
 * CLI's SIGUSR1/SIGTERM) stops it after the update in flight with the last checkpoint saved at that update, so a
 * run stopped any number of times and resumed ends with the same weights as one that never stopped.
 */
import { SrcacoError } from '../errors.js';
import { initState, mergeState, splitState, type StateDict } from '../engine/nn/state.js';
import { clipGradNorm } from '../engine/optim/clip.js';
import { adam } from '../engine/optim/adam.js';
import { sgd } from '../engine/optim/sgd.js';
import type { HostTensor } from '../engine/runtime.js';
import { compileStep } from '../engine/step.js';
import { StepRunner } from '../engine/step-runner.js';
import { compileTarget, type CompileTarget } from '../engine/target.js';
import { exportOnnx } from '../infer/export.js';
import { readSplitPairs } from '../io/split-pairs.js';
import type { ResultRow } from '../metrics/aggregate.js';
import { modelStepSpec, type Model } from '../models/model.js';
import { batchStream, type BatchOptions, type BatchStream, type TrainBatch } from './data-batch.js';
import { defaultPatchOptions } from './data-patch.js';
import { TrainPrefetcher } from './data-prefetch.js';
import { openPairSource, type PairSourceSpec } from './data-source.js';
import { lossByName } from './loss.js';
import type { TrainConfig } from './run-config.js';
import type { RunCheckpointMeta, RunFolder } from './run-folder.js';
import { batchesPerEpoch, streamRng } from './sampler-epoch.js';
import { learningRateAt, protocolSchedule } from './schedule.js';
import { loadSplitPairs, measureModel } from './validate.js';

/** What the loop reports after every update (the CLI's progress bar). */
export interface TrainProgress {
  step: number;
  epoch: number;
  batchInEpoch: number;
  batchesPerEpoch: number;
  loss: number;
  lr: number;
  patchesPerS: number;
  /** Seconds spent in this invocation. */
  elapsedS: number;
  /** Total updates the budget allows when known from --steps/--epochs. */
  totalSteps?: number;
  /** Seconds this invocation may run (--minutes). */
  budgetS?: number;
}

export interface ValidationRecord {
  step: number;
  epoch: number;
  row: ResultRow;
  /** The selection score: ROI PSNR (full-image PSNR when every ROI is empty). */
  score: number;
  isBest: boolean;
}

export interface TrainHooks {
  onProgress?(p: TrainProgress): void;
  onValidation?(v: ValidationRecord): void;
  /** Called before each update with the batch about to be used (tests use it to inject a NaN). */
  beforeStep?(step: number, batch: TrainBatch): void;
  /** Checked before each update: once aborted, the loop saves the last checkpoint and returns, stopped by 'interrupt'. */
  signal?: AbortSignal;
}

export interface TrainResult {
  runDir: string;
  steps: number;
  epoch: number;
  /** 'interrupt': `hooks.signal` stopped it before its budget; `--resume` continues it. */
  stoppedBy: 'steps' | 'epochs' | 'minutes' | 'interrupt';
  best: { roiPsnr: number; step: number } | null;
  lastValidation: ResultRow | null;
  /** Mean training throughput of this invocation. */
  patchesPerS: number;
}

/** The step graph of a model: batch `x` in the model's input convention, target `y`, the loss, the optimizer. */
function compileTrainStep(model: Model, c: TrainConfig, target: CompileTarget) {
  const optimizer = c.optimizer === 'adam' ? adam({ weightDecay: c.weightDecay }) : sgd({ momentum: c.momentum, nesterov: c.nesterov, weightDecay: c.weightDecay });
  return compileStep(
    modelStepSpec(model, {
      batch: c.batchSize,
      hrPx: c.hrPatchPx,
      loss: lossByName(c.loss),
      optimizer: c.clipGradNorm > 0 ? clipGradNorm(optimizer, c.clipGradNorm) : optimizer,
    }),
    target,
  );
}

/** Zeroes the weight (and bias) of the model's last conv in state_dict order: its output layer. */
export function zeroLastLayer(model: Model, state: StateDict): void {
  const weights = Object.keys(model.specs).filter((n) => n.endsWith('.weight') && model.specs[n]!.role === 'param' && model.specs[n]!.shape.length === 4);
  const last = weights.at(-1);
  if (!last) throw new SrcacoError('usage', `${model.name} has no conv layer to zero`, { option: '--zero-last-layer' });
  const layer = last.slice(0, -'.weight'.length);
  for (const name of [`${layer}.weight`, `${layer}.bias`]) (state[name]?.data as Float32Array | undefined)?.fill(0);
}

const copyHost = (t: HostTensor): HostTensor => ({ shape: [...t.shape], data: t.data.slice() as HostTensor['data'] });

/**
 * Trains (or, when the run folder already holds a last checkpoint and `resume` is set, continues) the run in
 * `run` with `c`, its configuration (a resume may change the budget). Stops at the first budget reached; a
 * non-finite loss stops with an error and leaves the last good checkpoint in place.
 */
export async function trainLoop(c: TrainConfig, run: RunFolder, options: { resume?: boolean } = {}, hooks: TrainHooks = {}): Promise<TrainResult> {
  const { model, dir: runDir } = run;
  const log = (entry: Record<string, unknown>) => run.appendLog(entry);

  const files = await readSplitPairs(c.dataRoot, 'train', c.cell, c.scale);
  const valPairs = await loadSplitPairs(c.dataRoot, 'val', c.cell, c.scale, c.valLimit);
  const perEpoch = batchesPerEpoch(files.length, c.batchSize);
  const batchOptions: BatchOptions = {
    batchSize: c.batchSize,
    patch: defaultPatchOptions(c.scale, { hrPatchPx: c.hrPatchPx, withUpsampled: model.input === 'cv2-bicubic', seedCompat: c.seedCompat }),
  };

  let base: StateDict;
  let optimizerState: Record<string, HostTensor> | undefined;
  let meta: RunCheckpointMeta;
  // A run stopped (killed, disk full) before its first checkpoint was complete has nothing to resume: it starts over.
  const resume = options.resume === true && (await run.hasCheckpoint('last'));
  if (options.resume && !resume) await run.dropLogAfter(-1);
  if (resume) {
    const ck = await run.loadCheckpoint('last');
    ({ state: base, optimizerState, meta } = ck);
    await run.dropLogAfter(meta.step);
    await log({ kind: 'resume', step: meta.step, epoch: meta.sampler.epoch });
  } else {
    // Weights draw from their own stream of the seed, never shared with the batch sampler.
    base = initState(model.specs, streamRng(c.seed, 0x1a17, 0, 0));
    if (c.zeroLastLayer) zeroLastLayer(model, base);
    meta = { step: 0, sampler: { seed: c.seed, epoch: 0, batchInEpoch: 0 }, bestRoiPsnr: null, bestStep: null, elapsedS: 0 };
    await run.saveCheckpoint('last', { state: base, optimizerState: {}, meta });
    await log({ kind: 'start', step: 0, batchesPerEpoch: perEpoch, trainPairs: files.length, valPairs: valPairs.length });
  }

  const compiled = compileTrainStep(model, c, await compileTarget(c.device));
  const { params, buffers } = splitState(model.specs, base);
  // Noise inputs (drop-path masks, NLSN's rotations) draw from their own stream of the seed, one per update.
  const noiseRng = (step: number) => streamRng(c.seed, 0x401e, step, 0);
  const runner = await StepRunner.create(compiled, { params, buffers, optimizerState, stepCount: meta.step, noiseRng }, { threads: c.threads });
  const spec: PairSourceSpec = { kind: 'files', pairs: files, cache: true, scale: c.scale };
  const stream: BatchStream = c.workers > 0 ? new TrainPrefetcher(spec, batchOptions, meta.sampler, { workers: c.workers }) : batchStream(openPairSource(spec), batchOptions, meta.sampler);

  const schedule = protocolSchedule(c.lr, c.seedCompat);
  const startStep = meta.step;
  const startElapsed = meta.elapsedS;
  const t0 = performance.now();
  const elapsedS = () => (performance.now() - t0) / 1000;
  const totalSteps = Math.min(c.steps ?? Infinity, c.epochs !== undefined ? c.epochs * perEpoch : Infinity);
  const budgetS = c.minutes !== undefined ? c.minutes * 60 : undefined;
  let sampler = meta.sampler;
  let lastValidation: ResultRow | null = null;
  let lastValidatedStep = -1;
  let lossSum = 0;
  let lossCount = 0;

  const currentState = (): StateDict =>
    mergeState(model.specs, base, Object.fromEntries(Object.entries({ ...runner.params(), ...runner.buffers() }).map(([k, v]) => [k, copyHost(v)])), runner.stepCount - startStep);

  const optimizerCopy = () => Object.fromEntries(Object.entries(runner.optimizerState()).map(([k, v]) => [k, copyHost(v)]));

  const validateAndSave = async (): Promise<void> => {
    const state = currentState();
    const { row } = await measureModel(model, state, valPairs, { method: model.name, cell: c.cell, split: 'val', device: c.device, threads: c.threads });
    const score = row.roi.psnr ?? row.full.psnr ?? -Infinity;
    const isBest = meta.bestRoiPsnr === null || score > meta.bestRoiPsnr;
    meta = {
      step: runner.stepCount,
      sampler,
      bestRoiPsnr: isBest ? score : meta.bestRoiPsnr,
      bestStep: isBest ? runner.stepCount : meta.bestStep,
      elapsedS: startElapsed + elapsedS(),
    };
    if (isBest) {
      await run.saveCheckpoint('best', { state, optimizerState: {}, meta });
      await exportOnnx(model, state, run.bestOnnxPath);
    }
    await run.saveCheckpoint('last', { state, optimizerState: optimizerCopy(), meta });
    lastValidation = row;
    lastValidatedStep = runner.stepCount;
    await log({ kind: 'val', step: runner.stepCount, epoch: sampler.epoch, n: row.n, roi: row.roi, full: row.full, best: isBest, elapsedS: meta.elapsedS });
    hooks.onValidation?.({ step: runner.stepCount, epoch: sampler.epoch, row, score, isBest });
  };

  let stoppedBy: TrainResult['stoppedBy'] = 'steps';
  try {
    // The starting point is a candidate too: when training only makes the model worse on validation, the best
    // checkpoint stays the initial one (for --zero-last-layer, the model's own bicubic input) instead of the least
    // bad trained one.
    if (!resume) await validateAndSave();
    for (;;) {
      if (hooks.signal?.aborted) {
        stoppedBy = 'interrupt';
        break;
      }
      if (runner.stepCount >= (c.steps ?? Infinity)) break;
      if (c.epochs !== undefined && sampler.epoch >= c.epochs) {
        stoppedBy = 'epochs';
        break;
      }
      if (budgetS !== undefined && elapsedS() >= budgetS) {
        stoppedBy = 'minutes';
        break;
      }
      const batch = await stream.next();
      hooks.beforeStep?.(runner.stepCount, batch);
      const lr = learningRateAt(schedule, batch.epoch, runner.stepCount);
      const x = model.input === 'cv2-bicubic' ? batch.lrUp! : batch.lr;
      const xSide = model.input === 'cv2-bicubic' ? batch.hrPx : batch.lrPx;
      const { loss } = await runner.step(
        { x: { shape: [batch.batchSize, 1, xSide, xSide], data: x }, y: { shape: [batch.batchSize, 1, batch.hrPx, batch.hrPx], data: batch.hr } },
        lr,
      );
      if (!Number.isFinite(loss)) {
        const last = run.checkpointPath('last');
        await log({ kind: 'error', step: runner.stepCount, epoch: batch.epoch, loss: String(loss), lr });
        throw new SrcacoError(
          'runtime',
          `the training loss became ${loss} at update ${runner.stepCount} (epoch ${batch.epoch}, lr ${lr}); training stopped. ` +
            `The last good checkpoint (update ${meta.step}) is kept in ${last}; lower --lr, or check the data, then resume with --resume ${runDir}`,
        );
      }
      sampler = stream.state();
      lossSum += loss;
      lossCount++;
      const el = elapsedS();
      const done = runner.stepCount - startStep;
      hooks.onProgress?.({
        step: runner.stepCount,
        epoch: batch.epoch,
        batchInEpoch: batch.batchInEpoch,
        batchesPerEpoch: perEpoch,
        loss,
        lr,
        patchesPerS: (done * c.batchSize) / Math.max(el, 1e-9),
        elapsedS: el,
        totalSteps: Number.isFinite(totalSteps) ? totalSteps : undefined,
        budgetS,
      });
      if (runner.stepCount % c.logEvery === 0) {
        await log({ kind: 'train', step: runner.stepCount, epoch: batch.epoch, loss: lossSum / lossCount, lr, patchesPerS: (done * c.batchSize) / Math.max(el, 1e-9), elapsedS: startElapsed + el });
        lossSum = lossCount = 0;
      }
      const epochEnded = sampler.batchInEpoch === 0;
      if (c.valEvery > 0 ? runner.stepCount % c.valEvery === 0 : epochEnded) await validateAndSave();
    }
    if (stoppedBy === 'interrupt') {
      // No validation: the next validation is the uninterrupted run's, taken by the resumed run at the same update.
      meta = { ...meta, step: runner.stepCount, sampler, elapsedS: startElapsed + elapsedS() };
      await run.saveCheckpoint('last', { state: currentState(), optimizerState: optimizerCopy(), meta });
    } else if (lastValidatedStep !== runner.stepCount) await validateAndSave();
  } finally {
    await stream.close();
    await runner.release();
  }
  const done = runner.stepCount - startStep;
  const patchesPerS = (done * c.batchSize) / Math.max(elapsedS(), 1e-9);
  if (stoppedBy === 'interrupt') await log({ kind: 'interrupted', step: runner.stepCount, epoch: sampler.epoch, reason: String(hooks.signal!.reason), patchesPerS });
  else await log({ kind: 'end', step: runner.stepCount, epoch: sampler.epoch, stoppedBy, bestRoiPsnr: meta.bestRoiPsnr, bestStep: meta.bestStep, patchesPerS });
  return {
    runDir,
    steps: runner.stepCount,
    epoch: sampler.epoch,
    stoppedBy,
    best: meta.bestRoiPsnr === null ? null : { roiPsnr: meta.bestRoiPsnr, step: meta.bestStep! },
    lastValidation,
    patchesPerS,
  };
}
