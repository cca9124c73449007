// srcaco train / eval --run through the CLI: a tiny run end to end, and bad input as one clear line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_INTERRUPTED } from '../../src/errors.js';
import { assertSameCheckpoints, writeTinyDataset } from '../train/run-fixture.js';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
const srcaco = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
const dataRoot = await writeTinyDataset();
const out = await mkdtemp(join(tmpdir(), 'srcaco-cli-runs-'));
process.on('exit', () => void rm(out, { recursive: true, force: true }));
const tiny = ['--cell', 'CELL2', '--scale', '2', '--data', dataRoot, '--batch', '2', '--h-size', '32', '--loss', 'mse', '--workers', '0', '--out', out];

/** Exit non-zero with exactly one line on stderr matching `re`. */
function failsWith(r: ReturnType<typeof srcaco>, re: RegExp): void {
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stderr, /^[^\n]*\n$/, `one line expected: ${r.stderr}`);
  assert.match(r.stderr, re);
}

test('srcaco train then srcaco eval --run: a run folder and its test-split row', async () => {
  const r = srcaco('train', '--method', 'srcnn915', ...tiny, '--steps', '2', '--name', 'cli');
  assert.equal(r.status, 0, r.stderr);
  const dir = join(out, 'srcnn915', 'caco2_train_X_2_in_256_out_512_cell_CELL2', 'cli');
  assert.match(r.stdout, /2 updates \(stopped by --steps\)/);
  const e = srcaco('eval', '--run', dir, '--save-pred', join(out, 'pred'));
  assert.equal(e.status, 0, e.stderr);
  const row = JSON.parse(await readFile(join(dir, 'eval', 'SRCNN-915_CELL2_x2_test.json'), 'utf8'));
  assert.equal(row.method, 'SRCNN-915');
  assert.equal(row.split, 'test');
  assert.equal(row.n, 2);
  // The report takes the run folder for its evaluation rows.
  const rep = srcaco('report', '--results', dir, '--out', join(out, 'report'));
  assert.equal(rep.status, 0, rep.stderr);
  assert.match(rep.stdout, /\(1 rows, 0 crop sets\)/);
  // eval --run takes --device and --threads like every command that runs a model
  const onCpu = srcaco('eval', '--run', dir, '--split', 'val', '--device', 'cpu', '--threads', '1');
  assert.equal(onCpu.status, 0, onCpu.stderr);
  assert.match(onCpu.stdout, /SRCNN-915 CELL2 x2 val: \d+ images/);
  // The saved predictions give the same row through the folder evaluation.
  const f = srcaco('eval', '--data', dataRoot, '--cell', 'CELL2', '--scale', '2', '--pred', join(out, 'pred'));
  assert.equal(f.status, 0, f.stderr);
  assert.deepEqual(JSON.parse(f.stdout).roi, row.roi);

  // The same id again needs --force; a checkpoint of another architecture is refused by name.
  failsWith(srcaco('train', '--method', 'srcnn915', ...tiny, '--steps', '2', '--name', 'cli'), /already exists.*--resume/);
  const wrong = join(out, 'wrong');
  await cp(dir, wrong, { recursive: true });
  const again = srcaco('train', '--method', 'srcnn915', ...tiny, '--steps', '1', '--name', 'cli', '--force');
  assert.equal(again.status, 0, again.stderr);
  assert.ok(!existsSync(join(dir, 'eval')), 'the earlier run\'s evaluation is removed by --force');
  const config = JSON.parse(await readFile(join(wrong, 'config.json'), 'utf8'));
  await writeFile(join(wrong, 'config.json'), JSON.stringify({ ...config, method: 'vdsr' }));
  failsWith(srcaco('train', '--resume', wrong, '--steps', '3'), /do not fit vdsr.*another architecture/);
  failsWith(srcaco('eval', '--run', wrong), /do not fit vdsr/);
});

