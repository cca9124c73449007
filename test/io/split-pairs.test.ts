import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSrcacoError } from '../../src/errors.js';
import { splitFolderName } from '../../src/io/layout.js';
import { readSplitPairs } from '../../src/io/split-pairs.js';

const dirs: string[] = [];
after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A data root whose val split (x2, CELL1) lists `n` pairs; files exist for the first `present`. */
async function dataRoot(n: number, present = n): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'srcaco-split-'));
  dirs.push(root);
  await mkdir(join(root, 'hr_div_1'));
  await mkdir(join(root, 'hr_div_2'));
  await mkdir(join(root, splitFolderName('val', 2, 'CELL1')));
  const lines: string[] = [];
  for (let k = 0; k < n; k++) {
    const [lr, hr] = [`hr_div_2/lr${k}.tif`, `hr_div_1/hr${k}.tif`];
    if (k < present) for (const p of [lr, hr]) await writeFile(join(root, p), '');
    lines.push(`${lr},${hr}\n`);
  }
  await writeFile(join(root, splitFolderName('val', 2, 'CELL1'), 'l_h.txt'), lines.join(''));
  return root;
}

test('a split is read from its l_h.txt: ids, listed and resolved paths, in list order, the first `limit`', async () => {
  const root = await dataRoot(3);
  const pairs = await readSplitPairs(root, 'val', 'CELL1', 2);
  assert.deepEqual(pairs[2], {
    id: 'hr2.tif',
    lr: 'hr_div_2/lr2.tif',
    hr: 'hr_div_1/hr2.tif',
    lrPath: join(root, 'hr_div_2/lr2.tif'),
    hrPath: join(root, 'hr_div_1/hr2.tif'),
  });
  assert.deepEqual((await readSplitPairs(root, 'val', 'CELL1', 2, 2)).map((p) => p.id), ['hr0.tif', 'hr1.tif']);
  // an absolute path in the list is kept as it is
  await writeFile(join(root, splitFolderName('val', 2, 'CELL1'), 'l_h.txt'), `${join(root, 'hr_div_2/lr0.tif')},hr_div_1/hr0.tif\n`);
  assert.equal((await readSplitPairs(root, 'val', 'CELL1', 2))[0]!.lrPath, join(root, 'hr_div_2/lr0.tif'));
});

test('a missing pair list is an input error that says what to do', async () => {
  await assert.rejects(readSplitPairs('/nonexistent', 'train', 'CELL0', 2), (e: Error & { kind?: string }) => {
    assert.equal(e.kind, 'input');
    assert.match(e.message, /cannot read the split list/);
    assert.match(e.message, /run prep first/);
    return true;
  });
});

test('an empty list and missing listed files are refused before any pair is used, all files named at once', async () => {
  const root = await dataRoot(8, 1);
  await assert.rejects(
    readSplitPairs(root, 'val', 'CELL1', 2),
    (e: unknown) => isSrcacoError(e) && e.kind === 'input' && /^14 file\(s\) listed for caco2_val_X_2_in_256_out_512_cell_CELL1 are missing: .*lr1\.tif, .*hr1\.tif, .*, \.\.\. \(9 more\)$/.test(e.message),
  );
  // only the pairs asked for are checked
  assert.equal((await readSplitPairs(root, 'val', 'CELL1', 2, 1)).length, 1);
  await writeFile(join(root, splitFolderName('val', 2, 'CELL1'), 'l_h.txt'), '');
  await assert.rejects(readSplitPairs(root, 'val', 'CELL1', 2), (e: unknown) => isSrcacoError(e) && e.kind === 'data' && /the split list is empty/.test(e.message));
});
