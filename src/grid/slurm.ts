/**
 * A grid's training runs on a Slurm cluster: one sbatch job array per submission, one task per run, each task
 * picking its run by `$SLURM_ARRAY_TASK_ID` from a runs file beside the script.
 *
 * Time limits: the array asks for SIGUSR1 `signalS` seconds before its limit (`--signal=B:USR1@s`, sent to the
 * batch shell only). The shell passes it on to `srcaco train`, which finishes the update in flight, saves its last
 * checkpoint and exits 75 (EXIT_INTERRUPTED); the shell then requeues its own task (`--requeue`), and the task,
 * started again, continues with `srcaco train --resume` from that checkpoint, bit for bit. SIGTERM (scancel,
 * preemption) saves the checkpoint the same way but leaves the task ended: submitting the grid again submits it,
 * and every other run that has not finished and is not queued, and nothing else.
 *
 * What was submitted is recorded in `<dir>/submissions.jsonl` (job id, script, run ids in task order); the
 * state of a run is its run folder's (finished: 'completed') and else its latest task's in squeue, or in sacct
 * where the cluster keeps accounting.
 */
import { execFile } from 'node:child_process';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EXIT_INTERRUPTED, SrcacoError } from '../errors.js';
import { trainingFinished } from '../train/run-folder.js';
import type { GridRun } from './plan.js';

const run = promisify(execFile);

/** The sbatch options of an array; all optional (the cluster's defaults apply). */
export interface SlurmResources {
  partition?: string;
  /** e.g. `gpu:1`. */
  gres?: string;
  /** Wall-time limit of one task, Slurm's format (`MM`, `HH:MM:SS`, `D-HH:MM:SS`, ...); default: from the runs' `minutes`. */
  time?: string;
  /** CPUs per task; also each run's `--threads` unless its arguments set it. */
  cpusPerTask?: number;
  /** e.g. `16G`. */
  mem?: string;
  account?: string;
  qos?: string;
  /** At most this many tasks at once (`--array=0-N%k`). */
  maxParallel?: number;
  /** Seconds before the time limit that a task is told to checkpoint (default 120). */
  signalS?: number;
  /** More `#SBATCH` options as given to sbatch, e.g. `--constraint=a100`. */
  extra?: string[];
}

export interface SlurmSubmitOptions {
  /** Where the scripts, runs files and submissions.jsonl go. */
  dir: string;
  /** Where each task writes its log, `<logs>/<array job id>_<task>.out`. */
  logs: string;
  /** The job name, `srcaco-<name>`. */
  name: string;
  resources?: SlurmResources;
  /** The command that runs srcaco on the nodes (default: this node and this checkout's bin/srcaco). */
  srcaco?: string[];
}

export interface SlurmSubmission {
  jobId: string;
  script: string;
  /** Run ids in task order: task k trains runs[k]. */
  runs: string[];
  submittedAt: string;
}

/** A run's state on the cluster. */
export type SlurmRunState =
  | { state: 'completed' }
  | { state: 'pending' | 'running'; task: string; slurm: string; reason?: string; log: string }
  /** The task ended without finishing the run (failed, cancelled, out of time or memory): see its log. */
  | { state: 'failed'; task: string; slurm: string; log: string }
  | { state: 'unsubmitted' };

const SUBMISSIONS = 'submissions.jsonl';
const DEFAULT_SIGNAL_S = 120;
/** Added to a run's `--minutes` for the task's time limit: start-up, the last validation and the checkpoint. */
const TIME_MARGIN_S = 10 * 60;

/** Seconds of a Slurm time (`M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`); NaN when it is none of these. */
export function slurmTimeSeconds(time: string): number {
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(time);
  if (!m) return NaN;
  const [, d, a, b, c] = m;
  const n = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  // Without a day, one or two fields are minutes[:seconds]; with a day, they are hours[:minutes[:seconds]].
  if (d === undefined && c === undefined) return n(a) * 60 + n(b);
  return n(d) * 86400 + n(a) * 3600 + n(b) * 60 + n(c);
}

