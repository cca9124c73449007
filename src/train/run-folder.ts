/**
 * A training run folder, and the one place that knows its layout. `<out>/<method>/<train split folder>/<id>/`:
 *   config.json            every option, seeds, versions (the model fields method/scale/preset/config at the top level)
 *   log.jsonl              one JSON object per line: start/resume, train (loss, lr, patches/s), val (metrics), end, error
 *   last.safetensors       state_dict at the last save (+ last.optim.safetensors, last.json: optimizer, step, sampler)
 *   best.safetensors       state_dict with the best validation ROI PSNR (+ best.json)
 *   best.onnx              that model as an inference graph: x [N, 1, H, W] → y, weights baked in
 *   eval/                  `<method>_<cell>_x<s>_<split>.json` (the Tables 4/5 row) and `.jsonl` (per image)
 *
 * A checkpoint is three files: `<tag>.safetensors` (the model's state_dict, loadable on its own by PyTorch or
 * `srcaco upscale --weights`), `<tag>.optim.safetensors` (optimizer slots by step-graph name) and `<tag>.json`
 * (step, sampler position — the epoch and the RNG state of the batches —, best score). Each file is written
 * atomically and all three carry the step, so a crash between two writes is detected instead of resuming from a mix.
 *
 * A folder holding only the model fields in config.json and best.safetensors is a run too: enough to upscale with.
 */
import { access, appendFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SrcacoError } from '../errors.js';
import type { StateDict } from '../engine/nn/state.js';
import { stateToSafetensors } from '../engine/nn/state.js';
import type { HostTensor } from '../engine/runtime.js';
import { modelStateOf } from '../infer/weights.js';
import { removeTemporaries, writeError, writeFileAtomic } from '../io/atomic.js';
import { lockFolder, type OutputLock } from '../io/folder-lock.js';
import { readSafetensors, tensorToFloat32, writeSafetensors, type SafeTensor } from '../io/safetensors.js';
import type { ImageMetrics, ResultRow } from '../metrics/aggregate.js';
import { writeRowFiles } from '../metrics/row-files.js';
import { CELLS, type Cell, type SrScale } from '../io/layout.js';
import type { ConfigValue } from '../models/config.js';
import type { Model } from '../models/model.js';
import { modelOfConfig, resolveTrainConfig, softwareVersions, trainDatasetName, type RunConfigFile, type TrainConfig } from './run-config.js';
import type { TrainSamplerState } from './sampler-epoch.js';

const CONFIG = 'config.json';
const LOG = 'log.jsonl';
const EVAL = 'eval';
const BEST_ONNX = 'best.onnx';

/** The checkpoints a run keeps: the best validation score and the last save. */
export type CheckpointTag = 'best' | 'last';

/** What a checkpoint's JSON sidecar records besides the tensors. */
export interface RunCheckpointMeta {
  /** Updates taken so far. */
  step: number;
  /** The sampler position of the next batch (its epoch, and the seed its random draws derive from). */
  sampler: TrainSamplerState;
  /** Best validation ROI PSNR so far and the step it was measured at (null before the first validation). */
  bestRoiPsnr: number | null;
  bestStep: number | null;
  /** Training wall time so far, all invocations together. */
  elapsedS: number;
}

export interface RunCheckpoint {
  state: StateDict;
  optimizerState: Record<string, HostTensor>;
  meta: RunCheckpointMeta;
}

/** config.json as read: the model fields always, the training options in every folder `srcaco train` made. */
export type RunFolderConfig = Pick<RunConfigFile, 'method' | 'scale'> & Partial<Omit<RunConfigFile, 'method' | 'scale'>> & { importedFrom?: ImportedFrom };

/** Where an imported run's model was trained (srcaco import-run): nothing of its training is reproduced here. */
export interface ImportedFrom {
  /** The original run folder. */
  dir: string;
  /** Its saved configuration and weights, relative to `dir`. */
  configFile: string;
  weightsFile: string;
  /** The original's network name (netG.net_type). */
  netType: string;
}