test('srcaco train refuses bad input with one line', async () => {
  failsWith(srcaco('train', '--method', 'nosuch', ...tiny, '--steps', '1'), /unknown method 'nosuch'; known: .*srcnn915.*vdsr/);
  failsWith(srcaco('train', '--method', 'srcnn915', ...tiny.map((a) => (a === '2' ? '3' : a)), '--steps', '1'), /--scale must be one of 2, 4, 8/);
  failsWith(srcaco('train', '--method', 'srcnn915', ...tiny), /give a budget/);
  failsWith(srcaco('train', '--method', 'srcnn915', ...tiny.map((a) => (a === 'CELL2' ? 'CELL0' : a)), '--steps', '1'), /caco2_train_X_2_in_256_out_512_cell_CELL0.*run prep first/);
  failsWith(srcaco('train', '--method', 'vdsr', ...tiny, '--preset', 'tiny', '--steps', '1'), /vdsr has no preset 'tiny'; known: default/);
  failsWith(srcaco('train', '--method', 'srcnn915', ...tiny, '--optimizer', 'rmsprop', '--steps', '1'), /--optimizer must be one of sgd, adam, received 'rmsprop'/);
  failsWith(srcaco('train', '--method', 'srcnn915', ...tiny, '--lr', '3e-5', '--steps', '1'), /--lr 0.00003 is below the schedule's floor 0.0001/);
  failsWith(srcaco('eval', '--run', join(out, 'nowhere')), /is this a training run folder/);
});

/** Runs `srcaco train ARGS` as a child; once its log shows update `atStep`, sends it `signal`. */
async function trainUntilSignal(dir: string, args: string[], atStep: number, signal: NodeJS.Signals): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, 'train', ...args], { env: { ...process.env, CI: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  let running = true;
  void exited.then(() => (running = false));
  try {
    while (running) {
      const log = await readFile(join(dir, 'log.jsonl'), 'utf8').catch(() => '');
      if (log.split('\n').some((l) => l.includes('"kind":"train"') && JSON.parse(l).step >= atStep)) {
        child.kill(signal);
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return { status: await exited, stderr };
  } finally {
    if (running) child.kill('SIGKILL');
  }
}

test('SIGUSR1 or SIGTERM: srcaco train saves its last checkpoint and exits 75; --resume ends with the weights of an uninterrupted run', async () => {
  const runs = join(out, 'srcnn915', 'caco2_train_X_2_in_256_out_512_cell_CELL2');
  const budget = ['--method', 'srcnn915', ...tiny, '--steps', '30', '--val-every', '10', '--log-every', '1'];
  // The uninterrupted run, beside the interrupted one.
  const whole = new Promise<number | null>((done) => {
    spawn(process.execPath, [bin, 'train', ...budget, '--name', 'sig-whole'], { env: { ...process.env, CI: '1' }, stdio: 'ignore' }).on('exit', done);
  });
  const dir = join(runs, 'sig-cut');
  let stoppedAt = 0;
  for (const [k, signal] of (['SIGUSR1', 'SIGTERM'] as const).entries()) {
    const args = k === 0 ? [...budget, '--name', 'sig-cut'] : ['--resume', dir];
    const r = await trainUntilSignal(dir, args, stoppedAt + 3, signal);
    assert.equal(r.status, EXIT_INTERRUPTED, r.stderr);
    const m = /(SIG\w+) stopped training at update (\d+), its last checkpoint saved; continue with srcaco train --resume (\S+)\n$/.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.equal(m[1], signal);
    const step = Number(m[2]);
    assert.ok(step > stoppedAt && step < 30, `stopped at update ${step}, after ${stoppedAt} and before the end`);
    assert.equal(m[3], dir);
    assert.equal(JSON.parse(await readFile(join(dir, 'last.json'), 'utf8')).step, step);
    stoppedAt = step;
  }
  const resumed = srcaco('train', '--resume', dir);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /30 updates \(stopped by --steps\)/);
  assert.equal(await whole, 0);
  await assertSameCheckpoints(join(runs, 'sig-whole'), dir);
});
