import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('srcaco --help lists the program and exits 0', () => {
  const r = run('--help');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: srcaco/);
});

test('an unknown command fails with one line and a non-zero exit', () => {
  const r = run('no-such-command');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /^error: .*\n$/);
});
