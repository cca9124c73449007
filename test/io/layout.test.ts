import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatPairList, lrPatchOf, parsePairList, parsePatchPath, parseSplitFolderName, parseTilePath, patchPath,
  scaleOfFolder, splitFolderName, tilePath, CELLS, SPLITS, SR_SCALES,
} from '../../src/io/layout.js';
import { DEFAULT_TILE_SPLIT, formatTileSplit, readTileSplit, splitOfTile, validateTileSplit } from '../../src/io/tile-split.js';
import { SrcacoError } from '../../src/errors.js';

test('tile paths at the four resolutions, and back', () => {
  assert.equal(tilePath(1, 13), 'HighRes1024/HighRes1024-13.tif');
  assert.equal(tilePath(2, 1), 'LowRes512/LowRes512-1.tif');
  assert.equal(tilePath(4, 22), 'LowRes256/LowRes256-22.tif');
  assert.equal(tilePath(8, 7), 'LowRes128/LowRes128-7.tif');
  for (const scale of [1, 2, 4, 8] as const) {
    assert.deepEqual(parseTilePath(`/data/tiles/${tilePath(scale, 17)}`), { scale, tileId: 17 });
  }
  assert.equal(scaleOfFolder('LowRes256'), 4);
  assert.throws(() => scaleOfFolder('LowRes64'), /unknown tile folder 'LowRes64'/);
  assert.throws(() => parseTilePath('HighRes1024/tile13.tif'), /not a tile file name/);
  assert.throws(() => tilePath(1, 0), /tile id must be an integer >= 1/);
});

test('patch names follow patch_sampler.py, and LR names divide the coordinates (SPEC example)', () => {
  const hrPath = 'hr_div_1/tile_HighRes1024-13_57_1024_1664_256_896_CELL0.tif';
  const hr = parsePatchPath(hrPath);
  assert.deepEqual(hr, { scale: 1, tileId: 13, patchId: 57, i: 1024, ii: 1664, j: 256, jj: 896, cell: 'CELL0' });
  assert.equal(patchPath(hr), hrPath);
  assert.equal(patchPath(lrPatchOf(hr, 8)), 'hr_div_8/tile_LowRes128-13_57_128_208_32_112_CELL0.tif');
  assert.equal(patchPath(lrPatchOf({ ...hr, cell: 'CELL2' }, 2)), 'hr_div_2/tile_LowRes512-13_57_512_832_128_448_CELL2.tif');
  // Python's // floors; 1000 // 8 == 125 and 1640 // 8 == 205.
  assert.deepEqual(lrPatchOf({ ...hr, i: 1000, ii: 1640 }, 8).i, 125);
  assert.equal(lrPatchOf({ ...hr, i: 1000, ii: 1640 }, 8).ii, 205);
  // A bare file name and an absolute path parse too; the folder must agree with the tile prefix.
  assert.equal(parsePatchPath('tile_LowRes256-3_0_0_160_64_224_CELL1.tif').scale, 4);
  assert.equal(parsePatchPath(`/root/patches/${hrPath}`).patchId, 57);
  assert.throws(() => parsePatchPath('hr_div_2/tile_LowRes256-3_0_0_160_64_224_CELL1.tif'), /in hr_div_2 but names a LowRes256/);
  assert.throws(() => parsePatchPath('hr_div_1/tile_HighRes1024-13_57_1024_1664_256_CELL0.tif'), /not a patch file name/);
  assert.throws(() => parsePatchPath('hr_div_1/tile_HighRes1024-13_57_1024_1664_256_896_CELL3.tif'), /not a patch file name/);
  assert.throws(() => lrPatchOf(parsePatchPath('tile_LowRes256-3_0_0_160_64_224_CELL1.tif'), 2), /expects an HR/);
});

test('split folder names for every split, scale and cell round-trip', () => {
  assert.equal(splitFolderName('train', 2, 'CELL0'), 'caco2_train_X_2_in_256_out_512_cell_CELL0');
  assert.equal(splitFolderName('val', 4, 'CELL1'), 'caco2_val_X_4_in_128_out_512_cell_CELL1');
  assert.equal(splitFolderName('test', 8, 'CELL2'), 'caco2_test_X_8_in_64_out_512_cell_CELL2');
  for (const split of SPLITS) for (const scale of SR_SCALES) for (const cell of CELLS) {
    assert.deepEqual(parseSplitFolderName(splitFolderName(split, scale, cell)), { split, scale, cell });
  }
  assert.throws(() => parseSplitFolderName('caco2_train_X_2_in_128_out_512_cell_CELL0'), /not a split folder name/);
  assert.throws(() => parseSplitFolderName('caco2_valid_X_2_in_256_out_512_cell_CELL0'), /not a split folder name/);
});

