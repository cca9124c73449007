/** Training runs: start one in a new run folder, or resume one from its folder alone (layout: run-folder.ts). */
import { trainLoop, type TrainHooks, type TrainResult } from './loop.js';
import { resolveTrainConfig, type TrainConfig } from './run-config.js';
import { RunFolder, type CreateRunOptions } from './run-folder.js';

/** Options of a new run besides its configuration. */
export interface StartRunOptions extends CreateRunOptions {
  /** Parent folder of all runs (default 'runs'). */
  out?: string;
}

/** Creates a run folder for `config`, writes config.json and trains. */
export async function startRun(config: TrainConfig, options: StartRunOptions = {}, hooks: TrainHooks = {}): Promise<TrainResult> {
  const run = await RunFolder.create(options.out ?? 'runs', config, options);
  try {
    return await trainLoop(run.trainConfig(), run, {}, hooks);
  } finally {
    await run.release();
  }
}

/** Options a resumed run may change: the budget and where/how fast it runs, never what it computes. */
export type ResumeOverrides = Partial<Pick<TrainConfig, 'epochs' | 'steps' | 'minutes' | 'device' | 'threads' | 'workers' | 'logEvery' | 'dataRoot'>>;

/** Continues the run in `dir` from its last checkpoint, exactly where it stopped. */
export async function resumeRun(dir: string, overrides: ResumeOverrides = {}, hooks: TrainHooks = {}): Promise<TrainResult> {
  const run = await RunFolder.open(dir);
  const config = run.trainConfig();
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const budgetGiven = 'epochs' in defined || 'steps' in defined || 'minutes' in defined;
  // A new budget replaces the old one as a whole (a run stopped by --minutes can be continued by --epochs).
  const base = budgetGiven ? { ...config, epochs: undefined, steps: undefined, minutes: undefined } : config;
  const c = resolveTrainConfig({ ...base, ...defined } as TrainConfig);
  await run.acquire('train');
  try {
    return await trainLoop(c, run, { resume: true }, hooks);
  } finally {
    await run.release();
  }
}