const formatTime = (s: number) => {
  const t = Math.ceil(s);
  const pad = (v: number) => String(v).padStart(2, '0');
  return `${Math.floor(t / 86400)}-${pad(Math.floor((t % 86400) / 3600))}:${pad(Math.floor((t % 3600) / 60))}:${pad(t % 60)}`;
};

/** A word for bash, single-quoted. */
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The default command that runs srcaco on a node: this node binary and this checkout (a shared file system). */
function defaultSrcaco(): string[] {
  return [process.execPath, fileURLToPath(new URL('../../bin/srcaco', import.meta.url))];
}

/** The task's `srcaco train` arguments of a fresh start: the run's, with `--threads` from the CPUs per task. */
function taskTrainArgs(r: GridRun, resources: SlurmResources): string[] {
  const args = [...r.trainArgs];
  if (resources.cpusPerTask !== undefined && !args.includes('--threads')) args.push('--threads', String(resources.cpusPerTask));
  return args;
}

/** The runs file: per task, a line `id<TAB>run folder<TAB>train arguments (quoted for bash)`. */
export function runsFile(runs: readonly GridRun[], resources: SlurmResources = {}): string {
  return runs
    .map((r) => {
      const args = taskTrainArgs(r, resources);
      const bad = [r.id, r.runDir, ...args].find((f) => /[\t\n\r]/.test(f));
      if (bad !== undefined) throw new SrcacoError('usage', `run ${r.id}: a tab or line break in ${JSON.stringify(bad)} cannot go into a Slurm runs file`);
      return `${r.id}\t${r.runDir}\t${args.map(quote).join(' ')}\n`;
    })
    .join('');
}

