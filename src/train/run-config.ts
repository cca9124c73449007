/**
 * A training run's configuration: every option with the protocol's defaults, checked once, and the model it
 * describes. A run folder's config.json (see run-folder.ts) holds exactly this plus versions, so a
 * run can be resumed, evaluated and reproduced from its folder alone.
 */
import { readFileSync } from 'node:fs';
import { SrcacoError } from '../errors.js';
import type { Device } from '../engine/runtime.js';
import { CELLS, SR_SCALES, splitFolderName, type Cell, type SrScale } from '../io/layout.js';
import type { ConfigValue } from '../models/config.js';
import type { Model } from '../models/model.js';
import { buildModel } from '../models/registry.js';
import { LOSS_NAMES } from './loss.js';
import { protocolSchedule } from './schedule.js';

export const OPTIMIZER_NAMES = ['sgd', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Everything that decides what a run computes (and a few things that only decide how fast). */
export interface TrainConfig {
  method: string;
  scale: SrScale;
  cell: Cell;
  /** Model preset ('default' or a registry preset such as 'demo'). */
  preset: string;
  /** Hyper-parameters overriding the preset, by the original's names. */
  config?: Record<string, ConfigValue>;
  /** The data root holding the caco2_* split folders. */
  dataRoot: string;
  /** Budget: the run stops at the first one reached (epochs and steps count from the run's start, minutes per invocation). */
  epochs?: number;
  steps?: number;
  minutes?: number;
  device: Device;
  /** ORT intra-op threads (default: ORT's own choice, one per core). */
  threads?: number;
  batchSize: number;
  /** HR side of a training patch (protocol 96). */
  hrPatchPx: number;
  /** Base learning rate (protocol 0.01), halved every 30 epochs, floor 1e-4. */
  lr: number;
  loss: string;
  /**
   * 'sgd': SGD with Nesterov momentum, the protocol's. 'adam': Adam (betas 0.9/0.999, eps 1e-8), for short
   * budgeted runs such as the demo; its optimizer slots (exp_avg, exp_avg_sq) are checkpointed like SGD's.
   */
  optimizer: OptimizerName;
  /** SGD only. */
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /** Clip the global gradient 2-norm to this value before the update (the original's G_optimizer_clipgrad; 0: off). */
  clipGradNorm: number;
  seed: number;
  /**
   * Start the last layer's weights at zero: a model with a global residual (VDSR, DRRN, MemNet) then starts
   * exactly at its bicubic input and only improves on it (short runs); off by default, as in the original.
   */
  zeroLastLayer: boolean;
  /** The original's bugs: lr stepped per update, drifting crops. */
  seedCompat: boolean;
  /** Validate every this many updates (0: at the end of every epoch); always at update 0 of a new run and at its end. */
  valEvery: number;
  /** Validation patches: the first n of the validation list (protocol 128). */
  valLimit: number;
  /** Batch-building worker threads (0: build batches on the training thread). */
  workers: number;
  /** Print/log a training line every this many updates. */
  logEvery: number;
}

export const TRAIN_DEFAULTS = {
  preset: 'default',
  device: 'cpu' as Device,
  batchSize: 8,
  hrPatchPx: 96,
  lr: 0.01,
  loss: 'mse-ssim',
  optimizer: 'sgd' as OptimizerName,
  momentum: 0.9,
  nesterov: true,
  weightDecay: 0,
  clipGradNorm: 0,
  seed: 0,
  zeroLastLayer: false,
  seedCompat: false,
  valEvery: 0,
  valLimit: 128,
  workers: 1,
  logEvery: 10,
} as const;

/** Fills defaults and checks every option; `partial` comes from the CLI or a caller. */
export function resolveTrainConfig(partial: Partial<TrainConfig> & Pick<TrainConfig, 'method' | 'scale' | 'cell' | 'dataRoot'>): TrainConfig {
  const c: TrainConfig = { ...TRAIN_DEFAULTS, ...stripUndefined(partial) } as TrainConfig;
  if (!(SR_SCALES as readonly number[]).includes(c.scale)) throw new SrcacoError('usage', `--scale must be one of ${SR_SCALES.join(', ')}, received ${c.scale}`, { option: '--scale' });
  if (!(CELLS as readonly string[]).includes(c.cell)) throw new SrcacoError('usage', `--cell must be one of ${CELLS.join(', ')}, received '${c.cell}'`, { option: '--cell' });
  if (!LOSS_NAMES.includes(c.loss)) throw new SrcacoError('usage', `unknown loss '${c.loss}'; choose one of: ${LOSS_NAMES.join(', ')}`, { option: '--loss' });
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(c.optimizer)) {
    throw new SrcacoError('usage', `--optimizer must be one of ${OPTIMIZER_NAMES.join(', ')}, received '${c.optimizer}'`, { option: '--optimizer' });
  }
  if (c.epochs === undefined && c.steps === undefined && c.minutes === undefined) {
    throw new SrcacoError('usage', 'give a budget: --epochs N, --steps N or --minutes M (the protocol trains 100 epochs)', { option: '--epochs' });
  }
  positiveInt(c.epochs, '--epochs', 1);
  positiveInt(c.steps, '--steps', 1);
  if (c.minutes !== undefined && !(c.minutes > 0)) throw new SrcacoError('usage', `--minutes must be > 0, received ${c.minutes}`, { option: '--minutes' });
  positiveInt(c.batchSize, '--batch', 1);
  positiveInt(c.hrPatchPx, '--h-size', 1);
  if (c.hrPatchPx % c.scale !== 0) throw new SrcacoError('usage', `--h-size ${c.hrPatchPx} must be a multiple of the scale ${c.scale}`, { option: '--h-size' });
  if (!(c.lr > 0) || !Number.isFinite(c.lr)) throw new SrcacoError('usage', `--lr must be a number > 0, received ${c.lr}`, { option: '--lr' });
  // The schedule never goes below its floor, so a lower base rate would silently train at the floor.
  const { minLr } = protocolSchedule(c.lr);
  if (c.lr < minLr) throw new SrcacoError('usage', `--lr ${c.lr} is below the schedule's floor ${minLr}: every update would use ${minLr}; give --lr >= ${minLr}`, { option: '--lr' });
  if (!(c.clipGradNorm >= 0)) throw new SrcacoError('usage', `--clip-grad must be >= 0 (0: off), received ${c.clipGradNorm}`, { option: '--clip-grad' });
  positiveInt(c.seed, '--seed', 0);
  positiveInt(c.valEvery, '--val-every', 0);
  positiveInt(c.valLimit, '--val-limit', 1);
  positiveInt(c.workers, '--workers', 0);
  positiveInt(c.logEvery, '--log-every', 1);
  if (c.threads !== undefined) positiveInt(c.threads, '--threads', 1);
  return c;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function positiveInt(v: number | undefined, option: string, min: number): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < min) throw new SrcacoError('usage', `${option} must be an integer >= ${min}, received ${v}`, { option });
}

