// The training loop on a tiny dataset (64² HR patches, ×2, SRCNN 9-5-5, batches of 2 × 32²): the loss falls,
// a resumed run takes exactly the updates of an uninterrupted one, a NaN loss stops with the last good
// checkpoint kept, and the run folder holds what other commands read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from '../../src/engine/runtime.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { isSrcacoError } from '../../src/errors.js';
import { resumeRun, startRun } from '../../src/train/run.js';
import type { TrainConfig } from '../../src/train/run-config.js';
import { RunFolder } from '../../src/train/run-folder.js';
import { assertSameCheckpoints, tensorsOf, writeTinyDataset } from './run-fixture.js';

const dataRoot = await writeTinyDataset();
const out = await mkdtemp(join(tmpdir(), 'srcaco-runs-'));
process.on('exit', () => void rm(out, { recursive: true, force: true }));

const base = (over: Partial<TrainConfig> = {}): TrainConfig =>
  ({ method: 'srcnn915', cell: 'CELL2', scale: 2, dataRoot, batchSize: 2, hrPatchPx: 32, loss: 'mse', lr: 0.01, valLimit: 2, workers: 0, threads: 2, logEvery: 1, ...over }) as TrainConfig;

const readLog = async (dir: string) => (await readFile(join(dir, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

test('the training loss falls on a tiny dataset', async () => {
  const losses: number[] = [];
  await startRun(base({ steps: 40, valEvery: 40 }), { out, name: 'falls' }, { onProgress: (p) => losses.push(p.loss) });
  assert.equal(losses.length, 40);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const first = mean(losses.slice(0, 5));
  const last = mean(losses.slice(-5));
  assert.ok(last < 0.5 * first, `loss ${first} → ${last}`);
});

test('a resumed run ends with the same parameters, bit for bit, as an uninterrupted one', async () => {
  const whole = await startRun(base({ steps: 6, valEvery: 3 }), { out, name: 'whole' });
  const part = await startRun(base({ steps: 3, valEvery: 3 }), { out, name: 'part' });
  assert.equal(part.steps, 3);
  // As if killed after logging an update past its last checkpoint: the resumed run takes update 4 again.
  await appendFile(join(part.runDir, 'log.jsonl'), `${JSON.stringify({ kind: 'train', step: 4, loss: 1 })}\n`);
  // The resumed half builds its batches in a worker thread: the same batches as on the training thread.
  const resumed = await resumeRun(part.runDir, { steps: 6, workers: 1 });
  assert.equal(resumed.steps, 6);
  const trainSteps = (await readLog(resumed.runDir)).filter((e) => e.kind === 'train').map((e) => e.step);
  assert.deepEqual(trainSteps, [1, 2, 3, 4, 5, 6], 'each update is logged once');
  await assertSameCheckpoints(whole.runDir, resumed.runDir);
  assert.deepEqual(JSON.parse(await readFile(join(whole.runDir, 'last.json'), 'utf8')).sampler, JSON.parse(await readFile(join(resumed.runDir, 'last.json'), 'utf8')).sampler);
  // And a run that is not resumed differs (the check above can fail): a different seed.
  const other = await startRun(base({ steps: 6, valEvery: 3, seed: 1 }), { out, name: 'other' });
  const a = await tensorsOf(join(whole.runDir, 'last.safetensors'));
  const c = await tensorsOf(join(other.runDir, 'last.safetensors'));
  assert.ok(![...a].every(([k, v]) => Buffer.from(v).equals(Buffer.from(c.get(k)!))));

  // The run folder: config with every option and versions, the log, checkpoints, an ONNX graph with free H/W.
  const config = JSON.parse(await readFile(join(whole.runDir, 'config.json'), 'utf8'));
  assert.equal(config.method, 'srcnn915');
  assert.equal(config.scale, 2);
  assert.equal(config.preset, 'default');
  assert.equal(config.seed, 0);
  assert.equal(config.trainDataset, 'caco2_train_X_2_in_256_out_512_cell_CELL2');
  assert.ok(whole.runDir.endsWith(join('srcnn915', 'caco2_train_X_2_in_256_out_512_cell_CELL2', 'whole')));
  for (const k of ['srcaco', 'node', 'onnxruntime']) assert.match(config.versions[k], /^\d+\.\d+/);
  const log = await readLog(whole.runDir);
  assert.deepEqual(log.map((e) => e.kind), ['start', 'val', 'train', 'train', 'train', 'val', 'train', 'train', 'train', 'val', 'end']);
  assert.deepEqual(log.filter((e) => e.kind === 'val').map((e) => e.step), [0, 3, 6]);
  const val = log.find((e) => e.kind === 'val') as { roi: { psnr: number }; full: { psnr: number } };
  assert.ok(Number.isFinite(val.roi.psnr) && Number.isFinite(val.full.psnr));
  const run = await RunFolder.open(whole.runDir);
  const { model } = run;
  const state = await run.loadWeights();
  assert.equal(model.name, 'srcnn915');
  assert.ok(state['features.0.weight']);
  const session = await Session.create(await readFile(join(whole.runDir, 'best.onnx')));
  for (const side of [20, 33]) {
    const y = (await session.runHost({ x: { shape: [1, 1, side, side], data: new Float32Array(side * side).fill(0.5) } })).y!;
    assert.deepEqual(y.shape, [1, 1, side, side]);
  }
  await session.release();
});

test('the starting point is validated too: when training only hurts, the best checkpoint is the start', async () => {
  // VDSR with its last layer at zero starts exactly at its bicubic input; trained towards inverted targets
  // (1 - HR) it can only get worse on validation, so the best checkpoint must stay the update-0 weights.
  const c = base({ method: 'vdsr', zeroLastLayer: true, optimizer: 'adam', lr: 1e-3, steps: 4, valEvery: 2 });
  const scores: Array<[number, number]> = [];
  const r = await startRun(c, { out, name: 'hurts' }, {
    beforeStep: (_step, batch) => void batch.hr.forEach((v, i) => (batch.hr[i] = 1 - v)),
    onValidation: (v) => void scores.push([v.step, v.score]),
  });
  assert.deepEqual(scores.map(([step]) => step), [0, 2, 4]);
  assert.ok(scores.slice(1).every(([, s]) => s < scores[0]![1]), JSON.stringify(scores));
  assert.deepEqual(r.best, { roiPsnr: scores[0]![1], step: 0 });
  assert.equal(JSON.parse(await readFile(join(r.runDir, 'best.json'), 'utf8')).bestStep, 0);
  const best = await tensorsOf(join(r.runDir, 'best.safetensors'));
  const last = await tensorsOf(join(r.runDir, 'last.safetensors'));
  const lastLayer = 'conv2.weight'; // VDSR's output conv (see the --zero-last-layer test below)
  assert.ok(new Float32Array(best.get(lastLayer)!.slice().buffer).every((v) => v === 0), `${lastLayer} of the best checkpoint is not the zero start`);
  assert.ok(!Buffer.from(best.get(lastLayer)!).equals(Buffer.from(last.get(lastLayer)!)), 'training did move the weights');
});

test('--optimizer adam: its slots are checkpointed and a resumed run matches an uninterrupted one bit for bit', async () => {
  const adam = { optimizer: 'adam', lr: 1e-3 } as const;
  const whole = await startRun(base({ ...adam, steps: 4, valEvery: 4 }), { out, name: 'adam-whole' });
  const part = await startRun(base({ ...adam, steps: 2, valEvery: 2 }), { out, name: 'adam-part' });
  assert.equal(JSON.parse(await readFile(join(part.runDir, 'config.json'), 'utf8')).optimizer, 'adam');
  // The resume reads the optimizer from config.json: Adam again, with its bias correction at step 3.
  const resumed = await resumeRun(part.runDir, { steps: 4 });
  const slots = await tensorsOf(join(resumed.runDir, 'last.optim.safetensors'));
  assert.ok([...slots.keys()].some((k) => k.includes('exp_avg_sq')), [...slots.keys()].join(', '));
  await assertSameCheckpoints(whole.runDir, resumed.runDir, ['last.safetensors', 'last.optim.safetensors']);
  // And Adam takes other updates than SGD from the same start (the check above can fail).
  const sgd = await startRun(base({ lr: 1e-3, steps: 4, valEvery: 4 }), { out, name: 'adam-vs-sgd' });
  const a = await tensorsOf(join(whole.runDir, 'last.safetensors'));
  const c = await tensorsOf(join(sgd.runDir, 'last.safetensors'));
  assert.ok(![...a].every(([k, v]) => Buffer.from(v).equals(Buffer.from(c.get(k)!))));
});

test('an aborted signal stops after the update in flight with the last checkpoint there; resuming ends as if never stopped', async () => {
  const whole = await startRun(base({ steps: 6, valEvery: 4 }), { out, name: 'abort-whole' });
  const stop = new AbortController();
  // Aborted while update 3 is about to be taken: update 3 completes, update 4 is not taken.
  const cut = await startRun(base({ steps: 6, valEvery: 4 }), { out, name: 'abort-cut' }, { signal: stop.signal, beforeStep: (step) => void (step === 2 && stop.abort('SIGUSR1')) });
  assert.equal(cut.stoppedBy, 'interrupt');
  assert.equal(cut.steps, 3);
  assert.equal(JSON.parse(await readFile(join(cut.runDir, 'last.json'), 'utf8')).step, 3);
  const log = await readLog(cut.runDir);
  assert.deepEqual(log.at(-1)!.kind, 'interrupted');
  assert.equal(log.at(-1)!.reason, 'SIGUSR1');
  assert.ok(!log.some((e) => e.kind === 'val' && e.step === 3), 'no validation at the interruption');
  const resumed = await resumeRun(cut.runDir);
  assert.equal(resumed.stoppedBy, 'steps');
  assert.deepEqual((await readLog(resumed.runDir)).filter((e) => e.kind === 'val').map((e) => e.step), [0, 4, 6]);
  await assertSameCheckpoints(whole.runDir, resumed.runDir);
});

test('a NaN loss stops training with a clear error and keeps the last good checkpoint', async () => {
  let err: unknown;
  try {
    await startRun(base({ steps: 10, valEvery: 2 }), { out, name: 'nan' }, { beforeStep: (step, batch) => void (step === 4 && (batch.hr[0] = NaN)) });
  } catch (e) {
    err = e;
  }
  assert.ok(isSrcacoError(err), String(err));
  assert.equal(err.kind, 'runtime');
  assert.match(err.message, /loss became NaN at update 5/);
  assert.match(err.message, /last good checkpoint \(update 4\)/);
  const dir = join(out, 'srcnn915', 'caco2_train_X_2_in_256_out_512_cell_CELL2', 'nan');
  assert.equal(JSON.parse(await readFile(join(dir, 'last.json'), 'utf8')).step, 4);
  for (const t of (await readSafetensors(join(dir, 'last.safetensors'))).tensors.values()) for (const v of t.data as Float32Array) assert.ok(Number.isFinite(v));
  const log = await readLog(dir);
  assert.equal(log.at(-1)!.kind, 'error');
  // Resuming from the kept checkpoint trains on (the NaN came from that one batch only).
  const resumed = await resumeRun(dir, { steps: 6 });
  assert.equal(resumed.steps, 6);
});

test('--zero-last-layer zeroes exactly the output conv, so VDSR starts at its bicubic input', async () => {
  const { buildModel } = await import('../../src/models/registry.js');
  const { initState } = await import('../../src/engine/nn/state.js');
  const { zeroLastLayer } = await import('../../src/train/loop.js');
  const { Rng } = await import('../../src/util/random.js');
  const model = buildModel('vdsr', { scale: 2 });
  const state = initState(model.specs, new Rng(3));
  zeroLastLayer(model, state);
  for (const [name, t] of Object.entries(state)) {
    const zeros = (t.data as Float32Array).every((v) => v === 0);
    assert.equal(zeros, name === 'conv2.weight', name);
  }
});
