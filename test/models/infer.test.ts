// The registry, whole-image inference (symbolic sizes, tiles), weights by name, and `srcaco upscale` end to end.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Session } from '../../src/engine/index.js';
import { initState } from '../../src/engine/nn/index.js';
import { SrcacoError } from '../../src/errors.js';
import { planeOf, type Plane } from '../../src/image/plane.js';
import { resizeCubicCv2Uint8 } from '../../src/image/resize-cv2.js';
import { axisTiles, inferenceGraph, loadModelWeights, Upscaler } from '../../src/infer/index.js';
import { readTiff, writeTiff } from '../../src/io/tiff.js';
import { bicubicBaseline } from '../../src/metrics/bicubic-baseline.js';
import { quantizeTo255 } from '../../src/metrics/quantize.js';
import { buildModel, modelNames } from '../../src/models/registry.js';
import { Rng } from '../../src/util/random.js';
import { loadModelFixture } from '../fixtures/models/load.js';

const fixtureDir = new URL('../fixtures/models/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'srcaco-upscale-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const noise = (n: number, seed: number) => {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.uniform());
};

test('the registry: known names, the original defaults, demo presets, clear errors', () => {
  // The baseline and the pre-upsampling models first, in this order; the later families follow them.
  assert.deepEqual(modelNames().slice(0, 6), ['bicubic', 'srcnn', 'srcnn915', 'vdsr', 'drrn', 'memnet']);
  assert.deepEqual(buildModel('drrn', { scale: 4 }).config, { num_residual_units: 25 });
  assert.deepEqual(buildModel('drrn', { scale: 4, preset: 'demo' }).config, { num_residual_units: 3 });
  assert.deepEqual(buildModel('MemNet', { scale: 8 }).config, { num_memory_blocks: 6, num_residual_blocks: 6, recompute: -1 });
  assert.deepEqual(buildModel('memnet', { scale: 2, preset: 'demo' }).config, { num_memory_blocks: 2, num_residual_blocks: 2, recompute: -1 });
  assert.throws(() => buildModel('edsr', { scale: 2 }), (e: unknown) => e instanceof SrcacoError && e.message === `unknown method 'edsr'; known: ${modelNames().join(', ')}`);
  assert.throws(() => buildModel('vdsr', { scale: 3 }), /vdsr supports scales 2, 4, 8, received 3/);
  assert.throws(() => buildModel('vdsr', { scale: 2, preset: 'demo' }), /vdsr has no preset 'demo'; known: default/);
  assert.throws(() => buildModel('drrn', { scale: 2, config: { units: 3 } }), /no hyper-parameter 'units'; known: num_residual_units/);
  assert.throws(() => buildModel('drrn', { scale: 2, config: { num_residual_units: 0 } }), SrcacoError);
});

test('the bicubic model graph equals the antialiased bicubic baseline', async () => {
  const model = buildModel('bicubic', { scale: 4 });
  const lr = noise(5 * 7, 1);
  const session = await Session.create(inferenceGraph(model, {}, { batch: 1, height: 5, width: 7 }), { threads: 1 });
  const y = (await session.runHost({ x: { shape: [1, 1, 5, 7], data: lr } })).y!.data as Float32Array;
  await session.release();
  const ref = bicubicBaseline(planeOf(7, 5, lr), 4).data;
  assert.equal(y.length, 20 * 28);
  for (let i = 0; i < y.length; i++) assert.ok(Math.abs(y[i]! - ref[i]!) < 1e-6, `${i}: ${y[i]} vs ${ref[i]}`);
});

test('weights load by name from safetensors into a graph with symbolic N, H, W', async () => {
  const f = loadModelFixture('memnet_m1r1_x4');
  const model = buildModel('memnet', { scale: 4, config: { num_memory_blocks: 1, num_residual_blocks: 1 } });
  const state = await loadModelWeights(model, join(fixtureDir, 'memnet_m1r1_x4/weights.safetensors'));
  const session = await Session.create(inferenceGraph(model, state, { clampOutput: false }), { threads: 2 });
  const y = (await session.runHost({ x: { shape: f.config.lr_shape, data: f.lr } })).y!.data as Float32Array;
  for (let i = 0; i < y.length; i++) assert.ok(Math.abs(y[i]! - f.output[i]!) < 1e-4, `${i}`);
  // Another size through the same graph.
  const y2 = await session.runHost({ x: { shape: [1, 1, 5, 3], data: noise(15, 2) } });
  assert.deepEqual(y2.y!.shape, [1, 1, 20, 12]);
  await session.release();
});

test('tiles cover the image once, owning centres away from the margins', () => {
  for (const [length, tile, margin] of [[100, 30, 5], [31, 30, 5], [30, 30, 5], [12, 30, 5], [64, 16, 4]] as const) {
    const tiles = axisTiles(length, tile, margin);
    assert.equal(tiles[0]!.ownBegin, 0);
    assert.equal(tiles.at(-1)!.ownEnd, length);
    for (const [k, t] of tiles.entries()) {
      assert.ok(t.start >= 0 && t.start + t.size <= length && t.size === Math.min(tile, length));
      if (k > 0) assert.equal(t.ownBegin, tiles[k - 1]!.ownEnd);
      if (k > 0) assert.ok(t.ownBegin >= t.start + margin, `${length}/${tile}: tile ${k} owns into its margin`);
      if (k < tiles.length - 1) assert.ok(t.ownEnd <= t.start + t.size - margin);
    }
  }
});

