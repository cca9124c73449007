import { openTiff, type TiffFile } from '../io/tiff-read.js';
import { planeOf, type Plane } from '../image/plane.js';
import { cropPlane } from './crop.js';
import type { TileBandReader } from './cut-tile.js';
import type { Scale } from '../io/layout.js';
import { TILE_SCALES, type TileFiles } from './tile-set.js';

/** A tile held in memory (tests, small data): three 8-bit planes per scale. */
export function memoryTileReader(
  tileId: number,
  planes: Record<Scale, Plane<Uint8Array>[]>,
): TileBandReader {
  const hr = planes[1][0]!;
  return {
    tileId,
    widthHr: hr.width,
    heightHr: hr.height,
    async readBand(scale, cellIndex, y0, y1) {
      const p = planes[scale][cellIndex]!;
      return cropPlane(p, { x: 0, y: y0, width: p.width, height: y1 - y0 });
    },
  };
}

/** A tile read from its four TIFF files with windowed reads (only the strips a band touches are decoded). */
export interface TiffTileReader extends TileBandReader {
  close(): Promise<void>;
}

/** Opens the four files of a checked tile (see `checkTiles`). */
export async function openTileReader(tile: TileFiles): Promise<TiffTileReader> {
  const files = new Map<Scale, TiffFile>();
  try {
    for (const s of TILE_SCALES) files.set(s, await openTiff(tile.paths[s], { cacheBytes: 0 }));
  } catch (e) {
    await Promise.all([...files.values()].map((f) => f.close()));
    throw e;
  }
  const hr = files.get(1)!;
  const hrPage = hr.pages[hr.planes[0]!.page]!;
  return {
    tileId: tile.id,
    widthHr: hrPage.width,
    heightHr: hrPage.height,
    async readBand(scale, cellIndex, y0, y1) {
      const f = files.get(scale)!;
      const page = f.pages[f.planes[cellIndex]!.page]!;
      const band = await f.readWindow(cellIndex, { x: 0, y: y0, width: page.width, height: y1 - y0 });
      return planeOf(band.width, band.height, band.data as Uint8Array);
    },
    async close() {
      await Promise.all([...files.values()].map((f) => f.close()));
    },
  };
}
