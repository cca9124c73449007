/**
 * The paper's Bicubic baseline as a model: PyTorch `F.interpolate(scale_factor=s, mode='bicubic',
 * antialias=True)` then clamp to [0, 1]. The antialiased kernel (a = -0.5) is not ONNX Resize's, so the graph
 * multiplies by the interpolation matrices (y = Mh x Mwᵀ): static sizes only. Inference of whole images uses
 * the same arithmetic on the host (`bicubicBaseline`), with no graph at all.
 */
import { clamp } from '../engine/ops/elementwise.js';
import { matmul } from '../engine/ops/linalg.js';
import { constant } from '../engine/tensor.js';
import type { Tensor } from '../engine/tensor.js';
import { torchBicubicAntialiasWeights } from '../image/resize-bicubic.js';
import { defineModel } from './model.js';
import { CUBIC_REACH_LR } from './upsample.js';

/** The [out, in] matrix of the antialiased bicubic along one axis. */
export function antialiasBicubicMatrix(inSize: number, scale: number): Float32Array {
  const w = torchBicubicAntialiasWeights(inSize, inSize * scale, scale);
  const m = new Float32Array(w.outSize * inSize);
  for (let o = 0; o < w.outSize; o++) {
    for (let t = 0; t < w.taps; t++) m[o * inSize + w.index[o * w.taps + t]!]! += w.weight[o * w.taps + t]!;
  }
  return m;
}

function bicubicForward(scale: number, x: Tensor): Tensor {
  const [h, w] = [x.shape[2], x.shape[3]];
  if (typeof h !== 'number' || typeof w !== 'number') throw new RangeError('the bicubic model needs static H and W (it is a matrix product)');
  const mh = constant(antialiasBicubicMatrix(h, scale), [h * scale, h]);
  const mwT = constant(transposed(antialiasBicubicMatrix(w, scale), w * scale, w), [w, w * scale]);
  return clamp(matmul(matmul(mh, x), mwT), 0, 1);
}

function transposed(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c]!;
  return t;
}

export const bicubic = defineModel({
  name: 'bicubic',
  displayName: 'Bicubic',
  family: 'baseline',
  upsampling: 'the whole method: antialiased PyTorch bicubic (a = -0.5), clamped to [0, 1]',
  scales: [2, 4, 8],
  input: 'lr',
  staticSize: true,
  description: "the paper's Bicubic row; no parameters",
  halo: () => CUBIC_REACH_LR, // upscaling, the antialiased kernel keeps its support of 2 input px
  build: ({ scale }) => (x) => bicubicForward(scale, x),
});
