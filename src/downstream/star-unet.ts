/**
 * The network of srcaco's StarDist-style detector: a small U-Net in the layout of StarDist 2D with grid (2, 2)
 * (two 3×3 convolutions at full resolution, then a 2× max-pool to the grid, where the U-Net and the outputs live),
 * a 3×3 convolution after the U-Net (StarDist's `net_conv_after_unet`), then two 1×1 heads: the object
 * probability (a logit; sigmoid at inference) and `nRays` radial distances (linear, in full-resolution pixels).
 * Declared with the engine's model layer, so it trains with `compileStep` and exports with `compileFunction`.
 */
import { constantInit, kaimingNormal } from '../engine/nn/init.js';
import { buildModule, type BuiltModule } from '../engine/nn/module.js';
import { concat } from '../engine/ops/shape.js';
import { relu } from '../engine/ops/elementwise.js';
import { maxPool2d } from '../engine/ops/nn.js';
import { resize } from '../engine/ops/resize.js';
import type { Tensor } from '../engine/tensor.js';

export interface StarUnetConfig {
  /** Rays per pixel (StarDist 2D: 32). */
  nRays: number;
  /** Channels of the two full-resolution convolutions before the grid pool. */
  stem: number;
  /** Channels of each U-Net level at the grid, top to bottom; the last is the bottleneck. */
  levels: readonly number[];
  /** Channels of the convolution after the U-Net. */
  head: number;
}

/** The shipped detector's network: 3 U-Net levels of 32, 64, 64 channels behind a 16-channel stem (313,937 parameters). */
export const STAR_UNET_DEFAULT: StarUnetConfig = { nRays: 32, stem: 16, levels: [32, 64, 64], head: 64 };

/** StarDist's grid: outputs are at 1/GRID of the input resolution. */
export const STAR_GRID = 2;

/** Input sides must be multiples of this (the grid pool, then one 2× pool per U-Net level below the top). */
export const starDivisor = (config: StarUnetConfig): number => STAR_GRID * 2 ** (config.levels.length - 1);

export interface StarOutputs {
  /** [B, 1, H/2, W/2] probability logits. */
  probLogits: Tensor;
  /** [B, nRays, H/2, W/2] distances. */
  dist: Tensor;
}

/** Declares the network; its forward maps a normalised image [B, 1, H, W] (H, W multiples of starDivisor). */
export function starUnet(config: StarUnetConfig = STAR_UNET_DEFAULT): BuiltModule<(x: Tensor) => StarOutputs> {
  return buildModule((nn) => {
    const init = { weight: kaimingNormal(), bias: constantInit(0) };
    const conv = (name: string, inC: number, outC: number, k = 3) => nn.conv2d(name, inC, outC, k, { padding: (k - 1) / 2, init });
    const block = (name: string, inC: number, outC: number) => {
      const a = conv(`${name}.0`, inC, outC), b = conv(`${name}.1`, outC, outC);
      return (x: Tensor) => relu(b(relu(a(x))));
    };
    const { levels } = config;
    const stem = block('stem', 1, config.stem);
    const down = levels.map((c, k) => block(`down.${k}`, k === 0 ? config.stem : levels[k - 1]!, c));
    // decoder level k (from the level below upward): the upsampled level below, concatenated with the skip
    const up = levels.slice(0, -1).map((c, k) => block(`up.${k}`, c + levels[k + 1]!, c));
    const after = conv('features', levels[0]!, config.head);
    const prob = conv('prob', config.head, 1, 1);
    const dist = conv('dist', config.head, config.nRays, 1);
    return (x: Tensor) => {
      let h = maxPool2d(stem(x), STAR_GRID);
      const skips: Tensor[] = [];
      for (const [k, level] of down.entries()) {
        if (k > 0) h = maxPool2d(h, 2);
        h = level(h);
        skips.push(h);
      }
      for (let k = levels.length - 2; k >= 0; k--) h = up[k]!(concat([resize(h, 2, 'nearest'), skips[k]!], 1));
      const f = relu(after(h));
      return { probLogits: prob(f), dist: dist(f) };
    };
  });
}
