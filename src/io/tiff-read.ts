import { open, stat } from 'node:fs/promises';
import { SrcacoError } from '../errors.js';
import { createPlane, type PixelArray, type Plane } from '../image/plane.js';
import { CorruptBlockError, decompressBlock, undoFloatPredictor, undoHorizontalPredictor } from './tiff-codecs.js';
import { readTiffPages, TiffSource, type TiffPage } from './tiff-ifd.js';

export type { TiffPage } from './tiff-ifd.js';

/** A rectangle of pixels, in the plane's own pixel coordinates. */
export interface PixelWindow {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Where plane `i` of the file lives: which page, and which sample of that page. */
export interface TiffPlaneRef {
  readonly page: number;
  readonly sample: number;
}

export interface OpenTiffOptions {
  /**
   * Budget for decoded strips/tiles kept between window reads (bytes); 0 disables the cache. Default 64 MiB.
   * 'page': the largest page's blocks where samples are interleaved (each block then decodes once, not once per
   * sample, when every plane is read), else nothing.
   */
  cacheBytes?: number | 'page';
}

/** Counters for tests and benchmarks: how much was read and decoded. */
export interface TiffReadStats {
  blocksDecoded: number;
  bytesRead: number;
  cacheHits: number;
}

const bytesOf = { uint8: 1, uint16: 2, float32: 4 } as const;

/**
 * An open TIFF: pages are parsed up front, pixels are read on demand with positioned reads, only the
 * strips/tiles a request touches, so a window of a 9318x9318 tile costs a few megabytes.
 */
export class TiffFile {
  /** Every plane of the file: one per page, or one per sample of pages with SamplesPerPixel > 1. */
  readonly planes: readonly TiffPlaneRef[];
  private readonly cache = new Map<string, { data: PixelArray; bytes: number }>();
  private cachedBytes = 0;
  private decoded = 0;
  private hits = 0;

  private constructor(
    private readonly src: TiffSource,
    readonly pages: readonly TiffPage[],
    readonly littleEndian: boolean,
    readonly bigTiff: boolean,
    private readonly cacheBytes: number,
  ) {
    this.planes = pages.flatMap((p) => Array.from({ length: p.samplesPerPixel }, (_, sample) => ({ page: p.index, sample })));
  }

  get path(): string {
    return this.src.path;
  }

  get stats(): TiffReadStats {
    return { blocksDecoded: this.decoded, bytesRead: this.src.bytesRead, cacheHits: this.hits };
  }

