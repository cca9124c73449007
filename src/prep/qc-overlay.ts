import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { openTiff, readTiff } from '../io/tiff-read.js';
import type { Plane } from '../image/plane.js';
import { encodePng } from '../image/png.js';
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

/** `count` entries spread evenly over the manifest (first and last included). */
export function pickQcEntries(entries: readonly ManifestEntry[], count: number): ManifestEntry[] {
  if (count <= 0 || entries.length === 0) return [];
  const n = Math.min(count, entries.length);
  return Array.from({ length: n }, (_, k) => entries[n === 1 ? 0 : Math.round((k * (entries.length - 1)) / (n - 1))]!);
}

/** Writes `qc/<tile>_<patch>_<cell>_x<s>.png` for the picked entries; returns the paths written. */
export async function writeQcOverlays(outDir: string, entries: readonly ManifestEntry[], tiles: readonly TileFiles[]): Promise<string[]> {
  const folder = join(outDir, 'qc');
  if (entries.length > 0) await mkdir(folder, { recursive: true });
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
    const { width, height, rgb } = overlayBeforeAfter(hr!, before, after!);
    await writeFileAtomic(path, [encodePng({ width, height, channels: 3, data: rgb })]);
    written.push(path);
  }
  return written;
}
