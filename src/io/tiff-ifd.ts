import type { FileHandle } from 'node:fs/promises';
import { SrcacoError } from '../errors.js';
import type { PixelType } from '../image/plane.js';
import { compressionNames, maxExpansion } from './tiff-codecs.js';

/** One image file directory (page) of a TIFF, with what is needed to find and decode its pixels. */
export interface TiffPage {
  readonly index: number;
  readonly width: number;
  readonly height: number;
  readonly pixelType: PixelType;
  readonly bitsPerSample: number;
  readonly samplesPerPixel: number;
  /** 1: samples interleaved in each block (chunky); 2: one set of blocks per sample (planar). */
  readonly planarConfiguration: 1 | 2;
  readonly compression: number;
  readonly compressionName: string;
  readonly predictor: 1 | 2 | 3;
  readonly layout: 'strips' | 'tiles';
  /** Size of one strip (image width x RowsPerStrip) or tile. */
  readonly blockWidth: number;
  readonly blockHeight: number;
  readonly blockOffsets: readonly number[];
  readonly blockByteCounts: readonly number[];
  readonly description?: string;
  /** XResolution in pixels per resolution unit, if present. */
  readonly xResolution?: number;
  readonly resolutionUnit?: number;
}

/** Positioned reads that fail with a clear error when the file ends early. */
export class TiffSource {
  bytesRead = 0;
  constructor(
    readonly handle: FileHandle,
    readonly path: string,
    readonly size: number,
  ) {}

  async readAt(offset: number, length: number, what: string): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0 || offset + length > this.size) {
      throw new SrcacoError(
        'input',
        `${what} at byte ${offset} (+${length}) lies beyond the end of the file (${this.size} bytes): the TIFF is truncated or corrupt`,
        { path: this.path },
      );
    }
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) throw new SrcacoError('input', `${what}: file ended early (truncated TIFF)`, { path: this.path });
      done += bytesRead;
    }
    this.bytesRead += length;
    return buf;
  }
}

const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 16: 8, 17: 8, 18: 8 };
const MAX_PAGES = 1_000_000;

interface Header {
  little: boolean;
  big: boolean;
  firstIfd: number;
}

function reader(bytes: Uint8Array, little: boolean) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    u16: (o: number) => view.getUint16(o, little),
    u32: (o: number) => view.getUint32(o, little),
    u64: (o: number) => Number(view.getBigUint64(o, little)),
    view,
  };
}

async function readHeader(src: TiffSource): Promise<Header> {
  if (src.size < 8) throw new SrcacoError('input', `not a TIFF file (only ${src.size} bytes)`, { path: src.path });
  const head = await src.readAt(0, Math.min(16, src.size), 'TIFF header');
  const order = String.fromCharCode(head[0]!, head[1]!);
  if (order !== 'II' && order !== 'MM') {
    throw new SrcacoError('input', 'not a TIFF file (no II/MM byte-order mark at the start)', { path: src.path });
  }
  const little = order === 'II';
  const r = reader(head, little);
  const magic = r.u16(2);
  if (magic === 42) return { little, big: false, firstIfd: r.u32(4) };
  if (magic === 43 && head.length >= 16) return { little, big: true, firstIfd: r.u64(8) };
  throw new SrcacoError('input', `not a TIFF file (magic number ${magic}, expected 42 or 43)`, { path: src.path });
}

/** Reads the values of every tag of one IFD; returns them and the offset of the next IFD. */
async function readIfd(src: TiffSource, h: Header, offset: number, pageIndex: number) {
  const countSize = h.big ? 8 : 2;
  const entrySize = h.big ? 20 : 12;
  const inlineSize = h.big ? 8 : 4;
  const what = `IFD ${pageIndex}`;
  const countBytes = await src.readAt(offset, countSize, what);
  const count = h.big ? reader(countBytes, h.little).u64(0) : reader(countBytes, h.little).u16(0);
  if (count === 0 || count > 10000) {
    throw new SrcacoError('input', `${what} at byte ${offset} claims ${count} entries: corrupt IFD offset`, { path: src.path });
  }
  const body = await src.readAt(offset + countSize, count * entrySize + inlineSize, what);
  const r = reader(body, h.little);
  const tags = new Map<number, number[] | string>();
  for (let e = 0; e < count; e++) {
    const at = e * entrySize;
    const tag = r.u16(at);
    const type = r.u16(at + 2);
    const n = h.big ? r.u64(at + 4) : r.u32(at + 4);
    const size = TYPE_SIZES[type];
    if (size === undefined) continue; // unknown types are skipped, as readers are required to
    const total = size * n;
    let data: Uint8Array;
    if (total <= inlineSize) {
      data = body.subarray(at + entrySize - inlineSize, at + entrySize - inlineSize + total);
    } else {
      if (!USED_TAGS.has(tag)) continue;
      const valueOffset = h.big ? r.u64(at + 12) : r.u32(at + 8);
      // A value inside the header is a corrupt entry (tifffile: "invalid value offset"); without this check a
      // damaged count reads the header bytes as values (e.g. 10825 samples per pixel).
      if (valueOffset < (h.big ? 16 : 8)) {
        throw new SrcacoError('input', `${what} tag ${tag}: invalid value offset ${valueOffset} (${n} values of type ${type}): corrupt TIFF entry`, { path: src.path });
      }
      data = await src.readAt(valueOffset, total, `${what} tag ${tag}`);
    }
    tags.set(tag, decodeValues(data, type, n, h.little));
  }
  const next = h.big ? r.u64(count * entrySize) : r.u32(count * entrySize);
  return { tags, next };
}

