import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  halfToFloat, parseSafetensors, readSafetensors, serializeSafetensors, tensorToFloat32, writeSafetensors, type SafeTensor,
} from '../../src/io/safetensors.js';
import { SrcacoError } from '../../src/errors.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'safetensors');
const fixture = join(fixtures, 'small_state_dict.safetensors');
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as Record<
  string, { dtype: string; shape: number[]; sha256: string; first: number[] }
>;

const sha = (t: SafeTensor) => createHash('sha256').update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)).digest('hex');

test('a PyTorch state_dict written by the fixture script loads by name, bit-exactly', async () => {
  const { tensors, metadata } = await readSafetensors(fixture);
  assert.deepEqual(metadata, { format: 'pt', source: 'srcaco fixture' });
  assert.deepEqual([...tensors.keys()].sort(), Object.keys(expected).sort());
  for (const [name, e] of Object.entries(expected)) {
    const t = tensors.get(name)!;
    assert.equal(t.dtype, e.dtype, name);
    assert.deepEqual(t.shape, e.shape, name);
    assert.equal(sha(t), e.sha256, name);
    const values = tensorToFloat32(t);
    e.first.forEach((v, i) => assert.equal(values[i], Math.fround(v), `${name}[${i}]`));
  }
  assert.equal(tensors.get('1.num_batches_tracked')!.data[0], 1n);
  assert.deepEqual([...(tensors.get('extra.u8')!.data as Uint8Array)], [250, 251, 252, 253, 254, 255]);
});

test('re-serializing the fixture reproduces the reference layout byte for byte', async () => {
  const bytes = readFileSync(fixture);
  const { tensors, metadata } = parseSafetensors(bytes);
  assert.deepEqual(Buffer.from(serializeSafetensors(tensors, metadata)), bytes);
});

test('round trip of every dtype, with 8-byte aligned data and an atomic write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'srcaco-st-'));
  try {
    const tensors: Record<string, SafeTensor> = {
      'conv.weight': { dtype: 'F32', shape: [2, 1, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => i / 7 - 1) },
      half: { dtype: 'F16', shape: [3], data: Uint16Array.from([0x3c00, 0xc000, 0x0001]) },
      steps: { dtype: 'I64', shape: [], data: BigInt64Array.from([123456789012n]) },
      idx: { dtype: 'I32', shape: [2, 2], data: Int32Array.from([-1, 0, 1, 2 ** 31 - 1]) },
      mask: { dtype: 'U8', shape: [5], data: Uint8Array.from([0, 1, 2, 254, 255]) },
      d: { dtype: 'F64', shape: [1], data: Float64Array.from([Math.PI]) },
      none: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
    };
    const path = join(dir, 'ckpt.safetensors');
    await writeSafetensors(path, tensors, { epoch: '3' });
    assert.deepEqual(readdirSync(dir), ['ckpt.safetensors']);
    const bytes = readFileSync(path);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    assert.equal(headerLength % 8, 0);
    assert.match(bytes.subarray(8, 8 + headerLength).toString(), /^\{"__metadata__":\{"epoch":"3"\},"d":/);
    const back = await readSafetensors(path);
    assert.deepEqual(back.metadata, { epoch: '3' });
    for (const [name, t] of Object.entries(tensors)) assert.deepEqual(back.tensors.get(name), t, name);
    assert.deepEqual([...tensorToFloat32(back.tensors.get('half')!)], [1, -2, 2 ** -24]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('half and bfloat16 decoding', () => {
  assert.equal(halfToFloat(0x7bff), 65504);
  assert.equal(halfToFloat(0xfc00), -Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  assert.equal(halfToFloat(0x3555), 0.333251953125);
  assert.deepEqual([...tensorToFloat32({ dtype: 'BF16', shape: [2], data: Uint16Array.from([0x3f80, 0xc0a0]) })], [1, -5]);
});

test('malformed files give one clear input error', () => {
  const good = readFileSync(fixture);
  const headerLength = Number(good.readBigUInt64LE(0));
  const header = JSON.parse(good.subarray(8, 8 + headerLength).toString());
  const withHeader = (h: unknown, data = good.subarray(8 + headerLength)) => {
    const json = Buffer.from(JSON.stringify(h));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    return Buffer.concat([len, json, data]);
  };
  const cases: Array<[Uint8Array, RegExp]> = [
    [good.subarray(0, 5), /only 5 bytes/],
    [good.subarray(0, good.length - 4), /beyond the \d+ data bytes \(truncated file\?\)/],
    [Buffer.concat([Buffer.from([255, 255, 255, 255, 0, 0, 0, 0]), good.subarray(8)]), /header length 4294967295 exceeds/],
    [withHeader('hello'), /not a JSON object/],
    [Buffer.concat([good.subarray(0, 8), Buffer.alloc(headerLength, 0x7b)]), /not JSON/],
    [withHeader({ ...header, '0.bias': { ...header['0.bias'], dtype: 'Q4' } }), /'0.bias' has unsupported dtype "Q4"/],
    [withHeader({ ...header, '0.bias': { ...header['0.bias'], shape: [5] } }), /'0.bias' spans 16 bytes, its shape and dtype need 20/],
    [withHeader({ ...header, '0.bias': { ...header['0.bias'], data_offsets: [0, 16] } }), /overlap/],
    [withHeader({ ...header, __metadata__: { n: 3 } }), /__metadata__.n is not a string/],
  ];
  for (const [bytes, why] of cases) {
    assert.throws(() => parseSafetensors(bytes, 'x.safetensors'), (e: unknown) => {
      assert.ok(e instanceof SrcacoError && e.kind === 'input' && e.path === 'x.safetensors', String(e));
      assert.match(e.message, why);
      return true;
    });
  }
  assert.throws(() => serializeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }), /needs a Float32Array of 3 elements/);
});
