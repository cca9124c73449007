import type { Command } from 'commander';
import { join } from 'node:path';
import { SrcacoError } from '../errors.js';
import { collectGrid } from '../grid/collect.js';
import { readGridFile } from '../grid/grid-file.js';
import { planGrid } from '../grid/plan.js';
import { gridFolders, type GridRun } from '../grid/plan.js';
import { runGridLocal } from '../grid/run-local.js';
import { readSubmissions, slurmRunStates, submitSlurm, type SlurmResources, type SlurmRunState } from '../grid/slurm.js';
import { gridStatus, type RunStatus } from '../grid/status.js';
import type { GridSpec } from '../grid/grid-file.js';
import { integerOption } from './options.js';

const fmtPsnr = (v: number | null | undefined) => (typeof v === 'number' ? `${v.toFixed(2)} dB` : '-');

function statusLine(s: RunStatus, slurm?: SlurmRunState): string {
  const extra = s.state === 'done' ? `best val ROI PSNR ${fmtPsnr(s.bestRoiPsnr)}` : s.state === 'incomplete' ? (s.resumable ? `resumable at update ${s.step ?? 0}` : 'no checkpoint yet') : (s.error ?? '');
  const onSlurm =
    !slurm || slurm.state === 'completed' || slurm.state === 'unsubmitted'
      ? ''
      : `; slurm ${slurm.state} (task ${slurm.task}, ${slurm.slurm}${'reason' in slurm && slurm.reason ? `, ${slurm.reason}` : ''}), log ${slurm.log}`;
  return `${s.state.padEnd(10)} ${s.run.id.padEnd(36)} ${extra}${onSlurm}`;
}

/** Where a grid's Slurm scripts, submissions and task logs live. */
const slurmFolders = (spec: GridSpec) => ({ dir: join(spec.out, 'slurm'), logs: join(gridFolders(spec).logs, 'slurm') });

