import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SrcacoError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { SR_SCALES } from '../io/layout.js';
import { readTileSplit, type TileSplit } from '../io/tile-split.js';
import { histogramSvg } from '../report/plot-svg.js';
import { datasetKind } from './audit.js';
import type { ManifestEntry } from './cut-tile.js';
import { PREP_CONFIG_FILE, readManifest, type PrepConfig } from './prep-dataset.js';
import { splitForTiles } from './splits.js';
import { compareRealBicubic, sampleEntries, type LrComparison } from './stats-lr.js';
import { table1, table1Markdown, table6, table6Markdown, type Table1, type Table6Row } from './stats-tables.js';
import { findTiles } from './tile-set.js';

export interface StatsOptions {
  /** Tiles folder (default: the one `srcaco prep` recorded in prep.json, or DIR itself for a tiles folder). */
  tilesDir?: string;
  splitFile?: string;
  /** Where tables and plots go (default: DIR/stats). */
  outDir?: string;
  /** Patches per scale for the real-vs-bicubic analysis (default 200). */
  samplePatches?: number;
  /** Progress of each step (`what`: 'table 6', 'real vs bicubic x2', ...). */
  onProgress?: (what: string, done: number, total: number) => void;
}

export interface StatsResult {
  table1: Table1;
  table6: Table6Row[];
  /** One per scale; empty for a tiles folder. */
  realVsBicubic: LrComparison[];
  files: string[];
}

/**
 * Dataset statistics: paper Table 1 (tiles and patches per split, sizes) and Table 6 (foreground/background
 * per tile and marker at threshold 4) as Markdown and JSON, and for a patches folder the real-vs-bicubic LR
 * histograms (|real − bicubic|, intensities, |Laplacian|) as SVG plots plus their numbers in JSON.
 */
export async function datasetStats(dir: string, options: StatsOptions = {}): Promise<StatsResult> {
  const kind = await datasetKind(dir);
  let tilesDir = options.tilesDir;
  let split: TileSplit | undefined;
  let entries: ManifestEntry[] | undefined;
  if (kind === 'patches') {
    const config = await readPrepConfig(dir);
    tilesDir ??= config?.tilesDir;
    split = config?.split;
    entries = await readManifest(dir);
  } else {
    tilesDir ??= dir;
  }
  if (!tilesDir || !(await stat(tilesDir).catch(() => undefined))) {
    throw new SrcacoError('input', `the tiles folder${tilesDir ? ` ${tilesDir}` : ''} is not available: pass --tiles DIR`, { path: dir, option: '--tiles' });
  }
  const tiles = await findTiles(tilesDir);
  const ids = tiles.map((t) => t.id);
  if (options.splitFile) split = await readTileSplit(options.splitFile, ids);
  split ??= await splitForTiles(ids);

  const t6 = await table6(tiles, split, (d, n) => options.onProgress?.('table 6', d, n));
  const t1 = await table1(tiles, split, entries ? { dataDir: dir, entries } : undefined);
  const realVsBicubic: LrComparison[] = [];
  if (entries) {
    for (const s of SR_SCALES) {
      const sample = sampleEntries(entries, s, options.samplePatches ?? 200);
      realVsBicubic.push(await compareRealBicubic(dir, sample, s, (d, n) => options.onProgress?.(`real vs bicubic x${s}`, d, n)));
    }
  }

  const outDir = resolve(options.outDir ?? join(dir, 'stats'));
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, text: string) => {
    await writeFileAtomic(join(outDir, name), [new TextEncoder().encode(text)]);
    files.push(join(outDir, name));
  };
  await write('table1.md', `# Table 1: splits and sizes\n\n${table1Markdown(t1)}`);
  await write('table1.json', `${JSON.stringify(t1, null, 2)}\n`);
  await write('table6.md', `# Table 6: foreground/background (%) of HR tiles, threshold 4\n\n${table6Markdown(t6)}`);
  await write('table6.json', `${JSON.stringify(t6, null, 2)}\n`);
  for (const c of realVsBicubic) {
    const x = `x${c.scale}`;
    await write(`real-vs-bicubic-${x}-absdiff.svg`, histogramSvg([{ label: '|real − bicubic|', histogram: c.absDiff }], {
      title: `|real LR − bicubic LR|, ${x} (${c.patches} patches)`, xLabel: 'absolute difference (0..255)', yLabel: 'fraction of pixels', logY: true,
    }));
    await write(`real-vs-bicubic-${x}-intensity.svg`, histogramSvg([{ label: 'real LR', histogram: c.intensityReal }, { label: 'bicubic LR', histogram: c.intensityBicubic }], {
      title: `LR intensities, ${x}`, xLabel: 'intensity (0..255)', yLabel: 'fraction of pixels', logY: true,
    }));
    await write(`real-vs-bicubic-${x}-laplacian.svg`, histogramSvg([{ label: 'real LR', histogram: c.laplacianReal }, { label: 'bicubic LR', histogram: c.laplacianBicubic }], {
      title: `|Laplacian| of LR, ${x}`, xLabel: '|4-neighbour Laplacian|', yLabel: 'fraction of pixels', logY: true,
    }));
  }
  if (realVsBicubic.length > 0) await write('real-vs-bicubic.json', `${JSON.stringify(realVsBicubic, null, 2)}\n`);
  return { table1: t1, table6: t6, realVsBicubic, files };
}

async function readPrepConfig(dir: string): Promise<PrepConfig | undefined> {
  const text = await readFile(join(dir, PREP_CONFIG_FILE), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as PrepConfig);
}
