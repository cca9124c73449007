import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SrcacoError } from '../../src/errors.js';
import { folderLockPath, lockFile, lockFolder } from '../../src/io/folder-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'srcaco-lock-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A PID that was running a moment ago and is not any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('the lock file names the holder; a live holder on this host refuses a second writer with one error', async () => {
  const lock = await lockFolder(dir, 'simulate');
  const holder = JSON.parse(readFileSync(folderLockPath(dir), 'utf8'));
  assert.equal(holder.pid, process.pid);
  assert.equal(holder.host, hostname());
  assert.equal(holder.command, 'simulate');
  await lock.release();
  assert.equal(existsSync(folderLockPath(dir)), false);
  // Another live process (our parent, which outlives this test) holds it.
  writeFileSync(folderLockPath(dir), JSON.stringify({ pid: process.ppid, host: hostname(), command: 'prep', since: '2024-01-01T00:00:00Z' }));
  await assert.rejects(lockFolder(dir, 'simulate'), (e: unknown) => {
    assert.ok(e instanceof SrcacoError);
    assert.equal(e.kind, 'output');
    assert.match(e.message, new RegExp(`is being written by srcaco prep \\(PID ${process.ppid} on ${hostname()}, since 2024-01-01T00:00:00Z\\); wait for it to finish, or delete .*\\.srcaco\\.lock`));
    return true;
  });
  // A holder on another host cannot be checked: it is refused too.
  writeFileSync(folderLockPath(dir), JSON.stringify({ pid: deadPid(), host: 'elsewhere.example', command: 'train', since: 'x' }));
  await assert.rejects(lockFolder(dir, 'train'), /srcaco train \(PID \d+ on elsewhere\.example/);
  rmSync(folderLockPath(dir));
});

test('a stale lock (its PID gone on this host) or an unreadable one is taken over with a warning', async () => {
  const pid = deadPid();
  writeFileSync(folderLockPath(dir), JSON.stringify({ pid, host: hostname(), command: 'simulate', since: 'x' }));
  const warnings: string[] = [];
  const lock = await lockFolder(dir, 'simulate', { warn: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, new RegExp(`taking over a stale lock of srcaco simulate \\(PID ${pid}, no longer running\\)`));
  assert.equal(JSON.parse(readFileSync(folderLockPath(dir), 'utf8')).pid, process.pid);
  await lock.release();
  writeFileSync(folderLockPath(dir), '{"pid":');
  const again = await lockFolder(dir, 'prep', { warn: (m) => warnings.push(m) });
  assert.match(warnings[1]!, /taking over an unreadable lock/);
  await again.release();
});

test('a file lock leaves the folder to other writers; the holding process may re-enter its own lock', async () => {
  const a = await lockFile(join(dir, 'a.tif'), 'upscale');
  const b = await lockFile(join(dir, 'b.tif'), 'upscale');
  assert.ok(existsSync(join(dir, '.a.tif.lock')) && existsSync(join(dir, '.b.tif.lock')));
  const inner = await lockFile(join(dir, 'a.tif'), 'upscale');
  await inner.release();
  assert.ok(existsSync(join(dir, '.a.tif.lock')), 'the outer hold keeps the lock');
  await a.release();
  await b.release();
  assert.ok(!existsSync(join(dir, '.a.tif.lock')) && !existsSync(join(dir, '.b.tif.lock')));
});

test('a process that exits without releasing removes its locks; a killed one leaves a lock the next run takes over', () => {
  const src = new URL('../../src/io/folder-lock.ts', import.meta.url).pathname;
  const run = (code: string) => spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
  const exited = run(`import { lockFolder } from '${src}'; await lockFolder('${dir}', 'prep'); process.exit(0);`);
  assert.equal(exited.status, 0, exited.stderr);
  assert.equal(existsSync(folderLockPath(dir)), false);
  const killed = run(`import { lockFolder } from '${src}'; await lockFolder('${dir}', 'prep'); process.kill(process.pid, 'SIGKILL');`);
  assert.equal(killed.signal, 'SIGKILL');
  assert.ok(existsSync(folderLockPath(dir)));
  const next = run(`import { lockFolder } from '${src}'; const l = await lockFolder('${dir}', 'prep'); await l.release();`);
  assert.equal(next.status, 0, next.stderr);
  assert.match(next.stderr, /srcaco: warning: folder .*: taking over a stale lock of srcaco prep \(PID \d+, no longer running\)/);
});
