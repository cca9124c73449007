import type { HrWindow } from './windows.js';

/** The scales of the dataset: HR (1) and the three LR resolutions. */
export const SCALES = [1, 2, 4, 8] as const;
export type Scale = (typeof SCALES)[number];
export const LR_SCALES = [2, 4, 8] as const;
export type LrScale = (typeof LR_SCALES)[number];
/** Marker names in plane order of a tile file. */
export const CELLS = ['CELL0', 'CELL1', 'CELL2'] as const;
export type Cell = (typeof CELLS)[number];

/** Tile folder (and file prefix) of each scale. */
export const TILE_FOLDERS: Record<Scale, string> = {
  1: 'HighRes1024',
  2: 'LowRes512',
  4: 'LowRes256',
  8: 'LowRes128',
};

/**
 * A patch file relative to the data root, in the original's format: `hr_div_<s>/tile_<Folder>-<tile>_<patchId>_
 * <i>_<ii>_<j>_<jj>_<CELLk>.tif`, coordinates of the 640/s window before the final crop.
 */
export function patchRelPath(tileId: number, patchId: number, window: HrWindow, cell: Cell, scale: Scale): string {
  const { i, ii, j, jj } = window;
  const c = [i, ii, j, jj].map((v) => Math.floor(v / scale)).join('_');
  return `hr_div_${scale}/tile_${TILE_FOLDERS[scale]}-${tileId}_${patchId}_${c}_${cell}.tif`;
}

/** Name of a split folder, e.g. `caco2_test_X_8_in_64_out_512_cell_CELL0`. */
export function splitFolderName(split: SplitName, scale: LrScale, cell: Cell): string {
  return `caco2_${split}_X_${scale}_in_${512 / scale}_out_512_cell_${cell}`;
}

export const SPLITS = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];