/** Checks the resources, naming the option at fault; returns the time limit to ask for (undefined: the partition's). */
function checkedTime(runs: readonly GridRun[], o: SlurmResources): string | undefined {
  const signalS = o.signalS ?? DEFAULT_SIGNAL_S;
  if (!(Number.isInteger(signalS) && signalS > 0)) throw new SrcacoError('usage', `the checkpoint signal must come a whole number of seconds > 0 before the time limit, received ${signalS}`);
  for (const [k, v] of [['--cpus-per-task', o.cpusPerTask], ['--max-parallel', o.maxParallel]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new SrcacoError('usage', `${k} must be an integer ≥ 1, received ${v}`, { option: k });
  }
  let time = o.time;
  if (time === undefined) {
    const minutes = runs.map((r) => r.minutes);
    // Runs without a --minutes budget run as long as the partition allows: ask for nothing, the partition decides.
    if (minutes.some((m) => m === undefined)) return undefined;
    time = formatTime(Math.max(...(minutes as number[])) * 60 + TIME_MARGIN_S + signalS);
  }
  const s = slurmTimeSeconds(time);
  if (!Number.isFinite(s)) throw new SrcacoError('usage', `--time must be a Slurm time such as 90, 02:00:00 or 1-00:00:00, received '${time}'`, { option: '--time' });
  if (s <= signalS) throw new SrcacoError('usage', `--time ${time} leaves no time before the checkpoint signal ${signalS} s before the limit; ask for more`, { option: '--time' });
  return time;
}

/** The sbatch script of an array over `count` tasks reading `runsPath`. */
export function sbatchScript(count: number, runsPath: string, o: Omit<SlurmSubmitOptions, 'dir'> & { time?: string }): string {
  const r = o.resources ?? {};
  const sb = (opt: string, v: string | number | undefined) => (v === undefined ? [] : [`#SBATCH --${opt}=${v}`]);
  const srcaco = (o.srcaco ?? defaultSrcaco()).map(quote).join(' ');
  return [
    '#!/bin/bash',
    `# srcaco grid '${o.name}': one array task per training run, picked from the runs file by $SLURM_ARRAY_TASK_ID.`,
    `#SBATCH --job-name=srcaco-${o.name}`,
    `#SBATCH --array=0-${count - 1}${r.maxParallel !== undefined ? `%${r.maxParallel}` : ''}`,
    `#SBATCH --output=${join(resolve(o.logs), '%A_%a.out')}`,
    '#SBATCH --open-mode=append',
    '#SBATCH --requeue',
    `#SBATCH --signal=B:USR1@${r.signalS ?? DEFAULT_SIGNAL_S}`,
    ...sb('time', o.time),
    ...sb('partition', r.partition),
    ...sb('gres', r.gres),
    ...sb('cpus-per-task', r.cpusPerTask),
    ...sb('mem', r.mem),
    ...sb('account', r.account),
    ...sb('qos', r.qos),
    ...(r.extra ?? []).map((x) => `#SBATCH ${x}`),
    'set -u',
    `IFS=$'\\t' read -r id dir args < <(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" ${quote(resolve(runsPath))})`,
    'echo "srcaco task ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} (job $SLURM_JOB_ID, restart ${SLURM_RESTART_COUNT:-0}) on $(hostname) at $(date -Is): $id"',
    '# Continue from the last checkpoint when there is one; else start (again: --force clears a folder left without one).',
    'if [ -f "$dir/last.json" ]; then set -- --resume "$dir"; else eval "set -- $args --force"; fi',
    '# Slurm signals this shell alone (B:): pass the signal on; training saves its last checkpoint and exits ' + EXIT_INTERRUPTED + '.',
    'signal=; n=0',
    "trap 'signal=USR1; n=$((n + 1)); kill -USR1 \"$pid\" 2>/dev/null' USR1",
    "trap 'signal=TERM; n=$((n + 1)); kill -TERM \"$pid\" 2>/dev/null' TERM",
    `${srcaco} train "$@" &`,
    'pid=$!',
    '# A trapped signal ends wait early: wait again until training has exited (127: its status is already in rc).',
    'rc=0',
    'while :; do seen=$n; wait "$pid"; s=$?; [ "$s" -eq 127 ] && break; rc=$s; [ "$n" -eq "$seen" ] && break; done',
    'echo "srcaco task: training exited with status $rc${signal:+ after SIG$signal} at $(date -Is)"',
    `if [ "$rc" -eq ${EXIT_INTERRUPTED} ] && [ "$signal" = USR1 ]; then`,
    '  # Checkpointed before the time limit: back to the queue, to continue from the checkpoint.',
    '  scontrol requeue "$SLURM_JOB_ID" && exit 0',
    '  echo "srcaco task: scontrol requeue failed; submit the grid again to continue"',
    'fi',
    'exit "$rc"',
    '',
  ].join('\n');
}

async function slurmCommand(cmd: string, args: string[]): Promise<string> {
  try {
    return (await run(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 })).stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new SrcacoError('runtime', `${cmd} not found: run this on a Slurm login node (or start one here with scripts/slurm-local.sh)`, { cause: e });
    const why = (err.stderr ?? '').trim().split('\n')[0] || err.message;
    throw new SrcacoError('runtime', `${cmd} ${args.join(' ')} failed: ${why}`, { cause: e });
  }
}

/** The submissions recorded in `dir`, oldest first. */
export async function readSubmissions(dir: string): Promise<SlurmSubmission[]> {
  const path = join(dir, SUBMISSIONS);
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line, k) => {
    try {
      return JSON.parse(line) as SlurmSubmission;
    } catch (e) {
      throw new SrcacoError('input', `line ${k + 1} is not JSON; remove it (its job is then forgotten)`, { path, cause: e });
    }
  });
}

/** Slurm's states of the tasks of `jobIds` it still knows: squeue (recent and queued), then sacct (where kept). */
async function taskStates(jobIds: readonly string[]): Promise<Map<string, { slurm: string; reason?: string }>> {
  const states = new Map<string, { slurm: string; reason?: string }>();
  if (jobIds.length === 0) return states;
  const ids = new Set(jobIds);
  // All of one's jobs rather than -j: squeue refuses the whole list when one id has left its memory.
  for (const line of (await slurmCommand('squeue', ['--me', '-h', '-r', '-t', 'all', '-o', '%F|%K|%T|%r'])).split('\n')) {
    const [job, task, state, reason] = line.trim().split('|');
    if (job !== undefined && ids.has(job) && state) states.set(`${job}_${task}`, { slurm: state, reason: reason === 'None' ? undefined : reason });
  }
  // sacct answers only where accounting is kept; without it, squeue's answer is all there is.
  const sacct = await slurmCommand('sacct', ['-n', '-P', '-X', '-j', jobIds.join(','), '-o', 'JobID,State']).catch(() => '');
  for (const line of sacct.split('\n')) {
    const [task, state] = line.trim().split('|');
    // "CANCELLED by 0" → CANCELLED; squeue knows the live state better while it still has the task.
    if (task && state && /^\d+_\d+$/.test(task) && !states.has(task)) states.set(task, { slurm: state.split(' ')[0]! });
  }
  return states;
}

