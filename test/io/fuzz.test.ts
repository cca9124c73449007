import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SrcacoError } from '../../src/errors.js';
import { RunFolder } from '../../src/train/run-folder.js';
import { FUZZ_TARGETS, runFuzz } from './fuzz.js';

// The short deterministic form of `npm run fuzz` (issue 20): a fixed seed, a few hundred inputs in all.
test('fuzzed TIFF, safetensors, pair lists, split files and run configs read or fail with one SrcacoError', { timeout: 120_000 }, async () => {
  const lines: string[] = [];
  const r = await runFuzz({ seed: 20, count: 80, seconds: 60, inputMs: 10_000, log: (l) => lines.push(l) });
  assert.deepEqual(r.failures, [], lines.join('\n'));
  for (const t of FUZZ_TARGETS) {
    const tried = r.tried[t.name]!;
    // Both outcomes occur, so the run exercised the reader's success path and its checks.
    assert.ok(tried.inputs >= 20 && tried.read > 0 && tried.read < tried.inputs, `${t.name}: ${JSON.stringify(tried)}`);
  }
});

test('a SrcacoError is one line even when it quotes a multi-line file (found by the fuzz)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'srcaco-fuzz-json-'));
  try {
    writeFileSync(join(dir, 'config.json'), '{\n  "method": "srcnn",,\n  "scale": 2\n}\n');
    await assert.rejects(RunFolder.open(dir), (e: unknown) => {
      assert.ok(e instanceof SrcacoError);
      assert.match(e.message, /the run configuration is not JSON/);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
