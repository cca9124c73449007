/**
 * The original SR-CACO-2 patch registration (caco2_resample.py `_register_im_single_plan`, global shift):
 * nearest-upsample LR to HR size, TV-L1 flow (scikit-image defaults) from HR to it, mean flow rounded to whole
 * HR pixels, integer constant-mode shift, crop the margin, nearest-downsample back. LR moves by whole LR pixels.
 */
import { type Plane, planeOf } from '../../image/plane.js';
import { grid, unitFloat32 } from './skimage-ops.js';
import { opticalFlowTvl1 } from './tvl1.js';

/**
 * Mean TV-L1 flow `optical_flow_tvl1(hr, lr_up)` in HR pixels, before and after rounding: where HR content lies in
 * the LR (lr_up(p + flow) ≈ hr(p)), the negative of register.ts's shift.
 */
export interface SeedCompatShift {
  meanDyHrPx: number;
  meanDxHrPx: number;
  /** Python's round() (half to even), as the original applied it. */
  roundedDyHrPx: number;
  roundedDxHrPx: number;
}

/** LR replicated s×s (PIL NEAREST upscale by an integer factor). */
export function nearestUpsample(lr: Plane, scale: number): Plane {
  const width = lr.width * scale;
  const height = lr.height * scale;
  const out = new (lr.data.constructor as new (n: number) => Plane['data'])(width * height);
  for (let y = 0; y < height; y++) {
    const src = Math.floor(y / scale) * lr.width;
    for (let x = 0; x < width; x++) out[y * width + x] = lr.data[src + Math.floor(x / scale)]!;
  }
  return planeOf(width, height, out);
}

/** Mean TV-L1 flow `optical_flow_tvl1(hr, lr_up)` in HR pixels (v = rows = dy, u = columns = dx). */
export function seedCompatShift(hr: Plane, lr: Plane, scale: number): SeedCompatShift {
  const up = nearestUpsample(lr, scale);
  if (up.width !== hr.width || up.height !== hr.height) {
    throw new RangeError(`LR ${lr.width}x${lr.height} times ${scale} is not the HR size ${hr.width}x${hr.height}`);
  }
  const flow = opticalFlowTvl1(
    grid(hr.height, hr.width, unitFloat32(hr.data, unitMax(hr))),
    grid(up.height, up.width, unitFloat32(up.data, unitMax(up))),
  );
  let sv = 0;
  let su = 0;
  for (let i = 0; i < flow.v.length; i++) {
    sv += flow.v[i]!;
    su += flow.u[i]!;
  }
  const meanDyHrPx = sv / flow.v.length;
  const meanDxHrPx = su / flow.u.length;
  return { meanDyHrPx, meanDxHrPx, roundedDyHrPx: roundHalfEven(meanDyHrPx), roundedDxHrPx: roundHalfEven(meanDxHrPx) };
}

/**
 * The original's registered LR for one window: upsampled LR moved by the rounded shift (zeros where it leaves the
 * image), `marginHrPx` cropped from each side, then every s-th pixel taken at offset ⌊s/2⌋ (PIL NEAREST downscale).
 */
export function seedCompatRegisteredLr(lr: Plane, scale: number, dyHrPx: number, dxHrPx: number, marginHrPx: number): Plane {
  const up = nearestUpsample(lr, scale);
  const croppedW = up.width - 2 * marginHrPx;
  const croppedH = up.height - 2 * marginHrPx;
  const width = Math.floor(croppedW / scale);
  const height = Math.floor(croppedH / scale);
  const out = new (lr.data.constructor as new (n: number) => Plane['data'])(width * height);
  const half = Math.floor(scale / 2);
  for (let y = 0; y < height; y++) {
    const sy = marginHrPx + y * scale + half + dyHrPx;
    for (let x = 0; x < width; x++) {
      const sx = marginHrPx + x * scale + half + dxHrPx;
      out[y * width + x] = sy >= 0 && sy < up.height && sx >= 0 && sx < up.width ? up.data[sy * up.width + sx]! : 0;
    }
  }
  return planeOf(width, height, out);
}

/** The value img_as_float divides by: the integer type's maximum, 1 for float planes. */
function unitMax(plane: Plane): number {
  return plane.data instanceof Uint8Array ? 255 : plane.data instanceof Uint16Array ? 65535 : 1;
}

/** numpy/Python 3 rounding: halves go to the even neighbour. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The flow the original effectively applies, in HR px: whole LR pixels, ⌊(⌊s/2⌋ + v) / s⌋ · s for rounded flow v. */
export function seedCompatAppliedShiftHrPx(roundedHrPx: number, scale: number): number {
  return Math.floor((Math.floor(scale / 2) + roundedHrPx) / scale) * scale;
}
