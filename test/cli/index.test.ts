import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildProgram, main } from '../../src/cli/index.js';

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

test('a RangeError from library code prints one line and exits 1; other errors stay bugs with their stack', async () => {
  const program = buildProgram();
  program.command('range').action(() => {
    throw new RangeError('width must be an integer ≥ 1, received 0');
  });
  program.command('bug').action(() => {
    throw new TypeError('x is undefined');
  });
  const chunks: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => chunks.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    assert.equal(await main(['range'], program), 1);
    await assert.rejects(main(['bug'], program), TypeError);
  } finally {
    process.stderr.write = write;
  }
  assert.equal(chunks.join(''), 'srcaco: width must be an integer ≥ 1, received 0\n');
});
