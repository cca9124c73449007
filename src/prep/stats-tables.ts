import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CELLS, SPLITS, type Scale, type SplitName } from '../io/layout.js';
import { openTiff } from '../io/tiff-read.js';
import type { TileSplit } from '../io/tile-split.js';
import { splitOfTile } from '../io/tile-split.js';
import type { ManifestEntry } from './cut-tile.js';
import { foregroundCount } from './roi.js';
import { TILE_SCALES, type TileFiles } from './tile-set.js';
import { ROI_THRESHOLD } from './windows.js';

/** Paper Table 1: tiles and patches per split, mean image sizes and file sizes per resolution. */
export interface Table1 {
  tiles: Record<SplitName | 'total', number>;
  /** Null when no patches dataset was given. */
  patches: Record<SplitName | 'total', number> | null;
  /** Per scale: mean tile size (px) and patch size (px), mean file sizes in bytes. */
  resolutions: Array<{
    scale: Scale;
    tileWidthPx: number;
    tileHeightPx: number;
    patchPx: number;
    tileFileBytes: number;
    patchFileBytes: number | null;
  }>;
}

/** One row of paper Table 6: an HR tile's size and its foreground (>= 4) percentage per marker. */
export interface Table6Row {
  tile: number;
  split: SplitName | null;
  widthPx: number;
  heightPx: number;
  /** Foreground % per marker (CELL0, CELL1, CELL2); background = 100 - foreground. */
  foregroundPct: [number, number, number];
}

/** Foreground % per marker of an HR tile at threshold 4, read band by band. */
export async function tileForeground(tile: TileFiles): Promise<[number, number, number]> {
  const file = await openTiff(tile.paths[1], { cacheBytes: 0 });
  try {
    const { width, height } = tile.sizes[1];
    const pct = [0, 0, 0] as [number, number, number];
    for (let c = 0; c < CELLS.length; c++) {
      let fg = 0;
      for (let y = 0; y < height; y += 1024) {
        fg += foregroundCount(await file.readWindow(c, { x: 0, y, width, height: Math.min(1024, height - y) }), ROI_THRESHOLD);
      }
      pct[c] = (100 * fg) / (width * height);
    }
    return pct;
  } finally {
    await file.close();
  }
}

/** Table 6 rows, tiles ordered by split (test, val, train as in the paper) then id. */
export async function table6(tiles: readonly TileFiles[], split: TileSplit, onTile?: (done: number, total: number) => void): Promise<Table6Row[]> {
  const rows: Table6Row[] = [];
  for (const t of tiles) {
    rows.push({ tile: t.id, split: splitOfTile(split, t.id) ?? null, widthPx: t.sizes[1].width, heightPx: t.sizes[1].height, foregroundPct: await tileForeground(t) });
    onTile?.(rows.length, tiles.length);
  }
  const order = (s: SplitName | null) => (s === null ? 3 : ['test', 'val', 'train'].indexOf(s));
  return rows.sort((a, b) => order(a.split) - order(b.split) || a.tile - b.tile);
}

const mean = (v: number[]) => (v.length === 0 ? 0 : v.reduce((a, b) => a + b, 0) / v.length);

