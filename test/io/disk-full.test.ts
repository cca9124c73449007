// Disk full (issue 20): writing commands into a tiny tmpfs fail with one 'output' error naming the file, leave no
// partial file under a final name, and succeed once space is back. Needs `mount` (root); skipped elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planeOf } from '../../src/image/plane.js';
import { writeTiff } from '../../src/io/tiff.js';
import { Rng } from '../../src/util/random.js';
import { partialFiles, runDir, trainArgs } from '../chaos/kill-resume.js';
import { syntheticTile, writeTilesFolder } from '../prep/fixtures.js';
import { writeTinyDataset } from '../train/run-fixture.js';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
const srcaco = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const work = mkdtempSync(join(tmpdir(), 'srcaco-disk-full-'));
const disk = join(work, 'disk');
mkdirSync(disk);
const mount = (options: string) => spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', disk], { encoding: 'utf8' });
const mounted = mount('size=64k').status === 0;
const resize = (size: string) => assert.equal(spawnSync('mount', ['-o', `remount,size=${size}`, disk]).status, 0, 'remount');
/** An empty disk of `size` (what an earlier test left is removed first, or a smaller size would not mount). */
function emptyDisk(size: string): void {
  for (const name of readdirSync(disk)) rmSync(join(disk, name), { recursive: true, force: true });
  resize(size);
}
test.after(() => {
  if (mounted) spawnSync('umount', [disk]);
  rmSync(work, { recursive: true, force: true });
});
const skip = mounted ? false : 'cannot mount a tmpfs here (needs root)';

/** Exactly one line on stderr: the output error naming `path`, with what to do. */
function assertDiskFull(r: ReturnType<typeof srcaco>, path: RegExp): void {
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l && !/validation ROI/.test(l));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, new RegExp(`^srcaco: ${path.source}: cannot write the file: the disk is full \\(ENOSPC\\): free space, then run the command again`));
}

test('upscale on a full disk: one error, nothing under the final name, then byte-identical once space is back', { skip }, async () => {
  resize('64k');
  const input = join(work, 'in.tif');
  const rng = new Rng(3);
  await writeTiff(input, [0, 1].map(() => planeOf(96, 96, Uint8Array.from({ length: 96 * 96 }, () => Math.floor(rng.uniform() * 256)))));
  const args = (out: string) => ['upscale', input, out, '--method', 'bicubic', '--scale', '2', '--tile', '32'];
  // The same file name: the OME metadata names the image after it.
  mkdirSync(join(work, 'ref'));
  const reference = join(work, 'ref', 'out.tif');
  assert.equal(srcaco(args(reference)).status, 0);
  assert.ok(readFileSync(reference).length > 64 * 1024, 'the output does not fit the small disk (the test can fail)');

  const out = join(disk, 'out.tif');
  assertDiskFull(srcaco(args(out)), /.*\/disk\/out\.tif/);
  assert.deepEqual(readdirSync(disk), [], 'neither the output, its temporary nor its lock is left');
  resize('1m');
  assert.equal(srcaco(args(out)).status, 0);
  assert.ok(readFileSync(out).equals(readFileSync(reference)));
  rmSync(out);
});

test('train on a full disk: one error, only complete files, then --resume finishes the run', { skip }, async () => {
  resize('96k');
  const data = await writeTinyDataset({ hrSide: 32, counts: { train: 2, val: 1, test: 1 } });
  try {
    const runs = join(disk, 'runs');
    const r = srcaco(trainArgs(data, runs, { steps: 2, valEvery: 1, logEvery: null }));
    assertDiskFull(r, /.*\/r\/\w+(\.optim)?\.safetensors/);
    assert.deepEqual(await partialFiles(disk), []);
    const dir = runDir(runs);
    resize('4m');
    const again = srcaco(['train', '--resume', dir]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /2 updates \(stopped by --steps\)/);
    assert.ok(existsSync(join(dir, 'best.safetensors')));
    assert.deepEqual(await partialFiles(disk), []);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});

/** Fills the small disk with a file that leaves `free` bytes; returns a function that removes it. */
function fillDisk(free: number): () => void {
  const filler = join(disk, '.filler');
  const { bavail, bsize } = statfsSync(disk);
  writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - free)));
  return () => rmSync(filler);
}

