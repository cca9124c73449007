import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTiff } from '../../src/io/tiff.js';
import { parseSimulateOptions } from '../../src/cli/simulate.js';
import { simulateDataset } from '../../src/sim/dataset.js';
import { simulateTile } from '../../src/sim/tile.js';
import { defaultSimParams } from '../../src/sim/params.js';
import { isSrcacoError } from '../../src/errors.js';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const fresh = () => mkdtempSync(join(tmpdir(), 'srcaco-sim-'));

test('simulate writes the real layout, duplicates as pixel copies, and truth.json', async () => {
  const out = join(fresh(), 'data');
  const r = run('simulate', '--out', out, '--ids', '1,7,9', '--size', '160', '--seed', '3', '--duplicate', '7:9');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['HighRes1024', 'LowRes128', 'LowRes256', 'LowRes512', 'truth.json']);
  assert.deepEqual(readdirSync(join(out, 'LowRes256')).sort(), ['LowRes256-1.tif', 'LowRes256-7.tif', 'LowRes256-9.tif']);
  const sizes = { HighRes1024: 160, LowRes512: 80, LowRes256: 40, LowRes128: 20 };
  for (const [folder, size] of Object.entries(sizes)) {
    const planes = await readTiff(join(out, folder, `${folder}-9.tif`));
    assert.deepEqual(planes.map((p) => [p.width, p.height, p.data.constructor.name]), Array(3).fill([size, size, 'Uint8Array']));
    const source = await readTiff(join(out, folder, `${folder}-7.tif`));
    assert.deepEqual(planes.map((p) => p.data), source.map((p) => p.data));
  }
  // tile 7's pixels do not depend on which other tiles were made with it (in-process, same seed)
  const alone = simulateTile(defaultSimParams(), 3, 7, 160);
  assert.deepEqual((await readTiff(join(out, 'HighRes1024', 'HighRes1024-7.tif')))[2]!.data, alone.hr[2]!.data);
  assert.notDeepEqual((await readTiff(join(out, 'HighRes1024', 'HighRes1024-1.tif')))[2]!.data, alone.hr[2]!.data);
  const truth = JSON.parse(readFileSync(join(out, 'truth.json'), 'utf8'));
  assert.equal(truth.seed, 3);
  assert.deepEqual(truth.ids, [1, 7, 9]);
  assert.deepEqual(truth.duplicates, [{ source: 7, target: 9 }]);
  assert.equal(truth.tiles[2].duplicateOf, 7);
  assert.deepEqual(truth.tiles[2].shiftsHrPx, truth.tiles[1].shiftsHrPx);
  assert.equal(truth.tiles[0].shiftsHrPx['4'].length, 10);
  assert.match(truth.conventions.shifts, /Y\*s \+ \(s-1\)\/2 \+ dy/);
  assert.equal(truth.params.pixelSizeHrUm, 0.156289);
});

test('a duplicate of a tile not asked for is still written (simulated under the source id)', async () => {
  const out = fresh();
  await simulateDataset({ outDir: out, ids: [2], sizeHrPx: 96, seed: 1, duplicates: new Map([[2, 5]]), workers: 1 });
  const copy = await readTiff(join(out, 'LowRes512', 'LowRes512-2.tif'));
  assert.deepEqual(copy[0]!.data, simulateTile(defaultSimParams(), 1, 5, 96).lr[2][0]!.data);
  assert.deepEqual(readdirSync(join(out, 'HighRes1024')), ['HighRes1024-2.tif']);
});

test('bad input: one clear line and a non-zero exit', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--tiles', '0'], /--tiles must be the number of tiles/],
    [['--size', '40'], /--size must be .*received '40'/],
    [['--size', '1e3'], /--size must be/],
    [['--ids', '1,2', '--duplicate', '1:5'], /target tile 5 is not among/],
    [['--duplicate', '1-2'], /SOURCE:TARGET/],
    [['--preset', 'huge'], /--preset must be one of demo/],
    [['--no-such-option'], /unknown option/],
  ];
  for (const [args, pattern] of cases) {
    const r = run('simulate', '--out', join(fresh(), 'x'), ...args);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('a non-empty output folder is refused unless --force; an unwritable one fails clearly', () => {
  const out = fresh();
  writeFileSync(join(out, 'keep.txt'), 'x');
  const r = run('simulate', '--out', out, '--ids', '1', '--size', '96');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not empty.*--force/);
  const forced = run('simulate', '--out', out, '--ids', '1', '--size', '96', '--force');
  assert.equal(forced.status, 0, forced.stderr);
  assert.ok(readdirSync(join(out, 'HighRes1024')).includes('HighRes1024-1.tif'));
  const blocked = join(fresh(), 'file');
  writeFileSync(blocked, 'not a folder');
  const r2 = run('simulate', '--out', join(blocked, 'sub'), '--ids', '1', '--size', '96');
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /cannot write to the output folder/);
});

