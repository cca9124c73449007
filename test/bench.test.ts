// The bench dispatcher: names only, no model runs (timings never belong in tests).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { BENCHES, runBench } from '../bench/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

test('an unknown benchmark name exits 2 and lists every known one', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/index.ts', 'no-such-bench'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /unknown benchmark 'no-such-bench'/);
  for (const name of ['engine', 'train', 'tiff', 'metrics', 'simulate', 'register', 'prep']) {
    assert.match(r.stderr, new RegExp(`^  ${name} `, 'm'), name);
  }
});

test('every script benchmark points at a file in bench/, and unknown names run nothing', async () => {
  for (const [name, b] of Object.entries(BENCHES)) {
    if ('script' in b) assert.ok(existsSync(fileURLToPath(new URL(b.script, new URL('../bench/', import.meta.url)))), name);
  }
  assert.equal(await runBench('no-such-bench', []), false);
  assert.equal(await runBench(undefined, []), false);
  assert.equal(await runBench('toString', []), false);
});