/** Submits one array per distinct resource set (a method may ask for its own), each over its runs not done. */
async function submitGrid(spec: GridSpec, runs: readonly GridRun[], overrides: SlurmResources): Promise<void> {
  const groups = new Map<string, GridRun[]>();
  for (const r of runs) {
    const key = JSON.stringify({ ...r.slurm, ...overrides });
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  let submitted = 0;
  for (const [key, group] of groups) {
    const submission = await submitSlurm(group, { ...slurmFolders(spec), name: spec.name, resources: JSON.parse(key) as SlurmResources });
    if (!submission) continue;
    submitted += submission.runs.length;
    process.stdout.write(`submitted job ${submission.jobId}: ${submission.runs.length} tasks (${submission.script})\n`);
  }
  if (submitted === 0) process.stdout.write('nothing to submit: every run is done, queued or running\n');
}

/** `srcaco grid plan|run|status|collect FILE`: a benchmark grid on this machine. */
export function register(program: Command): void {
  const grid = program.command('grid').description('a benchmark grid (methods × cells × scales × learning rates) from a YAML file: plan, run, status, collect');
  grid
    .command('plan')
    .description("list every run of the grid: its folder, training arguments and time cap")
    .argument('<file>', 'grid file (YAML)')
    .action(async (file: string) => {
      const spec = await readGridFile(file);
      const runs = planGrid(spec);
      for (const r of runs) process.stdout.write(`${r.id}\n  folder: ${r.runDir}\n  srcaco train ${r.trainArgs.join(' ')}\n  cost: ${r.minutes !== undefined ? `at most ${r.minutes} min of training` : 'no time cap (its steps or epochs)'}\n`);
      const evalOnly = spec.methods.filter((m) => !m.trainable).map((m) => m.method);
      const capped = runs.filter((r) => r.minutes !== undefined).reduce((s, r) => s + r.minutes!, 0);
      process.stdout.write(
        `${runs.length} runs${evalOnly.length ? ` (+ ${evalOnly.join(', ')} evaluated only)` : ''}` +
          `${capped > 0 ? `; time caps add up to ${capped} min of training on one job` : ''}; evaluation on ${spec.evaluation.split}${spec.evaluation.limit ? ` (first ${spec.evaluation.limit} patches)` : ''}\n`,
      );
    });
  grid
    .command('run')
    .description('train every run that is not done: finished runs are skipped, interrupted ones resumed from their last checkpoint')
    .argument('<file>', 'grid file (YAML)')
    .option('--local', 'run on this machine, a pool of --jobs training processes')
    .addOption(integerOption('--jobs <n>', 'training processes at a time (with --local)', { min: 1 }).default(1))
    .option('--retry-failed', 'also rerun the runs an error stopped (a non-finite loss)')
    .option('--slurm', 'submit one sbatch job array (a task per run; per-method resources from the grid file, or these options)')
    .option('--partition <name>', 'with --slurm: the partition')
    .option('--gres <spec>', 'with --slurm: generic resources per task, e.g. gpu:1')
    .option('--time <limit>', "with --slurm: each task's time limit (Slurm's format, e.g. 02:00:00); default: the runs' --minutes + 10 min")
    .addOption(integerOption('--cpus-per-task <n>', 'with --slurm: CPUs per task (also each run\'s --threads)', { min: 1 }))
    .option('--mem <size>', 'with --slurm: memory per task, e.g. 16G')
    .option('--account <name>', 'with --slurm: the account')
    .option('--qos <name>', 'with --slurm: the quality of service')
    .addOption(integerOption('--max-parallel <n>', 'with --slurm: tasks running at once', { min: 1 }))
    .action(async (file: string, raw: { local?: boolean; slurm?: boolean; jobs: number; retryFailed?: boolean } & SlurmResources) => {
      if (!raw.local === !raw.slurm) throw new SrcacoError('usage', 'say where the grid runs: --local (this machine) or --slurm (a cluster)', { option: '--local' });
      const spec = await readGridFile(file);
      const runs = planGrid(spec);
      if (raw.slurm) {
        const { partition, gres, time, cpusPerTask, mem, account, qos, maxParallel } = raw;
        const overrides = Object.fromEntries(Object.entries({ partition, gres, time, cpusPerTask, mem, account, qos, maxParallel }).filter(([, v]) => v !== undefined));
        await submitGrid(spec, runs, overrides);
        return;
      }
      let done = 0;
      const result = await runGridLocal(spec, runs, { jobs: raw.jobs, retryFailed: raw.retryFailed }, {
        onEvent(e) {
          if (e.kind === 'end') process.stderr.write(`[grid] ${++done} finished: ${e.run.id} ${e.code === 0 ? 'done' : `failed (exit ${e.code}), log ${e.logPath}`}\n`);
          else process.stderr.write(`[grid] ${e.kind} ${e.run.id} (log ${e.logPath})\n`);
        },
      });
      process.stdout.write(`${result.finished.length} runs trained, ${result.skipped.length} skipped (done or failed before), ${result.failed.length} failed\n`);
      if (result.failed.length > 0) {
        throw new SrcacoError('runtime', `${result.failed.length} runs failed: ${result.failed.map((f) => `${f.run.id} (log ${f.logPath})`).join(', ')}; run the same command again to retry them`);
      }
    });
  grid
    .command('status')
    .description('done / incomplete / failed / pending for every run, read from the run folders')
    .argument('<file>', 'grid file (YAML)')
    .option('--json', 'print JSON')
    .action(async (file: string, raw: { json?: boolean }) => {
      const spec = await readGridFile(file);
      const runs = planGrid(spec);
      const statuses = await gridStatus(runs);
      // Runs submitted to Slurm also say where their tasks stand (squeue, sacct).
      const slurm = (await readSubmissions(slurmFolders(spec).dir)).length > 0 ? await slurmRunStates(runs, slurmFolders(spec)) : undefined;
      if (raw.json) {
        process.stdout.write(`${JSON.stringify(statuses.map(({ run, ...s }) => ({ id: run.id, runDir: run.runDir, ...s, ...(slurm ? { slurm: slurm.get(run.id) } : {}) })), null, 2)}\n`);
        return;
      }
      process.stdout.write(statuses.map((s) => statusLine(s, slurm?.get(s.run.id))).join('\n') + '\n');
      const count = (state: string) => statuses.filter((s) => s.state === state).length;
      process.stdout.write(`${count('done')} done, ${count('incomplete')} incomplete, ${count('failed')} failed, ${count('pending')} pending\n`);
    });
  grid
    .command('collect')
    .description('per method, cell and scale the learning rate with the best validation ROI PSNR, evaluated; Tables 4/5 with statistics, Fig. 6, Fig. 7 and CSVs in <out>/report')
    .argument('<file>', 'grid file (YAML)')
    .action(async (file: string) => {
      const spec = await readGridFile(file);
      const result = await collectGrid(spec, planGrid(spec), { onStep: (m) => process.stderr.write(`[grid] ${m}\n`) });
      for (const s of result.selections) process.stdout.write(`${s.method} ${s.cell} x${s.scale}: lr ${s.lr} (best val ROI PSNR ${fmtPsnr(s.bestValRoiPsnr)})\n`);
      for (const m of result.missing) process.stdout.write(`missing: ${m}\n`);
      process.stdout.write(`report: ${result.reportIndex}\n`);
    });
}