test('options: presets, defaults and overrides', () => {
  const demo = parseSimulateOptions({ out: 'o', preset: 'demo' });
  assert.deepEqual(demo.ids, [1, 2, 3, 7, 9]);
  assert.equal(demo.sizeHrPx, 2048);
  assert.equal(parseSimulateOptions({ out: 'o', preset: 'demo', size: '512' }).sizeHrPx, 512);
  const full = parseSimulateOptions({ out: 'o' });
  assert.equal(full.sizeHrPx, 9318);
  assert.equal(full.ids.length, 22);
  assert.deepEqual(parseSimulateOptions({ out: 'o', tiles: '3' }).ids, [1, 2, 3]);
  assert.throws(() => parseSimulateOptions({ out: 'o', ids: '1,1' }), (e) => isSrcacoError(e) && /twice/.test(e.message));
  assert.throws(() => parseSimulateOptions({ out: 'o', ids: '1,2,3', duplicate: '1:2,2:3' }), (e) => isSrcacoError(e) && e.kind === 'usage');
});

test('srcaco simulate --help describes every option', () => {
  const r = run('simulate', '--help');
  assert.equal(r.status, 0);
  for (const option of ['--out', '--tiles', '--ids', '--size', '--seed', '--duplicate', '--preset', '--force']) assert.match(r.stdout, new RegExp(option));
});

test('an interrupted run leaves only complete files under final names, and no truth.json', async () => {
  const out = fresh();
  const child = spawn(process.execPath, [bin, 'simulate', '--out', out, '--ids', '1,2,3,4', '--size', '800', '--force'], { stdio: 'ignore' });
  // kill it as soon as the first tile file has appeared (or after 20 s)
  for (let i = 0; i < 200 && !existsSync(join(out, 'HighRes1024', 'HighRes1024-1.tif')); i++) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const sizes: Record<string, number> = { HighRes1024: 800, LowRes512: 400, LowRes256: 200, LowRes128: 100 };
  for (const [folder, size] of Object.entries(sizes)) {
    for (const name of existsSync(join(out, folder)) ? readdirSync(join(out, folder)) : []) {
      if (!/^\w+-\d+\.tif$/.test(name)) continue; // temporaries carry a dot prefix and a .tmp suffix
      const planes = await readTiff(join(out, folder, name));
      assert.deepEqual(planes.map((p) => p.width * p.height), [size * size, size * size, size * size], name);
    }
  }
  if (existsSync(join(out, 'HighRes1024')) && readdirSync(join(out, 'HighRes1024')).filter((f) => f.endsWith('.tif')).length < 4) assert.ok(!existsSync(join(out, 'truth.json')));
});

test('a run killed midway continues on rerun (no --force) and ends byte-identical to an uninterrupted one', async () => {
  const args = ['--ids', '1,2,3', '--size', '160', '--workers', '1'];
  const whole = fresh();
  assert.equal(run('simulate', '--out', whole, ...args).status, 0);
  const out = fresh();
  const child = spawn(process.execPath, [bin, 'simulate', '--out', out, ...args], { stdio: 'ignore' });
  // Killed once the first tile is finished (its resume marker written), while later tiles are in flight.
  for (let i = 0; i < 600 && !existsSync(join(out, '.simulate', 'tile-1.json')); i++) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok(!existsSync(join(out, 'truth.json')), 'killed before the end');
  // Other options in the interrupted folder are refused, naming how to go on.
  const other = run('simulate', '--out', out, ...args, '--seed', '5');
  assert.equal(other.status, 1);
  assert.match(other.stderr, /other options .* --force to start over/);
  assert.match(other.stderr, /taking over a stale lock of srcaco simulate \(PID \d+, no longer running\)/);
  const again = run('simulate', '--out', out, ...args);
  assert.equal(again.status, 0, again.stderr);
  assert.ok(!existsSync(join(out, '.simulate')), 'a finished folder holds the dataset layout only');
  for (const folder of ['HighRes1024', 'LowRes512', 'LowRes256', 'LowRes128']) {
    assert.deepEqual(readdirSync(join(out, folder)).sort(), readdirSync(join(whole, folder)).sort(), folder);
    for (const name of readdirSync(join(whole, folder))) assert.ok(readFileSync(join(out, folder, name)).equals(readFileSync(join(whole, folder, name))), name);
  }
  assert.ok(readFileSync(join(out, 'truth.json')).equals(readFileSync(join(whole, 'truth.json'))));
  // The same command again on the finished folder (its user not knowing it had finished): the same dataset again;
  // other options are refused.
  const twice = run('simulate', '--out', whole, ...args);
  assert.equal(twice.status, 0, twice.stderr);
  assert.ok(readFileSync(join(out, 'truth.json')).equals(readFileSync(join(whole, 'truth.json'))));
  assert.ok(readFileSync(join(out, 'HighRes1024', 'HighRes1024-2.tif')).equals(readFileSync(join(whole, 'HighRes1024', 'HighRes1024-2.tif'))));
  const otherSeed = run('simulate', '--out', whole, ...args, '--seed', '5');
  assert.equal(otherSeed.status, 1);
  assert.match(otherSeed.stderr, /the output folder is not empty/);
});
