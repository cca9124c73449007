import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { planeOf } from '../../src/image/plane.js';
import { splitFolderName } from '../../src/io/layout.js';
import { readSplitPairs } from '../../src/io/split-pairs.js';
import { writeTiff } from '../../src/io/tiff.js';
import { buildBatch } from '../../src/train/data-batch.js';
import { defaultPatchOptions } from '../../src/train/data-patch.js';
import { openPairSource } from '../../src/train/data-source.js';
import { Rng } from '../../src/util/random.js';

const dirs: string[] = [];
after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

test('pairs listed in l_h.txt are read from TIFF files and give the same batches as in memory', async () => {
  const root = await mkdtemp(join(tmpdir(), 'srcaco-train-'));
  dirs.push(root);
  await mkdir(join(root, 'lr'));
  await mkdir(join(root, 'hr'));
  const rng = new Rng(8);
  const pairs = [];
  const lines: string[] = [];
  for (let i = 0; i < 3; i++) {
    const hr = planeOf(32, 32, Uint8Array.from({ length: 32 * 32 }, () => (rng.uniform() < 0.3 ? 200 : rng.int(4))));
    const lr = planeOf(16, 16, Uint8Array.from({ length: 16 * 16 }, (_, k) => hr.data[Math.floor(k / 16) * 64 + (k % 16) * 2]!));
    await writeTiff(join(root, `lr/p${i}.tif`), [lr]);
    await writeTiff(join(root, `hr/p${i}.tif`), [hr]);
    pairs.push({ lr, hr });
    lines.push(`lr/p${i}.tif,hr/p${i}.tif\n`);
  }
  await mkdir(join(root, splitFolderName('train', 2, 'CELL0')));
  await writeFile(join(root, splitFolderName('train', 2, 'CELL0'), 'l_h.txt'), lines.join(''));
  const files = await readSplitPairs(root, 'train', 'CELL0', 2);
  assert.deepEqual({ lrPath: files[1]!.lrPath, hrPath: files[1]!.hrPath }, { lrPath: join(root, 'lr/p1.tif'), hrPath: join(root, 'hr/p1.tif') });
  const o = { batchSize: 3, patch: defaultPatchOptions(2, { hrPatchPx: 8 }) };
  const fromFiles = await buildBatch(openPairSource({ kind: 'files', pairs: files, cache: false, scale: 2 }), o, 3, 0, 0);
  const fromMemory = await buildBatch(openPairSource({ kind: 'memory', pairs }), o, 3, 0, 0);
  assert.deepEqual(fromFiles.hr, fromMemory.hr);
  assert.deepEqual(fromFiles.lr, fromMemory.lr);
  // uint8 pixels arrive as v / 255.
  assert.ok(fromFiles.hr.some((v) => Math.abs(v - 200 / 255) < 1e-7));
});
