// `srcaco register`: the same estimate as estimateShift, printed with the documented sign, and clear user errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { shiftedPair } from '../../bench/register-scene.js';
import { writeTiff } from '../../src/io/tiff.js';
import { Rng } from '../../src/util/random.js';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'srcaco-register-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('srcaco register prints the shift of LR relative to HR in HR px (JSON and text)', async () => {
  const scale = 4;
  const { hr, lr } = shiftedPair(new Rng(5), { sizeHrPx: 320, scale, dyHrPx: 5.2, dxHrPx: -2.6, brightness: 'bright' });
  await writeTiff(join(dir, 'hr.tif'), [hr]);
  await writeTiff(join(dir, 'lr.tif'), [lr]);
  const r = run('register', join(dir, 'hr.tif'), join(dir, 'lr.tif'), '--scale', '4', '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { dy: number; dx: number; confidence: number; mode: string };
  assert.ok(Math.abs(out.dy - 5.2) < 0.3 && Math.abs(out.dx + 2.6) < 0.3, r.stdout);
  assert.ok(out.confidence > 0.9 && out.confidence <= 1);
  assert.equal(out.mode, 'default');

  const text = run('register', join(dir, 'hr.tif'), join(dir, 'lr.tif'), '--scale', '4');
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^LR relative to HR: dy \+5\.\d{3} dx -2\.\d{3} HR px/);

  const help = run('register', '--help');
  assert.match(help.stdout, /Sign convention/);
  assert.match(help.stdout, /positive dy means/);
});

test('srcaco register rejects a wrong scale and an unknown mode with one line', () => {
  const wrong = run('register', join(dir, 'hr.tif'), join(dir, 'lr.tif'), '--scale', '2');
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /^srcaco: .*is not LR 80x80 times --scale 2.*\n$/);
  const mode = run('register', join(dir, 'hr.tif'), join(dir, 'lr.tif'), '--scale', '4', '--mode', 'fast');
  assert.equal(mode.status, 1);
  assert.match(mode.stderr, /--mode must be 'default' or 'seed-compat'/);
});
