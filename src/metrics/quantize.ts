import { SrcacoError } from '../errors.js';
import type { Plane } from '../image/plane.js';

/**
 * The 0..255 integer values the original measures (`tensor2uint82float`): uint8 pixels as they are,
 * float32 pixels (0..1) clamped to [0,1], multiplied by 255 in float32 and rounded half to even.
 * `what` names the image in error messages ("prediction", "ground truth"). A float image above
 * `maxFloat` is refused: it is on the 0..255 scale, and clamping would silently saturate it.
 */
export function quantizeTo255(plane: Plane, what: string, path?: string, maxFloat = 2): Uint8Array {
  const { data } = plane;
  if (data instanceof Uint8Array) return data;
  if (data instanceof Uint16Array) {
    throw new SrcacoError(
      'input',
      `the ${what} is 16-bit; metrics expect 8-bit images (0..255) or float32 (0..1). ` +
        'Convert it to 8-bit first (the SR-CACO-2 patches are uint8).',
      { path },
    );
  }
  const out = new Uint8Array(data.length);
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v > max) max = v;
    if (Number.isNaN(v)) {
      const x = i % plane.width;
      const y = (i - x) / plane.width;
      throw new SrcacoError('data', `the ${what} contains NaN (first at x=${x}, y=${y}); a model output must be finite`, {
        path,
      });
    }
    const c = v < 0 ? 0 : v > 1 ? 1 : v;
    // v is a float32, so v*255 is exact in a double; fround gives the float32 product torch computes.
    out[i] = roundHalfEven(Math.fround(c * 255));
  }
  if (max > maxFloat) {
    throw new SrcacoError(
      'data',
      `the ${what} is float32 with values up to ${max}; float images must be on 0..1 (divide by 255, or save it as uint8)`,
      { path },
    );
  }
  return out;
}

/** torch.round: halves go to the even neighbour. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const r = v - f;
  if (r > 0.5) return f + 1;
  if (r < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
