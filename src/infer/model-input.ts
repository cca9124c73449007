import { planeOf, type Plane } from '../image/plane.js';
import { resizeCubicCv2, resizeCubicCv2Uint8 } from '../image/resize-cv2.js';
import type { ModelInput } from '../models/model.js';

/**
 * A model's input `x` for a whole LR plane: the LR in [0, 1], or its OpenCV bicubic at HR size (SRCNN-style
 * models). Free of Node imports: the browser viewer feeds a run's best.onnx with it too, so both run the same
 * numbers. `outScale` is the output's size over the input's.
 */
export function modelInputOf(input: ModelInput, scale: number, lr: Plane): { x: Float32Array; width: number; height: number; outScale: number } {
  if (input === 'cv2-bicubic') {
    // Evaluation convention of the original: cv2 on the uint8 image (fixed point), then / 255.
    const [w, h] = [lr.width * scale, lr.height * scale];
    const up = lr.data instanceof Uint8Array ? Float32Array.from(resizeCubicCv2Uint8(lr as Plane<Uint8Array>, w, h).data, (v) => v / 255) : clip01(resizeCubicCv2(planeOf(lr.width, lr.height, asUnit(lr)), w, h).data);
    return { x: up, width: w, height: h, outScale: 1 };
  }
  return { x: asUnit(lr), width: lr.width, height: lr.height, outScale: scale };
}

function asUnit(p: Plane): Float32Array {
  if (p.data instanceof Uint8Array) return Float32Array.from(p.data, (v) => v / 255);
  if (p.data instanceof Float32Array) return p.data;
  throw new RangeError('16-bit images are not supported: convert to 8-bit (0..255) or float32 in [0, 1]');
}

function clip01(a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! < 0 ? 0 : a[i]! > 1 ? 1 : a[i]!;
  return a;
}
