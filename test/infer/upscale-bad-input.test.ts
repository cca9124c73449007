import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initState } from '../../src/engine/nn/state.js';
import { SrcacoError } from '../../src/errors.js';
import { planeOf } from '../../src/image/plane.js';
import { upscaleTiffFile } from '../../src/infer/upscale-file.js';
import { writeTiff } from '../../src/io/tiff.js';
import { buildModel } from '../../src/models/registry.js';
import { Rng } from '../../src/util/random.js';

const dir = mkdtempSync(join(tmpdir(), 'srcaco-upscale-bad-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('NaN or Inf in a float TIFF is one input error naming the pixel, and nothing is written', async () => {
  const model = buildModel('bicubic', { scale: 2 });
  for (const [name, bad] of [['nan', NaN], ['inf', Infinity], ['-inf', -Infinity]] as const) {
    const data = new Float32Array(64).fill(0.5);
    data[19] = bad;
    const input = join(dir, `${name}.tif`);
    await writeTiff(input, [planeOf(8, 8, data)]);
    const output = join(dir, `${name}-x2.tif`);
    await assert.rejects(upscaleTiffFile(input, output, { model, state: {} }), (e: unknown) => {
      assert.ok(e instanceof SrcacoError && e.kind === 'input' && e.path === input, String(e));
      assert.match(e.message, new RegExp(`pixel \\(3, 2\\) is ${String(bad).replace('-', '\\-')}: float images must hold finite values`));
      return true;
    });
    assert.equal(existsSync(output), false);
    assert.equal(existsSync(join(dir, `.${name}-x2.tif.lock`)), false, 'the lock is released on failure');
  }
});

test('an image smaller than the model can run on is one data error naming the file, and nothing is written', async () => {
  // ProSR's kernels need 2×2 LR pixels; the others pad and run on any size (their minInputPx is 1).
  const model = buildModel('prosr', { scale: 2, preset: 'demo' });
  const input = join(dir, 'one-pixel.tif');
  await writeTiff(input, [planeOf(1, 1, Uint8Array.of(120))]);
  const output = join(dir, 'one-pixel-x2.tif');
  await assert.rejects(upscaleTiffFile(input, output, { model, state: initState(model.specs, new Rng(0)) }), (e: unknown) => {
    assert.ok(e instanceof SrcacoError && e.kind === 'data' && e.path === input, String(e));
    assert.match(e.message, /prosr needs an input of at least 2×2 px .* received 1×1/);
    return true;
  });
  assert.equal(existsSync(output), false);
});
