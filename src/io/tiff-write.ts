import { deflate } from 'node:zlib';
import { promisify } from 'node:util';
import { SrcacoError } from '../errors.js';
import { pixelTypeOf, type PixelArray, type PixelType, type Plane } from '../image/plane.js';
import { AtomicFile } from './atomic.js';

const deflateAsync = promisify(deflate);

export interface TiffWriteOptions {
  /** 'none' (default) or 'deflate' (zlib, TIFF compression 8). */
  compression?: 'none' | 'deflate';
  /** Pixel size recorded for ImageJ/Fiji (XResolution = 1/pixelSizeUm, unit=micron). */
  pixelSizeUm?: number;
  /** Rows per strip; by default strips hold about 64 KiB so window reads decode little beyond the window. */
  rowsPerStrip?: number;
  /** zlib level 0..9 for deflate (default 1: on tile-sized images level 6 wrote far slower for a barely smaller file). */
  deflateLevel?: number;
}

export interface TiffStripWriterOptions extends TiffWriteOptions {
  width: number;
  height: number;
  /** Number of planes (pages), each width x height. */
  planes: number;
  pixelType: PixelType;
}

const bytesOf = { uint8: 1, uint16: 2, float32: 4 } as const;
const MAX_CLASSIC = 2 ** 32 - 1;
const IN_FLIGHT = 4;

