// An independent PNG decoder for tests: chunk walk with zlib's CRC, zlib inflate, unfiltering (None/Sub/Up).
import assert from 'node:assert/strict';
import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';

/** Decodes an 8-bit, non-interlaced gray or RGB PNG; checks every chunk's CRC with zlib's. */
export function decodePng(file: Uint8Array): { width: number; height: number; channels: number; data: Uint8Array; filters: number[] } {
  assert.deepEqual([...file.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  const types: string[] = [];
  while (pos < file.length) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(...file.subarray(pos + 4, pos + 8));
    const body = file.subarray(pos + 8, pos + 8 + len);
    assert.equal(view.getUint32(pos + 8 + len), zlibCrc32(file.subarray(pos + 4, pos + 8 + len)), `CRC of ${type}`);
    types.push(type);
    if (type === 'IHDR') {
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      assert.equal(body[8], 8, 'bit depth');
      channels = body[9] === 0 ? 1 : body[9] === 2 ? 3 : NaN;
      assert.deepEqual([...body.subarray(10, 13)], [0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(body);
    pos += 12 + len;
  }
  assert.deepEqual(types, ['IHDR', 'IDAT', 'IEND']);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  assert.equal(raw.length, (stride + 1) * height);
  const data = new Uint8Array(stride * height);
  const filters: number[] = [];
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    filters.push(f);
    for (let i = 0; i < stride; i++) {
      const v = raw[y * (stride + 1) + 1 + i]!;
      const left = i >= channels ? data[y * stride + i - channels]! : 0;
      const up = y > 0 ? data[(y - 1) * stride + i]! : 0;
      const pred = f === 0 ? 0 : f === 1 ? left : f === 2 ? up : NaN;
      assert.ok(!Number.isNaN(pred), `unexpected filter ${f}`);
      data[y * stride + i] = (v + pred) & 0xff;
    }
  }
  return { width, height, channels, data, filters };
}
