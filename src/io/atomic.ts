import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
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
      throw new SrcacoError('output', `cannot write the file (${(e as Error).message})`, { path: this.path, cause: e });
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

/** Writes text, bytes or a list of byte chunks to `path` atomically (temporary name, then rename). */
export async function writeFileAtomic(path: string, content: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  const chunks = typeof content === 'string' ? [new TextEncoder().encode(content)] : content instanceof Uint8Array ? [content] : content;
  const file = await AtomicFile.create(path);
  try {
    let position = 0;
    for (const c of chunks) {
      await writeAll(file.handle, c, position);
      position += c.length;
    }
    await file.commit();
  } catch (e) {
    await file.abort();
    throw e instanceof SrcacoError ? e : new SrcacoError('output', `cannot write the file (${(e as Error).message})`, { path, cause: e });
  }
}

/** Writes all of `bytes` (at `position`, or at the current end when omitted). */
export async function writeAll(handle: FileHandle, bytes: Uint8Array, position?: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position === undefined ? null : position + done);
    done += bytesWritten;
  }
}
