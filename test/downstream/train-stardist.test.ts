import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readStarWeights } from '../../src/downstream/detect-stardist.js';
import { openDetector } from '../../src/downstream/open-detector.js';
import { simulatedNucleusImages } from '../../src/downstream/simulated-nuclei.js';
import { tempDir } from '../prep/fixtures.js';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;

test('srcaco detector train: a tiny seeded run writes its folder, its loss falls, and its weights load as a detector', async () => {
  const dir = await tempDir('detector-train');
  const args = (out: string) => ['detector', 'train', '--out', out, '--tiles', '2', '--tile-size', '128', '--steps', '4', '--batch', '2', '--patch', '64', '--lr', '0.003', '--threads', '1'];
  const r = spawnSync(process.execPath, [bin, ...args(join(dir, 'a'))], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /held-out tiles: stardist-style: F1 [\d.]+ .*classical: F1 [\d.]+/);
  const config = JSON.parse(await readFile(join(dir, 'a', 'config.json'), 'utf8'));
  assert.equal(config.steps, 4);
  assert.equal(config.params, 313937);
  const log = (await readFile(join(dir, 'a', 'log.csv'), 'utf8')).trim().split('\n');
  assert.equal(log.length, 5);
  const validation = JSON.parse(await readFile(join(dir, 'a', 'validation.json'), 'utf8'));
  assert.equal(validation.seed, 202);
  assert.ok(validation.classical.reference > 0);
  const weights = await readStarWeights(join(dir, 'a', 'stardist.safetensors'));
  assert.equal(weights.metadata.steps, '4');
  assert.equal(weights.config.nRays, 32);
  // the same seed trains the same weights
  const again = spawnSync(process.execPath, [bin, ...args(join(dir, 'b'))], { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(await readFile(join(dir, 'b', 'stardist.safetensors')), await readFile(join(dir, 'a', 'stardist.safetensors')));
  // a run's weights are a detector for `downstream --detector`
  const detector = await openDetector(join(dir, 'a', 'stardist.safetensors'));
  try {
    const [im] = simulatedNucleusImages(5, [1], 64);
    const d = await detector.detect(im!.image);
    assert.equal(d.labels.length, 64 * 64);
  } finally {
    await detector.release();
  }
  await assert.rejects(openDetector('stardust'), /unknown detector "stardust"/);
});
