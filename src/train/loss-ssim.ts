/**
 * The SSIM term of the training loss (the original's dlib/loss/ssim.py, from pytorch-ssim): Gaussian window,
 * zero padding of half the window so the map keeps the image size, C1 = 0.01², C2 = 0.03² for images in [0, 1],
 * the mean of the map. Built for speed in the compiled step: the five local means (x, y, x², y², xy) go through
 * one separable convolution (a 19×1 then a 1×19 pass, ~10× fewer multiply-adds than the 19×19 window).
 */
import { SrcacoError } from '../errors.js';
import type { Tensor } from '../engine/index.js';
import { add, concat, constant, conv2d, div, mul, reduceMean, reshape, slice, sub } from '../engine/index.js';

export interface SsimLossOptions {
  /** Window side in pixels, odd (the protocol: 19). */
  windowSize?: number;
  /** Gaussian standard deviation in pixels (1.5; it does not grow with the window). */
  sigma?: number;
  c1?: number;
  c2?: number;
}

export const SSIM_LOSS_DEFAULTS: Required<SsimLossOptions> = { windowSize: 19, sigma: 1.5, c1: 0.01 ** 2, c2: 0.03 ** 2 };

/** The normalised 1-D Gaussian in float32, as pytorch-ssim builds it (its outer product is the 2-D window). */
export function gaussianWindow1d(size: number, sigma: number): Float32Array {
  const g = Float32Array.from({ length: size }, (_, x) => Math.exp(-((x - Math.floor(size / 2)) ** 2) / (2 * sigma ** 2)));
  const sum = Math.fround(g.reduce((a, b) => Math.fround(a + b), 0));
  return g.map((v) => v / sum);
}

/** Mean SSIM of pred and target [N, C, H, W] (per channel, as the original's grouped conv), a scalar tensor. */
export function ssimLossTerm(pred: Tensor, target: Tensor, options: SsimLossOptions = {}): Tensor {
  const { windowSize, sigma, c1, c2 } = { ...SSIM_LOSS_DEFAULTS, ...options };
  if (!(windowSize % 2 === 1 && windowSize > 0)) throw new SrcacoError('usage', `the SSIM window must be an odd size, got ${windowSize}`);
  if (pred.rank !== 4 || pred.shape.some((d, i) => d !== target.shape[i])) {
    throw new SrcacoError('usage', `SSIM needs prediction and target of one shape [N, C, H, W]; got [${pred.shape}] and [${target.shape}]`);
  }
  const [n, c, h, w] = pred.shape;
  const half = (windowSize - 1) / 2;
  const g = gaussianWindow1d(windowSize, sigma);
  // Channels fold into the batch so one single-channel kernel serves every channel (grouped conv semantics).
  const stacked = reshape(concat([pred, target, mul(pred, pred), mul(target, target), mul(pred, target)], 0), [-1, 1, h!, w!]);
  const rows = conv2d(stacked, constant(g, [1, 1, windowSize, 1], pred.dtype), null, { padding: [half, 0] });
  const means = reshape(conv2d(rows, constant(g, [1, 1, 1, windowSize], pred.dtype), null, { padding: [0, half] }), [-1, c!, h!, w!]);
  const part = (k: number) => slice(means, 0, k * Number(n), (k + 1) * Number(n));
  const [muX, muY, xx, yy, xy] = [0, 1, 2, 3, 4].map(part) as [Tensor, Tensor, Tensor, Tensor, Tensor];
  const muXY = mul(muX, muY);
  const muXX = mul(muX, muX);
  const muYY = mul(muY, muY);
  const num = mul(add(mul(muXY, 2), c1), add(mul(sub(xy, muXY), 2), c2));
  const den = mul(add(add(muXX, muYY), c1), add(add(sub(xx, muXX), sub(yy, muYY)), c2));
  return reduceMean(div(num, den));
}
