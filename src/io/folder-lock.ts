import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SrcacoError } from '../errors.js';
import { warnOnStderr } from '../util/warn.js';
import { writeError } from './atomic.js';

/**
 * Output locks: a writing command holds a lock file naming its PID, host and command for as long as it
 * writes, so a second command writing the same output is refused instead of interleaving files with it.
 * A lock left by a killed process (its PID gone on this host) is taken over with a warning. The lock file is
 * created whole (written under a temporary name, then hard-linked to its name, which fails if it exists), so
 * no reader ever sees a half-written lock.
 */

/** What a lock file holds. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface LockOptions {
  /** Where the stale-lock warning goes (default: one `srcaco: warning:` line on stderr). */
  warn?: (message: string) => void;
}

/** A held lock; `release()` removes the lock file (also done at process exit). */
export interface OutputLock {
  readonly path: string;
  release(): Promise<void>;
}

/** The lock file of a folder every file of which one command writes (simulate, prep, a run folder). */
export function folderLockPath(dir: string): string {
  return join(dir, '.srcaco.lock');
}

/** Locks folder `dir` (which must exist) for `command`. */
export function lockFolder(dir: string, command: string, options?: LockOptions): Promise<OutputLock> {
  return acquireLock(folderLockPath(dir), `folder ${dir}`, command, options);
}

/** Locks one output file (upscale, an eval row) for `command`, leaving its folder to other writers. */
export function lockFile(path: string, command: string, options?: LockOptions): Promise<OutputLock> {
  return acquireLock(join(dirname(path), `.${basename(path)}.lock`), path, command, options);
}

/** Locks this process holds, with how many times each was taken (a process may re-enter its own lock). */
const held = new Map<string, number>();
process.on('exit', () => {
  for (const path of held.keys()) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
});

async function acquireLock(path: string, what: string, command: string, options: LockOptions = {}): Promise<OutputLock> {
  const me: LockHolder = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(path, me)) break;
    const other = await readHolder(path);
    if (other === 'gone') continue; // released between our attempt and the read: try again
    if (other !== null && other.host === me.host && other.pid === me.pid) {
      held.set(path, (held.get(path) ?? 0) + 1);
      return handle(path);
    }
    if (other !== null && !(other.host === me.host && !alive(other.pid))) {
      throw new SrcacoError(
        'output',
        `is being written by srcaco ${other.command} (PID ${other.pid} on ${other.host}, since ${other.since}); wait for it to finish, or delete ${path} if that process is gone`,
        { path: what },
      );
    }
    if (attempt > 3) throw new SrcacoError('output', `cannot take over the stale lock file ${path}; delete it`, { path: what });
    const who = other === null ? 'an unreadable lock' : `a stale lock of srcaco ${other.command} (PID ${other.pid}, no longer running)`;
    (options.warn ?? warnOnStderr)(`${what}: taking over ${who}; files it left unfinished are redone`);
    await unlink(path).catch(() => undefined);
  }
  held.set(path, 1);
  return handle(path);
}

function handle(path: string): OutputLock {
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      const n = (held.get(path) ?? 1) - 1;
      if (n > 0) {
        held.set(path, n);
        return;
      }
      held.delete(path);
      await unlink(path).catch(() => undefined);
    },
  };
}

/** Creates the lock file whole; false when one exists. */
async function tryCreate(path: string, me: LockHolder): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(me)}\n`);
    await link(temp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw writeError(path, e); // a full disk says so, and what to do, as every other write does
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** The holder named in the lock file; null if it cannot be parsed, 'gone' if the file vanished. */
async function readHolder(path: string): Promise<LockHolder | null | 'gone'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return 'gone';
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return Number.isInteger(h.pid) && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}
