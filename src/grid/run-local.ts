/**
 * Runs a grid's training on this machine: a pool of `srcaco train` processes, `jobs` at a time. Finished runs are
 * skipped, interrupted ones resumed from their last checkpoint (`train --resume`), and a run that started but never
 * saved a checkpoint starts again; one an error stopped (a non-finite loss) is left alone unless `retryFailed`. Each run's output goes to `<out>/logs/<id>.log`; a failed run does not stop the
 * others, and is reported with its log.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gridFolders, type GridRun } from './plan.js';
import type { GridSpec } from './grid-file.js';
import { runStatus, type RunStatus } from './status.js';

const SRCACO_BIN = new URL('../../bin/srcaco', import.meta.url).pathname;

export interface LocalRunHooks {
  /** A run starts ('start' or 'resume') or ends (with the exit code). */
  onEvent?(e: { run: GridRun; kind: 'start' | 'resume' | 'end'; code?: number; logPath: string }): void;
}

export interface LocalRunResult {
  readonly skipped: RunStatus[];
  readonly finished: GridRun[];
  readonly failed: { run: GridRun; code: number; logPath: string }[];
}

/** The `srcaco train` arguments that bring a run to done from where its status says it is. */
export function trainCommand(status: RunStatus): { kind: 'start' | 'resume'; args: string[] } {
  return status.state === 'incomplete' && status.resumable
    ? { kind: 'resume', args: ['train', '--resume', status.run.runDir] }
    : { kind: 'start', args: ['train', ...status.run.trainArgs, '--force'] };
}

function runChild(args: string[], logPath: string): Promise<number> {
  return new Promise((resolve) => {
    const log = createWriteStream(logPath, { flags: 'a' });
    log.write(`\n$ srcaco ${args.join(' ')}   (${new Date().toISOString()})\n`);
    // The IPC channel carries no messages: its end tells the training that this process has died (cli/train.ts).
    const child = spawn(process.execPath, [SRCACO_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, CI: '1' } });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    child.on('close', (code, signal) => log.end(() => resolve(code ?? (signal ? 128 : 1))));
  });
}

/** Trains every run of `runs` that is not done, `jobs` at a time. */
export async function runGridLocal(
  spec: GridSpec,
  runs: readonly GridRun[],
  { jobs = 1, retryFailed = false }: { jobs?: number; retryFailed?: boolean } = {},
  hooks: LocalRunHooks = {},
): Promise<LocalRunResult> {
  const { logs } = gridFolders(spec);
  await mkdir(logs, { recursive: true });
  const statuses = await Promise.all(runs.map(runStatus));
  // A run stopped by an error (a non-finite loss) would fail the same way again: rerun it only when asked.
  const skip = (s: RunStatus) => s.state === 'done' || (s.state === 'failed' && !retryFailed);
  const todo = statuses.filter((s) => !skip(s));
  const result: LocalRunResult = { skipped: statuses.filter(skip), finished: [], failed: [] };
  let next = 0;
  const lane = async () => {
    while (next < todo.length) {
      const status = todo[next++]!;
      const { kind, args } = trainCommand(status);
      const logPath = join(logs, `${status.run.id}.log`);
      hooks.onEvent?.({ run: status.run, kind, logPath });
      const code = await runChild(args, logPath);
      hooks.onEvent?.({ run: status.run, kind: 'end', code, logPath });
      if (code === 0) result.finished.push(status.run);
      else result.failed.push({ run: status.run, code, logPath });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, todo.length)) }, lane));
  return result;
}
