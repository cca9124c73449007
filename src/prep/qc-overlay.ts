import { deflateSync } from 'node:zlib';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { readTiff } from '../io/tiff-read.js';
import { openTiff } from '../io/tiff-read.js';
import type { Plane } from '../image/plane.js';
import type { ManifestEntry } from './cut-tile.js';
import { CELLS } from '../io/layout.js';
import type { TileFiles } from './tile-set.js';
import { MARGIN_HR_PX, PATCH_HR_PX } from './windows.js';

/** An 8-bit RGB image, interleaved. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/**
 * Overlay of HR (magenta) and LR upsampled by nearest neighbour (green), before registration (left) and after
 * (right), each stretched to its 99.5th percentile: where they agree the cells are grey/white, a residual shift
 * shows as magenta/green fringes.
 */
export function overlayBeforeAfter(hr: Plane, lrBefore: Plane, lrAfter: Plane): RgbImage {
  const w = hr.width;
  const h = hr.height;
  const gap = 8;
  const width = 2 * w + gap;
  const rgb = new Uint8Array(width * h * 3);
  const hrGain = 255 / robustMax(hr);
  [lrBefore, lrAfter].forEach((lr, panel) => {
    const lrGain = 255 / robustMax(lr);
    const s = w / lr.width;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const hv = Math.min(255, hr.data[y * w + x]! * hrGain);
        const lv = Math.min(255, lr.data[Math.floor(y / s) * lr.width + Math.floor(x / s)]! * lrGain);
        const o = (y * width + panel * (w + gap) + x) * 3;
        rgb[o] = hv;
        rgb[o + 1] = lv;
        rgb[o + 2] = hv;
      }
    }
  });
  return { width, height: h, rgb };
}

/** The 99.5th percentile of a plane (at least 1), so that dim markers are stretched to full brightness. */
function robustMax(p: Plane): number {
  const sorted = Float32Array.from(p.data).sort();
  return Math.max(1, sorted[Math.floor(0.995 * (sorted.length - 1))]!);
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Encodes an RGB image as PNG (zlib from Node, no dependency). */
export function encodePng(image: RgbImage): Uint8Array {
  const { width, height, rgb } = image;
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, no filter method choice, no interlace
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (1 + width * 3) + 1);
  const signature = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
  const parts = [signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `count` entries spread evenly over the manifest (first and last included). */
export function pickQcEntries(entries: readonly ManifestEntry[], count: number): ManifestEntry[] {
  if (count <= 0 || entries.length === 0) return [];
  const n = Math.min(count, entries.length);
  return Array.from({ length: n }, (_, k) => entries[n === 1 ? 0 : Math.round((k * (entries.length - 1)) / (n - 1))]!);
}

/** Writes `qc/<tile>_<patch>_<cell>_x<s>.png` for the picked entries; returns the paths written. */
export async function writeQcOverlays(outDir: string, entries: readonly ManifestEntry[], tiles: readonly TileFiles[]): Promise<string[]> {
  const folder = join(outDir, 'qc');
  await mkdir(folder, { recursive: true });
  const written: string[] = [];
  for (const e of entries) {
    const tile = tiles.find((t) => t.id === e.tile)!;
    const [hr] = await readTiff(join(outDir, e.hr));
    const [after] = await readTiff(join(outDir, e.lr));
    const file = await openTiff(tile.paths[e.scale], { cacheBytes: 0 });
    const side = PATCH_HR_PX / e.scale;
    const before = await file
      .readWindow(CELLS.indexOf(e.cell), { x: (e.window.j + MARGIN_HR_PX) / e.scale, y: (e.window.i + MARGIN_HR_PX) / e.scale, width: side, height: side })
      .finally(() => file.close());
    const path = join(folder, `tile${e.tile}_patch${e.patchId}_${e.cell}_x${e.scale}.png`);
    await writeFileAtomic(path, [encodePng(overlayBeforeAfter(hr!, before, after!))]);
    written.push(path);
  }
  return written;
}
