// `--nlsn-rotations` on `srcaco upscale`: a .npy of the right shape replaces the seeded draw (another output, the
// same every time), one of another shape or for another model is one line naming what is wrong. In-process CLI.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { initState } from '../../src/engine/nn/index.js';
import { stateToSafetensors } from '../../src/engine/nn/state.js';
import { planeOf } from '../../src/image/plane.js';
import { encodeNpy } from '../../src/io/npy.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { readTiff, writeTiff } from '../../src/io/tiff.js';
import { nlsnRotationShape } from '../../src/models/nlsn-rotations.js';
import { buildModel } from '../../src/models/registry.js';
import { Rng } from '../../src/util/random.js';
import { cli } from './helpers/in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'srcaco-nlsn-'));
after(() => rmSync(dir, { recursive: true, force: true }));


test('upscale --nlsn-rotations: the file\'s draw replaces the seeded one; a misfit or another model is one error', async () => {
  const model = buildModel('nlsn', { scale: 2, preset: 'demo' });
  const weights = join(dir, 'nlsn.safetensors');
  await writeSafetensors(weights, stateToSafetensors(initState(model.specs, new Rng(2))));
  const [w, h] = [10, 7];
  const rng = new Rng(3);
  const lr = join(dir, 'lr.tif');
  await writeTiff(lr, [planeOf(w, h, Uint8Array.from({ length: w * h }, () => Math.floor(rng.uniform() * 256)))]);
  const shape = nlsnRotationShape(model, w, h); // 70 px in chunks of 4: 17 → 18 buckets
  assert.deepEqual(shape, [2, 8, 4, 9]);
  const npy = (name: string, s: number[]) => {
    const path = join(dir, name);
    writeFileSync(path, encodeNpy(s, Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal())));
    return path;
  };
  const good = npy('good.npy', shape);
  const base = ['--method', 'nlsn', '--scale', '2', '--preset', 'demo', '--weights', weights, '--dtype', 'float32', '--threads', '1'];
  const out = async (name: string, ...extra: string[]) => {
    const r = await cli('upscale', lr, join(dir, name), ...base, ...extra);
    assert.equal(r.code, 0, r.stderr);
    return (await readTiff(join(dir, name)))[0]!.data as Float32Array;
  };
  const seeded = await out('seeded.tif');
  const fromFile = await out('file.tif', '--nlsn-rotations', good);
  assert.deepEqual(await out('file2.tif', '--nlsn-rotations', good), fromFile);
  assert.ok(fromFile.some((v, i) => Math.abs(v - seeded[i]!) > 1e-4), 'the file\'s rotations are used');

  const wrong = npy('wrong.npy', [2, 8, 4, 8]);
  const r = await cli('upscale', lr, join(dir, 'x.tif'), ...base, '--nlsn-rotations', wrong);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /wrong\.npy holds rotations \[2, 8, 4, 8\], but nlsn at a 10×7 LR input needs \[2, 8, 4, 9\]/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  const other = await cli('upscale', lr, join(dir, 'y.tif'), '--method', 'bicubic', '--scale', '2', '--nlsn-rotations', good);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /--nlsn-rotations applies to nlsn only, not bicubic/);
});

test('eval --nlsn-rotations goes only with --run (bicubic and --pred run no model)', async () => {
  const r = await cli('eval', '--data', dir, '--cell', 'CELL0', '--scale', '2', '--method', 'bicubic', '--nlsn-rotations', join(dir, 'r.npy'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--nlsn-rotations goes only with --run/);
});
