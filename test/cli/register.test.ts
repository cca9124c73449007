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

test('srcaco register: multi-plane files give one joint shift; --plane picks one; seed-compat needs --plane', async () => {
  const scale = 8;
  const rng = new Rng(9);
  const a = shiftedPair(rng.fork(1), { sizeHrPx: 640, scale, dyHrPx: -6.4, dxHrPx: 3.2, brightness: 'dim' });
  const b = shiftedPair(rng.fork(2), { sizeHrPx: 640, scale, dyHrPx: -6.4, dxHrPx: 3.2, brightness: 'bright' });
  await writeTiff(join(dir, 'hr2.tif'), [a.hr, b.hr]);
  await writeTiff(join(dir, 'lr2.tif'), [a.lr, b.lr]);
  const joint = run('register', join(dir, 'hr2.tif'), join(dir, 'lr2.tif'), '--scale', '8', '--json');
  assert.equal(joint.status, 0, joint.stderr);
  const j = JSON.parse(joint.stdout) as { dy: number; dx: number; planes: number };
  assert.equal(j.planes, 2);
  assert.ok(Math.abs(j.dy + 6.4) < 0.4 && Math.abs(j.dx - 3.2) < 0.4, joint.stdout);
  const one = run('register', join(dir, 'hr2.tif'), join(dir, 'lr2.tif'), '--scale', '8', '--plane', '1', '--json');
  assert.equal((JSON.parse(one.stdout) as { planes: number }).planes, 1);
  const seed = run('register', join(dir, 'hr2.tif'), join(dir, 'lr2.tif'), '--scale', '8', '--mode', 'seed-compat');
  assert.equal(seed.status, 1);
  assert.match(seed.stderr, /pick one with --plane/);
  const missing = run('register', join(dir, 'hr2.tif'), join(dir, 'lr2.tif'), '--scale', '8', '--plane', '5');
  assert.match(missing.stderr, /--plane 5 does not exist; the file has 2 planes/);
});