/** Size, pixel type, compression and deflate level checked as every writer here takes them. */
function checkWriteOptions(
  path: string,
  o: { width: number; height: number; planes: number; pixelType: PixelType; compression?: 'none' | 'deflate'; deflateLevel?: number },
): { compression: 'none' | 'deflate'; deflateLevel: number } {
  for (const [name, v] of [['width', o.width], ['height', o.height], ['planes', o.planes]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new SrcacoError('usage', `TIFF ${name} must be an integer >= 1, received ${v}`, { path });
  }
  if (!(o.pixelType in bytesOf)) throw new SrcacoError('usage', `pixel type must be uint8, uint16 or float32, received ${o.pixelType}`, { path });
  const compression = o.compression ?? 'none';
  if (compression !== 'none' && compression !== 'deflate') {
    throw new SrcacoError('usage', `TIFF compression must be 'none' or 'deflate', received '${compression}'`, { path, option: 'compression' });
  }
  const deflateLevel = o.deflateLevel ?? 1;
  if (!Number.isInteger(deflateLevel) || deflateLevel < 0 || deflateLevel > 9) {
    throw new SrcacoError('usage', `deflate level must be an integer 0..9, received ${deflateLevel}`, { path, option: 'deflateLevel' });
  }
  return { compression, deflateLevel };
}

/** Writes the IFDs at `start` and the header pointing to them, then moves the file to its final name. */
async function commitTiff(file: AtomicFile, ifds: Uint8Array, start: number, big: boolean): Promise<void> {
  await file.write(ifds, start);
  await file.write(tiffHeader(start, big), 0);
  await file.commit();
}

/** The little-endian file header pointing to the first IFD: classic (8 bytes) or BigTIFF (16). */
function tiffHeader(firstIfd: number, big: boolean): Uint8Array {
  const head = new Uint8Array(big ? 16 : 8);
  const view = new DataView(head.buffer);
  head.set([0x49, 0x49]);
  if (big) {
    view.setUint16(2, 43, true);
    view.setUint16(4, 8, true);
    view.setBigUint64(8, BigInt(firstIfd), true);
  } else {
    view.setUint16(2, 42, true);
    view.setUint32(4, firstIfd, true);
  }
  return head;
}

/**
 * Writes a multi-page TIFF (one page per plane, ImageJ-compatible) row by row, so a 9318x9318 tile never needs
 * to be in memory at once: rows arrive in order, plane after plane; `finish()` writes the IFDs and renames the
 * temporary file into place, `abort()` removes it.
 */
export class TiffStripWriter {
  private readonly rowsPerStrip: number;
  private readonly rowBytes: number;
  private readonly stripOffsets: number[][] = [];
  private readonly stripCounts: number[][] = [];
  private readonly pending: Array<{ plane: number; bytes: Promise<Uint8Array> }> = [];
  private strip: Uint8Array;
  private stripRows = 0;
  private plane = 0;
  private row = 0;
  private position = 8;

  private constructor(
    private readonly file: AtomicFile,
    private readonly o: Required<Omit<TiffStripWriterOptions, 'pixelSizeUm' | 'rowsPerStrip'>> & { pixelSizeUm?: number; rowsPerStrip?: number },
  ) {
    this.rowBytes = o.width * bytesOf[o.pixelType];
    this.rowsPerStrip = Math.min(o.height, o.rowsPerStrip ?? Math.max(1, Math.floor(65536 / this.rowBytes)));
    this.strip = new Uint8Array(this.rowsPerStrip * this.rowBytes);
    for (let p = 0; p < o.planes; p++) {
      this.stripOffsets.push([]);
      this.stripCounts.push([]);
    }
  }

  /** Starts writing `path` (through a temporary file in the same folder). */
  static async create(path: string, options: TiffStripWriterOptions): Promise<TiffStripWriter> {
    const { width, height, planes, pixelType } = options;
    const { compression, deflateLevel: level } = checkWriteOptions(path, options);
    const px = options.pixelSizeUm;
    if (px !== undefined && !(px >= 1e-6 && px <= 4000)) {
      throw new SrcacoError('usage', `pixel size must be in (0, 4000] µm, received ${px}`, { path, option: 'pixelSizeUm' });
    }
    const rps = options.rowsPerStrip;
    if (rps !== undefined && (!Number.isInteger(rps) || rps < 1)) {
      throw new SrcacoError('usage', `rowsPerStrip must be an integer >= 1, received ${rps}`, { path, option: 'rowsPerStrip' });
    }
    if (compression === 'none' && width * height * planes * bytesOf[pixelType] > MAX_CLASSIC - 2 ** 20) {
      throw new SrcacoError('usage', 'image too large for a classic TIFF (4 GiB); use deflate or smaller tiles', { path });
    }
    const file = await AtomicFile.create(path);
    return new TiffStripWriter(file, { ...options, compression, deflateLevel: level });
  }

  /** Appends whole rows (`rows.length` a multiple of the width) of the current plane, moving to the next plane at its end. */
  async writeRows(rows: PixelArray): Promise<void> {
    const { width, height, planes, pixelType } = this.o;
    if (pixelTypeOf(rows) !== pixelType) throw new SrcacoError('usage', `rows are ${pixelTypeOf(rows)}, the file is ${pixelType}`, { path: this.file.path });
    if (rows.length % width !== 0) throw new SrcacoError('usage', `rows must hold a multiple of width ${width} pixels, received ${rows.length}`, { path: this.file.path });
    const bytes = new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);
    const n = rows.length / width;
    for (let r = 0; r < n; r++) {
      if (this.plane >= planes) throw new SrcacoError('usage', `more rows than ${planes} planes x ${height} rows`, { path: this.file.path });
      this.strip.set(bytes.subarray(r * this.rowBytes, (r + 1) * this.rowBytes), this.stripRows * this.rowBytes);
      this.stripRows++;
      this.row++;
      if (this.stripRows === this.rowsPerStrip || this.row === height) await this.flushStrip();
      if (this.row === height) {
        this.row = 0;
        this.plane++;
      }
    }
  }

  /** Appends one in-memory plane (same size and type as the file) as the next page. */
  async writePlane(plane: Plane): Promise<void> {
    if (plane.width !== this.o.width || plane.height !== this.o.height) {
      throw new SrcacoError('usage', `plane is ${plane.width}x${plane.height}, the file is ${this.o.width}x${this.o.height}`, { path: this.file.path });
    }
    const step = this.rowsPerStrip * this.o.width;
    for (let start = 0; start < plane.data.length; start += step) await this.writeRows(plane.data.subarray(start, start + step));
  }

  /** Writes the directories and moves the file to its final name; fails if rows are missing. */
  async finish(): Promise<void> {
    try {
      if (this.plane !== this.o.planes) {
        throw new SrcacoError('usage', `only ${this.plane} of ${this.o.planes} planes were written (row ${this.row})`, { path: this.file.path });
      }
      while (this.pending.length > 0) await this.writeNextPending();
      const ifdStart = this.position + (this.position % 2);
      const ifds = this.buildIfds(ifdStart);
      await commitTiff(this.file, ifds, ifdStart, false);
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  /** Discards everything written so far. */
  abort(): Promise<void> {
    return this.file.abort();
  }

  private async flushStrip(): Promise<void> {
    const data = this.strip.slice(0, this.stripRows * this.rowBytes);
    this.stripRows = 0;
    const bytes = this.o.compression === 'deflate' ? deflateAsync(data, { level: this.o.deflateLevel }) : Promise.resolve(data);
    bytes.catch(() => undefined); // awaited in order by writeNextPending; this keeps an early failure from going unhandled
    this.pending.push({ plane: this.plane, bytes });
    if (this.pending.length >= IN_FLIGHT) await this.writeNextPending();
  }

  /** Writes the oldest compressed strip; strips are compressed in parallel but land in file order. */
  private async writeNextPending(): Promise<void> {
    const next = this.pending.shift()!;
    const bytes = await next.bytes;
    if (this.position + bytes.length > MAX_CLASSIC - 2 ** 20) {
      throw new SrcacoError('output', 'the file would exceed the 4 GiB classic TIFF limit', { path: this.file.path });
    }
    this.stripOffsets[next.plane]!.push(this.position);
    this.stripCounts[next.plane]!.push(bytes.length);
    await this.file.write(bytes, this.position);
    this.position += bytes.length;
  }

  private description(): string {
    const n = this.o.planes;
    const lines = ['ImageJ=1.11a', `images=${n}`];
    if (n > 1) lines.push(`channels=${n}`, 'hyperstack=true', 'mode=grayscale');
    if (this.o.pixelSizeUm !== undefined) lines.push('unit=micron');
    lines.push('loop=false');
    return `${lines.join('\n')}\n`;
  }

  private buildIfds(start: number): Uint8Array {
    const { width, height, pixelType, pixelSizeUm } = this.o;
    const chunks: Uint8Array[] = [];
    let at = start;
    for (let p = 0; p < this.o.planes; p++) {
      const entries: IfdEntry[] = [
        [254, 4, [0]], [256, 4, [width]], [257, 4, [height]], [258, 3, [bytesOf[pixelType] * 8]],
        [259, 3, [this.o.compression === 'deflate' ? 8 : 1]], [262, 3, [1]],
      ];
      if (p === 0) entries.push([270, 2, new TextEncoder().encode(`${this.description()}\0`)]);
      entries.push([273, 4, this.stripOffsets[p]!], [277, 3, [1]], [278, 4, [this.rowsPerStrip]], [279, 4, this.stripCounts[p]!]);
      if (pixelSizeUm !== undefined) {
        // 1/pixelSizeUm as 1e6 / (pixelSizeUm * 1e6): exact to a picometre.
        const rational = [1_000_000, Math.round(pixelSizeUm * 1e6)];
        entries.push([282, 5, rational], [283, 5, rational], [296, 3, [1]]);
      }
      entries.push([339, 3, [pixelType === 'float32' ? 3 : 1]]);
      const ifd = encodeIfd(entries, at, p === this.o.planes - 1 ? 0 : 'following');
      chunks.push(ifd);
      at += ifd.length;
    }
    const out = new Uint8Array(at - start);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

export interface OmeTiffWriterOptions {
  width: number;
  height: number;
  /** Planes, written one after the other: OME channels (SizeC), one page each. */
  planes: number;
  pixelType: PixelType;
  compression?: 'none' | 'deflate';
  deflateLevel?: number;
  /** TIFF tile side, a multiple of 16 (default 512). */
  tileSize?: number;
  /** Resolution levels, full size included (default: halve until the image fits one tile). */
  levels?: number;
  /** Physical pixel size at full resolution in µm: OME PhysicalSizeX/Y, and the resolution tags (per cm). */
  pixelSizeUm?: number;
  /** OME Channel names, one per plane. */
  channelNames?: readonly string[];
  /** OME Image name. */
  name?: string;
  /** BigTIFF (8-byte offsets): 'auto' (default) when the uncompressed pixels could pass the 4 GiB classic limit. */
  bigTiff?: boolean | 'auto';
}

/** One resolution level while a plane streams through it: the band of rows not yet cut into tiles. */
interface PyramidLevel {
  readonly width: number;
  readonly height: number;
  readonly band: PixelArray;
  bandRows: number;
  rowsDone: number;
  /** An even row waiting for its partner, to make one row of the next level. */
  held: PixelArray | null;
  readonly offsets: number[][];
  readonly counts: number[][];
}

/** Level sizes: each half the previous (rounded down), until the image fits one tile or `levels` are made. */
function pyramidSizes(width: number, height: number, tile: number, levels?: number): Array<[number, number]> {
  const sizes: Array<[number, number]> = [[width, height]];
  for (;;) {
    const [w, h] = sizes.at(-1)!;
    const enough = levels === undefined ? w <= tile && h <= tile : sizes.length >= levels;
    if (enough || w < 2 || h < 2) return sizes;
    sizes.push([Math.floor(w / 2), Math.floor(h / 2)]);
  }
}

const omeType = { uint8: 'uint8', uint16: 'uint16', float32: 'float' } as const;

const xmlText = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Writes a tiled, pyramidal OME-TIFF as Bio-Formats, QuPath, napari and tifffile read it: one page per plane
 * (an OME channel) in the main IFD chain, its reduced levels (2×2 means) in that page's SubIFDs, the OME-XML in
 * the first page's ImageDescription. Rows arrive in order, plane after plane; memory holds one band of tile
 * rows per level, whatever the image size. `finish()` writes the IFDs and renames into place.
 */
export class OmeTiffWriter {
  private readonly levels: PyramidLevel[];
  private readonly tile: number;
  private readonly pending: Array<{ plane: number; level: number; bytes: Promise<Uint8Array> }> = [];
  private plane = 0;
  private position: number;

  private constructor(
    private readonly file: AtomicFile,
    private readonly o: OmeTiffWriterOptions & { compression: 'none' | 'deflate'; deflateLevel: number; tileSize: number; bigTiff: boolean },
  ) {
    this.tile = o.tileSize;
    this.position = o.bigTiff ? 16 : 8;
    this.levels = pyramidSizes(o.width, o.height, o.tileSize, o.levels).map(([width, height]) => ({
      width,
      height,
      band: newPixels(o.pixelType, o.tileSize * width),
      bandRows: 0,
      rowsDone: 0,
      held: null,
      offsets: Array.from({ length: o.planes }, () => []),
      counts: Array.from({ length: o.planes }, () => []),
    }));
  }

  /** Starts writing `path` (through a temporary file in the same folder). */
  static async create(path: string, options: OmeTiffWriterOptions): Promise<OmeTiffWriter> {
    const { width, height, planes, pixelType } = options;
    const { compression, deflateLevel: level } = checkWriteOptions(path, options);
    const tileSize = options.tileSize ?? 512;
    if (!Number.isInteger(tileSize) || tileSize < 16 || tileSize % 16 !== 0) {
      throw new SrcacoError('usage', `TIFF tile size must be a multiple of 16, received ${tileSize}`, { path, option: 'tileSize' });
    }
    if (options.levels !== undefined && (!Number.isInteger(options.levels) || options.levels < 1)) {
      throw new SrcacoError('usage', `pyramid levels must be an integer >= 1, received ${options.levels}`, { path, option: 'levels' });
    }
    const px = options.pixelSizeUm;
    if (px !== undefined && !(px >= 1e-5 && px <= 4000)) {
      throw new SrcacoError('usage', `pixel size must be in [0.00001, 4000] µm, received ${px}`, { path, option: 'pixelSizeUm' });
    }
    if (options.channelNames !== undefined && options.channelNames.length !== planes) {
      throw new SrcacoError('usage', `${options.channelNames.length} channel names for ${planes} planes`, { path, option: 'channelNames' });
    }
    // Every level's tiles, padded to whole tiles: a bound on the uncompressed data (deflate only shrinks it).
    const tiled = pyramidSizes(width, height, tileSize, options.levels).reduce((n, [w, h]) => n + Math.ceil(w / tileSize) * Math.ceil(h / tileSize), 0);
    const bigTiff = options.bigTiff === 'auto' || options.bigTiff === undefined ? tiled * planes * tileSize ** 2 * bytesOf[pixelType] > MAX_CLASSIC - 2 ** 26 : options.bigTiff;
    const file = await AtomicFile.create(path);
    return new OmeTiffWriter(file, { ...options, compression, deflateLevel: level, tileSize, bigTiff });
  }

  /** True when the file is a BigTIFF. */
  get bigTiff(): boolean {
    return this.o.bigTiff;
  }

  /** Appends whole rows (`rows.length` a multiple of the width) of the current plane, moving to the next plane at its end. */
  async writeRows(rows: PixelArray): Promise<void> {
    const { width, height, planes, pixelType } = this.o;
    if (pixelTypeOf(rows) !== pixelType) throw new SrcacoError('usage', `rows are ${pixelTypeOf(rows)}, the file is ${pixelType}`, { path: this.file.path });
    if (rows.length % width !== 0) throw new SrcacoError('usage', `rows must hold a multiple of width ${width} pixels, received ${rows.length}`, { path: this.file.path });
    for (let r = 0; r < rows.length / width; r++) {
      if (this.plane >= planes) throw new SrcacoError('usage', `more rows than ${planes} planes x ${height} rows`, { path: this.file.path });
      await this.pushRow(0, rows.subarray(r * width, (r + 1) * width));
      if (this.levels[0]!.rowsDone === height) {
        for (const l of this.levels) {
          l.rowsDone = 0;
          l.held = null; // the odd last row of a level has no partner: reduced levels round their size down
        }
        this.plane++;
      }
    }
  }

  /** Writes the directories and moves the file to its final name; fails if rows are missing. */
  async finish(): Promise<void> {
    try {
      if (this.plane !== this.o.planes) {
        throw new SrcacoError('usage', `only ${this.plane} of ${this.o.planes} planes were written (row ${this.levels[0]!.rowsDone})`, { path: this.file.path });
      }
      while (this.pending.length > 0) await this.writeNextPending();
      const big = this.o.bigTiff;
      const start = this.position + (this.position % 2);
      // Page p's IFD, then its reduced levels' IFDs; sizes do not depend on the offsets, so lay out first.
      const entries = Array.from({ length: this.o.planes }, (_, p) => this.levels.map((_, k) => this.entries(p, k, [])));
      const sizes = entries.map((page) => page.map((e) => encodeIfd(e, 0, 0, big).length));
      const at: number[][] = [];
      let o = start;
      for (const page of sizes) {
        at.push(page.map((n) => ((o += n), o - n)));
      }
      const chunks: Uint8Array[] = [];
      for (let p = 0; p < this.o.planes; p++) {
        const subIfds = at[p]!.slice(1);
        chunks.push(encodeIfd(this.entries(p, 0, subIfds), at[p]![0]!, p + 1 < this.o.planes ? at[p + 1]![0]! : 0, big));
        for (let k = 1; k < this.levels.length; k++) chunks.push(encodeIfd(entries[p]![k]!, at[p]![k]!, 0, big));
      }
      const ifds = new Uint8Array(o - start);
      let w = 0;
      for (const c of chunks) {
        ifds.set(c, w);
        w += c.length;
      }
      if (!big && o > MAX_CLASSIC) throw new SrcacoError('output', 'the file would exceed the 4 GiB classic TIFF limit; write it as BigTIFF', { path: this.file.path });
      await commitTiff(this.file, ifds, start, big);
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  /** Discards everything written so far. */
  abort(): Promise<void> {
    return this.file.abort();
  }

  /** The OME-XML of the whole image: one Pixels of SizeC planes, each plane's TiffData at its page. */
  omeXml(): string {
    const { width, height, planes, pixelType, pixelSizeUm, channelNames, name } = this.o;
    const size = pixelSizeUm === undefined ? '' : ` PhysicalSizeX="${pixelSizeUm}" PhysicalSizeY="${pixelSizeUm}"`;
    const channels = Array.from({ length: planes }, (_, c) => {
      const label = channelNames?.[c] === undefined ? '' : ` Name="${xmlText(channelNames[c]!)}"`;
      return `<Channel ID="Channel:0:${c}"${label} SamplesPerPixel="1"><LightPath/></Channel>`;
    });
    const tiffData = Array.from({ length: planes }, (_, c) => `<TiffData FirstC="${c}" FirstT="0" FirstZ="0" IFD="${c}" PlaneCount="1"/>`);
    return [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
        'xsi:schemaLocation="http://www.openmicroscopy.org/Schemas/OME/2016-06 http://www.openmicroscopy.org/Schemas/OME/2016-06/ome.xsd" Creator="srcaco">',
      `<Image ID="Image:0"${name === undefined ? '' : ` Name="${xmlText(name)}"`}>`,
      `<Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="${omeType[pixelType]}" SizeX="${width}" SizeY="${height}" SizeC="${planes}" SizeZ="1" SizeT="1"` +
        ` BigEndian="false" Interleaved="false" SignificantBits="${bytesOf[pixelType] * 8}"${size}>`,
      ...channels,
      ...tiffData,
      '</Pixels>',
      '</Image>',
      '</OME>',
    ].join('\n');
  }

  /** Row `row` arrives at level `k`: into the band, and (with the row before it) one row of level k+1. */
  private async pushRow(k: number, row: PixelArray): Promise<void> {
    const l = this.levels[k]!;
    l.band.set(row, l.bandRows * l.width);
    l.bandRows++;
    l.rowsDone++;
    if (l.bandRows === this.tile || l.rowsDone === l.height) await this.flushBand(k);
    const next = this.levels[k + 1];
    if (!next) return;
    if (l.rowsDone % 2 === 1) {
      l.held = row.slice();
      return;
    }
    await this.pushRow(k + 1, downsampleRows(l.held!, row, next.width));
    l.held = null;
  }

  /** Cuts level k's band into tiles (zero-padded to full tiles at the right and bottom edges) and queues them. */
  private async flushBand(k: number): Promise<void> {
    const l = this.levels[k]!;
    const t = this.tile;
    for (let x0 = 0; x0 < l.width; x0 += t) {
      const tile = newPixels(this.o.pixelType, t * t);
      const w = Math.min(t, l.width - x0);
      for (let y = 0; y < l.bandRows; y++) tile.set(l.band.subarray(y * l.width + x0, y * l.width + x0 + w), y * t);
      const data = new Uint8Array(tile.buffer, tile.byteOffset, tile.byteLength);
      const bytes = this.o.compression === 'deflate' ? deflateAsync(data, { level: this.o.deflateLevel }) : Promise.resolve(data);
      bytes.catch(() => undefined); // awaited in order by writeNextPending; this keeps an early failure from going unhandled
      this.pending.push({ plane: this.plane, level: k, bytes });
      if (this.pending.length >= 2 * IN_FLIGHT) await this.writeNextPending();
    }
    l.bandRows = 0;
  }

  /** Writes the oldest compressed tile: tiles compress in parallel but land in order, row-major per page and level. */
  private async writeNextPending(): Promise<void> {
    const next = this.pending.shift()!;
    const bytes = await next.bytes;
    if (!this.o.bigTiff && this.position + bytes.length > MAX_CLASSIC - 2 ** 20) {
      throw new SrcacoError('output', 'the file would exceed the 4 GiB classic TIFF limit; write it as BigTIFF', { path: this.file.path });
    }
    const l = this.levels[next.level]!;
    l.offsets[next.plane]!.push(this.position);
    l.counts[next.plane]!.push(bytes.length);
    await this.file.write(bytes, this.position);
    this.position += bytes.length;
  }

  /** The tags of page `p`'s level `k`, sorted by tag; `subIfds` are the offsets of its reduced levels (level 0 only). */
  private entries(p: number, k: number, subIfds: readonly number[]): IfdEntry[] {
    const { pixelType, pixelSizeUm, compression } = this.o;
    const big = this.o.bigTiff;
    const l = this.levels[k]!;
    const e: IfdEntry[] = [
      [254, 4, [k === 0 ? 0 : 1]], [256, 4, [l.width]], [257, 4, [l.height]], [258, 3, [bytesOf[pixelType] * 8]],
      [259, 3, [compression === 'deflate' ? 8 : 1]], [262, 3, [1]],
    ];
    if (p === 0 && k === 0) e.push([270, 2, new TextEncoder().encode(`${this.omeXml()}\0`)]);
    e.push([277, 3, [1]]);
    if (pixelSizeUm !== undefined) {
      // Pixels per centimetre as 1e4·D / (size·D) with D = 4e5, the largest round D that keeps both in 32 bits.
      const rational = [4_000_000_000, Math.round(pixelSizeUm * 2 ** k * 400_000)];
      e.push([282, 5, rational], [283, 5, rational]);
    }
    e.push([284, 3, [1]]);
    if (pixelSizeUm !== undefined) e.push([296, 3, [3]]);
    e.push([305, 2, new TextEncoder().encode('srcaco\0')]);
    e.push([322, 3, [this.tile]], [323, 3, [this.tile]]);
    e.push([324, big ? 16 : 4, l.offsets[p]!], [325, big ? 16 : 4, l.counts[p]!]);
    if (k === 0 && this.levels.length > 1) e.push([330, big ? 18 : 13, subIfds.length ? [...subIfds] : new Array<number>(this.levels.length - 1).fill(0)]);
    e.push([339, 3, [pixelType === 'float32' ? 3 : 1]]);
    return e;
  }
}

function newPixels(type: PixelType, n: number): PixelArray {
  return type === 'uint8' ? new Uint8Array(n) : type === 'uint16' ? new Uint16Array(n) : new Float32Array(n);
}

/** One row of 2×2 means of rows `a` and `b` (integers rounded half up), `width` pixels: the odd last column is dropped. */
function downsampleRows(a: PixelArray, b: PixelArray, width: number): PixelArray {
  const out = newPixels(pixelTypeOf(a), width);
  if (out instanceof Float32Array) {
    for (let i = 0; i < width; i++) out[i] = (a[2 * i]! + a[2 * i + 1]! + b[2 * i]! + b[2 * i + 1]!) * 0.25;
  } else {
    for (let i = 0; i < width; i++) out[i] = (a[2 * i]! + a[2 * i + 1]! + b[2 * i]! + b[2 * i + 1]! + 2) >> 2;
  }
  return out;
}

type IfdEntry = [tag: number, type: number, values: number[] | Uint8Array];

/** Bytes per value of the TIFF field types written here (rationals count as one 8-byte value). */
const TYPE_BYTES: Record<number, number> = { 2: 1, 3: 2, 4: 4, 5: 8, 13: 4, 16: 8, 18: 8 };

/**
 * One little-endian IFD (classic, or BigTIFF with 8-byte counts and offsets) at byte `at`, with its out-of-line
 * values right after it, pointing to the IFD at `next` ('following': right after this one; 0: none).
 */
function encodeIfd(entries: readonly IfdEntry[], at: number, next: number | 'following', big = false): Uint8Array {
  const entryBytes = big ? 20 : 12;
  const inline = big ? 8 : 4;
  const headBytes = (big ? 8 : 2) + entries.length * entryBytes + (big ? 8 : 4);
  const valueBytes = ([, type, v]: IfdEntry) => (type === 5 ? v.length / 2 : v.length) * TYPE_BYTES[type]!;
  const extra = entries.reduce((sum, e) => {
    const b = valueBytes(e);
    return sum + (b > inline ? b + (b % 2) : 0);
  }, 0);
  const buf = new Uint8Array(headBytes + extra + ((headBytes + extra) % 2));
  const view = new DataView(buf.buffer);
  if (big) view.setBigUint64(0, BigInt(entries.length), true);
  else view.setUint16(0, entries.length, true);
  let ext = headBytes;
  entries.forEach((e, k) => {
    const [tag, type, v] = e;
    const bytes = valueBytes(e);
    const e0 = (big ? 8 : 2) + k * entryBytes;
    view.setUint16(e0, tag, true);
    view.setUint16(e0 + 2, type, true);
    const count = type === 5 ? v.length / 2 : v.length;
    if (big) view.setBigUint64(e0 + 4, BigInt(count), true);
    else view.setUint32(e0 + 4, count, true);
    let dst = e0 + (big ? 12 : 8);
    if (bytes > inline) {
      if (big) view.setBigUint64(dst, BigInt(at + ext), true);
      else view.setUint32(dst, at + ext, true);
      dst = ext;
      ext += bytes + (bytes % 2);
    }
    const size = type === 5 ? 4 : TYPE_BYTES[type]!;
    for (let i = 0; i < v.length; i++) {
      if (size === 1) buf[dst + i] = v[i]!;
      else if (size === 2) view.setUint16(dst + 2 * i, v[i]!, true);
      else if (size === 4) view.setUint32(dst + 4 * i, v[i]!, true);
      else view.setBigUint64(dst + 8 * i, BigInt(v[i]!), true);
    }
  });
  const nextAt = next === 'following' ? at + buf.length : next;
  if (big) view.setBigUint64(headBytes - 8, BigInt(nextAt), true);
  else view.setUint32(headBytes - 4, nextAt, true);
  return buf;
}

/** Writes planes (same size and pixel type) as a multi-page ImageJ-compatible TIFF, atomically. */
export async function writeTiff(path: string, planes: readonly Plane[], options: TiffWriteOptions = {}): Promise<void> {
  const first = planes[0];
  if (!first) throw new SrcacoError('usage', 'writeTiff needs at least one plane', { path });
  const pixelType = pixelTypeOf(first.data);
  for (const [i, p] of planes.entries()) {
    if (p.width !== first.width || p.height !== first.height || pixelTypeOf(p.data) !== pixelType) {
      throw new SrcacoError('usage', `plane ${i} is ${p.width}x${p.height} ${pixelTypeOf(p.data)}, plane 0 is ${first.width}x${first.height} ${pixelType}: all planes must match`, { path });
    }
  }
  const writer = await TiffStripWriter.create(path, { ...options, width: first.width, height: first.height, planes: planes.length, pixelType });
  try {
    for (const p of planes) await writer.writePlane(p);
  } catch (e) {
    await writer.abort();
    throw e;
  }
  await writer.finish();
}