  /** Opens and parses `path`; every malformation is reported as one SrcacoError('input') naming the file. */
  static async open(path: string, options: OpenTiffOptions = {}): Promise<TiffFile> {
    let handle;
    let size: number;
    try {
      const info = await stat(path);
      if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      size = info.size;
      handle = await open(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a TIFF file' : `cannot open (${code ?? e})`;
      throw new SrcacoError('input', why, { path, cause: e });
    }
    const src = new TiffSource(handle, path, size);
    try {
      const { pages, littleEndian, bigTiff } = await readTiffPages(src);
      const pageBytes = pages.reduce((max, p) => {
        if (p.planarConfiguration !== 1 || p.samplesPerPixel === 1) return max;
        const blocks = Math.ceil(p.width / p.blockWidth) * Math.ceil(p.height / p.blockHeight);
        return Math.max(max, blocks * p.blockWidth * p.blockHeight * p.samplesPerPixel * bytesOf[p.pixelType]);
      }, 0);
      const cacheBytes = options.cacheBytes === 'page' ? pageBytes : options.cacheBytes ?? 64 * 2 ** 20;
      return new TiffFile(src, pages, littleEndian, bigTiff, cacheBytes);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  /** The pixel size in micrometres from XResolution (ImageJ convention), if the file records one. */
  pixelSizeUm(plane = 0): number | undefined {
    const page = this.pageOf(plane);
    if (!page.xResolution || !Number.isFinite(page.xResolution)) return undefined;
    const unit = page.resolutionUnit ?? 2;
    if (unit === 3) return 1e4 / page.xResolution; // pixels per cm
    if (unit === 1 && /unit=(micron|um|µm)/.test(page.description ?? '')) return 1 / page.xResolution;
    return undefined;
  }

  /** Reads a whole plane. */
  readPlane(index: number): Promise<Plane> {
    const page = this.pageOf(index);
    return this.readWindow(index, { x: 0, y: 0, width: page.width, height: page.height });
  }

  /** Reads a rectangle of a plane, decoding only the strips/tiles that intersect it. */
  async readWindow(index: number, win: PixelWindow): Promise<Plane> {
    const page = this.pageOf(index);
    const { sample } = this.planes[index]!;
    const { x, y, width, height } = win;
    if (![x, y, width, height].every(Number.isInteger) || width < 1 || height < 1 || x < 0 || y < 0 ||
        x + width > page.width || y + height > page.height) {
      throw new SrcacoError('usage', `window ${width}x${height} at (${x}, ${y}) is not inside the ${page.width}x${page.height} plane ${index}`, { path: this.path });
    }
    if (width * height > 2 ** 31 - 1) {
      throw new SrcacoError('usage', `window ${width}x${height} has too many pixels for one array; read it in smaller windows`, { path: this.path });
    }
    const out = createPlane(width, height, page.pixelType);
    const bw = page.blockWidth;
    const bh = page.blockHeight;
    const across = Math.ceil(page.width / bw);
    const chunkySpp = page.planarConfiguration === 1 ? page.samplesPerPixel : 1;
    const chunkySample = page.planarConfiguration === 1 ? sample : 0;
    const planeBase = page.planarConfiguration === 2 ? sample * across * Math.ceil(page.height / bh) : 0;
    const jobs: Array<{ block: number; bx: number; by: number }> = [];
    for (let by = Math.floor(y / bh); by * bh < y + height; by++) {
      for (let bx = Math.floor(x / bw); bx * bw < x + width; bx++) jobs.push({ block: planeBase + by * across + bx, bx, by });
    }
    // A few blocks at a time: parallel inflate on the thread pool, bounded memory.
    for (let start = 0; start < jobs.length; start += 8) {
      const batch = jobs.slice(start, start + 8);
      const blocks = await Promise.all(batch.map((j) => this.block(page, j.block, j.by)));
      batch.forEach((j, n) => {
        const data = blocks[n]!;
        const x0 = Math.max(x, j.bx * bw);
        const x1 = Math.min(x + width, (j.bx + 1) * bw, page.width);
        const y0 = Math.max(y, j.by * bh);
        const y1 = Math.min(y + height, (j.by + 1) * bh, page.height);
        for (let row = y0; row < y1; row++) {
          const srcRow = ((row - j.by * bh) * bw - j.bx * bw) * chunkySpp;
          const dstRow = (row - y) * width - x;
          if (chunkySpp === 1) {
            out.data.set(data.subarray(srcRow + x0, srcRow + x1), dstRow + x0);
          } else {
            for (let col = x0; col < x1; col++) out.data[dstRow + col] = data[srcRow + col * chunkySpp + chunkySample]!;
          }
        }
      });
    }
    return out;
  }

  /** Closes the file; further reads fail. */
  async close(): Promise<void> {
    this.cache.clear();
    await this.src.handle.close();
  }

  private pageOf(plane: number): TiffPage {
    const ref = this.planes[plane];
    if (!ref) throw new SrcacoError('usage', `plane ${plane} does not exist (the file has ${this.planes.length})`, { path: this.path });
    return this.pages[ref.page]!;
  }

  /** One decoded strip/tile as native-order samples (chunky samples stay interleaved), via the cache. */
  private async block(page: TiffPage, block: number, blockRow: number): Promise<PixelArray> {
    const key = `${page.index}:${block}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.hits++;
      this.cache.delete(key); // re-insert: Map order doubles as LRU order
      this.cache.set(key, hit);
      return hit.data;
    }
    const data = await this.decodeBlock(page, block, blockRow);
    this.decoded++;
    if (data.byteLength <= this.cacheBytes) {
      this.cache.set(key, { data, bytes: data.byteLength });
      this.cachedBytes += data.byteLength;
      for (const [k, v] of this.cache) {
        if (this.cachedBytes <= this.cacheBytes) break;
        this.cache.delete(k);
        this.cachedBytes -= v.bytes;
      }
    }
    return data;
  }

  private async decodeBlock(page: TiffPage, block: number, blockRow: number): Promise<PixelArray> {
    const spp = page.planarConfiguration === 1 ? page.samplesPerPixel : 1;
    const bps = bytesOf[page.pixelType];
    // Strips are cut at the image bottom; tiles always have their full size.
    const rows = page.layout === 'strips' ? Math.min(page.blockHeight, page.height - blockRow * page.blockHeight) : page.blockHeight;
    const rowSamples = page.blockWidth * spp;
    const expected = rowSamples * rows * bps;
    const offset = page.blockOffsets[block]!;
    const count = page.blockByteCounts[block]!;
    let bytes: Uint8Array;
    try {
      const raw = count === 0 ? new Uint8Array(0) : await this.src.readAt(offset, count, `strip/tile ${block} of page ${page.index}`);
      bytes = await decompressBlock(page.compression, raw, expected);
    } catch (e) {
      if (e instanceof CorruptBlockError) {
        throw new SrcacoError('input', `strip/tile ${block} of page ${page.index}: ${e.message}`, { path: this.path, cause: e });
      }
      throw e;
    }
    if (page.predictor === 3) bytes = undoFloatPredictor(bytes, rowSamples, rows, spp, bps);
    else if (!this.littleEndian && bps > 1) swapBytes(bytes, bps);
    if (bytes.byteOffset % bps !== 0) bytes = new Uint8Array(bytes); // a copy (zlib's Buffers may be unaligned; Buffer#slice would not copy)
    const full = rowSamples * page.blockHeight;
    const samples =
      page.pixelType === 'uint8' ? bytes : page.pixelType === 'uint16'
        ? new Uint16Array(bytes.buffer, bytes.byteOffset, expected / 2)
        : new Float32Array(bytes.buffer, bytes.byteOffset, expected / 4);
    if (page.predictor === 2) undoHorizontalPredictor(samples as Uint8Array | Uint16Array, rowSamples, rows, spp);
    if (samples.length === full) return samples;
    // Pad a short last strip to the block height so row addressing stays uniform.
    // Allocated by pixel type: `samples` may be a zlib Buffer, whose constructor is the deprecated Buffer().
    const padded: PixelArray =
      page.pixelType === 'uint8' ? new Uint8Array(full) : page.pixelType === 'uint16' ? new Uint16Array(full) : new Float32Array(full);
    padded.set(samples);
    return padded;
  }
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/** Opens a TIFF for windowed reads; call `close()` when done. */
export function openTiff(path: string, options?: OpenTiffOptions): Promise<TiffFile> {
  return TiffFile.open(path, options);
}

/** Reads every plane of a TIFF into memory. */
export async function readTiff(path: string): Promise<Plane[]> {
  const file = await openTiff(path, { cacheBytes: 'page' });
  try {
    const planes: Plane[] = [];
    for (let i = 0; i < file.planes.length; i++) planes.push(await file.readPlane(i));
    return planes;
  } finally {
    await file.close();
  }
}
