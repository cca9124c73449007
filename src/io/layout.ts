import { SrcacoError } from '../errors.js';

/**
 * The SR-CACO-2 dataset's names, exactly as the original code writes them (caco2_resample.py, patch_sampler.py):
 * tile files at four resolutions, patch files, split folders and their l_h.txt / h_l.txt pair lists.
 * All paths are relative, with '/' separators, like the original's lists.
 */

/** Downscale factor of a resolution: 1 is the HR tile, 2/4/8 the LR scans. */
export type Scale = 1 | 2 | 4 | 8;
/** The super-resolution factors that have splits (LR -> HR). */
export const SR_SCALES = [2, 4, 8] as const;
export type SrScale = (typeof SR_SCALES)[number];
export const CELLS = ['CELL0', 'CELL1', 'CELL2'] as const;
/** Marker names; plane k of a tile TIFF is CELLk. */
export type Cell = (typeof CELLS)[number];
export const SPLITS = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

/** Tile folder (and file prefix) per scale. */
export const TILE_FOLDERS: Readonly<Record<Scale, string>> = { 1: 'HighRes1024', 2: 'LowRes512', 4: 'LowRes256', 8: 'LowRes128' };
const SCALE_OF_FOLDER = new Map(Object.entries(TILE_FOLDERS).map(([s, f]) => [f, Number(s) as Scale]));
/** HR patch size after the final crop (px), and the registration margin cut from each side of the window. */
export const HR_PATCH_PX = 512;
export const HR_MARGIN_PX = 64;

/** The scale whose tiles live in `folder` (e.g. 'LowRes256' -> 4). */
export function scaleOfFolder(folder: string): Scale {
  const s = SCALE_OF_FOLDER.get(folder);
  if (s === undefined) throw new SrcacoError('data', `unknown tile folder '${folder}' (expected one of ${[...SCALE_OF_FOLDER.keys()].join(', ')})`);
  return s;
}

/** `HighRes1024/HighRes1024-<ID>.tif` and its LR counterparts. */
export function tilePath(scale: Scale, tileId: number): string {
  const folder = TILE_FOLDERS[scale];
  if (!folder) throw new SrcacoError('usage', `scale must be 1, 2, 4 or 8, received ${scale}`);
  checkTileId(tileId);
  return `${folder}/${folder}-${tileId}.tif`;
}

/** Parses a tile path (or file name) such as `LowRes128/LowRes128-13.tif`. */
export function parseTilePath(path: string): { scale: Scale; tileId: number } {
  const m = /(?:^|\/)(HighRes1024|LowRes512|LowRes256|LowRes128)-(\d+)\.tif$/.exec(path);
  if (!m) throw new SrcacoError('data', `not a tile file name: '${path}' (expected e.g. HighRes1024/HighRes1024-13.tif)`);
  return { scale: scaleOfFolder(m[1]!), tileId: Number(m[2]) };
}

/** One patch file: the 640/s window [i, ii) x [j, jj) of tile `tileId` at `scale`, before the final crop. */
export interface PatchName {
  readonly scale: Scale;
  readonly tileId: number;
  /** Index of the accepted window within its tile, in raster order, from 0. */
  readonly patchId: number;
  readonly i: number;
  readonly ii: number;
  readonly j: number;
  readonly jj: number;
  readonly cell: Cell;
}

/** `hr_div_<s>/tile_<Folder>-<tile>_<patchId>_<i>_<ii>_<j>_<jj>_<CELLk>.tif`, as patch_sampler.py names it. */
export function patchPath(p: PatchName): string {
  const folder = TILE_FOLDERS[p.scale];
  if (!folder) throw new SrcacoError('usage', `scale must be 1, 2, 4 or 8, received ${p.scale}`);
  for (const v of [p.tileId, p.patchId, p.i, p.ii, p.j, p.jj]) {
    if (!Number.isInteger(v) || v < 0) throw new SrcacoError('usage', `patch name numbers must be integers >= 0, received ${v}`);
  }
  if (!CELLS.includes(p.cell)) throw new SrcacoError('usage', `cell must be CELL0, CELL1 or CELL2, received ${p.cell}`);
  return `hr_div_${p.scale}/tile_${folder}-${p.tileId}_${p.patchId}_${p.i}_${p.ii}_${p.j}_${p.jj}_${p.cell}.tif`;
}

