/** Where each run of a grid stands, read from its run folder alone (so any machine that sees the folders agrees). */
import { access } from 'node:fs/promises';
import { isSrcacoError } from '../errors.js';
import { RunFolder } from '../train/run-folder.js';
import type { GridRun } from './plan.js';

/**
 * pending: no run folder yet; incomplete: started, not finished (interrupted, killed or still running; `resumable`
 * when it has a last checkpoint); done: its budget reached (the log's 'end'); failed: stopped by an error (a
 * non-finite loss, or a run folder that cannot be read).
 */
export type RunState = 'pending' | 'incomplete' | 'done' | 'failed';

export interface RunStatus {
  readonly run: GridRun;
  readonly state: RunState;
  /** Updates taken, from the log's last entry that says. */
  readonly step?: number;
  /** Best validation ROI PSNR, from the log's 'end' entry (null when never validated). */
  readonly bestRoiPsnr?: number | null;
  readonly resumable?: boolean;
  /** Why it failed. */
  readonly error?: string;
}

const exists = (path: string) => access(path).then(() => true, () => false);

/** The status of one run. */
export async function runStatus(run: GridRun): Promise<RunStatus> {
  if (!(await RunFolder.isRun(run.runDir))) return { run, state: 'pending' };
  let folder: RunFolder;
  try {
    folder = await RunFolder.open(run.runDir);
  } catch (e) {
    if (isSrcacoError(e)) return { run, state: 'failed', error: e.message };
    throw e;
  }
  const log = await folder.readLog();
  const last = log.at(-1);
  const step = [...log].reverse().find((e) => typeof e.step === 'number')?.step as number | undefined;
  if (last?.kind === 'end') return { run, state: 'done', step, bestRoiPsnr: (last.bestRoiPsnr as number | null) ?? null };
  if (last?.kind === 'error') return { run, state: 'failed', step, error: `stopped at update ${String(last.step)} (loss ${String(last.loss)}, lr ${String(last.lr)})` };
  return { run, state: 'incomplete', step, resumable: await exists(folder.checkpointPath('last')) };
}

/** The status of every run, in plan order. */
export function gridStatus(runs: readonly GridRun[]): Promise<RunStatus[]> {
  return Promise.all(runs.map(runStatus));
}
