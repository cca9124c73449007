// .npy float32: header aligned to 64 bytes as NumPy writes it, round trip, clear refusals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeNpy, encodeNpy } from '../../src/io/npy.js';

test('a float32 array round-trips with the header NumPy writes', () => {
  const data = Float32Array.from({ length: 2 * 3 * 5 }, (_, i) => i * 0.5 - 3);
  const bytes = encodeNpy([2, 3, 5], data);
  const headerLength = new DataView(bytes.buffer).getUint16(8, true);
  assert.equal((10 + headerLength) % 64, 0);
  assert.equal(new TextDecoder().decode(bytes.subarray(10, 10 + headerLength)).trimEnd(), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 5), }");
  assert.deepEqual(decodeNpy(bytes), { shape: [2, 3, 5], data });
  assert.deepEqual(decodeNpy(encodeNpy([4], data.subarray(0, 4))).shape, [4]);
});

test('other dtypes, truncation and a wrong size are refused', () => {
  const bytes = encodeNpy([2, 2], new Float32Array(4));
  assert.throws(() => decodeNpy(bytes.subarray(0, bytes.length - 1)), /15 data bytes for shape \(2, 2\)/);
  const f8 = bytes.slice();
  f8.set(new TextEncoder().encode('<f8'), 21);
  assert.throws(() => decodeNpy(f8), /dtype <f8 \(only <f4\)/);
  assert.throws(() => decodeNpy(new Uint8Array(20)), /no NUMPY magic/);
  assert.throws(() => encodeNpy([3], new Float32Array(4)), /holds 3 values, the data 4/);
});

test('a Node Buffer (a view of pooled memory, as readFileSync gives for small files) decodes to its own values', () => {
  const data = Float32Array.from([1.5, -2, 3.25]);
  const bytes = encodeNpy([3], data);
  // A Buffer from the shared pool: its .buffer holds other bytes before and after these.
  const pooled = Buffer.from(bytes);
  assert.ok(pooled.buffer.byteLength > bytes.length);
  const back = decodeNpy(pooled);
  assert.deepEqual(back, { shape: [3], data });
  assert.equal(back.data.buffer.byteLength, 12);
});
