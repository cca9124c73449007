// The grid on a real Slurm (scripts/slurm-local.sh starts a one-node one here; .ci/run does): a tiny grid of two
// methods as one job array, one task told to checkpoint as before its time limit (USR1 to the batch shell: it
// requeues itself), the other cancelled (SIGTERM: it checkpoints and ends) and submitted again alone; both runs end
// with the weights of the same runs trained locally without a stop. Without Slurm this test fails saying so,
// unless SRCACO_NO_SLURM=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectGrid } from '../../src/grid/collect.js';
import { parseGrid } from '../../src/grid/grid-file.js';
import { planGrid, type GridRun } from '../../src/grid/plan.js';
import { readSubmissions, runsFile, sbatchScript, slurmRunStates, slurmTimeSeconds, submitSlurm, type SlurmRunState } from '../../src/grid/slurm.js';
import { assertSameCheckpoints, writeTinyDataset } from '../train/run-fixture.js';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('Slurm times, the runs file and the batch script', () => {
  assert.equal(slurmTimeSeconds('90'), 5400);
  assert.equal(slurmTimeSeconds('10:30'), 630);
  assert.equal(slurmTimeSeconds('02:00:00'), 7200);
  assert.equal(slurmTimeSeconds('1-02'), 93600);
  assert.equal(slurmTimeSeconds('1-00:00:30'), 86430);
  assert.ok(Number.isNaN(slurmTimeSeconds('2h')));
  const run: GridRun = { id: 'vdsr-CELL2-x2-lr0.01', method: 'vdsr', cell: 'CELL2', scale: 2, lr: 0.01, runDir: '/r/v', trainArgs: ['--method', 'vdsr', '--data', "/d/it's"], minutes: 60, slurm: {} };
  assert.equal(runsFile([run], { cpusPerTask: 4 }), `vdsr-CELL2-x2-lr0.01\t/r/v\t'--method' 'vdsr' '--data' '/d/it'\\''s' '--threads' '4'\n`);
  assert.throws(() => runsFile([{ ...run, runDir: '/r/a\tb' }]), /a tab or line break/);
  const script = sbatchScript(3, '/g/runs.tsv', { name: 'demo', logs: '/g/logs', time: '0-01:12:00', resources: { partition: 'gpu', gres: 'gpu:1', maxParallel: 2, extra: ['--constraint=a100'] }, srcaco: ['srcaco'] });
  for (const line of ['#SBATCH --array=0-2%2', '#SBATCH --output=/g/logs/%A_%a.out', '#SBATCH --signal=B:USR1@120', '#SBATCH --requeue', '#SBATCH --open-mode=append', '#SBATCH --time=0-01:12:00', '#SBATCH --partition=gpu', '#SBATCH --gres=gpu:1', '#SBATCH --constraint=a100']) {
    assert.ok(script.split('\n').includes(line), `${line} in\n${script}`);
  }
  // The script is valid bash.
  const check = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
});

/** Why Slurm cannot be used here, or null when sinfo shows a node that takes jobs. */
function slurmMissing(): string | null {
  const r = spawnSync('sinfo', ['-h', '-o', '%t'], { encoding: 'utf8' });
  if (r.error) return `sinfo: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`;
  if (r.status !== 0) return `sinfo: ${r.stderr.trim()}`;
  return /^(idle|mix|alloc)/m.test(r.stdout) ? null : `no node takes jobs (sinfo: ${r.stdout.trim() || 'nothing'})`;
}

const noSlurm = process.env.SRCACO_NO_SLURM === '1';