test('aligned tiles start at multiples of the alignment and still cover the image once with their margins', () => {
  for (const [length, tile, margin, align] of [[100, 32, 8, 8], [69, 48, 20, 4], [47, 24, 4, 8], [30, 32, 8, 8], [64, 16, 4, 4]] as const) {
    const tiles = axisTiles(length, tile, margin, align);
    assert.equal(tiles[0]!.ownBegin, 0);
    assert.equal(tiles.at(-1)!.ownEnd, length);
    for (const [k, t] of tiles.entries()) {
      const last = k === tiles.length - 1;
      assert.equal(t.start % align, 0, `${length}/${tile}/${align}: tile ${k} starts at ${t.start}`);
      assert.ok(t.start >= 0 && t.start + t.size <= length);
      assert.ok(last ? t.start + t.size === length && t.size < Math.min(tile, length) + align : t.size === tile);
      if (k > 0) assert.equal(t.ownBegin, tiles[k - 1]!.ownEnd);
      if (k > 0) assert.ok(t.ownBegin >= t.start + margin, `${length}/${tile}: tile ${k} owns into its margin`);
      if (!last) assert.ok(t.ownEnd <= t.start + t.size - margin);
    }
  }
  assert.deepEqual(axisTiles(100, 30, 5), axisTiles(100, 30, 5, 1));
  assert.throws(() => axisTiles(100, 20, 8, 8), /less than 8 px inside margins/);
});

test('tiled inference equals whole-image inference when margins exceed the receptive field (VDSR, SRCNN 9-5-5)', async () => {
  const lr = planeOf(60, 45, Uint8Array.from(noise(60 * 45, 3), (v) => Math.floor(v * 256)));
  for (const name of ['vdsr', 'srcnn915']) {
    const model = buildModel(name, { scale: 2 });
    const state = initState(model.specs, new Rng(4));
    const whole = new Upscaler(model, state, { threads: 2, tileHrPx: 4096 });
    // The margins are the model's declared receptive field.
    const tiled = new Upscaler(model, state, { threads: 2, tileHrPx: 24 });
    let tiles = 0;
    const a = await whole.upscale(lr);
    const b = await tiled.upscale(lr, () => tiles++);
    assert.ok(tiles >= 4, `${name}: ${tiles} tiles`);
    assert.equal(b.width, 120);
    let err = 0;
    for (let i = 0; i < a.data.length; i++) err = Math.max(err, Math.abs(a.data[i]! - b.data[i]!));
    assert.ok(err < 1e-5, `${name}: tiled differs by ${err}`);
    await whole.release();
    await tiled.release();
  }
});

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
const srcaco = (...args: string[]) => spawnSync(process.execPath, [bin, 'upscale', ...args], { encoding: 'utf8' });

test('srcaco upscale: SRCNN 9-5-5 from --weights and from --run, bicubic without weights, foreign weights fail', async () => {
  const lrData = Uint8Array.from(noise(2 * 20 * 24, 5), (v) => Math.floor(v * 256));
  const planes = [planeOf(24, 20, lrData.slice(0, 480)), planeOf(24, 20, lrData.slice(480))];
  const inPath = join(tmp, 'lr.tif');
  await writeTiff(inPath, planes);
  const weights = join(fixtureDir, 'srcnn915_x2/weights.safetensors');

  const out = join(tmp, 'sr.tif');
  let r = srcaco('--method', 'srcnn915', '--scale', '2', '--weights', weights, '--threads', '2', '--onnx', join(tmp, 'm.onnx'), inPath, out);
  assert.equal(r.status, 0, r.stderr);
  const got = await readTiff(out);
  assert.equal(got.length, 2);
  // Independently: cv2 uint8 bicubic / 255, the graph, the evaluation's quantisation.
  const model = buildModel('srcnn915', { scale: 2 });
  const state = await loadModelWeights(model, weights);
  const session = await Session.create(new Uint8Array((await import('node:fs')).readFileSync(join(tmp, 'm.onnx'))), { threads: 2 });
  for (const [k, p] of planes.entries()) {
    const up = Float32Array.from(resizeCubicCv2Uint8(p as Plane<Uint8Array>, 48, 40).data, (v) => v / 255);
    const y = (await session.runHost({ x: { shape: [1, 1, 40, 48], data: up } })).y!.data as Float32Array;
    assert.deepEqual(got[k]!.data, quantizeTo255(planeOf(48, 40, y), 'y'), `plane ${k}`);
  }
  await session.release();
  assert.ok(Object.keys(state).length === 6);

  const run = join(tmp, 'run');
  mkdirSync(run);
  writeFileSync(join(run, 'config.json'), JSON.stringify({ method: 'srcnn915', scale: 2, preset: 'default' }));
  copyFileSync(weights, join(run, 'best.safetensors'));
  const out2 = join(tmp, 'sr2.tif');
  r = srcaco('--run', run, '--dtype', 'float32', inPath, out2);
  assert.equal(r.status, 0, r.stderr);
  const f32 = await readTiff(out2);
  assert.ok(f32[0]!.data instanceof Float32Array);
  assert.deepEqual(quantizeTo255(f32[1]!, 'y'), got[1]!.data);

  const out3 = join(tmp, 'bic.tif');
  r = srcaco('--method', 'bicubic', '--scale', '4', inPath, out3);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual((await readTiff(out3))[0]!.data, quantizeTo255(bicubicBaseline(planes[0]!, 4), 'y'));

  r = srcaco('--method', 'vdsr', '--scale', '2', '--weights', weights, inPath, join(tmp, 'x.tif'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^srcaco: .*srcnn915_x2\/weights\.safetensors: these weights do not fit vdsr x2: missing: conv1\.0\.weight \[64, 1, 3, 3\].*unexpected: features\.0\.weight \[64, 1, 9, 9\]/);
  r = srcaco('--method', 'vdsr', '--scale', '2', inPath, join(tmp, 'x.tif'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /vdsr needs trained weights: give --weights/);
});
