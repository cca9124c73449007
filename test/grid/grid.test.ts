// srcaco grid on this machine: a tiny grid (SRCNN 9-5-5 at two learning rates, and bicubic) planned, run, rerun
// (nothing to do), its status read from the run folders, and collected into a report whose selection is the
// learning rate with the best validation score; how each state is brought to done; grid-file errors name the key.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseGrid } from '../../src/grid/grid-file.js';
import { planGrid } from '../../src/grid/plan.js';
import { trainCommand } from '../../src/grid/run-local.js';
import { isSrcacoError } from '../../src/errors.js';
import { writeTinyDataset } from '../train/run-fixture.js';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
const srcaco = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });

test('grid plan, run --local, status, rerun and collect on a tiny grid', async () => {
  const dataRoot = await writeTinyDataset({ counts: { train: 4, val: 2, test: 3 } });
  const dir = await mkdtemp(join(tmpdir(), 'srcaco-grid-'));
  try {
    const file = join(dir, 'grid.yaml');
    await writeFile(
      file,
      [
        'name: tiny',
        `data: ${dataRoot}`,
        'out: out',
        'cells: [CELL2]',
        'scales: [2]',
        'train: { batch: 2, h-size: 32, loss: mse, workers: 0, threads: 1, val-every: 2 }',
        'evaluation: { split: test, limit: 2 }',
        'methods:',
        '  srcnn915: { lr: [1.0e-4, 3.0e-3], train: { steps: 4 } }',
        '  bicubic: {}',
      ].join('\n'),
    );
    const plan = srcaco('grid', 'plan', file);
    assert.equal(plan.status, 0, plan.stderr);
    assert.match(plan.stdout, /srcnn915-CELL2-x2-lr0\.0001\n  folder: .*out\/runs\/srcnn915\/caco2_train_X_2_in_256_out_512_cell_CELL2\/lr0\.0001\n/);
    assert.match(plan.stdout, /2 runs \(\+ bicubic evaluated only\)/);
    const before = srcaco('grid', 'status', file);
    assert.match(before.stdout, /0 done, 0 incomplete, 0 failed, 2 pending/);

    const run = srcaco('grid', 'run', file, '--local', '--jobs', '2');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^2 runs trained, 0 skipped/);
    const again = srcaco('grid', 'run', file, '--local');
    assert.match(again.stdout, /^0 runs trained, 2 skipped/, 'finished runs are not trained again');
    const status = JSON.parse(srcaco('grid', 'status', file, '--json').stdout) as Array<{ id: string; state: string; bestRoiPsnr: number; step: number }>;
    assert.deepEqual(status.map((s) => [s.state, s.step]), [['done', 4], ['done', 4]]);

    const collect = srcaco('grid', 'collect', file);
    assert.equal(collect.status, 0, collect.stderr);
    const best = status.reduce((a, b) => (b.bestRoiPsnr > a.bestRoiPsnr ? b : a));
    assert.match(collect.stdout, new RegExp(`srcnn915 CELL2 x2: lr ${best.id.split('-lr')[1]!.replace('.', '\\.')} `));
    const out = join(dir, 'out');
    const selection = JSON.parse(readFileSync(join(out, 'selection.json'), 'utf8'));
    assert.equal(selection.selections[0].candidates.length, 2);
    for (const f of ['results/SRCNN-915_CELL2_x2_test.json', 'results/SRCNN-915_CELL2_x2_test.jsonl', 'results/Bicubic_CELL2_x2_test.json', 'report/index.html', 'report/table-roi.csv']) {
      assert.ok(existsSync(join(out, f)), f);
    }
    const row = JSON.parse(readFileSync(join(out, 'results/SRCNN-915_CELL2_x2_test.json'), 'utf8'));
    assert.equal(row.n, 2, 'the evaluation limit');
    assert.match(readFileSync(join(out, 'report/index.html'), 'utf8'), /Intervals and paired tests/);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(dataRoot, { recursive: true, force: true });
  }
});

