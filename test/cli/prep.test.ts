import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { syntheticTile, tempDir, writeTilesFolder } from '../prep/fixtures.js';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('srcaco prep (one worker thread), audit --json and stats on a folder with a duplicated tile', async () => {
  const tiles = await tempDir('cli-tiles');
  const tile = syntheticTile(890, 3, 80); // one 640 window per tile
  await writeTilesFolder(tiles, new Map([[3, tile], [9, tile]]));
  const out = join(await tempDir('cli-out'), 'data');

  const prep = run('prep', '--tiles', tiles, '--out', out, '--workers', '1', '--qc', '1');
  assert.equal(prep.status, 0, prep.stderr);
  assert.match(prep.stdout, /^2 tiles \(0 already done\), \d+ patches \(train \d+, val 0, test \d+\), mode default\n/);
  assert.equal((await readdir(join(out, 'qc'))).length, 1);

  const audit = run('audit', tiles, '--json');
  assert.equal(audit.status, 1, 'leakage makes the audit fail');
  assert.deepEqual(JSON.parse(audit.stdout), { duplicates: [[3, 9]], leaks: [{ tiles: [3, 9], splits: ['train', 'test'] }], problems: [] });
  assert.match(audit.stderr, /^srcaco: .*split leakage: duplicate tiles across splits \(3-9 train\/test\).*\n$/);
  // --split-file: the split JSON audited against; with both copies in one split nothing leaks
  const splitFile = join(await tempDir('cli-split'), 'split.json');
  await writeFile(splitFile, JSON.stringify({ train: [3, 9], val: [], test: [] }));
  const together = run('audit', tiles, '--json', '--split-file', splitFile);
  assert.equal(together.status, 0, together.stderr);
  assert.deepEqual(JSON.parse(together.stdout).leaks, []);

  const stats = run('stats', out, '--sample', '1');
  assert.equal(stats.status, 0, stats.stderr);
  assert.match(stats.stdout, /wrote .*table6\.md/);

  const bad = run('prep', '--tiles', join(tiles, 'nope'), '--out', join(out, 'x'));
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^srcaco: .*nope: no tiles found/);
  const mode = run('prep', '--tiles', tiles, '--out', out, '--mode', 'fast');
  assert.equal(mode.status, 1);
  assert.match(mode.stderr, /--mode must be default or seed-compat/);
});