/** The model a configuration describes (registry name, scale, preset, overrides). */
export function modelOfConfig(c: Pick<TrainConfig, 'method' | 'scale' | 'config'> & { preset?: string }): Model {
  return buildModel(c.method, { scale: c.scale, preset: c.preset, config: c.config });
}

/** The split folder a run trains on, e.g. caco2_train_X_2_in_256_out_512_cell_CELL2. */
export function trainDatasetName(c: Pick<TrainConfig, 'scale' | 'cell'>): string {
  return splitFolderName('train', c.scale, c.cell);
}

/** Versions recorded in config.json: srcaco, Node.js and onnxruntime-node. */
export function softwareVersions(): Record<string, string> {
  const root = new URL('../../', import.meta.url);
  const versionOf = (rel: string) => {
    try {
      return String((JSON.parse(readFileSync(new URL(rel, root), 'utf8')) as { version?: string }).version ?? 'unknown');
    } catch {
      return 'unknown';
    }
  };
  return { srcaco: versionOf('package.json'), node: process.versions.node, onnxruntime: versionOf('node_modules/onnxruntime-node/package.json') };
}

/** config.json of a run: every option (the model fields method/scale/preset/config at the top level) and records. */
export interface RunConfigFile extends TrainConfig {
  trainDataset: string;
  versions: Record<string, string>;
  createdAt: string;
}
