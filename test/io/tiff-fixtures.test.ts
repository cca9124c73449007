import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTiff, readTiff } from '../../src/io/tiff.js';

// Files written by tifffile (and LZW files checked against libtiff) by scripts/fixtures/tiff-fixtures.py.
const dir = join(import.meta.dirname, '..', 'fixtures', 'tiff');
interface Entry {
  file: string;
  dtype: 'uint8' | 'uint16' | 'float32';
  planes: number;
  width: number;
  height: number;
  compression: string;
  layout: string;
  pixelSizeUm?: number;
}
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Entry[];

/** The formula of tiff-fixtures.py `values`. */
function expected(dtype: Entry['dtype'], k: number, y: number, x: number): number {
  if (dtype === 'uint8') return (3 * x + 7 * y + 50 * k) % 256;
  if (dtype === 'uint16') return (300 * x + 701 * y + 5000 * k) % 65536;
  return Math.fround((x - y / 2 + 10 * k) / 4);
}

test('every fixture decodes to the values tifffile/libtiff wrote', async () => {
  assert.ok(manifest.length >= 40);
  for (const e of manifest) {
    const planes = await readTiff(join(dir, e.file));
    assert.equal(planes.length, e.planes, e.file);
    for (const [k, p] of planes.entries()) {
      assert.equal(p.width, e.width, e.file);
      assert.equal(p.height, e.height, e.file);
      assert.equal(p.data.constructor.name, { uint8: 'Uint8Array', uint16: 'Uint16Array', float32: 'Float32Array' }[e.dtype]);
      for (let y = 0; y < e.height; y++) {
        for (let x = 0; x < e.width; x++) {
          const v = p.data[y * e.width + x];
          if (v !== expected(e.dtype, k, y, x)) assert.fail(`${e.file} plane ${k} (${x}, ${y}): ${v} != ${expected(e.dtype, k, y, x)}`);
        }
      }
    }
  }
});

test('window reads across strip and tile borders match the whole plane', async () => {
  for (const e of manifest) {
    const file = await openTiff(join(dir, e.file));
    try {
      const k = e.planes - 1;
      const win = { x: 13, y: 7, width: 20, height: 19 };
      const got = await file.readWindow(k, win);
      for (let y = 0; y < win.height; y++) {
        for (let x = 0; x < win.width; x++) {
          assert.equal(got.data[y * win.width + x], expected(e.dtype, k, y + win.y, x + win.x), `${e.file} (${x}, ${y})`);
        }
      }
    } finally {
      await file.close();
    }
  }
});

test('pages describe layout and compression; ImageJ pixel size is read back', async () => {
  const tiled = await openTiff(join(dir, 'tifffile_uint16_3p_tiles_deflate.tif'));
  assert.equal(tiled.pages.length, 3);
  assert.deepEqual(
    [tiled.pages[0]!.layout, tiled.pages[0]!.blockWidth, tiled.pages[0]!.blockHeight, tiled.pages[0]!.compressionName],
    ['tiles', 16, 16, 'deflate'],
  );
  await tiled.close();
  const contig = await openTiff(join(dir, 'tifffile_uint16_spp3_contig.tif'));
  assert.equal(contig.pages.length, 1);
  assert.deepEqual(contig.planes, [0, 1, 2].map((sample) => ({ page: 0, sample })));
  await contig.close();
  const ij = await openTiff(join(dir, 'tifffile_uint8_3p_imagej.tif'));
  assert.ok(Math.abs(ij.pixelSizeUm()! - 0.156289) < 1e-9);
  await ij.close();
  const big = await openTiff(join(dir, 'tifffile_uint8_3p_bigtiff.tif'));
  assert.equal(big.bigTiff, true);
  await big.close();
});

test('LZW with 12-bit codes and table clears decodes byte-exactly', async () => {
  const [p] = await readTiff(join(dir, 'lzw_uint8_noise_64x96.tif'));
  assert.deepEqual(Buffer.from(p!.data.buffer, p!.data.byteOffset, p!.data.byteLength), readFileSync(join(dir, 'lzw_uint8_noise_64x96.raw')));
});
