// What window-aligned tiling changes (SwinIR, GRL: Model.tileAlign): one random LR image, three tiles of 8 LR px
// across and down with the model's halo, sides no multiple of the window, upscaled whole, in aligned tiles and in
// tiles that ignore the alignment.
import type { StateDict } from '../../../src/engine/nn/state.js';
import { planeOf, type Plane } from '../../../src/image/plane.js';
import { Upscaler } from '../../../src/infer/upscaler.js';
import type { Model } from '../../../src/models/model.js';
import { Rng } from '../../../src/util/random.js';
import { maxAbsDiff } from './compare.js';

export interface AlignedTiling {
  /** The declared halo in LR px. */
  halo: number;
  lr: Plane<Float32Array>;
  /** The whole-image output, and the upscaler that made it (for more runs; released by `release`). */
  want: Float32Array;
  whole: Upscaler;
  /** Tiles run, and the max |diff| of the aligned and the unaligned tiles' output from the whole image's. */
  tiles: number;
  aligned: number;
  unaligned: number;
  release(): Promise<void>;
}

export async function alignedTiling(model: Model, state: StateDict): Promise<AlignedTiling> {
  const tileHrPx = 16; // 8 LR px owned per tile
  const halo = new Upscaler(model, state, { tileHrPx }).haloLr;
  const [w, h] = [3 * 8 + 2 * halo + 5, 3 * 8 + 2 * halo + 2];
  const rng = new Rng(9);
  const lr = planeOf(w, h, Float32Array.from({ length: w * h }, () => rng.uniform()));
  const whole = new Upscaler(model, state, { threads: 2, tileHrPx: 4096 });
  const tiled = new Upscaler(model, state, { threads: 2, tileHrPx });
  const unaligned = new Upscaler({ ...model, tileAlign: undefined }, state, { threads: 2, tileHrPx });
  const release = () => Promise.all([whole, tiled, unaligned].map((u) => u.release())).then(() => undefined);
  try {
    const want = (await whole.upscale(lr)).data;
    let tiles = 0;
    const aligned = maxAbsDiff((await tiled.upscale(lr, () => tiles++)).data, want);
    const off = maxAbsDiff((await unaligned.upscale(lr)).data, want);
    return { halo, lr, want, whole, tiles, aligned, unaligned: off, release };
  } catch (e) {
    await release();
    throw e;
  }
}
