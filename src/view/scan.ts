import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import { isSrcacoError } from '../errors.js';
import { PAIR_LIST_FILES, parsePairList, parseSplitFolderName, parseTilePath } from '../io/layout.js';
import type { ResultRow } from '../metrics/aggregate.js';
import { modelHaloLr } from '../infer/upscaler.js';
import { RunFolder } from '../train/run-folder.js';
import type { ViewIndex } from './index-types.js';

/** Folders deeper than this below a served folder are not looked into; a dataset is at most a few levels deep. */
const MAX_DEPTH = 6;
const SKIP = new Set(['node_modules', '.git']);

/** Scans the served folders (already real paths). */
export async function scanRoots(roots: readonly string[]): Promise<ViewIndex> {
  const index: ViewIndex = { roots: roots.map((r, i) => ({ index: i, name: r })), splits: [], tiles: [], runs: [], evals: [], problems: [] };
  for (let i = 0; i < roots.length; i++) await scanDir(index, i, roots[i]!, roots[i]!, 0);
  return index;
}

const rel = (root: string, path: string) => relative(root, path).split(sep).join('/');

async function scanDir(index: ViewIndex, root: number, rootDir: string, dir: string, depth: number): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = new Set(entries.map((e) => e.name));
  if (names.has('config.json')) await addRun(index, root, rootDir, dir);
  const folder = basename(dir);
  if (names.has(PAIR_LIST_FILES.lrToHr) && /^caco2_/.test(folder)) await addSplit(index, root, rootDir, dir);
  for (const e of entries) {
    const path = join(dir, e.name);
    // Symbolic links are not followed: what they point to may lie outside the served folder.
    if (e.isDirectory() && !SKIP.has(e.name) && depth < MAX_DEPTH) await scanDir(index, root, rootDir, path, depth + 1);
    else if (e.isFile() && e.name.endsWith('.tif') && /^(HighRes1024|LowRes512|LowRes256|LowRes128)-\d+\.tif$/.test(e.name)) {
      const { scale, tileId } = parseTilePath(e.name);
      index.tiles.push({ root, path: rel(rootDir, path), scale, tileId });
    } else if (e.isFile() && e.name.endsWith('.json') && e.name !== 'config.json' && /_x\d_/.test(e.name)) {
      await addEval(index, root, rootDir, path, names.has(e.name.replace(/\.json$/, '.jsonl')));
    }
  }
}

async function addSplit(index: ViewIndex, root: number, rootDir: string, dir: string): Promise<void> {
  const listPath = join(dir, PAIR_LIST_FILES.lrToHr);
  try {
    const { split, scale, cell } = parseSplitFolderName(basename(dir));
    const dataDir = rel(rootDir, dirname(dir));
    const inData = (p: string) => posix.normalize(dataDir === '' ? p : `${dataDir}/${p}`);
    const pairs = parsePairList(await readFile(listPath, 'utf8'), listPath)
      // absolute or escaping list entries cannot be served; they are left out
      .filter(([lr, hr]) => ![lr, hr].some((p) => p.startsWith('/') || inData(p).startsWith('..')))
      .map(([lr, hr]) => ({ id: posix.basename(hr), lr: inData(lr), hr: inData(hr) }));
    index.splits.push({ root, folder: rel(rootDir, dir), split, scale, cell, pairs });
  } catch (e) {
    index.problems.push(isSrcacoError(e) ? e.message : `${listPath}: ${(e as Error).message}`);
  }
}

async function addRun(index: ViewIndex, root: number, rootDir: string, dir: string): Promise<void> {
  try {
    const run = await RunFolder.open(dir);
    const onnx = await run.bestOnnx();
    index.runs.push({
      root,
      dir: rel(rootDir, dir),
      method: run.config.method,
      scale: run.config.scale,
      cell: run.config.cell ?? null,
      input: run.model.input,
      onnx: onnx === null ? null : rel(rootDir, onnx),
      onnxBytes: onnx === null ? null : (await stat(onnx)).size,
      haloLr: modelHaloLr(run.model),
      ...(run.model.tileAlign ? { tileAlignLr: run.model.tileAlign } : {}),
    });
  } catch (e) {
    // a config.json that is not a run's (a simulator's, a tool's) is not a problem worth listing
    if (isSrcacoError(e) && !/is this a training run folder/.test(e.message)) index.problems.push(e.message);
  }
}

async function addEval(index: ViewIndex, root: number, rootDir: string, path: string, hasDetails: boolean): Promise<void> {
  let row: ResultRow;
  try {
    row = JSON.parse(await readFile(path, 'utf8')) as ResultRow;
  } catch {
    return;
  }
  if (typeof row?.method !== 'string' || typeof row.cell !== 'string' || typeof row.scale !== 'number' || typeof row.split !== 'string' || !row.roi || !row.full) return;
  const evalDir = dirname(path);
  const run = basename(evalDir) === 'eval' ? rel(rootDir, dirname(evalDir)) : null;
  index.evals.push({ root, path: rel(rootDir, path), details: hasDetails ? rel(rootDir, path.replace(/\.json$/, '.jsonl')) : null, row, run });
}