const PATCH_RE = /^(?:(.*\/)?hr_div_(\d+)\/)?tile_(HighRes1024|LowRes512|LowRes256|LowRes128)-(\d+)_(\d+)_(\d+)_(\d+)_(\d+)_(\d+)_(CELL[012])\.tif$/;

/** Parses a patch path or file name; a `hr_div_<s>` folder, when present, must agree with the tile folder. */
export function parsePatchPath(path: string): PatchName {
  const m = PATCH_RE.exec(path);
  if (!m) {
    throw new SrcacoError('data', `not a patch file name: '${path}' (expected e.g. hr_div_1/tile_HighRes1024-13_57_1024_1664_256_896_CELL0.tif)`);
  }
  const scale = scaleOfFolder(m[3]!);
  if (m[2] !== undefined && Number(m[2]) !== scale) {
    throw new SrcacoError('data', `patch '${path}' is in hr_div_${m[2]} but names a ${m[3]} (scale ${scale}) tile`);
  }
  const [tileId, patchId, i, ii, j, jj] = m.slice(4, 10).map(Number) as [number, number, number, number, number, number];
  return { scale, tileId, patchId, i, ii, j, jj, cell: m[10] as Cell };
}

/** The LR patch paired with an HR patch: same tile, id and cell, coordinates integer-divided by the scale. */
export function lrPatchOf(hr: PatchName, scale: Scale): PatchName {
  if (hr.scale !== 1) throw new SrcacoError('usage', `lrPatchOf expects an HR (scale 1) patch, received scale ${hr.scale}`);
  const d = (v: number) => Math.floor(v / scale);
  return { ...hr, scale, i: d(hr.i), ii: d(hr.ii), j: d(hr.j), jj: d(hr.jj) };
}

/** `caco2_<split>_X_<s>_in_<512/s>_out_512_cell_<CELLk>`, the folder holding one split's pair lists. */
export function splitFolderName(split: SplitName, scale: SrScale, cell: Cell): string {
  if (!SPLITS.includes(split)) throw new SrcacoError('usage', `split must be train, val or test, received ${split}`);
  if (!SR_SCALES.includes(scale)) throw new SrcacoError('usage', `scale must be 2, 4 or 8, received ${scale}`);
  if (!CELLS.includes(cell)) throw new SrcacoError('usage', `cell must be CELL0, CELL1 or CELL2, received ${cell}`);
  return `caco2_${split}_X_${scale}_in_${HR_PATCH_PX / scale}_out_${HR_PATCH_PX}_cell_${cell}`;
}

/** Parses a split folder name (the inverse of `splitFolderName`). */
export function parseSplitFolderName(name: string): { split: SplitName; scale: SrScale; cell: Cell } {
  const m = /^caco2_(train|val|test)_X_(2|4|8)_in_(\d+)_out_512_cell_(CELL[012])$/.exec(name);
  if (!m || Number(m[3]) !== HR_PATCH_PX / Number(m[2])) {
    throw new SrcacoError('data', `not a split folder name: '${name}' (expected e.g. caco2_train_X_2_in_256_out_512_cell_CELL0)`);
  }
  return { split: m[1] as SplitName, scale: Number(m[2]) as SrScale, cell: m[4] as Cell };
}

/** The two pair lists of a split folder: l_h.txt holds `lr,hr` lines, h_l.txt `hr,lr` lines. */
export const PAIR_LIST_FILES = { lrToHr: 'l_h.txt', hrToLr: 'h_l.txt' } as const;

/** Formats a pair list as the original writes it: `a,b\n` per pair, no header, a newline after every line. */
export function formatPairList(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([a, b]) => {
    if (/[,\n\r]/.test(a + b)) throw new SrcacoError('usage', `a pair-list path cannot contain ',' or a newline: '${a}', '${b}'`);
    return `${a},${b}\n`;
  }).join('');
}

/** Parses a pair list (`a,b` per line); `path` only names the file in errors. */
export function parsePairList(text: string, path?: string): Array<[string, string]> {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, n) => {
    const parts = line.replace(/\r$/, '').split(',');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new SrcacoError('input', `line ${n + 1} is not 'lr_path,hr_path': '${line}'`, { path });
    }
    return [parts[0]!, parts[1]!];
  });
}

function checkTileId(id: number): void {
  if (!Number.isInteger(id) || id < 1) throw new SrcacoError('usage', `tile id must be an integer >= 1, received ${id}`);
}
