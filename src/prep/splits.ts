import { readFile } from 'node:fs/promises';
import { SrcacoError } from '../errors.js';
import { SPLITS, type SplitName } from './patch-names.js';

/** Tile ids of each split. A tile belongs to exactly one split: patches are never split apart. */
export type TileSplit = Record<SplitName, number[]>;

/** The paper's split: test {9, 10, 14, 20}, validation {7, 11, 19}, train the others. */
export const PAPER_TEST_TILES: readonly number[] = [9, 10, 14, 20];
export const PAPER_VAL_TILES: readonly number[] = [7, 11, 19];

/** The paper's split restricted to the tiles present (any other tile goes to train). */
export function defaultSplit(tileIds: readonly number[]): TileSplit {
  const sorted = [...tileIds].sort((a, b) => a - b);
  return {
    train: sorted.filter((t) => !PAPER_TEST_TILES.includes(t) && !PAPER_VAL_TILES.includes(t)),
    val: sorted.filter((t) => PAPER_VAL_TILES.includes(t)),
    test: sorted.filter((t) => PAPER_TEST_TILES.includes(t)),
  };
}

/**
 * Reads a custom split, JSON `{"train": [ids], "val": [ids], "test": [ids]}`, and checks it against the tiles
 * present: every id known, every tile in exactly one split.
 */
export async function readSplitFile(path: string, tileIds: readonly number[]): Promise<TileSplit> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new SrcacoError('input', `cannot read the split file as JSON (${(e as Error).message})`, { path, cause: e });
  }
  const expect = `expected {"train": [tile ids], "val": [tile ids], "test": [tile ids]}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SrcacoError('input', expect, { path });
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!(SPLITS as readonly string[]).includes(key)) throw new SrcacoError('input', `unknown split "${key}": ${expect}`, { path });
  }
  const split = { train: [], val: [], test: [] } as TileSplit;
  const seen = new Map<number, SplitName>();
  for (const name of SPLITS) {
    const ids = obj[name] ?? [];
    if (!Array.isArray(ids) || !ids.every((v) => Number.isInteger(v))) {
      throw new SrcacoError('input', `"${name}" must be a list of integer tile ids: ${expect}`, { path });
    }
    for (const id of ids as number[]) {
      if (!tileIds.includes(id)) {
        throw new SrcacoError('data', `unknown tile id ${id} in "${name}": the tiles folder has ${tileIds.join(', ')}`, { path });
      }
      const other = seen.get(id);
      if (other) throw new SrcacoError('data', `tile ${id} is in both "${other}" and "${name}": a tile belongs to one split`, { path });
      seen.set(id, name);
      split[name].push(id);
    }
    split[name].sort((a, b) => a - b);
  }
  const missing = tileIds.filter((t) => !seen.has(t));
  if (missing.length > 0) {
    throw new SrcacoError('data', `tile(s) ${missing.join(', ')} are in no split: list every tile of the tiles folder`, { path });
  }
  return split;
}

/** The split a tile belongs to. */
export function splitOfTile(split: TileSplit, tileId: number): SplitName | undefined {
  return SPLITS.find((s) => split[s].includes(tileId));
}
