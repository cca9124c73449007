import { planeOf, type Plane } from '../image/plane.js';
import { buildTileModel, simulateBand, type BandPixels, type TileModel } from './band.js';
import { LR_SCALES, MARKERS, type LrScale, type SimParams } from './params.js';

/** A simulated tile: HR planes and LR planes per scale, each in marker order (CELL0, CELL1, CELL2). */
export interface SimulatedTile {
  tileId: number;
  hr: Plane<Uint8Array>[];
  lr: Record<LrScale, Plane<Uint8Array>[]>;
}

/** Empty uint8 planes for a tile of `sizeHrPx` (LR sizes floored). */
export function allocateTile(tileId: number, sizeHrPx: number): SimulatedTile {
  const planes = (size: number) => MARKERS.map(() => planeOf(size, size, new Uint8Array(size * size)));
  const lr = Object.fromEntries(LR_SCALES.map((s) => [s, planes(Math.floor(sizeHrPx / s))])) as Record<LrScale, Plane<Uint8Array>[]>;
  return { tileId, hr: planes(sizeHrPx), lr };
}

/** Copies a finished band into the tile's planes. */
export function placeBand(tile: SimulatedTile, band: BandPixels): void {
  const copy = (planes: Plane<Uint8Array>[], part: { row0: number; planes: Uint8Array[] }) =>
    planes.forEach((p, i) => p.data.set(part.planes[i]!, part.row0 * p.width));
  copy(tile.hr, band.hr);
  for (const s of LR_SCALES) copy(tile.lr[s], band.lr[s]);
}

/** Simulates a whole tile in this thread (tests, small sizes); the CLI spreads bands over workers instead. */
export function simulateTile(params: SimParams, seed: number, tileId: number, sizeHrPx: number, model?: TileModel): SimulatedTile {
  const m = model ?? buildTileModel(params, seed, tileId, sizeHrPx);
  const tile = allocateTile(tileId, sizeHrPx);
  for (let row = 0; row < params.fieldsPerSide; row++) placeBand(tile, simulateBand(params, m, row));
  return tile;
}
