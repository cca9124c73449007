import { SrcacoError } from '../errors.js';
import { createPlane, type Plane } from '../image/plane.js';
import { resizeBicubic } from '../image/resize-bicubic.js';

/**
 * The paper's Bicubic row: the LR patch as float32 in [0,1] (`uint2single`: v / 255), upscaled by
 * `F.interpolate(scale_factor=scale, mode='bicubic', antialias=True)` and clamped to [0,1]
 * (`Interpolate.forward` in the original's utils_trainer.py).
 */
export function bicubicBaseline(lr: Plane, scale: number, path?: string): Plane<Float32Array> {
  if (!Number.isInteger(scale) || scale < 1) {
    throw new SrcacoError('usage', `the scale must be an integer >= 1, received ${scale}`, { option: '--scale' });
  }
  let x: Plane = lr;
  if (lr.data instanceof Uint8Array) {
    const f = createPlane(lr.width, lr.height, 'float32');
    for (let i = 0; i < f.data.length; i++) f.data[i] = lr.data[i] / 255;
    x = f;
  } else if (lr.data instanceof Uint16Array) {
    throw new SrcacoError('input', 'the LR patch is 16-bit; the bicubic baseline expects 8-bit patches (0..255)', { path });
  }
  const out = resizeBicubic(x, lr.width * scale, lr.height * scale, { antialias: true, scaleFactor: scale });
  const d = out.data;
  for (let i = 0; i < d.length; i++) d[i] = d[i] < 0 ? 0 : d[i] > 1 ? 1 : d[i];
  return out;
}
