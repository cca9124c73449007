// The short form of `npm run chaos`: each command killed once at a seeded random point, scanned, rerun to the end
// and compared with an uninterrupted run (kill-resume.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planeOf } from '../../src/image/plane.js';
import { writeTiff } from '../../src/io/tiff.js';
import { CHAOS_CASES, killAndResume, partialFiles } from './kill-resume.js';

const dir = mkdtempSync(join(tmpdir(), 'srcaco-chaos-scan-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('the scan finds files cut short under final names and passes temporaries (it can fail)', async () => {
  await writeTiff(join(dir, 'whole.tif'), [planeOf(4, 4, new Uint8Array(16))]);
  const tiff = await readFile(join(dir, 'whole.tif'));
  await writeFile(join(dir, 'cut.tif'), tiff.subarray(0, tiff.length - 20));
  await writeFile(join(dir, '.cut.tif.123.abcd.tmp'), tiff.subarray(0, 10));
  await writeFile(join(dir, 'row.json'), '{"a": 1');
  await writeFile(join(dir, 'log.jsonl'), '{"a": 1}\n{"b"\n{"c": ');
  const bad = (await partialFiles(dir)).map((p) => p.split(':')[0]);
  assert.deepEqual(bad, ['cut.tif', 'log.jsonl', 'row.json']);
});

for (const c of CHAOS_CASES) {
  test(`${c.name} killed at a random point leaves no partial file and resumes to the uninterrupted outputs`, async () => {
    const r = await killAndResume(c, { trials: 1, killsPerTrial: 1, seed: 20 });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.leftovers, [], 'a rerun removes the temporaries of killed writes');
    assert.equal(r.kills + r.finishedFirst, 1);
  });
}
