import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planeOf } from '../../src/image/plane.js';
import { openTiff, readTiff, writeTiff } from '../../src/io/tiff.js';
import { SrcacoError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'srcaco-tiff-bad-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A valid 2-page little-endian file from our writer, and where each tag's entry sits in the first IFD. */
async function base(compression: 'none' | 'deflate' = 'none') {
  const path = join(dir, `base-${compression}.tif`);
  const planes = [0, 1].map((k) => planeOf(8, 6, Uint8Array.from({ length: 48 }, (_, i) => i + k)));
  await writeTiff(path, planes, { rowsPerStrip: 2, compression });
  const bytes = readFileSync(path);
  const ifd = bytes.readUInt32LE(4);
  const entry = (tag: number): number => {
    for (let e = 0; e < bytes.readUInt16LE(ifd); e++) if (bytes.readUInt16LE(ifd + 2 + e * 12) === tag) return ifd + 2 + e * 12;
    throw new Error(`no tag ${tag}`);
  };
  return { bytes, ifd, entry };
}

/** Expects exactly one SrcacoError of kind 'input' naming the file and matching `why`. */
async function expectInputError(name: string, bytes: Uint8Array, why: RegExp): Promise<void> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  await assert.rejects(readTiff(path), (e: unknown) => {
    assert.ok(e instanceof SrcacoError, `${name}: ${e}`);
    assert.equal(e.kind, 'input');
    assert.equal(e.path, path);
    assert.match(e.message, why);
    return true;
  });
}