/** config.json of an imported run: the model fields, the cell and data it was trained on, and where it came from. */
export interface ImportedRunConfig {
  method: string;
  scale: SrScale;
  preset: string;
  config: Record<string, ConfigValue>;
  cell: Cell;
  /** Where `srcaco eval --run` finds the data (else it needs --data). */
  dataRoot?: string;
  importedFrom: ImportedFrom;
}

/** Options of a new run folder besides its configuration. */
export interface CreateRunOptions {
  /** Run id (default: UTC timestamp and seed). */
  name?: string;
  /** Replace an existing run folder of the same id (its checkpoints are overwritten). */
  force?: boolean;
}

/** `<out>/<method>/<train split folder>/<id>`; the id is `--name` or a UTC timestamp plus the seed. */
export function runFolderPath(out: string, c: Pick<TrainConfig, 'method' | 'scale' | 'cell' | 'seed'>, name?: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const id = name ?? `${stamp}-seed${c.seed}`;
  if (!/^[A-Za-z0-9._-]+$/.test(id) || id === '.' || id === '..') {
    throw new SrcacoError('usage', `--name may hold letters, digits, '.', '_' and '-' only, received '${id}'`, { option: '--name' });
  }
  return join(out, c.method.toLowerCase(), trainDatasetName(c), id);
}

const exists = (path: string) => access(path).then(() => true, () => false);
const errno = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/**
 * Whether the run in `dir` trained to its budget: its log ends with 'end' (an interrupted, failed or running run's
 * does not). Reads the log only, so it answers for many runs quickly (a grid's status).
 */
export async function trainingFinished(dir: string): Promise<boolean> {
  const text = await readFile(join(dir, LOG), 'utf8').catch(() => '');
  const last = text.trimEnd().split('\n').at(-1);
  try {
    return last !== undefined && last !== '' && (JSON.parse(last) as { kind?: unknown }).kind === 'end';
  } catch {
    return false;
  }
}

export class RunFolder {
  private constructor(
    readonly dir: string,
    /** config.json, checked. */
    readonly config: RunFolderConfig,
    /** The model config.json describes. */
    readonly model: Model,
    private lock?: OutputLock,
  ) {}

  /** Locks the folder for `command` (training, which writes every file of it) until `release()`. */
  async acquire(command: string): Promise<void> {
    if (this.lock) return;
    this.lock = await lockFolder(this.dir, command);
    // A killed run's half-written checkpoints (never under a final name) go now that no other writer can exist.
    await removeTemporaries(this.dir);
  }

  /** Releases the lock `acquire` or `create` took. */
  async release(): Promise<void> {
    await this.lock?.release();
    this.lock = undefined;
  }

  /** Creates the folder of a new run for `config` (checked first, nothing is created for a bad one) and writes config.json. */
  static async create(out: string, config: TrainConfig, options: CreateRunOptions = {}): Promise<RunFolder> {
    const c = resolveTrainConfig(config);
    const model = modelOfConfig(c); // unknown method, unsupported scale or preset: fail before creating anything
    const dir = runFolderPath(out, c, options.name);
    const existing = await readdir(dir).catch(() => [] as string[]);
    // Hidden files (a lock, an unfinished temporary file of a killed start) do not make a folder a run.
    if (existing.some((f) => !f.startsWith('.')) && !options.force) {
      throw new SrcacoError('output', 'the run folder already exists; continue it with --resume, or pass --force to start it again, or choose another --name', { path: dir, option: '--name' });
    }
    await mkdir(dir, { recursive: true }).catch((e) => {
      throw new SrcacoError('output', `cannot create the run folder (${(e as Error).message})`, { path: dir, cause: e });
    });
    // Locked before anything of an earlier run is removed: a run still training there is refused, not clobbered.
    const lock = await lockFolder(dir, 'train');
    // --force: nothing of the earlier run may survive to be mistaken for this one's (a stale best or eval row).
    const stale = existing.filter((f) => f === CONFIG || f === LOG || f === EVAL || /^(best|last)\./.test(f));
    const file: RunConfigFile = { ...c, trainDataset: trainDatasetName(c), versions: softwareVersions(), createdAt: new Date().toISOString() };
    try {
      await Promise.all(stale.map((f) => rm(join(dir, f), { recursive: true, force: true })));
      await writeFileAtomic(join(dir, CONFIG), `${JSON.stringify(file, null, 2)}\n`);
    } catch (e) {
      await lock.release();
      throw e;
    }
    return new RunFolder(dir, file, model, lock);
  }

