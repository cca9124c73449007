import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planeOf, type PixelArray } from '../../src/image/plane.js';
import { openTiff, readTiff, TiffStripWriter, writeTiff } from '../../src/io/tiff.js';
import { isSrcacoError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'srcaco-tiff-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const makers = {
  uint8: (n: number, k: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + k * 97) % 256),
  uint16: (n: number, k: number) => Uint16Array.from({ length: n }, (_, i) => (i * 7919 + k * 40503) % 65536),
  float32: (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k) * 1e3),
};

test('every pixel type and plane count round-trips, uncompressed and deflate', async () => {
  for (const type of ['uint8', 'uint16', 'float32'] as const) {
    for (const count of [1, 2, 3]) {
      for (const compression of ['none', 'deflate'] as const) {
        const [w, h] = [45, 23];
        const planes = Array.from({ length: count }, (_, k) => planeOf(w, h, makers[type](w * h, k) as PixelArray));
        const path = join(dir, `${type}-${count}-${compression}.tif`);
        await writeTiff(path, planes, { compression, pixelSizeUm: 0.3125, rowsPerStrip: 4 });
        const back = await readTiff(path);
        assert.equal(back.length, count);
        back.forEach((p, k) => assert.deepEqual(p, planes[k], `${path} plane ${k}`));
        const file = await openTiff(path);
        assert.equal(file.pixelSizeUm(), 0.3125);
        assert.equal(file.pages[0]!.compressionName, compression === 'none' ? 'none' : 'deflate');
        assert.match(file.pages[0]!.description!, new RegExp(`^ImageJ=1\\.11a\\nimages=${count}\\n`));
        await file.close();
      }
    }
  }
});

test('the streaming writer accepts rows in any chunking and writes the same bytes as writeTiff', async () => {
  const [w, h] = [17, 11];
  const planes = [0, 1].map((k) => planeOf(w, h, makers.uint16(w * h, k)));
  const whole = join(dir, 'whole.tif');
  await writeTiff(whole, planes, { rowsPerStrip: 3, compression: 'deflate' });
  const streamed = join(dir, 'streamed.tif');
  const writer = await TiffStripWriter.create(streamed, { width: w, height: h, planes: 2, pixelType: 'uint16', rowsPerStrip: 3, compression: 'deflate' });
  const all = new Uint16Array([...planes[0]!.data, ...planes[1]!.data]);
  for (let row = 0; row < 2 * h; row += 5) await writer.writeRows(all.subarray(row * w, Math.min(2 * h, row + 5) * w));
  await writer.finish();
  assert.deepEqual(readFileSync(streamed), readFileSync(whole));
});

test('a window read decodes only the strips it touches, and a sliding window reuses cached strips', async () => {
  const [w, h] = [2000, 1000];
  const path = join(dir, 'large.tif');
  await writeTiff(path, [planeOf(w, h, makers.uint8(w * h, 0))], { rowsPerStrip: 32, compression: 'deflate' });
  const file = await openTiff(path);
  const win = await file.readWindow(0, { x: 100, y: 300, width: 64, height: 64 });
  // Rows 300..363 lie in strips 9, 10 and 11 (32 rows each).
  assert.equal(file.stats.blocksDecoded, 3);
  const ifdBytes = file.stats.bytesRead;
  assert.equal(win.data[0], (300 * w + 100) * 31 % 256);
  assert.equal(win.data[63 * 64 + 63], ((363 * w + 163) * 31) % 256);
  await file.readWindow(0, { x: 164, y: 300, width: 64, height: 64 });
  assert.deepEqual([file.stats.blocksDecoded, file.stats.cacheHits], [3, 3]);
  assert.equal(file.stats.bytesRead, ifdBytes);
  await file.close();

  const uncached = await openTiff(path, { cacheBytes: 0 });
  await uncached.readWindow(0, { x: 100, y: 300, width: 64, height: 64 });
  await uncached.readWindow(0, { x: 164, y: 300, width: 64, height: 64 });
  assert.equal(uncached.stats.blocksDecoded, 6);
  await uncached.close();
});

test('a failed write leaves nothing under the final name, nor a temporary file', async () => {
  const sub = mkdtempSync(join(dir, 'atomic-'));
  const path = join(sub, 'out.tif');
  await assert.rejects(writeTiff(path, [planeOf(2, 2, new Uint8Array(4)), planeOf(3, 2, new Uint8Array(6))]), isSrcacoError);
  const writer = await TiffStripWriter.create(path, { width: 4, height: 4, planes: 2, pixelType: 'uint8' });
  await writer.writeRows(new Uint8Array(16));
  await assert.rejects(writer.finish(), /only 1 of 2 planes/);
  const aborted = await TiffStripWriter.create(path, { width: 4, height: 4, planes: 1, pixelType: 'uint8' });
  await aborted.writeRows(new Uint8Array(8));
  await aborted.abort();
  assert.deepEqual(readdirSync(sub), []);
});

test('writer options are validated', async () => {
  const p = [planeOf(2, 2, new Uint8Array(4))];
  await assert.rejects(writeTiff(join(dir, 'x.tif'), p, { compression: 'lzw' as 'none' }), /compression must be 'none' or 'deflate'/);
  await assert.rejects(writeTiff(join(dir, 'x.tif'), p, { pixelSizeUm: -1 }), /pixel size/);
  await assert.rejects(writeTiff(join(dir, 'x.tif'), []), /at least one plane/);
  await assert.rejects(writeTiff(join(dir, 'missing-dir', 'x.tif'), p), (e: unknown) => isSrcacoError(e) && e.kind === 'output');
});

test("ImageJ's single-IFD form of large stacks (images=N, planes contiguous) reads as N planes", async () => {
  const [w, h] = [9, 7];
  const planes = [0, 1, 2].map((k) => planeOf(w, h, makers.uint16(w * h, k)));
  const path = join(dir, 'ij-single-ifd.tif');
  await writeTiff(path, planes, { rowsPerStrip: 2 });
  const bytes = readFileSync(path);
  const ifd = bytes.readUInt32LE(4);
  bytes.writeUInt32LE(0, ifd + 2 + bytes.readUInt16LE(ifd) * 12); // cut the chain after the first IFD
  writeFileSync(path, bytes);
  const back = await readTiff(path);
  assert.equal(back.length, 3);
  back.forEach((p, k) => assert.deepEqual(p, planes[k]));
});
