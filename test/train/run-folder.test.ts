// The run folder: one reader of config.json, the checkpoint format (bit-exact round trips, torn and damaged files
// refused by name), the log, the eval rows; a folder that is not a run fails with one error naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initState } from '../../src/engine/nn/state.js';
import type { HostTensor } from '../../src/engine/runtime.js';
import { SrcacoError } from '../../src/errors.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import type { ResultRow } from '../../src/metrics/aggregate.js';
import type { TrainConfig } from '../../src/train/run-config.js';
import { RunFolder, runFolderPath, type RunCheckpoint } from '../../src/train/run-folder.js';
import { Rng } from '../../src/util/random.js';

const out = await mkdtemp(join(tmpdir(), 'srcaco-run-folder-'));
process.on('exit', () => void rm(out, { recursive: true, force: true }));

const config = (over: Partial<TrainConfig> = {}) => ({ method: 'srcnn915', scale: 2, cell: 'CELL2', dataRoot: join(out, 'data'), steps: 3, ...over }) as TrainConfig;
const bytesOf = (t: HostTensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** Rejects with one input SrcacoError whose message names `file` and matches `re`. */
async function failsOn(p: Promise<unknown>, file: string, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SrcacoError, String(e));
    assert.equal(e.kind, 'input', e.message);
    assert.equal(e.path, file);
    assert.match(e.message, re);
    return true;
  });
}

/** A checkpoint of `run`'s model: every weight drawn, the first one holding values a decimal round trip would alter. */
function checkpointOf(run: RunFolder, step: number): RunCheckpoint {
  const state = initState(run.model.specs, new Rng(step));
  // NaN with a payload, −0, a subnormal and the largest float.
  const weird = new Float32Array(new Uint32Array([0x7fc01234, 0x80000000, 0x00000001, 0x7f7fffff, 0x3eaaaaab, 0xbf800000]).buffer);
  (state['features.0.weight']!.data as Float32Array).set(weird);
  const slot = { shape: state['features.0.weight']!.shape, data: (state['features.0.weight']!.data as Float32Array).map((v) => v * 0.5) };
  return {
    state,
    optimizerState: { 'state/features.0.weight/momentum_buffer': slot },
    meta: { step, sampler: { seed: 7, epoch: 2, batchInEpoch: 1 }, bestRoiPsnr: 31.25, bestStep: step, elapsedS: 12.5 },
  };
}

test('create writes config.json where runFolderPath says; open reads it back with its model', async () => {
  const run = await RunFolder.create(out, config(), { name: 'a' });
  assert.equal(run.dir, runFolderPath(out, { method: 'srcnn915', scale: 2, cell: 'CELL2', seed: 0 }, 'a'));
  assert.ok(run.dir.endsWith(join('srcnn915', 'caco2_train_X_2_in_256_out_512_cell_CELL2', 'a')));
  const again = await RunFolder.open(run.dir);
  assert.equal(again.model.name, 'srcnn915');
  assert.equal(again.model.scale, 2);
  assert.deepEqual(again.trainConfig(), run.trainConfig());
  assert.equal(again.trainConfig().lr, 0.01, 'defaults are filled in');
  assert.equal(again.config.trainDataset, 'caco2_train_X_2_in_256_out_512_cell_CELL2');
  await assert.rejects(RunFolder.create(out, config(), { name: 'a' }), /already exists.*--resume/);
  assert.equal(await again.bestOnnx(), null);
  assert.throws(() => runFolderPath(out, { method: 'srcnn915', scale: 2, cell: 'CELL2', seed: 0 }, '../x'), /--name may hold letters/);
});

test('a checkpoint round-trips bit for bit: weights, optimizer slots, step, sampler, best score', async () => {
  const run = await RunFolder.create(out, config(), { name: 'roundtrip' });
  const saved = checkpointOf(run, 4);
  await run.saveCheckpoint('last', saved);
  const back = await run.loadCheckpoint('last');
  assert.deepEqual(back.meta, saved.meta);
  for (const group of ['state', 'optimizerState'] as const) {
    assert.deepEqual(Object.keys(back[group]), Object.keys(saved[group]), group);
    for (const [k, t] of Object.entries(saved[group])) {
      assert.deepEqual(back[group][k]!.shape, t.shape, k);
      assert.ok(bytesOf(back[group][k]!).equals(bytesOf(t)), `${k} differs`);
    }
  }
  // The weights file is a plain state_dict by PyTorch key; optimizer slots are kept apart.
  assert.deepEqual([...(await readSafetensors(run.checkpointPath('last'))).tensors.keys()].sort(), Object.keys(run.model.specs).sort());
  assert.ok(bytesOf((await run.loadWeights('last'))['features.0.weight']!).equals(bytesOf(saved.state['features.0.weight']!)));
});