function decodeValues(data: Uint8Array, type: number, n: number, little: boolean): number[] | string {
  if (type === 2) return new TextDecoder('latin1').decode(data).replace(/\0+$/, '');
  const r = reader(data, little);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    switch (type) {
      case 3: out[i] = r.u16(i * 2); break;
      case 4: case 13: out[i] = r.u32(i * 4); break;
      case 5: out[i] = r.u32(i * 8) / r.u32(i * 8 + 4); break;
      case 16: case 18: out[i] = r.u64(i * 8); break;
      case 8: out[i] = r.view.getInt16(i * 2, little); break;
      case 9: out[i] = r.view.getInt32(i * 4, little); break;
      case 11: out[i] = r.view.getFloat32(i * 4, little); break;
      case 12: out[i] = r.view.getFloat64(i * 8, little); break;
      default: out[i] = data[i]!;
    }
  }
  return out;
}

const T = {
  width: 256, height: 257, bits: 258, compression: 259, description: 270, stripOffsets: 273, spp: 277,
  rowsPerStrip: 278, stripByteCounts: 279, xResolution: 282, planar: 284, resolutionUnit: 296, predictor: 317,
  tileWidth: 322, tileLength: 323, tileOffsets: 324, tileByteCounts: 325, sampleFormat: 339,
} as const;
const USED_TAGS = new Set<number>(Object.values(T));

/** Parses the header and every IFD, guarding against cyclic or runaway IFD chains. */
export async function readTiffPages(src: TiffSource): Promise<{ pages: TiffPage[]; littleEndian: boolean; bigTiff: boolean }> {
  const h = await readHeader(src);
  const pages: TiffPage[] = [];
  const seen = new Set<number>();
  let offset = h.firstIfd;
  while (offset !== 0) {
    if (seen.has(offset)) {
      throw new SrcacoError('input', `IFD chain loops back to byte ${offset} after ${pages.length} pages: corrupt TIFF`, { path: src.path });
    }
    if (pages.length >= MAX_PAGES) throw new SrcacoError('input', `more than ${MAX_PAGES} pages: corrupt TIFF`, { path: src.path });
    seen.add(offset);
    const { tags, next } = await readIfd(src, h, offset, pages.length);
    pages.push(pageFromTags(tags, pages.length, src.path, src.size));
    offset = next;
  }
  if (pages.length === 0) throw new SrcacoError('input', 'TIFF has no image (first IFD offset is 0)', { path: src.path });
  return { pages: expandImageJStack(pages, src.size), littleEndian: h.little, bigTiff: h.big };
}