test('simulate on a full disk: one error, only complete files, then the rerun continues to the uninterrupted dataset', { skip }, async () => {
  emptyDisk('64k');
  const args = (out: string) => ['simulate', '--out', out, '--ids', '1,2', '--size', '160', '--workers', '1'];
  const reference = join(work, 'sim-ref');
  assert.equal(srcaco(args(reference)).status, 0);
  const out = join(disk, 'sim');
  assertDiskFull(srcaco(args(out)), /.*\/disk\/sim\/\S+/);
  assert.deepEqual(await partialFiles(disk), []);
  resize('8m');
  const again = srcaco(args(out));
  assert.equal(again.status, 0, again.stderr);
  for (const folder of ['HighRes1024', 'LowRes512', 'LowRes256', 'LowRes128']) {
    for (const name of readdirSync(join(reference, folder))) assert.ok(readFileSync(join(out, folder, name)).equals(readFileSync(join(reference, folder, name))), `${folder}/${name}`);
  }
  assert.ok(readFileSync(join(out, 'truth.json')).equals(readFileSync(join(reference, 'truth.json'))));
  rmSync(out, { recursive: true });
});

test('prep on a full disk: one error, only complete files, then the rerun ends as an uninterrupted prep', { skip }, async () => {
  emptyDisk('64k');
  const tiles = join(work, 'tiles');
  await writeTilesFolder(tiles, new Map([[3, syntheticTile(890, 3, 80)], [9, syntheticTile(890, 9, 80)]]));
  const args = (out: string) => ['prep', '--tiles', tiles, '--out', out, '--workers', '1'];
  const out = join(disk, 'data');
  assertDiskFull(srcaco(args(out)), /.*\/disk\/data\/\S+/);
  assert.deepEqual(await partialFiles(disk), []);
  resize('16m');
  const again = srcaco(args(out));
  assert.equal(again.status, 0, again.stderr);
  const reference = join(work, 'data-ref');
  assert.equal(srcaco(args(reference)).status, 0);
  const files = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length)).sort();
  assert.deepEqual(files(out), files(reference));
  for (const f of files(reference).filter((f) => /\.(tif|txt)$/.test(f))) assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(reference, f))), f);
  rmSync(out, { recursive: true });
});

test('eval --run on a full disk: one error, no partial row or prediction, then the rerun writes them', { skip }, async () => {
  emptyDisk('8m');
  const data = await writeTinyDataset({ hrSide: 32, counts: { train: 2, val: 1, test: 3 } });
  try {
    const runs = join(disk, 'runs');
    const trained = srcaco(trainArgs(data, runs, { steps: 2, valEvery: 1, logEvery: null }));
    assert.equal(trained.status, 0, trained.stderr);
    const dir = runDir(runs);
    const args = ['eval', '--run', dir, '--save-pred', join(dir, 'pred')];
    const unfill = fillDisk(2048);
    assertDiskFull(srcaco(args), /.*\/r\/\S+/);
    assert.deepEqual(await partialFiles(disk), []);
    unfill();
    const again = srcaco(args);
    assert.equal(again.status, 0, again.stderr);
    assert.ok(readdirSync(join(dir, 'eval')).length > 0, 'the rows are written');
    assert.equal(readdirSync(join(dir, 'pred'), { recursive: true }).filter((f) => String(f).endsWith('.tif')).length, 3, 'one prediction per test image');
    assert.deepEqual(await partialFiles(disk), []);
    rmSync(runs, { recursive: true });
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});
