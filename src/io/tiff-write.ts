import { deflate } from 'node:zlib';
import { promisify } from 'node:util';
import { SrcacoError } from '../errors.js';
import { pixelTypeOf, type PixelArray, type PixelType, type Plane } from '../image/plane.js';
import { AtomicFile, writeAll } from './atomic.js';

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
    for (const [name, v] of [['width', width], ['height', height], ['planes', planes]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new SrcacoError('usage', `TIFF ${name} must be an integer >= 1, received ${v}`, { path });
    }
    if (!(pixelType in bytesOf)) throw new SrcacoError('usage', `pixel type must be uint8, uint16 or float32, received ${pixelType}`, { path });
    const compression = options.compression ?? 'none';
    if (compression !== 'none' && compression !== 'deflate') {
      throw new SrcacoError('usage', `TIFF compression must be 'none' or 'deflate', received '${compression}'`, { path, option: 'compression' });
    }
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
    const level = options.deflateLevel ?? 1;
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new SrcacoError('usage', `deflate level must be an integer 0..9, received ${level}`, { path, option: 'deflateLevel' });
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
      await writeAll(this.file.handle, ifds, ifdStart);
      const head = new Uint8Array(8);
      const view = new DataView(head.buffer);
      head.set([0x49, 0x49]);
      view.setUint16(2, 42, true);
      view.setUint32(4, ifdStart, true);
      await writeAll(this.file.handle, head, 0);
      await this.file.commit();
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
    await writeAll(this.file.handle, bytes, this.position);
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
