// PyTorch checkpoints written by torch 1.13 (scripts/fixtures/pth-fixtures.py): tensors, nesting, the legacy
// format, refusal of foreign globals without running them, and damaged files (fuzzed).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Session } from '../../src/engine/index.js';
import { SrcacoError } from '../../src/errors.js';
import { inferenceGraph, loadModelWeights, readWeightsFile } from '../../src/infer/index.js';
import { unpickle } from '../../src/io/pickle.js';
import { parsePth, readPth } from '../../src/io/pth.js';
import { readSafetensors, tensorToFloat32, type SafeTensor } from '../../src/io/safetensors.js';
import { buildModel } from '../../src/models/registry.js';
import { Rng } from '../../src/util/random.js';
import { loadModelFixture } from '../fixtures/models/load.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'pth');
const file = (name: string) => join(dir, name);
type Expected = Record<string, { dtype: string; shape: number[]; values: Array<number | string> }>;
const expected = JSON.parse(readFileSync(file('expected.json'), 'utf8')) as Record<string, Expected>;
const MARKER = '/tmp/srcaco-pth-fixture-was-executed';

/** Checks tensors against the fixture script's description: dtype, shape and every value exactly. */
function assertTensors(tensors: ReadonlyMap<string, SafeTensor>, want: Expected, prefix = ''): void {
  for (const [name, e] of Object.entries(want)) {
    const t = tensors.get(prefix + name);
    assert.ok(t, `${prefix + name} is missing`);
    assert.equal(t.dtype, e.dtype, name);
    assert.deepEqual(t.shape, e.shape, name);
    const got = typeof e.values[0] === 'string' || t.dtype === 'BOOL'
      ? Array.from(t.data as ArrayLike<number | bigint>, (v) => String(v))
      : Array.from(t.dtype === 'F64' ? (t.data as Float64Array) : tensorToFloat32(t));
    assert.deepEqual(got, e.values.map((v) => (typeof v === 'string' ? v : t.dtype === 'BOOL' ? String(v) : v)), name);
  }
}

test('every dtype, and views with offsets, strides and a shared storage, read exactly as torch wrote them', async () => {
  const dtypes = await readPth(file('dtypes.pth'));
  assert.equal(dtypes.format, 'zip');
  assertTensors(dtypes.tensors, expected.dtypes!);
  const views = await readPth(file('views.pth'));
  assertTensors(views.tensors, expected.views!);
  assert.deepEqual([...tensorToFloat32(views.tensors.get('transposed')!).slice(0, 5)], [0, 6, 12, 18, 1]);
});

test('the legacy (pre-1.6) format reads the same tensors', async () => {
  const legacy = await readPth(file('legacy.pth'));
  assert.equal(legacy.format, 'legacy');
  assertTensors(legacy.tensors, expected.dtypes!);
  assertTensors(legacy.tensors, expected.views!, 'view.');
});

test('a state_dict nested under a key, with a module. prefix, is found and named', async () => {
  const params = await readWeightsFile(file('nested_params.pth'));
  assert.equal(params.nestedKey, 'params');
  assert.equal(params.strippedModulePrefix, false);
  assertTensors(params.tensors, expected.small!);
  const wrapped = await readWeightsFile(file('nested_module.pth'));
  assert.equal(wrapped.nestedKey, 'state_dict');
  assert.equal(wrapped.strippedModulePrefix, true);
  assertTensors(wrapped.tensors, expected.small!);
  assert.equal((wrapped.tensors.get('1.num_batches_tracked')!.data as BigInt64Array)[0], 1n);
});

test("the original MemNet's torch.save(state_dict()) gives the safetensors tensors bit for bit, and the same outputs", async () => {
  const pth = await readPth(file('memnet_m1r1_x4.pth'));
  const st = await readSafetensors(join(import.meta.dirname, '..', 'fixtures', 'models', 'memnet_m1r1_x4', 'weights.safetensors'));
  assert.deepEqual([...pth.tensors.keys()], [...st.tensors.keys()]);
  for (const [name, t] of st.tensors) {
    const p = pth.tensors.get(name)!;
    assert.equal(p.dtype, t.dtype, name);
    assert.deepEqual(p.shape, t.shape, name);
    assert.deepEqual(Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength), name);
  }
  const f = loadModelFixture('memnet_m1r1_x4');
  const model = buildModel('memnet', { scale: 4, config: { num_memory_blocks: 1, num_residual_blocks: 1 } });
  const run = async (path: string) => {
    const session = await Session.create(inferenceGraph(model, await loadModelWeights(model, path), { clampOutput: false }), { threads: 1 });
    const y = (await session.runHost({ x: { shape: f.config.lr_shape, data: f.lr } })).y!.data as Float32Array;
    await session.release();
    return y;
  };
  const fromPth = await run(file('memnet_m1r1_x4.pth'));
  assert.deepEqual(fromPth, await run(join(import.meta.dirname, '..', 'fixtures', 'models', 'memnet_m1r1_x4', 'weights.safetensors')));
  for (let i = 0; i < fromPth.length; i++) assert.ok(Math.abs(fromPth[i]! - f.output[i]!) < 1e-4, `output ${i} differs from PyTorch's`);
});

