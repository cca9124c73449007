import { readFile } from 'node:fs/promises';
import { SrcacoError } from '../errors.js';
import { SPLITS, type SplitName } from './layout.js';

/** Which tiles go to which split. Splits are by tile, so no tile's patches appear in two splits. */
export type TileSplit = Readonly<Record<SplitName, readonly number[]>>;

/** The 22 tiles of SR-CACO-2. */
export const TILE_IDS: readonly number[] = Array.from({ length: 22 }, (_, i) => i + 1);

/** The published split (paper section 3, the original folds): test 9,10,14,20; validation 7,11,19; train the rest. */
export const DEFAULT_TILE_SPLIT: TileSplit = Object.freeze({
  train: Object.freeze([1, 2, 3, 4, 5, 6, 8, 12, 13, 15, 16, 17, 18, 21, 22]),
  val: Object.freeze([7, 11, 19]),
  test: Object.freeze([9, 10, 14, 20]),
});

/**
 * Checks a split: the three lists, integer tile ids among `knownTileIds`, no id twice; train must not be empty.
 * Tiles may be left out (e.g. suspected duplicates). `path` only names the file in errors.
 */
export function validateTileSplit(value: unknown, knownTileIds: readonly number[] = TILE_IDS, path?: string): TileSplit {
  const fail = (msg: string): never => {
    throw new SrcacoError(path ? 'input' : 'data', `tile split: ${msg}`, { path });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('expected an object {"train": [...], "val": [...], "test": [...]}');
  const obj = value as Record<string, unknown>;
  const extra = Object.keys(obj).filter((k) => !(SPLITS as readonly string[]).includes(k));
  if (extra.length > 0) fail(`unknown key(s) ${extra.map((k) => `"${k}"`).join(', ')} (allowed: train, val, test)`);
  const known = new Set(knownTileIds);
  const seen = new Map<number, SplitName>();
  const out = {} as Record<SplitName, number[]>;
  for (const split of SPLITS) {
    const ids = obj[split];
    if (!Array.isArray(ids)) fail(`"${split}" must be a list of tile ids`);
    out[split] = (ids as unknown[]).map((id) => {
      if (typeof id !== 'number' || !Number.isInteger(id)) fail(`"${split}" holds ${JSON.stringify(id)}, not an integer tile id`);
      const n = id as number;
      if (!known.has(n)) fail(`unknown tile id ${n} in "${split}" (known tiles: ${knownTileIds.join(', ')})`);
      const before = seen.get(n);
      if (before) fail(`tile ${n} appears ${before === split ? 'twice' : 'in both'} in "${before}"${before === split ? '' : ` and "${split}"`}`);
      seen.set(n, split);
      return n;
    });
  }
  if (out.train.length === 0) fail('"train" is empty');
  return out;
}

/** Reads and validates a split file `{"train": [..], "val": [..], "test": [..]}`. */
export async function readTileSplit(path: string, knownTileIds: readonly number[] = TILE_IDS): Promise<TileSplit> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new SrcacoError('input', `cannot read the split file (${(e as NodeJS.ErrnoException).code ?? e})`, { path, cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SrcacoError('input', `the split file is not valid JSON (${(e as Error).message})`, { path, cause: e });
  }
  return validateTileSplit(json, knownTileIds, path);
}

/** The split file text for `split` (one line per split, ids ascending as given). */
export function formatTileSplit(split: TileSplit): string {
  return `{\n${SPLITS.map((s) => `  "${s}": [${split[s].join(', ')}]`).join(',\n')}\n}\n`;
}

/** The split a tile belongs to, or undefined when the split leaves it out. */
export function splitOfTile(split: TileSplit, tileId: number): SplitName | undefined {
  return SPLITS.find((s) => split[s].includes(tileId));
}
