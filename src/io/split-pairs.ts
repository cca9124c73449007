import { access, readFile } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { SrcacoError } from '../errors.js';
import { PAIR_LIST_FILES, parsePairList, splitFolderName, type Cell, type SplitName, type SrScale } from './layout.js';

/**
 * The dataset reader: the one place a split's pair list (l_h.txt) is read. Training, validation and
 * evaluation all take their LR/HR files from here.
 */

/** One LR/HR pair of a split. */
export interface SplitPairFiles {
  /** The HR file name, which names the pair in result rows and prediction folders. */
  id: string;
  /** The paths as the list writes them (relative to the data root). */
  lr: string;
  hr: string;
  /** The same paths resolved against the data root. */
  lrPath: string;
  hrPath: string;
}

/**
 * The pairs of split `split` at `scale` for `cell` under `dataRoot`, in list order (the first `limit` with
 * it). Every returned file is checked to exist, so a job fails before its first image, naming them all.
 */
export async function readSplitPairs(dataRoot: string, split: SplitName, cell: Cell, scale: SrScale, limit?: number): Promise<SplitPairFiles[]> {
  const folder = splitFolderName(split, scale, cell);
  const listPath = join(dataRoot, folder, PAIR_LIST_FILES.lrToHr);
  let text: string;
  try {
    text = await readFile(listPath, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new SrcacoError('input', `cannot read the split list (${why}): run prep first, or point --data at the folder that holds the caco2_* split folders`, {
      path: listPath,
      cause: e,
    });
  }
  let listed = parsePairList(text, listPath);
  if (listed.length === 0) throw new SrcacoError('data', 'the split list is empty', { path: listPath });
  if (limit !== undefined) listed = listed.slice(0, limit);
  const resolve = (p: string) => (isAbsolute(p) ? p : join(dataRoot, p));
  const pairs = listed.map(([lr, hr]) => ({ id: basename(hr), lr, hr, lrPath: resolve(lr), hrPath: resolve(hr) }));
  await checkListedFiles(pairs.flatMap((p) => [p.lrPath, p.hrPath]), folder);
  return pairs;
}

/** Throws one error naming the files (the first five) that do not exist; `folder` is the split they belong to. */
export async function checkListedFiles(paths: readonly string[], folder: string, hint = ''): Promise<void> {
  const missing: string[] = [];
  for (const p of paths) await access(p).catch(() => missing.push(p));
  if (missing.length === 0) return;
  const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, ... (${missing.length - 5} more)` : '');
  throw new SrcacoError('input', `${missing.length} file(s) listed for ${folder} are missing: ${shown}${hint}`);
}

/**
 * Refuses a pair whose HR is not its LR × `scale` on both sides, naming the LR file: a mismatched pair would
 * otherwise fail far from its cause (a crop outside the image, or metrics of two different sizes).
 */
export function checkPairSizes(lr: { width: number; height: number }, hr: { width: number; height: number }, scale: number, files: { lrPath?: string; hrPath?: string }): void {
  if (lr.width * scale === hr.width && lr.height * scale === hr.height) return;
  const hrName = files.hrPath === undefined ? '' : ` (${basename(files.hrPath)})`;
  throw new SrcacoError(
    'data',
    `the LR patch is ${lr.width}x${lr.height} but x${scale} must give its HR patch's ${hr.width}x${hr.height}${hrName}, so it should be ${hr.width / scale}x${hr.height / scale}; check the split list and the scale`,
    files.lrPath === undefined ? {} : { path: files.lrPath },
  );
}
