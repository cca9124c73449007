import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { planeOf } from '../../src/image/plane.js';
import { writeTiff } from '../../src/io/tiff-write.js';
import { auditDataset } from '../../src/prep/audit.js';
import { identityAligner } from '../../src/prep/align-window.js';
import { prepDataset } from '../../src/prep/prep-dataset.js';
import { simulateDataset } from '../../src/sim/dataset.js';
import { Rng } from '../../src/util/random.js';
import { syntheticTile, tempDir, writeTilesFolder } from './fixtures.js';

test('audit of simulated tiles finds exactly the planted duplicates and the two leaks into test', async () => {
  const dir = await tempDir('sim');
  const duplicates = new Map([[20, 13], [14, 19], [21, 12], [18, 15], [17, 16]]);
  await simulateDataset({ outDir: dir, ids: [12, 13, 14, 15, 16, 17, 18, 19, 20, 21], sizeHrPx: 256, seed: 5, duplicates, workers: 1 });
  const report = await auditDataset(dir);
  assert.deepEqual(report.duplicates, [[12, 21], [13, 20], [14, 19], [15, 18], [16, 17]]);
  assert.deepEqual(report.leaks, [
    { tiles: [13, 20], splits: ['train', 'test'] },
    { tiles: [19, 14], splits: ['val', 'test'] },
  ]);
  assert.deepEqual(report.problems, []);
  // with a split that keeps twins together there is no leak
  const split = join(dir, 'split.json');
  await writeFile(split, JSON.stringify({ train: [12, 13, 15, 16, 17, 18, 20, 21], val: [14, 19], test: [] }));
  assert.deepEqual((await auditDataset(dir, { splitFile: split })).leaks, []);
});

/** A re-encoded copy: every pixel moved by -2..2 (clamped), as lossy re-saving would. */
function reencoded(tile: ReturnType<typeof syntheticTile>, seed: number): ReturnType<typeof syntheticTile> {
  const rng = new Rng(seed);
  const noisy = (planes: typeof tile[1]) =>
    planes.map((p) => planeOf(p.width, p.height, Uint8Array.from(p.data, (v) => Math.min(255, Math.max(0, v + rng.int(5) - 2)))));
  return { 1: noisy(tile[1]), 2: noisy(tile[2]), 4: noisy(tile[4]), 8: noisy(tile[8]) };
}

test('near-duplicate tiles and their patches are found; broken patch files are reported', async () => {
  const tiles = await tempDir('tiles');
  const t3 = syntheticTile(1160, 3, 80);
  await writeTilesFolder(tiles, new Map([[3, t3], [9, reencoded(t3, 1)], [4, syntheticTile(1160, 4, 80)]]));
  const tileReport = await auditDataset(tiles);
  assert.deepEqual(tileReport.duplicates, [[3, 9]]);
  assert.deepEqual(tileReport.leaks, [{ tiles: [3, 9], splits: ['train', 'test'] }]);

  const out = await tempDir('patches');
  await prepDataset({ tilesDir: tiles, outDir: out, workers: 0, align: identityAligner });
  const clean = await auditDataset(out);
  assert.deepEqual(clean.duplicates, [[3, 9]]);
  assert.deepEqual(clean.leaks, [{ tiles: [3, 9], splits: ['train', 'test'] }]);
  assert.deepEqual(clean.problems.filter((p) => p.kind !== 'empty-roi'), []);

  // break the dataset: a missing LR patch, a wrong-size LR, a 16-bit HR, an empty-ROI HR, an exact duplicate
  const lh = (await readFile(join(out, 'caco2_train_X_4_in_128_out_512_cell_CELL0', 'l_h.txt'), 'utf8')).trim().split('\n');
  const [lr4, hr4] = lh[0]!.split(',') as [string, string];
  await rm(join(out, lr4));
  const lh8 = (await readFile(join(out, 'caco2_train_X_8_in_64_out_512_cell_CELL1', 'l_h.txt'), 'utf8')).trim().split('\n');
  const [lr8, hr8] = lh8.at(-1)!.split(',') as [string, string];
  await writeTiff(join(out, lr8), [planeOf(32, 32, new Uint8Array(32 * 32))]);
  await writeTiff(join(out, hr8), [planeOf(512, 512, new Uint16Array(512 * 512).fill(300))]);
  const testList = (await readFile(join(out, 'caco2_test_X_2_in_256_out_512_cell_CELL2', 'l_h.txt'), 'utf8')).trim().split('\n');
  const hrEmpty = testList[0]!.split(',')[1]!;
  await writeTiff(join(out, hrEmpty), [planeOf(512, 512, new Uint8Array(512 * 512).fill(3))]);
  const train2 = lh8[0]!.split(',')[1]!;
  const copy = await readFile(join(out, hr4));
  await writeFile(join(out, train2), copy);

  const broken = await auditDataset(out);
  const find = (kind: string, path: string) => broken.problems.find((p) => p.kind === kind && p.path === join(out, path));
  assert.ok(find('missing-file', lr4), 'missing LR');
  assert.ok(find('size-mismatch', lr8), 'wrong LR size');
  assert.ok(find('bit-depth', hr8), '16-bit HR');
  assert.ok(find('empty-roi', hrEmpty), 'empty ROI');
  assert.ok(broken.problems.some((p) => p.kind === 'duplicate-patch' && [hr4, train2].map((x) => join(out, x)).includes(p.path!)), 'exact duplicate');
});
