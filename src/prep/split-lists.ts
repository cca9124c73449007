import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import type { ManifestEntry } from './cut-tile.js';
import { CELLS, formatPairList, PAIR_LIST_FILES, SR_SCALES, SPLITS, splitFolderName } from '../io/layout.js';
import type { TileSplit } from '../io/tile-split.js';
import { PatchNucleusTruth, readSimTruth, type NucleusTruth } from '../sim/nuclei.js';
import { MARGIN_HR_PX, PATCH_HR_PX } from './windows.js';

/**
 * Writes the split folders of the original layout under `outDir`: for each split, scale and marker,
 * `caco2_<split>_X_<s>_in_<512/s>_out_512_cell_<CELLk>/l_h.txt` (lines `lr,hr`) and `h_l.txt` (`hr,lr`),
 * paths relative to `outDir`, ordered by tile then patch id. Returns the folder names written.
 */
export async function writeSplitLists(outDir: string, entries: readonly ManifestEntry[], split: TileSplit): Promise<string[]> {
  const written: string[] = [];
  for (const cell of CELLS) {
    for (const scale of SR_SCALES) {
      for (const name of SPLITS) {
        const tiles = new Set(split[name]);
        const pairs = entries
          .filter((e) => e.cell === cell && e.scale === scale && tiles.has(e.tile))
          .sort((a, b) => a.tile - b.tile || a.patchId - b.patchId);
        const folder = splitFolderName(name, scale, cell);
        await mkdir(join(outDir, folder), { recursive: true });
        const text = (list: Array<[string, string]>) => [new TextEncoder().encode(formatPairList(list))];
        await writeFileAtomic(join(outDir, folder, PAIR_LIST_FILES.lrToHr), text(pairs.map((e) => [e.lr, e.hr])));
        await writeFileAtomic(join(outDir, folder, PAIR_LIST_FILES.hrToLr), text(pairs.map((e) => [e.hr, e.lr])));
        written.push(folder);
      }
    }
  }
  return written;
}

/** The nucleus truth file written beside l_h.txt in the CELL2 split folders of simulated data. */
export const SPLIT_NUCLEI_FILE = 'nuclei.json';

/**
 * When the tiles were simulated (their truth.json is srcaco's), writes `nuclei.json` beside l_h.txt in each
 * CELL2 (H2B) split folder: per HR patch, the nuclei it holds in patch pixels, those its border cuts flagged.
 */
export async function writeSplitNuclei(outDir: string, tilesDir: string, entries: readonly ManifestEntry[], split: TileSplit): Promise<string[]> {
  const truth = await readSimTruth(tilesDir);
  if (!truth) return [];
  const source = new PatchNucleusTruth(truth);
  const cache = new Map<string, NucleusTruth[]>();
  const written: string[] = [];
  for (const scale of SR_SCALES) {
    for (const name of SPLITS) {
      const tiles = new Set(split[name]);
      const patches = entries
        .filter((e) => e.cell === 'CELL2' && e.scale === scale && tiles.has(e.tile))
        .sort((a, b) => a.tile - b.tile || a.patchId - b.patchId)
        .map((e) => {
          let nuclei = cache.get(e.hr);
          if (!nuclei) cache.set(e.hr, (nuclei = source.of(e.tile, e.window, PATCH_HR_PX, MARGIN_HR_PX).nuclei));
          return { hr: e.hr, tile: e.tile, patchId: e.patchId, nuclei };
        });
      const folder = splitFolderName(name, scale, 'CELL2');
      const doc = { format: 'srcaco-patch-nuclei', version: 1, conventions: 'per HR patch (512 px), the simulated H2B nuclei in its pixels; cut: reaches past the patch border; see nuclei.ts', patches };
      await writeFileAtomic(join(outDir, folder, SPLIT_NUCLEI_FILE), `${JSON.stringify(doc)}\n`);
      written.push(join(folder, SPLIT_NUCLEI_FILE));
    }
  }
  return written;
}
