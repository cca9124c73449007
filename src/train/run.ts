/**
 * Training runs as folders: start one (config.json, then the loop), or resume one from its folder alone.
 * Layout of `<out>/<method>/<train split folder>/<id>/`:
 *   config.json            every option, seeds, versions (the model fields at the top level, for loadRunModel)
 *   log.jsonl              one JSON object per line: start/resume, train (loss, lr, patches/s), val (metrics), end, error
 *   last.safetensors       state_dict at the last save (+ last.optim.safetensors, last.json: optimizer, step, sampler)
 *   best.safetensors       state_dict with the best validation ROI PSNR (+ best.json)
 *   best.onnx              that model as an inference graph: x [N, 1, H, W] → y, weights baked in
 */
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SrcacoError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { trainLoop, modelOfConfig, type TrainHooks, type TrainResult } from './loop.js';
import { resolveTrainConfig, runFolder, softwareVersions, trainDatasetName, type RunConfigFile, type TrainConfig } from './run-config.js';

/** Options of a new run besides its configuration. */
export interface StartRunOptions {
  /** Parent folder of all runs (default 'runs'). */
  out?: string;
  /** Run id (default: UTC timestamp and seed). */
  name?: string;
  /** Replace an existing run folder of the same id (its checkpoints are overwritten). */
  force?: boolean;
}

/** Creates a run folder for `config`, writes config.json and trains. */
export async function startRun(config: TrainConfig, options: StartRunOptions = {}, hooks: TrainHooks = {}): Promise<TrainResult> {
  const c = resolveTrainConfig(config);
  modelOfConfig(c); // unknown method, unsupported scale or preset: fail before creating anything
  const dir = runFolder(options.out ?? 'runs', c, options.name);
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0 && !options.force) {
    throw new SrcacoError('output', 'the run folder already exists; continue it with --resume, or pass --force to start it again, or choose another --name', { path: dir, option: '--name' });
  }
  await mkdir(dir, { recursive: true }).catch((e) => {
    throw new SrcacoError('output', `cannot create the run folder (${(e as Error).message})`, { path: dir, cause: e });
  });
  // --force: nothing of the earlier run may survive to be mistaken for this one's (a stale best or eval row).
  const stale = existing.filter((f) => f === 'config.json' || f === 'log.jsonl' || f === 'eval' || /^(best|last)\./.test(f));
  await Promise.all(stale.map((f) => rm(join(dir, f), { recursive: true, force: true })));
  const file: RunConfigFile = { ...c, trainDataset: trainDatasetName(c), versions: softwareVersions(), createdAt: new Date().toISOString() };
  await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(file, null, 2)}\n`);
  return trainLoop(c, dir, {}, hooks);
}

/** Options a resumed run may change: the budget and where/how fast it runs, never what it computes. */
export type ResumeOverrides = Partial<Pick<TrainConfig, 'epochs' | 'steps' | 'minutes' | 'device' | 'threads' | 'workers' | 'logEvery' | 'dataRoot'>>;

/** Reads a run folder's config.json (checked as a new configuration would be). */
export async function readRunConfig(dir: string): Promise<RunConfigFile> {
  const path = join(dir, 'config.json');
  let parsed: RunConfigFile;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as RunConfigFile;
  } catch (e) {
    throw new SrcacoError('input', `cannot read the run configuration (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is this a training run folder?`, { path, cause: e });
  }
  if (typeof parsed.method !== 'string' || typeof parsed.scale !== 'number' || typeof parsed.cell !== 'string' || typeof parsed.dataRoot !== 'string') {
    throw new SrcacoError('input', 'the run configuration lacks method, scale, cell or dataRoot', { path });
  }
  return parsed;
}

/** Continues the run in `dir` from its last checkpoint, exactly where it stopped. */
export async function resumeRun(dir: string, overrides: ResumeOverrides = {}, hooks: TrainHooks = {}): Promise<TrainResult> {
  const file = await readRunConfig(dir);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const budgetGiven = 'epochs' in defined || 'steps' in defined || 'minutes' in defined;
  const { trainDataset: _t, versions: _v, createdAt: _c, ...config } = file;
  // A new budget replaces the old one as a whole (a run stopped by --minutes can be continued by --epochs).
  const base = budgetGiven ? { ...config, epochs: undefined, steps: undefined, minutes: undefined } : config;
  const c = resolveTrainConfig({ ...base, ...defined } as TrainConfig);
  return trainLoop(c, dir, { resume: true }, hooks);
}