  /**
   * The folder of a model trained elsewhere (`<out>/<method>/<train split folder>/<name>`): config.json and
   * best.safetensors, the state checked against the model first. Evaluation and inference use it as any run.
   */
  static async createImported(out: string, config: ImportedRunConfig, state: StateDict, options: CreateRunOptions & { name: string }): Promise<RunFolder> {
    const model = modelOfConfig(config);
    const dir = runFolderPath(out, { ...config, seed: 0 }, options.name);
    if ((await readdir(dir).catch(() => [] as string[])).length > 0 && !options.force) {
      throw new SrcacoError('output', 'the run folder already exists; pass --force to import it again', { path: dir, option: '--force' });
    }
    await mkdir(dir, { recursive: true }).catch((e) => {
      throw new SrcacoError('output', `cannot create the run folder (${(e as Error).message})`, { path: dir, cause: e });
    });
    const run = new RunFolder(dir, { ...config, trainDataset: trainDatasetName(config), versions: softwareVersions(), createdAt: new Date().toISOString() }, model);
    await writeSafetensors(run.checkpointPath('best'), stateToSafetensors(state), { source: config.importedFrom.weightsFile });
    await writeFileAtomic(run.configPath, `${JSON.stringify(run.config, null, 2)}\n`);
    return run;
  }