test('a grid on Slurm: a task checkpointed on USR1 requeues itself, a cancelled one is resubmitted alone; the weights equal local runs', { skip: noSlurm && 'SRCACO_NO_SLURM=1' }, async () => {
  const missing = slurmMissing();
  assert.equal(missing, null, `Slurm is not up here (${missing}): run scripts/slurm-local.sh as root, or set SRCACO_NO_SLURM=1 to skip this test`);
  const dataRoot = await writeTinyDataset();
  const root = await mkdtemp(join(tmpdir(), 'srcaco-slurm-'));
  const submitted: string[] = [];
  try {
    const specOf = (out: string) =>
      parseGrid(
        {
          name: 'slurm-test',
          data: dataRoot,
          out,
          cells: ['CELL2'],
          scales: [2],
          train: { steps: 30, batch: 2, 'h-size': 32, loss: 'mse', workers: 0, threads: 1, 'val-every': 10, 'val-limit': 2, 'log-every': 1 },
          methods: { srcnn915: { lr: 0.01 }, srcnn: { lr: 0.01 } },
        },
        join(root, 'grid.yaml'),
      );
    const grid = (out: string) => planGrid(specOf(out));
    const runs = grid('slurm');
    assert.equal(runs.length, 2);
    // The same runs trained locally, without a stop, beside the cluster's.
    const local = grid('local');
    const localDone = local.map(
      (r) => new Promise<number | null>((done) => spawn(process.execPath, [bin, 'train', ...r.trainArgs], { env: { ...process.env, CI: '1' }, stdio: 'ignore' }).on('exit', done)),
    );

    const o = { dir: join(root, 'slurm-jobs'), logs: join(root, 'logs'), name: 'test' };
    const first = await submitSlurm(runs, o);
    assert.ok(first);
    submitted.push(first.jobId);
    assert.deepEqual(first.runs, runs.map((r) => r.id));
    const trainedTo = async (r: GridRun, step: number) => {
      const log = await readFile(join(r.runDir, 'log.jsonl'), 'utf8').catch(() => '');
      return log.split('\n').some((l) => l.includes('"kind":"train"') && JSON.parse(l).step >= step);
    };
    const until = async (what: string, ok: () => Promise<boolean>, seconds = 90) => {
      for (const t0 = Date.now(); !(await ok()); await sleep(200)) {
        if (Date.now() - t0 > seconds * 1000) assert.fail(`waited ${seconds} s for ${what}; Slurm: ${spawnSync('squeue', ['-r', '-t', 'all'], { encoding: 'utf8' }).stdout}`);
      }
    };
    const scancel = (...args: string[]) => {
      const r = spawnSync('scancel', args, { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    };
    // Task 0: what Slurm sends before a time limit (--signal=B:USR1@s), to the batch shell only.
    await until('run 0 to train', () => trainedTo(runs[0]!, 3));
    scancel('--signal=USR1', '--batch', `${first.jobId}_0`);
    // Task 1: cancelled (SIGTERM to the whole task).
    await until('run 1 to train', () => trainedTo(runs[1]!, 3));
    scancel(`${first.jobId}_1`);

    let states = new Map<string, SlurmRunState>();
    const reached = (want: Array<SlurmRunState['state']>) => async () => {
      states = await slurmRunStates(runs, o);
      return runs.every((r, k) => states.get(r.id)!.state === want[k]);
    };
    await until('run 0 completed after its requeue and run 1 failed', reached(['completed', 'failed']));
    const cancelled = states.get(runs[1]!.id)!;
    assert.ok(cancelled.state === 'failed');
    assert.equal(cancelled.log, join(o.logs, `${first.jobId}_1.out`));
    assert.match(await readFile(cancelled.log, 'utf8'), /SIGTERM stopped training at update \d+, its last checkpoint saved/);
    const log0 = await readFile(join(o.logs, `${first.jobId}_0.out`), 'utf8');
    assert.match(log0, /SIGUSR1 stopped training at update \d+/);
    assert.match(log0, /restart 1\)/, 'task 0 ran again after its requeue');

    // Submitting again submits the cancelled run only; once it is queued, nothing.
    const second = await submitSlurm(runs, o);
    assert.ok(second);
    submitted.push(second.jobId);
    assert.deepEqual(second.runs, [runs[1]!.id]);
    assert.equal(await submitSlurm(runs, o), null);
    assert.equal((await readSubmissions(o.dir)).length, 2);
    await until('run 1 completed', reached(['completed', 'completed']));

    assert.deepEqual(await Promise.all(localDone), [0, 0]);
    for (const [k, r] of runs.entries()) {
      const kinds = (await readFile(join(r.runDir, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).kind as string);
      assert.deepEqual([kinds.includes('interrupted'), kinds.includes('resume'), kinds.at(-1)], [true, true, 'end'], r.id);
      await assertSameCheckpoints(local[k]!.runDir, r.runDir);
    }
    // Collected, the two grids give the same table.
    const onSlurm = await collectGrid(specOf('slurm'), runs);
    const onLocal = await collectGrid(specOf('local'), local);
    assert.equal(onSlurm.rows.length, 2);
    assert.deepEqual(onSlurm.rows, onLocal.rows);
  } finally {
    if (submitted.length > 0) spawnSync('scancel', submitted);
    await rm(root, { recursive: true, force: true });
    await rm(dataRoot, { recursive: true, force: true });
  }
});
