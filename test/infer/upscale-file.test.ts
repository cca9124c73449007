// Streaming whole-tile upscaling: the OME-TIFF written band by band equals whole-image inference (tiles with the
// model's receptive field as context change nothing, and less context does), with the pixel size divided by the scale.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { initState } from '../../src/engine/nn/index.js';
import { planeOf } from '../../src/image/plane.js';
import { upscaleTiffFile, Upscaler } from '../../src/infer/index.js';
import { openTiff, readTiff, writeTiff } from '../../src/io/tiff.js';
import { bicubicBaseline } from '../../src/metrics/bicubic-baseline.js';
import { quantizeTo255 } from '../../src/metrics/quantize.js';
import { buildModel, modelDef, modelNames } from '../../src/models/registry.js';
import { Rng } from '../../src/util/random.js';

const tmp = mkdtempSync(join(tmpdir(), 'srcaco-upscale-file-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Smooth-ish uint8 texture: noise plus a gradient, so every model sees structure at every tile. */
function texture(w: number, h: number, seed: number): Uint8Array {
  const r = new Rng(seed);
  return Uint8Array.from({ length: w * h }, (_, i) => Math.min(255, Math.floor(r.uniform() * 128 + ((i % w) + Math.floor(i / w)) * 0.8)));
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

test('tiled streaming equals whole-image inference within 1e-5 with the receptive field as halo, and not with less', async () => {
  const cases: Array<{ name: string; scale: number; config?: Record<string, number> }> = [
    { name: 'bicubic', scale: 4 },
    { name: 'srcnn', scale: 2 }, // a cv2-bicubic input: the halo counts HR pixels plus the cubic's LR reach
    { name: 'srcnn915', scale: 4 },
    { name: 'vdsr', scale: 2 }, // a global residual over the internal bicubic
    { name: 'drrn', scale: 2, config: { num_residual_units: 2 } },
    { name: 'memnet', scale: 2, config: { num_memory_blocks: 1, num_residual_blocks: 2 } }, // batch norms, gates
  ];
  const tileLr = 4;
  for (const c of cases) {
    const model = buildModel(c.name, { scale: c.scale, config: c.config });
    const state = initState(model.specs, new Rng(7));
    const halo = new Upscaler(model, state).haloLr;
    // Three bands and three tiles across, the middle ones with context cut on both sides.
    const [w, h] = [3 * tileLr + 2 * halo + 1, 3 * tileLr + 2 * halo];
    const lr = planeOf(w, h, texture(w, h, 1));
    const inPath = join(tmp, `${c.name}-lr.tif`);
    await writeTiff(inPath, [lr], { pixelSizeUm: 0.5 });
    const whole = new Upscaler(model, state, { threads: 2, tileHrPx: 4096 });
    const want = (await whole.upscale(lr)).data;
    await whole.release();
    const run = async (haloLrPx?: number) => {
      const out = join(tmp, `${c.name}-${haloLrPx ?? 'rf'}.ome.tif`);
      let bands = 0;
      const r = await upscaleTiffFile(inPath, out, { model, state, dtype: 'float32', threads: 2, tileHrPx: tileLr * c.scale, haloLrPx, onBand: () => bands++ });
      assert.ok(bands >= 3, `${c.name}: ${bands} bands`);
      assert.deepEqual([r.width, r.height, r.planes, r.pixelSizeUm], [w * c.scale, h * c.scale, 1, 0.5 / c.scale]);
      return (await readTiff(out))[0]!.data as Float32Array;
    };
    const tiled = await run();
    assert.equal(tiled.length, want.length);
    const err = maxDiff(tiled, want);
    assert.ok(err <= 1e-5, `${c.name} x${c.scale}: tiled output differs from whole-image inference by ${err} (halo ${halo} LR px)`);
    // One pixel less context changes the output (well above float noise, though the outermost weights of a
    // random init can be small): the declared receptive field is not overstated.
    const short = maxDiff(await run(halo - 1), want);
    assert.ok(short > 1e-7 && short > 10 * err, `${c.name} x${c.scale}: a halo of ${halo - 1} LR px already gives the whole-image output (${short})`);
  }
});

test('the iterative and progressive models: their declared halos (upper bounds) tile exactly', async () => {
  const cases: Array<{ name: string; scale: number; config?: Record<string, unknown>; preset?: string }> = [
    { name: 'srfbn', scale: 2, config: { num_features: 8, num_steps: 2, num_groups: 2 } }, // the hidden state carries reach across steps
    { name: 'prosr', scale: 4, preset: 'demo' }, // two levels, reflection padding, a bicubic residual
    { name: 'mslapsrn', scale: 4 }, // two pyramid levels, transposed convs
    { name: 'dbpn', scale: 2, config: { base_filter: 4, feat: 8, num_stages: 1 } }, // back-projections, dense concatenations
  ];
  const tileLr = 4;
  for (const c of cases) {
    const model = buildModel(c.name, { scale: c.scale, preset: c.preset, config: c.config as Record<string, number> });
    const state = initState(model.specs, new Rng(7));
    const halo = new Upscaler(model, state).haloLr;
    const [w, h] = [3 * tileLr + 2 * halo + 1, 3 * tileLr + 2 * halo];
    const lr = planeOf(w, h, texture(w, h, 2));
    const inPath = join(tmp, `${c.name}-iter-lr.tif`);
    await writeTiff(inPath, [lr], { pixelSizeUm: 0.5 });
    const whole = new Upscaler(model, state, { threads: 2, tileHrPx: 4096 });
    const want = (await whole.upscale(lr)).data;
    await whole.release();
    const out = join(tmp, `${c.name}-iter.ome.tif`);
    await upscaleTiffFile(inPath, out, { model, state, dtype: 'float32', threads: 2, tileHrPx: tileLr * c.scale });
    const err = maxDiff((await readTiff(out))[0]!.data as Float32Array, want);
    assert.ok(err <= 1e-5, `${c.name} x${c.scale}: tiled output differs from whole-image inference by ${err} (halo ${halo} LR px)`);
  }
});

test('a multi-plane tile at x8 streams into a pyramid: one channel per plane, the evaluation quantisation, pixel size / 8', async () => {
  const [w, h] = [150, 97];
  const planes = [0, 1, 2].map((k) => planeOf(w, h, texture(w, h, 10 + k)));
  const inPath = join(tmp, 'tile.tif');
  await writeTiff(inPath, planes, { compression: 'deflate', rowsPerStrip: 8 });
  const out = join(tmp, 'tile.ome.tif');
  const model = buildModel('bicubic', { scale: 8 });
  const r = await upscaleTiffFile(inPath, out, { model, state: {}, pixelSizeUm: 0.3125, channelNames: ['CELL0', 'CELL1', 'CELL2'] });
  assert.equal(r.bigTiff, false);
  const back = await readTiff(out);
  assert.equal(back.length, 3);
  back.forEach((p, k) => assert.deepEqual(p.data, quantizeTo255(bicubicBaseline(planes[k]!, 8), 'y'), `plane ${k}`));
  const file = await openTiff(out);
  assert.ok(Math.abs(file.pixelSizeUm()! - 0.0390625) < 1e-9);
  assert.match(file.pages[0]!.description!, /SizeX="1200" SizeY="776" SizeC="3"[^>]*PhysicalSizeX="0.0390625"/);
  assert.match(file.pages[0]!.description!, /<Channel ID="Channel:0:2" Name="CELL2"/);
  await file.close();
});

test('every registered model declares its receptive field, so whole tiles can be tiled exactly (or says it cannot be)', () => {
  for (const name of modelNames()) {
    for (const scale of modelDef(name).scales) {
      const model = buildModel(name, { scale, preset: 'demo' in modelDef(name).presets ? 'demo' : undefined });
      assert.ok(Number.isInteger(model.halo) && model.halo! >= 0, `${name} x${scale}: halo ${model.halo}`);
      const warning = new Upscaler(model, {}, { tileHrPx: 64 }).tilingWarning(64, 8);
      if (model.globalContext) assert.match(warning!, new RegExp(`^${name} sees the whole image at once .* pass --tile ${64 * scale} `));
      else assert.equal(warning, null, `${name} tiles exactly`);
    }
  }
});

test('a model with global context warns once when an image runs in tiles, not when it runs whole', async () => {
  const model = buildModel('enlcn', { scale: 2, preset: 'demo' });
  assert.equal(model.globalContext, true);
  const state = initState(model.specs, new Rng(1));
  const inPath = join(tmp, 'global.tif');
  await writeTiff(inPath, [planeOf(12, 10, texture(12, 10, 3))]);
  const warnings: string[] = [];
  const onWarning = (m: string) => void warnings.push(m);
  await upscaleTiffFile(inPath, join(tmp, 'global-whole.ome.tif'), { model, state, onWarning });
  assert.deepEqual(warnings, [], 'a 12×10 image fits one 512-px tile');
  await upscaleTiffFile(inPath, join(tmp, 'global-tiled.ome.tif'), { model, state, tileHrPx: 16, onWarning });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /12×10 LR image runs in tiles of 8 LR px .* pass --tile 24 /);
});