function pageFromTags(tags: Map<number, number[] | string>, index: number, path: string, fileSize: number): TiffPage {
  const fail = (msg: string): never => {
    throw new SrcacoError('input', `page ${index}: ${msg}`, { path });
  };
  const nums = (tag: number): number[] | undefined => {
    const v = tags.get(tag);
    return typeof v === 'string' ? undefined : v;
  };
  // Structural values must be integers: a RATIONAL or FLOAT entry (or a damaged type) would otherwise reach array sizes.
  const one = (tag: number, fallback?: number): number => {
    const v = nums(tag)?.[0] ?? fallback;
    if (v === undefined) return fail(`required tag ${tag} is missing`);
    return Number.isSafeInteger(v) && v >= 0 ? v : fail(`tag ${tag} holds ${v}, not an integer >= 0`);
  };
  const width = one(T.width);
  const height = one(T.height);
  if (width < 1 || height < 1) fail(`empty image ${width}x${height}`);
  const samplesPerPixel = one(T.spp, 1);
  if (samplesPerPixel < 1) fail('SamplesPerPixel is 0');
  const bitsAll = nums(T.bits) ?? [1];
  const bits = bitsAll[0]!;
  if (bitsAll.some((b) => b !== bits)) fail(`samples of different bit depths (${bitsAll.join(', ')}) are not supported`);
  const format = one(T.sampleFormat, 1);
  let pixelType: PixelType;
  if (bits === 8 && format === 1) pixelType = 'uint8';
  else if (bits === 16 && format === 1) pixelType = 'uint16';
  else if (bits === 32 && format === 3) pixelType = 'float32';
  else {
    const kind = format === 3 ? 'float' : format === 2 ? 'signed int' : 'unsigned int';
    pixelType = fail(`unsupported pixel type: ${bits}-bit ${kind} (supported: 8/16-bit unsigned, 32-bit float)`);
  }
  const compression = one(T.compression, 1);
  const compressionName = compressionNames.get(compression) ?? fail(`unsupported compression ${compression} (supported: none, LZW, deflate, PackBits)`);
  const predictor = one(T.predictor, 1);
  if (predictor !== 1 && predictor !== 2 && predictor !== 3) fail(`unsupported predictor ${predictor}`);
  if (predictor === 3 && pixelType !== 'float32') fail('floating-point predictor on integer samples');
  if (predictor === 2 && pixelType === 'float32') fail('horizontal predictor on float samples is not supported');
  const planar = one(T.planar, 1);
  if (planar !== 1 && planar !== 2) fail(`unsupported PlanarConfiguration ${planar}`);
  const tiled = tags.has(T.tileOffsets);
  const blockWidth = tiled ? one(T.tileWidth) : width;
  const blockHeight = tiled ? one(T.tileLength) : Math.min(one(T.rowsPerStrip, height), height);
  if (blockWidth < 1 || blockHeight < 1 || blockWidth * blockHeight * samplesPerPixel * (bits / 8) > 2 ** 31) {
    fail(`invalid strip/tile size ${blockWidth}x${blockHeight}`);
  }
  const blockOffsets = nums(tiled ? T.tileOffsets : T.stripOffsets) ?? fail('no strip or tile offsets');
  const blockByteCounts = nums(tiled ? T.tileByteCounts : T.stripByteCounts) ?? fail('no strip or tile byte counts');
  const blocks = Math.ceil(width / blockWidth) * Math.ceil(height / blockHeight) * (planar === 2 ? samplesPerPixel : 1);
  if (blockOffsets.length < blocks || blockByteCounts.length < blocks) {
    fail(`expected ${blocks} strips/tiles, found ${blockOffsets.length} offsets and ${blockByteCounts.length} byte counts`);
  }
  for (let b = 0; b < blocks; b++) {
    if (!Number.isSafeInteger(blockOffsets[b]) || !Number.isSafeInteger(blockByteCounts[b]) || blockByteCounts[b]! < 0) {
      fail(`strip/tile ${b} has offset ${blockOffsets[b]} and byte count ${blockByteCounts[b]}: corrupt TIFF`);
    }
  }
  // Nothing is allocated beyond what the file's bytes can decode to: a damaged count or dimension (e.g. 10825
  // samples per pixel read from the header) fails here instead of decoding gigabytes of zero-padded blocks.
  // (Tiles are stored whole; strips only to the image's last row.)
  const decodedBytes = (tiled ? Math.ceil(height / blockHeight) * blockHeight * Math.ceil(width / blockWidth) * blockWidth : width * height) * samplesPerPixel * (bits / 8);
  if (decodedBytes > fileSize * maxExpansion(compression)) {
    fail(`${width}x${height} pixels of ${samplesPerPixel} ${pixelType} sample(s) need ${decodedBytes} bytes, more than ${compressionName} data in a ${fileSize}-byte file can hold: corrupt dimensions or SamplesPerPixel`);
  }
  const description = tags.get(T.description);
  return {
    index, width, height, pixelType, bitsPerSample: bits, samplesPerPixel,
    planarConfiguration: planar as 1 | 2, compression, compressionName, predictor: predictor as 1 | 2 | 3,
    layout: tiled ? 'tiles' : 'strips', blockWidth, blockHeight, blockOffsets, blockByteCounts,
    description: typeof description === 'string' ? description : undefined,
    xResolution: nums(T.xResolution)?.[0], resolutionUnit: nums(T.resolutionUnit)?.[0],
  };
}

/**
 * ImageJ writes stacks over 4 GiB with a single IFD and `images=N` in the description, the planes stored
 * contiguously after the first: expand such a file into N pages (as ImageJ and tifffile read it).
 */
function expandImageJStack(pages: TiffPage[], fileSize: number): TiffPage[] {
  const first = pages[0]!;
  const images = Number(/^ImageJ=[^\n]*\n(?:[^\n]*\n)*?images=(\d+)/.exec(first.description ?? '')?.[1] ?? 1);
  if (pages.length !== 1 || images <= 1 || first.compression !== 1 || first.samplesPerPixel !== 1) return pages;
  const offs = first.blockOffsets;
  const counts = first.blockByteCounts;
  const planeBytes = counts.reduce((a, b) => a + b, 0);
  if (!(planeBytes > 0)) return pages;
  const contiguous = offs.every((o, i) => i === 0 || o === offs[i - 1]! + counts[i - 1]!);
  if (!contiguous || offs[0]! + images * planeBytes > fileSize) return pages;
  return Array.from({ length: images }, (_, k) => ({
    ...first,
    index: k,
    blockOffsets: offs.map((o) => o + k * planeBytes),
  }));
}
