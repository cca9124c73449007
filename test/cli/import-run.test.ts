// srcaco import-run on an original run folder (fixture by scripts/fixtures/pth-fixtures.py), then eval --run,
// upscale --run and report on it; srcaco weights convert; and what they refuse, as one line each.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { planeOf } from '../../src/image/plane.js';
import { SrcacoError } from '../../src/errors.js';
import { convertWeights } from '../../src/infer/weights.js';
import { readPth } from '../../src/io/pth.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { readTiff, writeTiff } from '../../src/io/tiff.js';
import { buildModel } from '../../src/models/registry.js';
import { importOriginalRun } from '../../src/train/import-run.js';
import { RunFolder } from '../../src/train/run-folder.js';
import { writeTinyDataset } from '../train/run-fixture.js';

const bin = new URL('../../bin/srcaco', import.meta.url).pathname;
const srcaco = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'pth');
const TRAIN_DS = 'caco2_train_X_4_in_128_out_512_cell_CELL2';
const ID = 'id_12_19_2023_17_22_14_708626__8881047-tsk_super-resolution-x_4-netG_MemNet-sd_0-l2_yes-ssim_yes';
const original = join(fixtures, 'original-run', 'MemNet', TRAIN_DS, ID);
const out = await mkdtemp(join(tmpdir(), 'srcaco-import-'));
process.on('exit', () => void rm(out, { recursive: true, force: true }));

function failsWith(r: ReturnType<typeof srcaco>, re: RegExp): void {
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stderr, /^[^\n]*\n$/, `one line expected: ${r.stderr}`);
  assert.match(r.stderr, re);
}

test("import-run makes the original's run a srcaco run: eval --run, upscale --run and report use its weights", async () => {
  const data = await writeTinyDataset({ scale: 4, hrSide: 32, counts: { train: 1, val: 1, test: 2 } });
  const runs = join(out, 'runs');
  const r = srcaco('import-run', original, '--out', runs, '--data', data);
  assert.equal(r.status, 0, r.stderr);
  const dir = join(runs, 'memnet', TRAIN_DS, ID);
  assert.match(r.stdout, /memnet x4 CELL2: imported/);
  const run = await RunFolder.open(dir);
  assert.deepEqual([run.config.method, run.config.scale, run.config.cell, run.config.config], ['memnet', 4, 'CELL2', { num_memory_blocks: 1, num_residual_blocks: 1 }]);
  assert.equal(run.config.importedFrom?.configFile, 'config_model.yml');
  assert.equal(run.config.importedFrom?.netType, 'MemNet');
  assert.ok(existsSync(run.bestOnnxPath));
  // The weights are the checkpoint's, bit for bit.
  const pth = await readPth(join(original, 'best-models', 'G-model.pth'));
  const best = await readSafetensors(run.checkpointPath('best'));
  for (const [name, t] of pth.tensors) assert.deepEqual(best.tensors.get(name)!.data, t.data, name);

  const e = srcaco('eval', '--run', dir, '--threads', '1');
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /MemNet CELL2 x4 test: 2 images/);
  const lr = join(out, 'lr.tif');
  await writeTiff(lr, [planeOf(6, 5, Uint8Array.from({ length: 30 }, (_, i) => (i * 37) % 256))]);
  const up = srcaco('upscale', lr, join(out, 'hr.tif'), '--run', dir, '--threads', '1');
  assert.equal(up.status, 0, up.stderr);
  const [hr] = await readTiff(join(out, 'hr.tif'));
  assert.deepEqual([hr!.width, hr!.height], [24, 20]);
  const rep = srcaco('report', '--results', dir, '--out', join(out, 'report'));
  assert.equal(rep.status, 0, rep.stderr);
  assert.match(await readFile(join(out, 'report', 'index.html'), 'utf8'), /MemNet/);

  failsWith(srcaco('import-run', original, '--out', runs), /already exists; pass --force/);
  failsWith(srcaco('train', '--resume', dir, '--steps', '1'), /imported from .*not a srcaco training to continue/);
});

test('import-run refuses what it cannot read, naming the file', async () => {
  // Through the library (one process): the CLI prints the same SrcacoError as one line (see the test above).
  const bad = join(out, 'bad-run');
  await cp(original, bad, { recursive: true });
  const yml = join(bad, 'config_model.yml');
  const text = await readFile(yml, 'utf8');
  const refuses = async (re: RegExp) =>
    assert.rejects(importOriginalRun(bad, { out: join(out, 'refused') }), (e: unknown) => e instanceof SrcacoError && re.test(e.message) && !e.message.includes('\n'));
  await writeFile(yml, text.replace('net_type: MemNet', 'net_type: NoSuchNet'));
  await refuses(/config_model.yml: netG.net_type 'NoSuchNet' is not a model srcaco has; known: .*MemNet/);
  await writeFile(yml, text.replace('MemNet_num_residual_blocks: 1', 'MemNet_num_residual_blocks: 2'));
  await refuses(/G-model.pth: these weights do not fit memnet x4 .*missing: /);
  await writeFile(yml, text.replace('train_dsets: caco2_train_X_4', 'train_dsets: caco2_train_X_2'));
  await refuses(/train_dsets 'caco2_train_X_2_in_128_out_512_cell_CELL2' is at x2 but scale is 4/);
  await writeFile(yml, `${text}args: !!python/object:argparse.Namespace {}\n`);
  await refuses(/line \d+: the tag !!python\/object/);
  await rm(yml);
  await refuses(/no config_model.yml or config_final.yml: is this a run folder of the original/);
  assert.ok(!existsSync(join(out, 'refused')), 'nothing is created for a refused import');
});

test('weights convert checks names and shapes against the model, and --weights takes a .pth', async () => {
  // The library call behind the command, for a configuration no preset names.
  const model = buildModel('memnet', { scale: 4, config: { num_memory_blocks: 1, num_residual_blocks: 1 } });
  const converted = await convertWeights(model, join(fixtures, 'memnet_m1r1_x4.pth'), out);
  assert.equal(converted.path, join(out, 'memnet_m1r1_x4.safetensors'));
  const written = await readSafetensors(converted.path);
  assert.equal(written.metadata.method, 'memnet');
  const pth = await readPth(join(fixtures, 'memnet_m1r1_x4.pth'));
  assert.deepEqual([...written.tensors.keys()].sort(), [...pth.tensors.keys()].sort());
  for (const [name, t] of pth.tensors) assert.deepEqual(written.tensors.get(name)!.data, t.data, name);
  failsWith(srcaco('weights', 'convert', join(fixtures, 'memnet_m1r1_x4.pth'), '--method', 'memnet', '--scale', '4', '--preset', 'demo', '--out', out),
    /memnet_m1r1_x4.pth: these weights do not fit memnet x4 .*wrong shape: dense_memory_blocks.0.gate_unit.0.weight is \[128\], expected \[192\].*missing: /);
  const srcnn = buildModel('srcnn915', { scale: 2 });
  await assert.rejects(convertWeights(srcnn, join(fixtures, 'nested_module.pth'), out), /missing: .*unexpected: 0.weight \[2, 1, 3, 3\]/);
  await assert.rejects(convertWeights(srcnn, join(fixtures, 'malicious.pth'), out), /refused: .*'posix.system'/);
  failsWith(srcaco('upscale', join(out, 'lr.tif'), join(out, 'x.tif'), '--method', 'vdsr', '--scale', '2', '--weights', join(fixtures, 'nested_params.pth')), /nested_params.pth: these weights do not fit vdsr x2/);
});