test('pair lists: one `a,b` line per pair with a trailing newline, like write_k_to_file', () => {
  const lh: Array<[string, string]> = [
    ['hr_div_8/tile_LowRes128-13_57_128_208_32_112_CELL0.tif', 'hr_div_1/tile_HighRes1024-13_57_1024_1664_256_896_CELL0.tif'],
    ['hr_div_8/tile_LowRes128-2_0_0_80_32_112_CELL0.tif', 'hr_div_1/tile_HighRes1024-2_0_0_640_256_896_CELL0.tif'],
  ];
  const text = formatPairList(lh);
  assert.equal(text, `${lh[0]![0]},${lh[0]![1]}\n${lh[1]![0]},${lh[1]![1]}\n`);
  assert.deepEqual(parsePairList(text), lh);
  assert.equal(formatPairList(parsePairList(text)), text);
  assert.equal(formatPairList([]), '');
  assert.deepEqual(parsePairList(''), []);
  assert.deepEqual(parsePairList('a,b\r\nc,d'), [['a', 'b'], ['c', 'd']]);
  assert.throws(() => parsePairList('a,b\nc\n', 'l_h.txt'), (e: unknown) => e instanceof SrcacoError && e.path === 'l_h.txt' && /line 2/.test(e.message));
  assert.throws(() => parsePairList('a,b,c\n'), /line 1/);
  assert.throws(() => formatPairList([['a,x', 'b']]), /cannot contain ','/);
});

test('the default split is the published one and covers all 22 tiles once', () => {
  assert.deepEqual([...DEFAULT_TILE_SPLIT.test], [9, 10, 14, 20]);
  assert.deepEqual([...DEFAULT_TILE_SPLIT.val], [7, 11, 19]);
  assert.equal(DEFAULT_TILE_SPLIT.train.length, 15);
  const all = [...DEFAULT_TILE_SPLIT.train, ...DEFAULT_TILE_SPLIT.val, ...DEFAULT_TILE_SPLIT.test].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 22 }, (_, i) => i + 1));
  assert.equal(splitOfTile(DEFAULT_TILE_SPLIT, 19), 'val');
  assert.deepEqual(validateTileSplit(JSON.parse(formatTileSplit(DEFAULT_TILE_SPLIT))), DEFAULT_TILE_SPLIT);
});

test('custom split files are validated with errors naming the file and the problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'srcaco-split-'));
  try {
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const ok = await readTileSplit(write('ok.json', '{"train": [1, 2, 3], "val": [4], "test": [5]}'));
    assert.deepEqual(ok, { train: [1, 2, 3], val: [4], test: [5] });
    assert.equal(splitOfTile(ok, 6), undefined);
    const cases: Array<[string, RegExp]> = [
      ['{"train": [1, 23], "val": [], "test": []}', /unknown tile id 23 in "train"/],
      ['{"train": [1, 2], "val": [2], "test": []}', /tile 2 appears in both in "train" and "val"/],
      ['{"train": [1, 1], "val": [], "test": []}', /tile 1 appears twice in "train"/],
      ['{"train": [1], "val": []}', /"test" must be a list/],
      ['{"train": [1], "val": [], "test": [], "valid": [3]}', /unknown key\(s\) "valid"/],
      ['{"train": [], "val": [1], "test": []}', /"train" is empty/],
      ['{"train": ["1"], "val": [], "test": []}', /"1", not an integer tile id/],
      ['[1, 2]', /expected an object/],
      ['{"train": [1,', /not valid JSON/],
    ];
    for (const [n, [text, why]] of cases.entries()) {
      const path = write(`bad${n}.json`, text);
      await assert.rejects(readTileSplit(path), (e: unknown) => {
        assert.ok(e instanceof SrcacoError && e.kind === 'input' && e.path === path, String(e));
        assert.match(e.message, why);
        return true;
      });
    }
    await assert.rejects(readTileSplit(join(dir, 'missing.json')), /cannot read the split file \(ENOENT\)/);
    assert.deepEqual(validateTileSplit({ train: [30], val: [], test: [] }, [30, 31]).train, [30]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