test('not a TIFF, empty, or missing', async () => {
  await expectInputError('text.tif', new TextEncoder().encode('hello, this is not an image'), /not a TIFF file \(no II\/MM/);
  await expectInputError('empty.tif', new Uint8Array(0), /not a TIFF file/);
  await expectInputError('magic.tif', Uint8Array.from([0x49, 0x49, 7, 0, 8, 0, 0, 0]), /magic number 7/);
  await assert.rejects(readTiff(join(dir, 'nope.tif')), /nope\.tif: file not found/);
  mkdirSync(join(dir, 'folder.tif'));
  await assert.rejects(readTiff(join(dir, 'folder.tif')), (e: unknown) => e instanceof SrcacoError && e.kind === 'input');
});

test('truncated files', async () => {
  const { bytes } = await base();
  // Our writer puts the IFDs at the end: cutting the file loses them.
  await expectInputError('truncated-ifd.tif', bytes.subarray(0, bytes.length - 40), /beyond the end of the file|truncated/);
  const fixture = join(import.meta.dirname, '..', 'fixtures', 'tiff', 'tifffile_uint8_1p_strips_none.tif');
  const tf = readFileSync(fixture);
  const parsed = await openTiff(fixture);
  const lastStrip = parsed.pages[0]!.blockOffsets.at(-1)!;
  await parsed.close();
  // tifffile puts each page's IFD before its pixels: cutting inside the last strip keeps the IFDs, loses pixels.
  await expectInputError('truncated-strips.tif', tf.subarray(0, lastStrip + 3), /strip\/tile \d+ of page \d+ .*beyond the end of the file/);
});

test('bad IFD and strip offsets', async () => {
  const b1 = await base();
  b1.bytes.writeUInt32LE(0x7fff_0000, 4);
  await expectInputError('bad-ifd-offset.tif', b1.bytes, /IFD 0 at byte 2147418112 .*beyond the end/);
  const b2 = await base();
  const strips = b2.entry(273);
  const stripArray = b2.bytes.readUInt32LE(strips + 8);
  b2.bytes.writeUInt32LE(0xffff_fff0, stripArray + 4);
  await expectInputError('bad-strip-offset.tif', b2.bytes, /strip\/tile 1 of page 0 at byte 4294967280 .*beyond the end/);
  const b3 = await base();
  b3.bytes.writeUInt16LE(0, b3.ifd); // zero entries
  await expectInputError('zero-entries.tif', b3.bytes, /claims 0 entries/);
});

test('cyclic IFD chains stop with an error instead of looping', async () => {
  const { bytes, ifd } = await base();
  const count = bytes.readUInt16LE(ifd);
  const second = bytes.readUInt32LE(ifd + 2 + count * 12);
  const secondCount = bytes.readUInt16LE(second);
  bytes.writeUInt32LE(ifd, second + 2 + secondCount * 12); // page 1 links back to page 0
  await expectInputError('cycle.tif', bytes, /IFD chain loops back to byte \d+ after 2 pages/);
  const self = await base();
  self.bytes.writeUInt32LE(self.ifd, self.ifd + 2 + self.bytes.readUInt16LE(self.ifd) * 12);
  await expectInputError('self-cycle.tif', self.bytes, /loops back/);
});

test('unknown compression, unsupported pixel types, corrupt compressed data', async () => {
  const c = await base();
  c.bytes.writeUInt16LE(7, c.entry(259) + 8); // JPEG
  await expectInputError('jpeg.tif', c.bytes, /page 0: unsupported compression 7/);
  const b = await base();
  b.bytes.writeUInt16LE(12, b.entry(258) + 8);
  await expectInputError('12bit.tif', b.bytes, /unsupported pixel type: 12-bit unsigned int/);
  const s = await base();
  s.bytes.writeUInt16LE(2, s.entry(339) + 8);
  await expectInputError('int8.tif', s.bytes, /unsupported pixel type: 8-bit signed int/);
  const d = await base('deflate');
  const first = d.bytes.readUInt32LE(d.bytes.readUInt32LE(d.entry(273) + 8));
  d.bytes.fill(0xaa, first, first + 6);
  await expectInputError('bad-deflate.tif', d.bytes, /strip\/tile 0 of page 0: deflate data is corrupt/);
});

test("a corrupted SamplesPerPixel count fails at once (issue 20: it kept 'srcaco metrics' busy > 30 s)", async () => {
  const path = join(dir, 'spp-64.tif');
  await writeTiff(path, [planeOf(64, 64, Uint8Array.from({ length: 4096 }, (_, i) => i))]);
  const bytes = readFileSync(path);
  const ifd = bytes.readUInt32LE(4);
  let spp = -1;
  for (let e = 0; e < bytes.readUInt16LE(ifd); e++) if (bytes.readUInt16LE(ifd + 2 + e * 12) === 277) spp = ifd + 2 + e * 12;
  // Count 3 SHORTs no longer fit the entry, so the inline value 1 becomes an offset into the header
  // (read as 10825 samples per pixel before the fix).
  bytes.writeUInt32LE(3, spp + 4);
  await expectInputError('spp-count.tif', bytes, /tag 277: invalid value offset 1 .*corrupt TIFF entry/);
});

test('dimensions or samples no file of this size can hold are refused before any allocation', async () => {
  const w = await base();
  w.bytes.writeUInt16LE(4, w.entry(256) + 2); // width as a LONG of 60000
  w.bytes.writeUInt32LE(60000, w.entry(256) + 8);
  await expectInputError('wide.tif', w.bytes, /60000x6 pixels .* need 360000 bytes, more than none data in a \d+-byte file can hold/);
  const s = await base();
  s.bytes.writeUInt16LE(3000, s.entry(277) + 8);
  await expectInputError('spp-3000.tif', s.bytes, /3000 uint8 sample\(s\) .*SamplesPerPixel/);
  const r = await base();
  r.bytes.writeUInt16LE(11, r.entry(256) + 2); // width as a FLOAT: the bits of 8 read as a denormal
  await expectInputError('float-width.tif', r.bytes, /tag 256 holds .* not an integer/);
});

test('issue 20: an image with no pixels (0 wide, 0 high, or no IFD) is one input error', async () => {
  for (const [tag, name] of [[256, 'width'], [257, 'height']] as const) {
    const { bytes, entry } = await base();
    const copy = Buffer.from(bytes);
    // The entry's value field (SHORT or LONG, left-justified in little-endian): 0 either way.
    copy.writeUInt32LE(0, entry(tag) + 8);
    await expectInputError(`zero-${name}.tif`, copy, /empty image 0x6|empty image 8x0/);
  }
  const { bytes } = await base();
  const noIfd = Buffer.from(bytes);
  noIfd.writeUInt32LE(0, 4);
  await expectInputError('no-ifd.tif', noIfd, /TIFF has no image \(first IFD offset is 0\)/);
});