  /** Opens an existing run: config.json read and checked as a new configuration would be, its model built. */
  static async open(dir: string): Promise<RunFolder> {
    const path = join(dir, CONFIG);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new SrcacoError('input', `cannot read the run configuration (${errno(e)}); is this a training run folder?`, { path, cause: e });
    }
    let parsed: RunFolderConfig;
    try {
      parsed = JSON.parse(text) as RunFolderConfig;
    } catch (e) {
      throw new SrcacoError('input', `the run configuration is not JSON (${(e as Error).message}); is this a training run folder?`, { path, cause: e });
    }
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.method !== 'string' || typeof parsed.scale !== 'number') {
      throw new SrcacoError('input', 'the run configuration needs "method" (string) and "scale" (number)', { path });
    }
    const checked = <T>(what: () => T): T => {
      try {
        return what();
      } catch (e) {
        if (!(e instanceof SrcacoError)) throw e;
        throw new SrcacoError('input', `the run configuration is invalid: ${e.message}`, { path, cause: e });
      }
    };
    const model = checked(() => modelOfConfig(parsed));
    // A folder `srcaco train` made holds every option: all of them must still pass today's checks.
    if (parsed.importedFrom === undefined && (parsed.cell !== undefined || parsed.dataRoot !== undefined)) checked(() => resolveTrainConfig(parsed as RunConfigFile));
    if (parsed.cell !== undefined && !(CELLS as readonly string[]).includes(parsed.cell)) {
      throw new SrcacoError('input', `the run configuration is invalid: cell must be one of ${CELLS.join(', ')}, received '${parsed.cell}'`, { path });
    }
    return new RunFolder(dir, parsed, model);
  }

  /** Whether `dir` looks like a run folder (holds config.json); `open` says what is wrong with one. */
  static isRun(dir: string): Promise<boolean> {
    return exists(join(dir, CONFIG));
  }

  get configPath(): string {
    return join(this.dir, CONFIG);
  }

  /** The folder of the run's evaluation rows. */
  get evalDir(): string {
    return join(this.dir, EVAL);
  }

  /** Where the best checkpoint's inference graph is written. */
  get bestOnnxPath(): string {
    return join(this.dir, BEST_ONNX);
  }

  /** A checkpoint's state_dict file (PyTorch key names). */
  checkpointPath(tag: CheckpointTag): string {
    return join(this.dir, `${tag}.safetensors`);
  }

  /** The best checkpoint's inference graph, or null before the first validation. */
  async bestOnnx(): Promise<string | null> {
    return (await exists(this.bestOnnxPath)) ? this.bestOnnxPath : null;
  }

  /** The training options config.json holds (without the records written beside them). */
  trainConfig(): TrainConfig {
    if (this.config.importedFrom !== undefined) {
      throw new SrcacoError('input', `this run was imported from ${this.config.importedFrom.dir}: it holds a trained model, not a srcaco training to continue`, { path: this.configPath });
    }
    if (this.config.cell === undefined || this.config.dataRoot === undefined) {
      throw new SrcacoError('input', 'the run configuration lacks "cell" and "dataRoot": this folder holds a model, not a training run', { path: this.configPath });
    }
    const { trainDataset: _t, versions: _v, createdAt: _c, ...config } = this.config;
    return config as TrainConfig;
  }

  /** Writes `<tag>.safetensors`, `.optim.safetensors` and `.json` (tensors first, the sidecar last). */
  async saveCheckpoint(tag: CheckpointTag, ck: RunCheckpoint): Promise<void> {
    const stepMeta = { step: String(ck.meta.step) };
    // The method and scale travel with the weights, so one given to another model is refused (modelStateOf).
    await writeSafetensors(this.checkpointPath(tag), stateToSafetensors(ck.state), { ...stepMeta, method: this.model.name, scale: String(this.model.scale) });
    const optim = new Map<string, SafeTensor>();
    for (const [name, t] of Object.entries(ck.optimizerState)) optim.set(name, { dtype: 'F32', shape: t.shape, data: t.data as Float32Array });
    await writeSafetensors(join(this.dir, `${tag}.optim.safetensors`), optim, stepMeta);
    await writeFileAtomic(join(this.dir, `${tag}.json`), `${JSON.stringify(ck.meta, null, 2)}\n`);
  }

  /** Reads a checkpoint; weights of another architecture, a damaged sidecar or a torn write fail naming the file. */
  async loadCheckpoint(tag: CheckpointTag): Promise<RunCheckpoint> {
    const meta = await this.readMeta(tag);
    const weightsPath = this.checkpointPath(tag);
    const weights = await readSafetensors(weightsPath);
    const state = modelStateOf(this.model, weights.tensors, weightsPath, weights.metadata);
    const optimPath = join(this.dir, `${tag}.optim.safetensors`);
    const optim = await readSafetensors(optimPath);
    for (const [path, m] of [[weightsPath, weights.metadata], [optimPath, optim.metadata]] as const) {
      if (m?.step !== String(meta.step)) {
        throw new SrcacoError('input', `holds step ${m?.step ?? '?'} but ${tag}.json says step ${meta.step}: the checkpoint was torn by an interrupted write; resume from another copy`, { path });
      }
    }
    const optimizerState: Record<string, HostTensor> = {};
    for (const [name, t] of optim.tensors) optimizerState[name] = { shape: [...t.shape], data: tensorToFloat32(t) };
    return { state, optimizerState, meta };
  }

  /** Whether a checkpoint was ever completed (its sidecar is written last). */
  async hasCheckpoint(tag: CheckpointTag): Promise<boolean> {
    return exists(join(this.dir, `${tag}.json`));
  }

  /** The model's weights of a checkpoint (the best by default), for inference and evaluation. */
  async loadWeights(tag: CheckpointTag = 'best'): Promise<StateDict> {
    const path = this.checkpointPath(tag);
    if (!(await exists(path))) {
      const why = tag === 'best' ? 'the run has no best checkpoint yet: train it until its first validation' : 'the run has no last checkpoint: start it again with --force';
      throw new SrcacoError('input', why, { path });
    }
    const { tensors, metadata } = await readSafetensors(path);
    return modelStateOf(this.model, tensors, path, metadata);
  }

  /** `<tag>.json`, checked field by field. */
  private async readMeta(tag: CheckpointTag): Promise<RunCheckpointMeta> {
    const path = join(this.dir, `${tag}.json`);
    let meta: RunCheckpointMeta;
    try {
      meta = JSON.parse(await readFile(path, 'utf8')) as RunCheckpointMeta;
    } catch (e) {
      throw new SrcacoError('input', `cannot read the checkpoint (${errno(e)}); was this run saved at least once?`, { path, cause: e });
    }
    const count = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
    const s = meta?.sampler;
    const ok =
      typeof meta === 'object' && meta !== null && count(meta.step) && typeof s === 'object' && s !== null && count(s.seed) && count(s.epoch) && count(s.batchInEpoch) &&
      (meta.bestRoiPsnr === null || typeof meta.bestRoiPsnr === 'number') && (meta.bestStep === null || count(meta.bestStep)) && typeof meta.elapsedS === 'number';
    if (!ok) throw new SrcacoError('input', 'the checkpoint record is damaged (it needs step, sampler {seed, epoch, batchInEpoch}, bestRoiPsnr, bestStep, elapsedS); resume from another copy', { path });
    return meta;
  }

  /** Appends one entry, stamped with the time, to log.jsonl. */
  async appendLog(entry: Record<string, unknown>): Promise<void> {
    const path = join(this.dir, LOG);
    await appendFile(path, `${JSON.stringify({ ...entry, time: new Date().toISOString() })}\n`).catch((e: unknown) => {
      throw writeError(path, e);
    });
  }

  /** The log's entries, oldest first (none before the run's start). */
  async readLog(): Promise<Array<Record<string, unknown>>> {
    return (await this.logLines()).map((l) => l.entry);
  }

  /**
   * Removes the log entries of updates after `step`: an interrupted run logged them past its last checkpoint, and
   * the resumed run takes those updates again (and logs them again).
   */
  async dropLogAfter(step: number): Promise<void> {
    const lines = await this.logLines();
    if (lines.length === 0) return;
    const kept = lines.filter((l) => !(((l.entry.step as number | undefined) ?? 0) > step));
    await writeFileAtomic(join(this.dir, LOG), kept.map((l) => `${l.line}\n`).join(''));
  }

  /** log.jsonl's lines as written and as parsed. */
  private async logLines(): Promise<Array<{ line: string; entry: Record<string, unknown> }>> {
    const path = join(this.dir, LOG);
    const text = await readFile(path, 'utf8').catch(() => '');
    // A last line without its newline is an append cut short (a kill, a full disk): it was never a complete entry.
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    return complete.split('\n').filter(Boolean).map((line, k) => {
      try {
        return { line, entry: JSON.parse(line) as Record<string, unknown> };
      } catch (e) {
        throw new SrcacoError('input', `line ${k + 1} of the log is not JSON`, { path, cause: e });
      }
    });
  }

  /** The evaluation rows written so far (`eval/*.json`), sorted; none is an error saying how to make one. */
  async evalRowFiles(): Promise<string[]> {
    const names = (await readdir(this.evalDir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
    if (names.length === 0) throw new SrcacoError('input', `the run has no evaluation rows yet; make one with srcaco eval --run ${this.dir}`, { path: this.evalDir });
    return names.map((n) => join(this.evalDir, n));
  }

  /** Writes an evaluation's row (`eval/<method>_<cell>_x<s>_<split>.json`) and its per-image lines (`.jsonl`); returns the row's path. */
  writeEval(images: readonly ImageMetrics[], row: ResultRow): Promise<string> {
    return writeRowFiles(this.evalDir, images, row);
  }

}
