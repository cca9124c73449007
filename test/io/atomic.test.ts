import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtomicFile, writeFileAtomic } from '../../src/io/atomic.js';
import { SrcacoError } from '../../src/errors.js';

test('writeFileAtomic writes text, bytes and chunks, replacing an existing file only when complete', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'srcaco-atomic-'));
  try {
    const path = join(dir, 'a.txt');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'héllo\n');
    assert.equal(readFileSync(path, 'utf8'), 'héllo\n');
    await writeFileAtomic(path, Uint8Array.from([1, 2, 3]));
    assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
    await writeFileAtomic(path, [Uint8Array.from([9]), new Uint8Array(0), Uint8Array.from([8, 7])]);
    assert.deepEqual([...readFileSync(path)], [9, 8, 7]);
    const pending = await AtomicFile.create(path);
    await pending.handle.write('partial');
    assert.deepEqual([...readFileSync(path)], [9, 8, 7], 'the final name keeps the old content until commit');
    await pending.abort();
    assert.deepEqual(readdirSync(dir), ['a.txt']);
    await assert.rejects(writeFileAtomic(join(dir, 'no', 'b.txt'), 'x'), (e: unknown) => e instanceof SrcacoError && e.kind === 'output');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
