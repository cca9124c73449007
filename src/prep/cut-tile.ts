import type { Plane } from '../image/plane.js';
import type { ShiftEstimator, WindowAligner } from './align-window.js';
import { cropPlane } from './crop.js';
import { CELLS, patchPath, SR_SCALES, type Cell, type Scale, type SrScale } from '../io/layout.js';
import { acceptsWindow, MARGIN_HR_PX, PATCH_HR_PX, WINDOW_HR_PX, windowGrid, type HrWindow, type PrepMode } from './windows.js';

/** Reads full-width bands of rows of one tile, at any scale, one marker at a time. */
export interface TileBandReader {
  readonly tileId: number;
  readonly widthHr: number;
  readonly heightHr: number;
  /** Rows [y0, y1) of marker `cellIndex` at `scale` (1 = HR), full width. */
  readBand(scale: Scale, cellIndex: number, y0: number, y1: number): Promise<Plane<Uint8Array>>;
}

/** One LR/HR patch pair of the dataset, as listed in manifest.jsonl. */
export interface ManifestEntry {
  tile: number;
  patchId: number;
  cell: Cell;
  scale: SrScale;
  /** The 640-px HR window the pair was cut from (the 512 crop is 64 px inside it). */
  window: HrWindow;
  /** Paths relative to the data root. */
  hr: string;
  lr: string;
  /** The shift applied to the LR, in HR pixels (see AlignedPatch); the same for the 3 markers when joint. */
  shiftHrPx: { dy: number; dx: number };
  confidence: number;
  /** Absent in manifests written before joint registration (their default-mode shifts are per marker). */
  estimator?: ShiftEstimator;
}

export interface CutTileOptions {
  mode: PrepMode;
  align: WindowAligner;
  /** Stores one finished patch under its path relative to the data root. */
  write: (relPath: string, patch: Plane<Uint8Array>) => Promise<void>;
  /** Called after each window of the grid has been handled (kept or not). */
  onWindow?: () => void;
}

/** The windows of a tile that pass the mode's foreground test, in raster order (the index is the patch id). */
export async function acceptedWindows(reader: TileBandReader, mode: PrepMode): Promise<HrWindow[]> {
  const kept: HrWindow[] = [];
  for (const i of bandStarts(reader)) {
    const cell2 = await reader.readBand(1, 2, i, i + WINDOW_HR_PX);
    for (const w of windowsOfBand(reader, i)) if (acceptsWindow(cell2, w, mode, i)) kept.push(w);
  }
  return kept;
}

/**
 * Cuts every accepted window of a tile into patches: for each marker, the central 512 of HR and, for each LR
 * scale, the LR window registered to the HR window and cut to 512 / scale. The aligner sees the 3 markers of a
 * window and scale together (default mode registers them jointly). Windows are visited band by band so that
 * each tile row of windows is read once per marker and scale.
 */
export async function cutTilePatches(reader: TileBandReader, options: CutTileOptions): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  let patchId = 0;
  for (const i of bandStarts(reader)) {
    const cell2 = await reader.readBand(1, 2, i, i + WINDOW_HR_PX);
    const row = windowsOfBand(reader, i);
    const kept = row.filter((w) => acceptsWindow(cell2, w, options.mode, i));
    for (let k = 0; k < row.length - kept.length; k++) options.onWindow?.();
    if (kept.length === 0) continue;
    const hrBands: Plane<Uint8Array>[] = [];
    const lrBands = new Map<SrScale, Plane<Uint8Array>[]>(SR_SCALES.map((s) => [s, []]));
    for (let c = 0; c < CELLS.length; c++) {
      hrBands.push(c === 2 ? cell2 : await reader.readBand(1, c, i, i + WINDOW_HR_PX));
      for (const s of SR_SCALES) lrBands.get(s)!.push(await reader.readBand(s, c, i / s, (i + WINDOW_HR_PX) / s));
    }
    for (let k = 0; k < kept.length; k++) {
      const w = kept[k]!;
      const id = patchId + k;
      const hrWindows = hrBands.map((band) => cropPlane(band, { x: w.j, y: w.i, width: WINDOW_HR_PX, height: WINDOW_HR_PX }, i));
      const hrPaths: string[] = [];
      for (let c = 0; c < CELLS.length; c++) {
        const hrPatch = cropPlane(hrWindows[c]!, { x: MARGIN_HR_PX, y: MARGIN_HR_PX, width: PATCH_HR_PX, height: PATCH_HR_PX });
        hrPaths.push(patchRelPath(reader.tileId, id, w, CELLS[c]!, 1));
        await options.write(hrPaths[c]!, hrPatch);
      }
      for (const s of SR_SCALES) {
        const side = WINDOW_HR_PX / s;
        const lrWindows = lrBands.get(s)!.map((band) => cropPlane(band, { x: w.j / s, y: w.i / s, width: side, height: side }, i / s));
        const aligned = await options.align(hrWindows, lrWindows, s, options.mode);
        if (aligned.length !== CELLS.length) throw new RangeError(`an aligner returned ${aligned.length} patches for ${CELLS.length} markers`);
        for (let c = 0; c < CELLS.length; c++) {
          const a = aligned[c]!;
          const lr = patchRelPath(reader.tileId, id, w, CELLS[c]!, s);
          await options.write(lr, a.lrPatch);
          entries.push({ tile: reader.tileId, patchId: id, cell: CELLS[c]!, scale: s, window: w, hr: hrPaths[c]!, lr,
            shiftHrPx: a.shiftHrPx, confidence: a.confidence, estimator: a.estimator });
        }
      }
      options.onWindow?.();
    }
    patchId += kept.length;
  }
  return entries.sort(byPatchCellScale);
}

function windowsOfBand(reader: TileBandReader, i: number): HrWindow[] {
  return [...windowGrid(reader.heightHr, reader.widthHr)].filter((w) => w.i === i);
}

function bandStarts(reader: TileBandReader): number[] {
  return [...new Set([...windowGrid(reader.heightHr, reader.widthHr)].map((w) => w.i))];
}

function byPatchCellScale(a: ManifestEntry, b: ManifestEntry): number {
  return a.patchId - b.patchId || a.cell.localeCompare(b.cell) || a.scale - b.scale;
}

/** The original's patch path for window `w` at `scale` (coordinates of the 640/s window). */
export function patchRelPath(tileId: number, patchId: number, w: HrWindow, cell: Cell, scale: Scale): string {
  const d = (v: number) => Math.floor(v / scale);
  return patchPath({ scale, tileId, patchId, i: d(w.i), ii: d(w.ii), j: d(w.j), jj: d(w.jj), cell });
}
