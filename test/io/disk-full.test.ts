// Disk full (issue 20): writing commands into a tiny tmpfs fail with one 'output' error naming the file, leave no
// partial file under a final name, and succeed once space is back. Needs `mount` (root); skipped elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planeOf } from '../../src/image/plane.js';
import { writeTiff } from '../../src/io/tiff.js';
import { Rng } from '../../src/util/random.js';
import { partialFiles } from '../chaos/kill-resume.js';
import { writeTinyDataset } from '../train/run-fixture.js';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
const srcaco = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const work = mkdtempSync(join(tmpdir(), 'srcaco-disk-full-'));
const disk = join(work, 'disk');
mkdirSync(disk);
const mount = (options: string) => spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', disk], { encoding: 'utf8' });
const mounted = mount('size=64k').status === 0;
const resize = (size: string) => assert.equal(spawnSync('mount', ['-o', `remount,size=${size}`, disk]).status, 0, 'remount');
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
    const r = srcaco(['train', '--method', 'srcnn915', '--cell', 'CELL2', '--scale', '2', '--data', data, '--out', runs, '--name', 'r', '--steps', '2', '--val-every', '1', '--val-limit', '1', '--batch', '2', '--h-size', '16', '--loss', 'mse', '--workers', '0', '--threads', '1']);
    assertDiskFull(r, /.*\/r\/\w+(\.optim)?\.safetensors/);
    assert.deepEqual(await partialFiles(disk), []);
    const dir = join(runs, 'srcnn915', 'caco2_train_X_2_in_256_out_512_cell_CELL2', 'r');
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
