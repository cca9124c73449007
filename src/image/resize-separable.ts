import { createPlane, type Plane } from './plane.js';

/**
 * How one axis is resampled: output i = sum over k < taps of weight[i*taps + k] * input[index[i*taps + k]].
 * Border handling (replicate, clipping) is baked into the indices and weights.
 */
export interface AxisWeights {
  readonly outSize: number;
  readonly taps: number;
  readonly index: Int32Array;
  readonly weight: Float64Array;
}

/** Resamples a plane by separate horizontal and vertical passes (float64 inside, float32 out). */
export function resampleSeparable(plane: Plane, wx: AxisWeights, wy: AxisWeights): Plane<Float32Array> {
  const { width, data } = plane;
  const height = plane.height;
  const ow = wx.outSize;
  const oh = wy.outSize;
  // horizontal pass: every input row, every output column
  const tmp = new Float64Array(ow * height);
  for (let r = 0; r < height; r++) {
    const row = r * width;
    for (let c = 0; c < ow; c++) {
      let s = 0;
      const o = c * wx.taps;
      for (let k = 0; k < wx.taps; k++) s += wx.weight[o + k] * data[row + wx.index[o + k]];
      tmp[r * ow + c] = s;
    }
  }
  // vertical pass
  const out = createPlane(ow, oh, 'float32');
  const acc = new Float64Array(ow);
  for (let r = 0; r < oh; r++) {
    acc.fill(0);
    const o = r * wy.taps;
    for (let k = 0; k < wy.taps; k++) {
      const wgt = wy.weight[o + k];
      if (wgt === 0) continue;
      const src = wy.index[o + k] * ow;
      for (let c = 0; c < ow; c++) acc[c] += wgt * tmp[src + c];
    }
    out.data.set(acc, r * ow);
  }
  return out;
}

/** Checks an output size: a positive integer. */
export function checkOutSize(width: number, height: number): void {
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`output ${name} must be an integer >= 1, received ${v}`);
  }
}