const QUEUED = new Set(['PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD', 'CONFIGURING', 'SPECIAL_EXIT', 'RESIZING']);
const RUNNING = new Set(['RUNNING', 'COMPLETING', 'SUSPENDED', 'STAGE_OUT', 'SIGNALING', 'STOPPED']);

/** Each run's state by id: its run folder when finished, else its latest task's. */
export async function slurmRunStates(runs: readonly GridRun[], o: Pick<SlurmSubmitOptions, 'dir' | 'logs'>): Promise<Map<string, SlurmRunState>> {
  const latest = new Map<string, { jobId: string; index: number }>();
  for (const s of await readSubmissions(o.dir)) s.runs.forEach((id, index) => latest.set(id, { jobId: s.jobId, index }));
  const wanted = runs.map((r) => latest.get(r.id)).filter((t) => t !== undefined);
  const slurm = await taskStates([...new Set(wanted.map((t) => t.jobId))]);
  const out = new Map<string, SlurmRunState>();
  for (const r of runs) {
    const t = latest.get(r.id);
    if (await trainingFinished(r.runDir)) out.set(r.id, { state: 'completed' });
    else if (t === undefined) out.set(r.id, { state: 'unsubmitted' });
    else {
      const task = `${t.jobId}_${t.index}`;
      const log = join(resolve(o.logs), `${task}.out`);
      const s = slurm.get(task);
      // Gone from squeue (and no accounting) without a finished run: it ended badly; its log says how.
      if (s === undefined) out.set(r.id, { state: 'failed', task, slurm: 'UNKNOWN', log });
      else if (QUEUED.has(s.slurm)) out.set(r.id, { state: 'pending', task, slurm: s.slurm, reason: s.reason, log });
      else if (RUNNING.has(s.slurm)) out.set(r.id, { state: 'running', task, slurm: s.slurm, log });
      else out.set(r.id, { state: 'failed', task, slurm: s.slurm, log });
    }
  }
  return out;
}

/**
 * Submits one array over the runs that have not finished and are not queued or running (none: null), with
 * the real `sbatch --parsable`, and records it.
 */
export async function submitSlurm(runs: readonly GridRun[], o: SlurmSubmitOptions): Promise<SlurmSubmission | null> {
  const states = await slurmRunStates(runs, o);
  const todo = runs.filter((r) => ['failed', 'unsubmitted'].includes(states.get(r.id)!.state));
  if (todo.length === 0) return null;
  const resources = o.resources ?? {};
  const time = checkedTime(todo, resources);
  await mkdir(o.dir, { recursive: true });
  await mkdir(o.logs, { recursive: true });
  const n = (await readSubmissions(o.dir)).length;
  const runsPath = join(o.dir, `array-${n}.runs.tsv`);
  const script = join(o.dir, `array-${n}.sh`);
  await writeFile(runsPath, runsFile(todo, resources));
  await writeFile(script, sbatchScript(todo.length, runsPath, { ...o, time }), { mode: 0o755 });
  const jobId = (await slurmCommand('sbatch', ['--parsable', script])).trim().split(';')[0]!;
  if (!/^\d+$/.test(jobId)) throw new SrcacoError('runtime', `sbatch answered '${jobId}', not a job id`, { path: script });
  const submission: SlurmSubmission = { jobId, script, runs: todo.map((r) => r.id), submittedAt: new Date().toISOString() };
  await appendFile(join(o.dir, SUBMISSIONS), `${JSON.stringify(submission)}\n`);
  return submission;
}
