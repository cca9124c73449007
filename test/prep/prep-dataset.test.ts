import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTiff } from '../../src/io/tiff-read.js';
import { identityAligner } from '../../src/prep/align-window.js';
import { prepDataset, readManifest } from '../../src/prep/prep-dataset.js';
import { doneMarkerPath } from '../../src/prep/tile-job.js';
import { SrcacoError } from '../../src/errors.js';
import { writeTiff } from '../../src/io/tiff-write.js';
import { cropPlane } from '../../src/prep/crop.js';
import { syntheticTile, tempDir, writeTilesFolder } from './fixtures.js';

const SIZE = 1160;

async function tilesFolder(ids: number[]): Promise<string> {
  const dir = await tempDir('tiles');
  await writeTilesFolder(dir, new Map(ids.map((id) => [id, syntheticTile(SIZE, id, 80)])));
  return dir;
}

test('prep writes the original layout, split lists by tile, a manifest and QC overlays (2 workers)', async () => {
  const tiles = await tilesFolder([7, 9, 13]);
  const out = await tempDir('out');
  const summary = await prepDataset({ tilesDir: tiles, outDir: out, mode: 'default', workers: 2, qc: 2 });
  assert.deepEqual(summary.split, { train: [13], val: [7], test: [9] });
  const entries = await readManifest(out);
  const patches = summary.patchesPerTile;
  assert.equal(entries.length, (patches[7]! + patches[9]! + patches[13]!) * 9);
  for (const folder of ['hr_div_1', 'hr_div_2', 'hr_div_4', 'hr_div_8']) {
    const names = await readdir(join(out, folder));
    assert.equal(names.length, (patches[7]! + patches[9]! + patches[13]!) * 3, folder);
  }
  const e = entries.find((x) => x.tile === 9 && x.scale === 8 && x.cell === 'CELL1')!;
  const [lr] = await readTiff(join(out, e.lr));
  const [hr] = await readTiff(join(out, e.hr));
  assert.deepEqual([lr!.width, hr!.width, lr!.data instanceof Uint8Array], [64, 512, true]);

  const lh = await readFile(join(out, 'caco2_test_X_8_in_64_out_512_cell_CELL1', 'l_h.txt'), 'utf8');
  const lines = lh.trim().split('\n');
  assert.equal(lines.length, patches[9]);
  assert.ok(lines.every((l) => /^hr_div_8\/tile_LowRes128-9_\d+_\d+_\d+_\d+_\d+_CELL1\.tif,hr_div_1\/tile_HighRes1024-9_\d+_\d+_\d+_\d+_\d+_CELL1\.tif$/.test(l)));
  const hl = await readFile(join(out, 'caco2_test_X_8_in_64_out_512_cell_CELL1', 'h_l.txt'), 'utf8');
  assert.deepEqual(hl.trim().split('\n'), lines.map((l) => l.split(',').reverse().join(',')));
  const train = await readFile(join(out, 'caco2_train_X_2_in_256_out_512_cell_CELL0', 'l_h.txt'), 'utf8');
  assert.ok(train.trim().split('\n').every((l) => l.includes('LowRes512-13_')), 'train holds tile 13 only');
  assert.equal(summary.qcPaths.length, 2);
  const png = await readFile(summary.qcPaths[0]!);
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
});

test('a rerun skips finished tiles and redoes an interrupted one; a different mode is refused', async () => {
  const tiles = await tilesFolder([1, 2]);
  const out = await tempDir('out');
  const first = await prepDataset({ tilesDir: tiles, outDir: out, workers: 0, align: identityAligner });
  const manifest = await readFile(join(out, 'manifest.jsonl'), 'utf8');
  // simulate an interruption of tile 2: no done marker, a leftover staging folder
  await rm(doneMarkerPath(out, 2));
  const hrName = (await readManifest(out)).find((x) => x.tile === 2)!.hr;
  const before = (await stat(join(out, hrName))).mtimeMs;
  let windows = 0;
  const second = await prepDataset({ tilesDir: tiles, outDir: out, workers: 0, align: identityAligner, onProgress: (d) => (windows = d) });
  assert.deepEqual(second.skippedTiles, [1]);
  assert.equal(windows, 9, 'only the 9 windows of tile 2 were processed');
  assert.ok((await stat(join(out, hrName))).mtimeMs >= before);
  assert.equal(await readFile(join(out, 'manifest.jsonl'), 'utf8'), manifest);
  assert.deepEqual(second.patchesPerTile, first.patchesPerTile);
  const third = await prepDataset({ tilesDir: tiles, outDir: out, workers: 0, align: identityAligner });
  assert.deepEqual(third.skippedTiles, [1, 2]);
  await assert.rejects(prepDataset({ tilesDir: tiles, outDir: out, mode: 'seed-compat', workers: 0 }), /mode default/);
  const left = (await readdir(join(out, '.prep'))).filter((n) => n.startsWith('staging'));
  assert.deepEqual(left, []);
});

test('bad inputs fail with an error naming the file, before anything is written', async () => {
  const expectError = async (tiles: string, pattern: RegExp, splitFile?: string) => {
    const out = join(await tempDir('out'), 'dataset');
    const err = await prepDataset({ tilesDir: tiles, outDir: out, workers: 0, splitFile }).then(() => undefined, (e) => e);
    assert.ok(err instanceof SrcacoError, String(err));
    assert.match(err.message, pattern);
    await assert.rejects(stat(out), 'nothing was written');
  };
  const missing = await tilesFolder([3]);
  await rm(join(missing, 'LowRes256', 'LowRes256-3.tif'));
  await expectError(missing, /LowRes256-3\.tif: tile 3 has no LowRes256 file/);

  const wrongSize = await tilesFolder([3]);
  await writeTiff(join(wrongSize, 'LowRes128', 'LowRes128-3.tif'), syntheticTile(SIZE, 3)[4]);
  await expectError(wrongSize, /LowRes128-3\.tif: tile 3 is 290x290 at \/8/);

  const short = await tilesFolder([3]);
  await writeTiff(join(short, 'LowRes128', 'LowRes128-3.tif'), syntheticTile(SIZE, 3)[8].map((p) => cropPlane(p, { x: 0, y: 0, width: 143, height: 143 })));
  await expectError(short, /LowRes128-3\.tif: tile 3 is 143x143 at \/8, too small for the HR windows, which reach 144x144/);

  const wrongDepth = await tilesFolder([3]);
  const p16 = syntheticTile(SIZE, 3)[2].map((p) => ({ width: p.width, height: p.height, data: Uint16Array.from(p.data) }));
  await writeTiff(join(wrongDepth, 'LowRes512', 'LowRes512-3.tif'), p16);
  await expectError(wrongDepth, /LowRes512-3\.tif: tiles must be 8-bit/);

  const truncated = await tilesFolder([3]);
  const path = join(truncated, 'HighRes1024', 'HighRes1024-3.tif');
  await truncate(path, (await stat(path)).size - 5000);
  await expectError(truncated, /HighRes1024-3\.tif: .*truncated/);

  const good = await tilesFolder([3, 4]);
  const split = join(await tempDir('split'), 'split.json');
  await writeFile(split, JSON.stringify({ train: [3], val: [4], test: [22] }));
  await expectError(good, /split\.json: .*unknown tile id 22 in "test"/, split);
});
