import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import type { ManifestEntry } from './cut-tile.js';
import { CELLS, formatPairList, PAIR_LIST_FILES, SR_SCALES, SPLITS, splitFolderName } from '../io/layout.js';
import type { TileSplit } from '../io/tile-split.js';

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
