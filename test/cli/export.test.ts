// `srcaco export` end to end on a run folder: the bioimage.io zip and the bare ONNX graph.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Session } from '../../src/engine/runtime.js';

const tmp = mkdtempSync(join(tmpdir(), 'srcaco-export-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
const srcaco = (...args: string[]) => spawnSync(process.execPath, [bin, 'export', ...args], { encoding: 'utf8' });

test('srcaco export writes the bioimage.io zip and the ONNX graph of a run; a missing run is one error', async () => {
  const run = join(tmp, 'run');
  mkdirSync(run);
  writeFileSync(join(run, 'config.json'), JSON.stringify({ method: 'srcnn915', scale: 2, preset: 'default' }));
  copyFileSync(new URL('../fixtures/models/srcnn915_x2/weights.safetensors', import.meta.url).pathname, join(run, 'best.safetensors'));

  const out = join(tmp, 'exported');
  const zip = join(out, 'srcnn915_x2.bioimageio.zip');
  let r = srcaco('--run', run, '--out', out, '--author', 'A. Tester');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${zip}\n`);
  const bytes = readFileSync(zip);
  assert.equal(bytes.readUInt32LE(0), 0x04034b50);
  const text = bytes.toString('latin1');
  for (const f of ['rdf.yaml', 'weights.onnx', 'test_input.npy', 'test_output.npy', 'cover.png', 'documentation.md']) assert.ok(text.includes(f), f);
  assert.match(text, /"name": "A. Tester"/);

  const onnx = join(out, 'srcnn915_x2.onnx');
  r = srcaco('--run', run, '--format', 'onnx', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const session = await Session.create(new Uint8Array(readFileSync(onnx)), { threads: 1 });
  const y = await session.runHost({ x: { shape: [1, 1, 10, 12], data: new Float32Array(120).fill(0.5) } });
  assert.deepEqual(y.y!.shape, [1, 1, 10, 12]);
  await session.release();

  r = srcaco('--run', join(tmp, 'nope'), '--out', out);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
