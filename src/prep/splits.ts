import { DEFAULT_TILE_SPLIT, readTileSplit, type TileSplit } from '../io/tile-split.js';

/**
 * The split of the tiles present: the custom split file when given (checked against these tiles), else the
 * paper's split restricted to them, tiles outside 1..22 going to train.
 */
export async function splitForTiles(tileIds: readonly number[], splitFile?: string): Promise<TileSplit> {
  if (splitFile) return readTileSplit(splitFile, tileIds);
  const inPaper = (t: number) => DEFAULT_TILE_SPLIT.val.includes(t) || DEFAULT_TILE_SPLIT.test.includes(t);
  return {
    train: tileIds.filter((t) => !inPaper(t)),
    val: DEFAULT_TILE_SPLIT.val.filter((t) => tileIds.includes(t)),
    test: DEFAULT_TILE_SPLIT.test.filter((t) => tileIds.includes(t)),
  };
}