test('a torn, damaged or foreign checkpoint fails with one error naming the file', async () => {
  const run = await RunFolder.create(out, config(), { name: 'broken' });
  await failsOn(run.loadCheckpoint('last'), join(run.dir, 'last.json'), /cannot read the checkpoint \(ENOENT\)/);
  await failsOn(run.loadWeights('best'), run.checkpointPath('best'), /no best checkpoint yet/);
  await run.saveCheckpoint('last', checkpointOf(run, 1));
  // A save that died after its weights and before its sidecar: the weights are a step ahead.
  const ahead = await readSafetensors(run.checkpointPath('last'));
  await writeSafetensors(run.checkpointPath('last'), ahead.tensors, { step: '2' });
  await failsOn(run.loadCheckpoint('last'), run.checkpointPath('last'), /holds step 2 but last\.json says step 1: the checkpoint was torn/);
  await run.saveCheckpoint('last', checkpointOf(run, 1));
  await writeFile(join(run.dir, 'last.optim.safetensors'), 'half-written');
  await failsOn(run.loadCheckpoint('last'), join(run.dir, 'last.optim.safetensors'), /not a valid safetensors file/);
  await run.saveCheckpoint('last', checkpointOf(run, 1));
  await writeFile(join(run.dir, 'last.json'), JSON.stringify({ step: 1, sampler: { seed: 0 } }));
  await failsOn(run.loadCheckpoint('last'), join(run.dir, 'last.json'), /checkpoint record is damaged/);
  await writeFile(join(run.dir, 'last.json'), '{"step": 1,');
  await failsOn(run.loadCheckpoint('last'), join(run.dir, 'last.json'), /cannot read the checkpoint/);

  // The same files under another architecture: one error listing the first mismatches of each kind.
  await run.saveCheckpoint('best', checkpointOf(run, 1));
  const file = JSON.parse(await readFile(run.configPath, 'utf8'));
  await writeFile(run.configPath, JSON.stringify({ ...file, method: 'vdsr' }));
  const vdsr = await RunFolder.open(run.dir);
  await failsOn(vdsr.loadCheckpoint('best'), vdsr.checkpointPath('best'), /do not fit vdsr x2.*missing: conv1\.0\.weight \[64, 1, 3, 3\], .*\(\+\d+ more\); unexpected: features\.0\.bias \[64\], features\.0\.weight \[64, 1, 9, 9\].*another architecture/);
  await failsOn(vdsr.loadWeights(), vdsr.checkpointPath('best'), /do not fit vdsr x2/);
});

test('a folder that is not a run, or whose config.json is missing, corrupt or invalid, fails naming config.json', async () => {
  const dir = join(out, 'not-a-run');
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'config.json');
  assert.equal(await RunFolder.isRun(dir), false);
  await failsOn(RunFolder.open(dir), path, /cannot read the run configuration \(ENOENT\); is this a training run folder\?/);
  await writeFile(path, '{"method": "srcnn915",');
  assert.equal(await RunFolder.isRun(dir), true);
  await failsOn(RunFolder.open(dir), path, /not JSON.*is this a training run folder\?/);
  await writeFile(path, JSON.stringify({ method: 'srcnn915' }));
  await failsOn(RunFolder.open(dir), path, /needs "method" \(string\) and "scale" \(number\)/);
  await writeFile(path, JSON.stringify({ method: 'nosuch', scale: 2 }));
  await failsOn(RunFolder.open(dir), path, /invalid: unknown method 'nosuch'; known: /);
  await writeFile(path, JSON.stringify({ ...config(), lr: -1 }));
  await failsOn(RunFolder.open(dir), path, /invalid: --lr must be a number > 0/);
  // The model fields alone make a run that can upscale, not one that can train or be evaluated.
  await writeFile(path, JSON.stringify({ method: 'srcnn915', scale: 2, preset: 'default' }));
  const model = await RunFolder.open(dir);
  assert.equal(model.model.name, 'srcnn915');
  assert.throws(() => model.trainConfig(), (e: unknown) => e instanceof SrcacoError && e.path === path && /lacks "cell" and "dataRoot"/.test(e.message));
});

test('the log: appended entries read back; entries past a checkpoint dropped; eval rows named by method, cell, scale, split', async () => {
  const run = await RunFolder.create(out, config(), { name: 'log' });
  await run.dropLogAfter(0); // no log yet: nothing to do
  assert.deepEqual(await run.readLog(), []);
  await failsOn(run.evalRowFiles(), run.evalDir, /no evaluation rows yet; make one with srcaco eval --run /);
  for (const step of [0, 1, 2, 3]) await run.appendLog({ kind: 'train', step });
  await run.dropLogAfter(2);
  const log = await run.readLog();
  assert.deepEqual(log.map((e) => e.step), [0, 1, 2]);
  assert.ok(log.every((e) => typeof e.time === 'string'));

  const row = { method: 'SRCNN 9-5-5', cell: 'CELL2', scale: 2, split: 'test', n: 1 } as ResultRow;
  const rowPath = await run.writeEval([], row);
  assert.equal(rowPath, join(run.evalDir, 'SRCNN_9-5-5_CELL2_x2_test.json'));
  assert.deepEqual(JSON.parse(await readFile(rowPath, 'utf8')), row);
  assert.ok(existsSync(join(run.evalDir, 'SRCNN_9-5-5_CELL2_x2_test.jsonl')));
  assert.deepEqual(await run.evalRowFiles(), [rowPath]);
  // --force starts the folder again: nothing of the earlier run survives.
  const again = await RunFolder.create(out, config(), { name: 'log', force: true });
  assert.deepEqual(await again.readLog(), []);
  assert.ok(!existsSync(again.evalDir));
});

test('a run folder another live process trains is refused, its files untouched; --force does not override that', async () => {
  const run = await RunFolder.create(out, config(), { name: 'busy' });
  await run.release();
  // The parent process (alive for the whole test) stands for a second `srcaco train` on the same folder.
  await writeFile(join(run.dir, '.srcaco.lock'), JSON.stringify({ pid: process.ppid, host: hostname(), command: 'train', since: 'now' }));
  const before = await readFile(run.configPath, 'utf8');
  await assert.rejects(RunFolder.create(out, config({ lr: 0.02 }), { name: 'busy', force: true }), (e: unknown) => {
    assert.ok(e instanceof SrcacoError && e.kind === 'output');
    assert.match(e.message, /is being written by srcaco train \(PID \d+/);
    return true;
  });
  assert.equal(await readFile(run.configPath, 'utf8'), before);
  await rm(join(run.dir, '.srcaco.lock'));
});