test('a checkpoint naming any other global is refused by name, and nothing it names runs', async () => {
  rmSync(MARKER, { force: true });
  for (const name of ['malicious.pth', 'malicious_legacy.pth']) {
    await assert.rejects(readPth(file(name)), (e: unknown) => e instanceof SrcacoError && /refused: .*'posix\.system'/.test(e.message) && !e.message.includes('\n'));
  }
  // Protocol 4's STACK_GLOBAL takes the same road: builtins.eval('...') via \x8c strings.
  const str = (s: string) => [0x8c, s.length, ...Buffer.from(s)];
  const evalPickle = Uint8Array.from([0x80, 4, ...str('builtins'), ...str('eval'), 0x93, ...str('1+1'), 0x85, 0x52, 0x2e]);
  assert.throws(() => unpickle(evalPickle, { global: () => undefined, allowedWhat: 'nothing' }), /refused: .*'builtins\.eval'/);
  assert.equal(existsSync(MARKER), false);
});

test('files that are not checkpoints, or not state_dicts, fail with one line saying so', () => {
  assert.throws(() => parsePth(Buffer.from('hello world, not a checkpoint')), /not a PyTorch checkpoint/);
  // A zip archive without data.pkl.
  const zip = readFileSync(file('views.pth'));
  const renamed = Buffer.from(zip.toString('latin1').replaceAll('views/data.pkl', 'views/other.pk'), 'latin1');
  assert.throws(() => parsePth(renamed), /no data\.pkl/);
  // A legacy file (magic, protocol, system info, object, storage keys) whose object is {'epoch': 3}.
  const u = (s: string) => [0x58, s.length, 0, 0, 0, ...Buffer.from(s)];
  const magic = [0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
  const protocol = [0x80, 2, 0x4d, 0xe9, 0x03, 0x2e];
  const sysInfo = [0x80, 2, 0x7d, ...u('little_endian'), 0x88, 0x73, 0x2e];
  const epoch = [0x80, 2, 0x7d, ...u('epoch'), 0x4b, 3, 0x73, 0x2e];
  const noKeys = [0x80, 2, 0x5d, 0x2e];
  assert.throws(() => parsePth(Uint8Array.from([...magic, ...protocol, ...sysInfo, ...epoch, ...noKeys])), /holds no state_dict: its top-level keys are epoch/);
  assert.throws(() => parsePth(Uint8Array.from([...magic, ...protocol, 0x80, 2, 0x7d, 0x2e, ...epoch, ...noKeys])), /big-endian/);
});

test('truncated and bit-flipped checkpoints give one SrcacoError, never another exception (fuzz, seeded)', () => {
  const rng = new Rng(16);
  const names = ['dtypes.pth', 'views.pth', 'legacy.pth', 'nested_module.pth', 'malicious.pth', 'memnet_m1r1_x4.pth'];
  let failures = 0;
  let trials = 0;
  for (const name of names) {
    const original = readFileSync(file(name));
    const rounds = name.startsWith('memnet') ? 40 : 150;
    for (let k = 0; k < rounds; k++) {
      let bytes: Uint8Array;
      if (k % 2 === 0) {
        bytes = original.subarray(0, rng.int(original.length));
      } else {
        bytes = Uint8Array.from(original);
        // Damage where it matters most often: the pickle and the zip records sit in the first and last kilobytes.
        const flips = 1 + rng.int(4);
        for (let j = 0; j < flips; j++) {
          const region = rng.int(3);
          const at = region === 0 ? rng.int(Math.min(1024, bytes.length)) : region === 1 ? bytes.length - 1 - rng.int(Math.min(1024, bytes.length)) : rng.int(bytes.length);
          bytes[at]! ^= 1 << rng.int(8);
        }
      }
      trials++;
      try {
        parsePth(bytes, name);
      } catch (e) {
        if (!(e instanceof SrcacoError)) assert.fail(`${name}, trial ${k}: ${(e as Error).stack}`);
        assert.ok(!e.message.includes('\n'), e.message);
        failures++;
      }
    }
  }
  // Every truncation fails; a flip in padding or an unused header field may pass unnoticed.
  assert.ok(failures >= trials / 2 + trials / 4, `${failures} of ${trials} damaged files were refused`);
});