/** Table 1 from the tiles and, when given, the manifest and data root of a patches dataset. */
export async function table1(
  tiles: readonly TileFiles[],
  split: TileSplit,
  patches?: { dataDir: string; entries: readonly ManifestEntry[] },
): Promise<Table1> {
  const count = (ids: Iterable<number>) => [...ids].length;
  const ids = tiles.map((t) => t.id);
  const tileCounts = Object.fromEntries(SPLITS.map((s) => [s, count(split[s].filter((t) => ids.includes(t)))])) as Record<SplitName, number>;
  let patchCounts: Table1['patches'] = null;
  const patchBytes = new Map<Scale, number[]>();
  if (patches) {
    const unique = new Map<string, ManifestEntry>();
    for (const e of patches.entries) unique.set(`${e.tile}_${e.patchId}`, e);
    const per = Object.fromEntries(SPLITS.map((s) => [s, 0])) as Record<SplitName, number>;
    for (const e of unique.values()) {
      const s = splitOfTile(split, e.tile);
      if (s) per[s]++;
    }
    patchCounts = { ...per, total: unique.size };
    // file sizes from a sample of up to 100 patches (every patch of a scale has the same layout)
    const sample = [...patches.entries].filter((_, k, a) => k % Math.max(1, Math.floor(a.length / 100)) === 0);
    for (const e of sample) {
      for (const [s, rel] of [[1, e.hr], [e.scale, e.lr]] as Array<[Scale, string]>) {
        const info = await stat(join(patches.dataDir, rel)).catch(() => undefined);
        if (info) patchBytes.set(s, [...(patchBytes.get(s) ?? []), info.size]);
      }
    }
  }
  const resolutions: Table1['resolutions'] = [];
  for (const s of TILE_SCALES) {
    const sizes = await Promise.all(tiles.map(async (t) => (await stat(t.paths[s])).size));
    resolutions.push({
      scale: s,
      tileWidthPx: Math.round(mean(tiles.map((t) => t.sizes[s].width))),
      tileHeightPx: Math.round(mean(tiles.map((t) => t.sizes[s].height))),
      patchPx: 512 / s,
      tileFileBytes: Math.round(mean(sizes)),
      patchFileBytes: patchBytes.has(s) ? Math.round(mean(patchBytes.get(s)!)) : null,
    });
  }
  return { tiles: { ...tileCounts, total: tiles.length }, patches: patchCounts, resolutions };
}

const fmtBytes = (b: number | null) => (b === null ? '–' : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(1)} KB`);
const label = (s: Scale) => (s === 1 ? 'HR' : `LR /${s}`);

/** Table 1 as Markdown, laid out like the paper's. */
export function table1Markdown(t: Table1): string {
  const p = t.patches;
  const n = (v: number | undefined) => (v === undefined ? '–' : v.toLocaleString('en-US'));
  const lines = [
    '| | Tiles: train | val | test | total | Patches: train | val | test | total |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| Number | ${t.tiles.train} | ${t.tiles.val} | ${t.tiles.test} | ${t.tiles.total} | ${n(p?.train)} | ${n(p?.val)} | ${n(p?.test)} | ${n(p?.total)} |`,
    '',
    '| Resolution | Tile size (mean) | Patch size | Tile file (mean) | Patch file (mean) |',
    '| --- | --- | --- | ---: | ---: |',
    ...t.resolutions.map((r) => `| ${label(r.scale)} | ~ ${r.tileWidthPx} × ${r.tileHeightPx} | ${r.patchPx} × ${r.patchPx} | ${fmtBytes(r.tileFileBytes)} | ${fmtBytes(r.patchFileBytes)} |`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Table 6 as Markdown: FG/BG % per marker, an average row per split and the total average. */
export function table6Markdown(rows: readonly Table6Row[]): string {
  const cell = (fg: number) => `${fg.toFixed(2)}/${(100 - fg).toFixed(2)}`;
  const avg = (rs: readonly Table6Row[]) => [0, 1, 2].map((c) => mean(rs.map((r) => r.foregroundPct[c]!)));
  const lines = ['| Tile | Size | CELL0 FG/BG (%) | CELL1 FG/BG (%) | CELL2 FG/BG (%) |', '| --- | --- | --- | --- | --- |'];
  for (const s of ['test', 'val', 'train', null] as const) {
    const rs = rows.filter((r) => r.split === s);
    if (rs.length === 0) continue;
    lines.push(`| **${s ?? 'no split'}** | | | | |`);
    for (const r of rs) lines.push(`| HighRes1024-${r.tile}.tif | ${r.widthPx}x${r.heightPx} | ${r.foregroundPct.map(cell).join(' | ')} |`);
    lines.push(`| *Average set* | – | ${avg(rs).map(cell).join(' | ')} |`);
  }
  lines.push(`| **Total average** | – | ${avg(rows).map(cell).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}