test('grid files: each bad value is one error naming the file and the key', () => {
  const ok = { data: 'd', out: 'o', cells: ['CELL2'], scales: [2], methods: { vdsr: { lr: [1e-4] }, bicubic: {} } };
  const spec = parseGrid(ok, '/g/grid.yaml');
  assert.equal(spec.dataRoot, '/g/d');
  assert.deepEqual(spec.methods.map((m) => [m.method, m.trainable, m.lrs.CELL2x2]), [['vdsr', true, [1e-4]], ['bicubic', false, undefined]]);
  const cases: Array<[unknown, RegExp]> = [
    [{ ...ok, scales: [3] }, /scales: must hold only 2, 4, 8, received 3/],
    [{ ...ok, cells: 'CELL2' }, /cells: must be a non-empty list/],
    [{ ...ok, methods: { nope: {} } }, /methods\.nope: unknown method 'nope'/],
    [{ ...ok, methods: { vdsr: {} } }, /methods\.vdsr\.lr: is missing/],
    [{ ...ok, methods: { vdsr: { lr: { CELL0x2: [1e-4] } } } }, /methods\.vdsr\.lr: has no entry for CELL2x2/],
    [{ ...ok, methods: { vdsr: { lr: [-1] } } }, /methods\.vdsr\.lr: must be a positive number/],
    [{ ...ok, methods: { vdsr: { lr: [1e-4], train: { lr: 3 } } } }, /methods\.vdsr\.train\.lr: is set by the grid/],
    [{ ...ok, methods: { bicubic: { lr: [1] } } }, /methods\.bicubic: bicubic has nothing to train/],
    [{ ...ok, extra: 1 }, /extra: unknown key/],
    [{ ...ok, evaluation: { split: 'dev' } }, /evaluation\.split: must be one of train, val, test/],
  ];
  for (const [doc, re] of cases) {
    assert.throws(() => parseGrid(doc, '/g/grid.yaml'), (e) => isSrcacoError(e) && e.message.startsWith('/g/grid.yaml: ') && re.test(e.message), String(re));
  }
});

test('what grid run does with each state: start a pending run, resume a checkpointed one, restart one without a checkpoint', () => {
  const spec = parseGrid({ data: 'd', out: 'o', cells: ['CELL2'], scales: [2], methods: { vdsr: { lr: 1e-4, train: { steps: 3, 'zero-last-layer': true } } } }, '/g/grid.yaml');
  const [run] = planGrid(spec);
  assert.deepEqual(run!.trainArgs.slice(-7), ['--steps', '3', '--zero-last-layer', '--out', '/g/o/runs', '--name', 'lr0.0001']);
  assert.deepEqual(trainCommand({ run: run!, state: 'pending' }), { kind: 'start', args: ['train', ...run!.trainArgs, '--force'] });
  assert.deepEqual(trainCommand({ run: run!, state: 'incomplete', resumable: true }), { kind: 'resume', args: ['train', '--resume', run!.runDir] });
  assert.equal(trainCommand({ run: run!, state: 'incomplete', resumable: false }).kind, 'start');
});

test('a grid killed outright (SIGKILL) takes its training with it: the child saves its checkpoint and exits, releasing its lock', async () => {
  const dataRoot = await writeTinyDataset({ hrSide: 32, counts: { train: 4, val: 1, test: 1 } });
  const dir = await mkdtemp(join(tmpdir(), 'srcaco-grid-orphan-'));
  try {
    const file = join(dir, 'grid.yaml');
    // Enough updates that the training is still running when it is found.
    await writeFile(file, ['name: orphan', `data: ${dataRoot}`, 'out: out', 'cells: [CELL2]', 'scales: [2]', 'train: { batch: 2, h-size: 16, loss: mse, workers: 0, threads: 1, val-every: 0 }', 'methods:', '  srcnn915: { lr: [1.0e-4], train: { steps: 100000 } }', ''].join('\n'));
    const grid = spawn(process.execPath, [bin, 'grid', 'run', file, '--local'], { stdio: 'ignore', env: { ...process.env, CI: '1' } });
    const runDir = join(dir, 'out', 'runs', 'srcnn915', 'caco2_train_X_2_in_256_out_512_cell_CELL2', 'lr0.0001');
    const lock = join(runDir, '.srcaco.lock');
    for (let i = 0; i < 300 && !(existsSync(lock) && existsSync(join(runDir, 'log.jsonl'))); i++) await new Promise((r) => setTimeout(r, 100));
    const pid = (JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid;
    assert.notEqual(pid, grid.pid, 'the lock is the training child\'s');
    grid.kill('SIGKILL');
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(), false, 'the training child outlived its grid');
    assert.equal(existsSync(lock), false, 'its lock is released');
    // Its stderr went to the dead grid; its run log says why it stopped.
    const last = JSON.parse(readFileSync(join(runDir, 'log.jsonl'), 'utf8').trim().split('\n').at(-1)!) as { kind: string; reason: string };
    assert.deepEqual([last.kind, last.reason], ['interrupted', 'the grid that started it has exited']);
    assert.equal(srcaco('grid', 'status', file, '--json').status, 0);
    const [status] = JSON.parse(srcaco('grid', 'status', file, '--json').stdout) as Array<{ state: string; resumable: boolean }>;
    assert.deepEqual([status!.state, status!.resumable], ['incomplete', true]);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(dataRoot, { recursive: true, force: true });
  }
});
