// The pyramidal OME-TIFF writer: pages read back exactly (classic and BigTIFF), reduced levels are 2×2 means in
// each page's SubIFDs, the OME-XML describes the channels and the pixel size.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSrcacoError } from '../../src/errors.js';
import type { PixelArray } from '../../src/image/plane.js';
import { OmeTiffWriter, openTiff, readTiff } from '../../src/io/tiff.js';

const dir = mkdtempSync(join(tmpdir(), 'srcaco-ome-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const pattern = (w: number, h: number, k: number) => Uint8Array.from({ length: w * h }, (_, i) => ((i % w) * 3 + Math.floor(i / w) * 7 + k * 50) % 256);

/** The SubIFD offsets (tag 330) of the page whose IFD starts at `ifd`, and the next page's IFD, parsed by hand. */
function subIfds(bytes: Uint8Array, ifd: number, big: boolean): { sub: number[]; next: number; width: number; tiles: number[] } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = big ? Number(v.getBigUint64(ifd, true)) : v.getUint16(ifd, true);
  const entry = big ? 20 : 12;
  const head = big ? 8 : 2;
  const read = (at: number, size: number) => (size === 8 ? Number(v.getBigUint64(at, true)) : size === 4 ? v.getUint32(at, true) : v.getUint16(at, true));
  const out = { sub: [] as number[], next: 0, width: 0, tiles: [] as number[] };
  for (let e = 0; e < n; e++) {
    const at = ifd + head + e * entry;
    const tag = v.getUint16(at, true);
    const type = v.getUint16(at + 2, true);
    const count = big ? Number(v.getBigUint64(at + 4, true)) : v.getUint32(at + 4, true);
    const size = { 3: 2, 4: 4, 13: 4, 16: 8, 18: 8 }[type as 3] ?? 0;
    const valueAt = count * size > (big ? 8 : 4) ? read(at + (big ? 12 : 8), big ? 8 : 4) : at + (big ? 12 : 8);
    const values = Array.from({ length: count }, (_, i) => read(valueAt + i * size, size));
    if (tag === 330) out.sub = values;
    if (tag === 256) out.width = values[0]!;
    if (tag === 324) out.tiles = values;
  }
  out.next = read(ifd + head + n * entry, big ? 8 : 4);
  return out;
}

test('pages read back exactly, reduced levels live in SubIFDs, classic and BigTIFF', async () => {
  const [w, h] = [100, 70];
  const planes = [0, 1, 2].map((k) => pattern(w, h, k));
  for (const bigTiff of [false, true]) {
    const path = join(dir, `pyramid-${bigTiff}.ome.tif`);
    const writer = await OmeTiffWriter.create(path, { width: w, height: h, planes: 3, pixelType: 'uint8', tileSize: 32, compression: 'deflate', pixelSizeUm: 0.0390625, channelNames: ['CELL0', 'CELL1', 'CELL<2>'], bigTiff });
    assert.equal(writer.bigTiff, bigTiff);
    // Rows in uneven chunks across plane boundaries.
    const all = new Uint8Array(planes.flatMap((p) => [...p]));
    for (let r = 0; r < 3 * h; r += 13) await writer.writeRows(all.subarray(r * w, Math.min(3 * h, r + 13) * w));
    await writer.finish();

    const back = await readTiff(path);
    assert.equal(back.length, 3);
    back.forEach((p, k) => assert.deepEqual(p.data, planes[k], `plane ${k}`));
    const file = await openTiff(path);
    assert.equal(file.bigTiff, bigTiff);
    assert.equal(file.pages[0]!.layout, 'tiles');
    assert.ok(Math.abs(file.pixelSizeUm()! - 0.0390625) < 1e-9);
    const xml = file.pages[0]!.description!;
    assert.match(xml, /<Pixels [^>]*DimensionOrder="XYCZT" Type="uint8" SizeX="100" SizeY="70" SizeC="3" SizeZ="1" SizeT="1"[^>]* PhysicalSizeX="0.0390625" PhysicalSizeY="0.0390625">/);
    assert.match(xml, /Name="CELL&lt;2&gt;"/);
    assert.equal(xml.match(/<TiffData /g)?.length, 3);
    await file.close();

    // Levels 100x70 → 50x35 → 25x17 (until one 32-px tile holds it): two SubIFDs per page.
    const bytes = readFileSync(path);
    const v = new DataView(bytes.buffer, bytes.byteOffset);
    let ifd = bigTiff ? Number(v.getBigUint64(8, true)) : v.getUint32(4, true);
    for (let p = 0; p < 3; p++) {
      const page = subIfds(bytes, ifd, bigTiff);
      assert.equal(page.sub.length, 2, `page ${p}`);
      const [l1, l2] = page.sub.map((at) => subIfds(bytes, at, bigTiff));
      assert.deepEqual([l1!.width, l2!.width, l1!.next, l2!.next], [50, 25, 0, 0]);
      assert.equal(l1!.tiles.length, 2 * 2);
      ifd = page.next;
      if (p === 2) assert.equal(ifd, 0);
    }
  }
});

test('a reduced level holds the 2×2 means of the level above', async () => {
  const path = join(dir, 'means.ome.tif');
  const [w, h] = [36, 20];
  const data = pattern(w, h, 1);
  const writer = await OmeTiffWriter.create(path, { width: w, height: h, planes: 1, pixelType: 'uint8', tileSize: 16, levels: 2 });
  await writer.writeRows(data);
  await writer.finish();
  // Read the reduced level's first tile (uncompressed) straight from its SubIFD.
  const bytes = readFileSync(path);
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  const sub = subIfds(bytes, v.getUint32(4, true), false).sub[0]!;
  const tile0 = subIfds(bytes, sub, false).tiles[0]!;
  for (const [x, y] of [[0, 0], [5, 3], [15, 9]] as const) {
    const want = Math.floor((data[2 * y * w + 2 * x]! + data[2 * y * w + 2 * x + 1]! + data[(2 * y + 1) * w + 2 * x]! + data[(2 * y + 1) * w + 2 * x + 1]! + 2) / 4);
    assert.equal(bytes[tile0 + y * 16 + x], want, `(${x}, ${y})`);
  }
});

test('missing rows, extra rows and bad options are one clear error each; nothing is left behind', async () => {
  const path = join(dir, 'bad.ome.tif');
  await assert.rejects(OmeTiffWriter.create(path, { width: 8, height: 8, planes: 1, pixelType: 'uint8', tileSize: 20 }), /multiple of 16/);
  await assert.rejects(OmeTiffWriter.create(path, { width: 8, height: 8, planes: 2, pixelType: 'uint8', channelNames: ['a'] }), /1 channel names for 2 planes/);
  const writer = await OmeTiffWriter.create(path, { width: 8, height: 8, planes: 1, pixelType: 'float32' });
  await assert.rejects(writer.writeRows(new Uint8Array(8) as PixelArray), /rows are uint8, the file is float32/);
  await writer.writeRows(new Float32Array(8 * 4));
  await assert.rejects(writer.finish(), (e: unknown) => isSrcacoError(e) && /only 0 of 1 planes/.test((e as Error).message));
  assert.throws(() => readFileSync(path));
});
