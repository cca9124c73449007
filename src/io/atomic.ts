import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SrcacoError } from '../errors.js';

/**
 * A file written under a temporary name in the destination's folder and renamed into place on `commit()`,
 * so a crash or an error never leaves a half-written file under the final name.
 */
export class AtomicFile {
  private done = false;

  private constructor(
    readonly path: string,
    readonly tempPath: string,
    readonly handle: FileHandle,
  ) {}

  /** Creates the temporary file next to `path`. */
  static async create(path: string): Promise<AtomicFile> {
    const tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      return new AtomicFile(path, tempPath, await open(tempPath, 'wx'));
    } catch (e) {
      throw new SrcacoError('output', `cannot create a file in ${dirname(path)} (${(e as Error).message})`, { path, cause: e });
    }
  }

  /** Writes all of `bytes` at `position` (at the current end when omitted); a failure (a full disk) names the final path. */
  async write(bytes: Uint8Array, position?: number): Promise<void> {
    try {
      await writeAll(this.handle, bytes, position);
    } catch (e) {
      throw writeError(this.path, e);
    }
  }

  /** Flushes, closes and renames the temporary file to its final name. */
  async commit(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      await this.handle.sync();
      await this.handle.close();
      await rename(this.tempPath, this.path);
    } catch (e) {
      await unlink(this.tempPath).catch(() => undefined);
      throw writeError(this.path, e);
    }
  }

  /** Closes and removes the temporary file; the final name is left untouched. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.handle.close().catch(() => undefined);
    await unlink(this.tempPath).catch(() => undefined);
  }
}

/**
 * Removes from `folder` (not below it) the temporary files of atomic writes a killed process left, all of them or
 * those of the final name `of`. Only for the holder of the lock of the folder (or of that file): then no live
 * writer owns them.
 */
export async function removeTemporaries(folder: string, of?: string): Promise<void> {
  for (const name of await readdir(folder).catch(() => [] as string[])) {
    if (of !== undefined && !name.startsWith(`.${of}.`)) continue;
    if (/\.\d+(\.[0-9a-f]+)?\.tmp$/.test(name)) await unlink(join(folder, name)).catch(() => undefined);
  }
}

/** Writes text, bytes or a list of byte chunks to `path` atomically (temporary name, then rename). */
export async function writeFileAtomic(path: string, content: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  const chunks = typeof content === 'string' ? [new TextEncoder().encode(content)] : content instanceof Uint8Array ? [content] : content;
  const file = await AtomicFile.create(path);
  try {
    let position = 0;
    for (const c of chunks) {
      await file.write(c, position);
      position += c.length;
    }
    await file.commit();
  } catch (e) {
    await file.abort();
    throw e instanceof SrcacoError ? e : writeError(path, e);
  }
}

/** The one error of a failed write of `path`: a full disk says what to do (the final name was never touched). */
export function writeError(path: string, e: unknown): SrcacoError {
  if (e instanceof SrcacoError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOSPC' || code === 'EDQUOT' ? 'the disk is full (ENOSPC): free space, then run the command again (srcaco train: with --resume)' : (e as Error).message;
  return new SrcacoError('output', `cannot write the file: ${why}`, { path, cause: e });
}

/** Writes all of `bytes` (at `position`, or at the current end when omitted). */
async function writeAll(handle: FileHandle, bytes: Uint8Array, position?: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position === undefined ? null : position + done);
    done += bytesWritten;
  }
}
