/**
 * Registration of an LR patch to its HR patch by one global translation (SPEC §2).
 *
 * Sign convention (both modes; the same as the simulator's truth.json): the shift (dyHrPx, dxHrPx) is in HR pixels and
 * says where each LR pixel looks on the specimen: LR pixel (Y, X) of scale s is centred on HR coordinate
 * (Y·s + (s−1)/2 + dy, X·s + (s−1)/2 + dx), HR pixel (y, x) being centred on (y, x). So
 *   lr(P) ≈ areaDownsample(hr)(P + shift/s)   and the registered LR is   registered(P) = lr(P − shift/s).
 * A positive dy means the LR shows content from larger y than the HR at the same pixel: the LR image looks moved
 * up by dy/s LR pixels. scikit-image's `optical_flow_tvl1(hr, lr_up)` mean flow is −shift (the content moves down).
 *
 * Modes: 'default' estimates a sub-pixel shift at LR resolution against the area-downsampled HR and resamples the LR
 * bicubically; 'seed-compat' reproduces the original code (TV-L1 mean flow rounded to whole HR pixels, nearest
 * resampling, so the LR moves by whole LR pixels).
 */
import { PearsonSums } from '../util/pearson.js';
import { SrcacoError } from '../errors.js';
import { type Plane, planeOf } from '../image/plane.js';
import { estimateGlobalShift } from './registration/global-shift.js';
import { type FloatImage, areaDownsample, translateBicubic } from './registration/resample.js';
import { seedCompatRegisteredLr, seedCompatShift } from './registration/seed-compat.js';

export type RegistrationMode = 'default' | 'seed-compat';

/** Shift of LR relative to HR in HR pixels (see the module comment) and how well the aligned pair correlates. */
export interface ShiftEstimate {
  dyHrPx: number;
  dxHrPx: number;
  /** Pearson correlation in [0, 1] of the area-downsampled HR and the registered LR (interior only). */
  confidence: number;
  /** Default mode: least-squares standard error of the shift in HR px (white noise assumed; for weighting). */
  stdErrHrPx?: number;
}

export interface RegistrationOptions {
  mode?: RegistrationMode;
  /** Largest |shift| the default mode searches, in HR pixels (default 96). */
  maxShiftHrPx?: number;
}

/** The registration margin the original crops from every side of a 640×640 HR window. */
export const REGISTRATION_MARGIN_HR_PX = 64;

/** Estimates the shift of `lr` relative to `hr` (sizes hr = lr × scale), in HR pixels. */
export function estimateShift(hr: Plane, lr: Plane, scale: number, options: RegistrationOptions = {}): ShiftEstimate {
  checkPair(hr, lr, scale);
  const mode = options.mode ?? 'default';
  if (mode === 'seed-compat') {
    const s = seedCompatShift(hr, lr, scale);
    const shift = { dyHrPx: negate(s.roundedDyHrPx), dxHrPx: negate(s.roundedDxHrPx) };
    const registered = applyShift(lr, shift, scale, { mode });
    return { ...shift, confidence: interiorCorrelation(areaDownsample(hr, scale), registered) };
  }
  const maxShiftHrPx = options.maxShiftHrPx ?? 96;
  const est = estimateGlobalShift(areaDownsample(hr, scale), toFloat(lr), { maxShiftPx: maxShiftHrPx / scale });
  // estimateGlobalShift reports where the content moved (lr(p) ≈ ref(p − d)); the LR pixel looks at p + (−d).
  return { dyHrPx: negate(est.dy * scale), dxHrPx: negate(est.dx * scale), confidence: est.confidence, stdErrHrPx: est.stdErrPx * scale };
}

/**
 * One default-mode shift for several planes of one acquisition (the markers of a confocal scan share the stage
 * position): per-plane estimates averaged with weights 1/stdErr², so a dim, sparse marker borrows the accuracy of
 * a bright one. The original registered every plane on its own, so seed-compat has no joint form.
 */
export function estimateShiftJoint(hrPlanes: readonly Plane[], lrPlanes: readonly Plane[], scale: number, options: Omit<RegistrationOptions, 'mode'> = {}): ShiftEstimate {
  if (hrPlanes.length === 0 || hrPlanes.length !== lrPlanes.length) {
    throw new SrcacoError('data', `joint registration needs as many HR planes as LR planes (at least one), received ${hrPlanes.length} and ${lrPlanes.length}`);
  }
  const estimates = hrPlanes.map((hr, k) => estimateShift(hr, lrPlanes[k]!, scale, { ...options, mode: 'default' }));
  const usable = estimates.filter((e) => Number.isFinite(e.stdErrHrPx) && e.stdErrHrPx! > 0);
  if (usable.length === 0) return estimates.reduce((a, b) => (b.confidence > a.confidence ? b : a));
  let w = 0, dy = 0, dx = 0, confidence = 0;
  for (const e of usable) {
    const wk = 1 / e.stdErrHrPx! ** 2;
    w += wk;
    dy += wk * e.dyHrPx;
    dx += wk * e.dxHrPx;
    confidence += wk * e.confidence;
  }
  return { dyHrPx: dy / w, dxHrPx: dx / w, confidence: confidence / w, stdErrHrPx: 1 / Math.sqrt(w) };
}

/**
 * The registered LR, same size and pixel type as `lr`: `registered(P) = lr(P − shift/s)`. Default mode: bicubic
 * (Keys), edges repeated; seed-compat: the original's whole-pixel nearest shift with zeros outside.
 */
export function applyShift(
  lr: Plane,
  shift: { dyHrPx: number; dxHrPx: number },
  scale: number,
  options: { mode?: RegistrationMode } = {},
): Plane {
  if ((options.mode ?? 'default') === 'seed-compat') {
    // The original warps by the TV-L1 mean flow, which is −shift.
    return seedCompatRegisteredLr(lr, scale, negate(Math.round(shift.dyHrPx)), negate(Math.round(shift.dxHrPx)), 0);
  }
  const moved = translateBicubic(toFloat(lr), -shift.dyHrPx / scale, -shift.dxHrPx / scale);
  return fromFloat(moved, lr);
}

/** One registered window pair: the LR registered and cropped, the HR cropped, and the shift applied. */
export interface RegisteredWindow {
  hr: Plane;
  registeredLr: Plane;
  shift: ShiftEstimate;
}

/** Registers a window pair and crops `marginHrPx` HR pixels (marginHrPx/s LR pixels) from every side. */
export function registerWindow(
  hrWindow: Plane,
  lrWindow: Plane,
  scale: number,
  options: RegistrationOptions & { marginHrPx?: number } = {},
): RegisteredWindow {
  const marginHrPx = options.marginHrPx ?? REGISTRATION_MARGIN_HR_PX;
  if (marginHrPx % scale !== 0 || 2 * marginHrPx >= hrWindow.width || 2 * marginHrPx >= hrWindow.height) {
    throw new SrcacoError('usage', `registration margin ${marginHrPx} must be a multiple of the scale ${scale} and leave pixels in a ${hrWindow.width}x${hrWindow.height} window`);
  }
  if ((options.mode ?? 'default') === 'seed-compat') {
    const { registeredLr, shift } = registerWindowSeedCompat(hrWindow, lrWindow, scale, marginHrPx);
    return { hr: crop(hrWindow, marginHrPx), registeredLr, shift };
  }
  const shift = estimateShift(hrWindow, lrWindow, scale, options);
  const registered = applyShift(lrWindow, shift, scale);
  return { hr: crop(hrWindow, marginHrPx), registeredLr: crop(registered, marginHrPx / scale), shift };
}

/** The original's whole-window registration (see seed-compat.ts): registered LR already cropped by the margin. */
export function registerWindowSeedCompat(
  hrWindow: Plane,
  lrWindow: Plane,
  scale: number,
  marginHrPx = REGISTRATION_MARGIN_HR_PX,
): { registeredLr: Plane; shift: ShiftEstimate } {
  checkPair(hrWindow, lrWindow, scale);
  const s = seedCompatShift(hrWindow, lrWindow, scale);
  const registeredLr = seedCompatRegisteredLr(lrWindow, scale, s.roundedDyHrPx, s.roundedDxHrPx, marginHrPx);
  const confidence = interiorCorrelation(areaDownsample(crop(hrWindow, marginHrPx), scale), registeredLr);
  return { registeredLr, shift: { dyHrPx: negate(s.roundedDyHrPx), dxHrPx: negate(s.roundedDxHrPx), confidence } };
}

/** The plane without `margin` pixels on every side. */
export function crop(plane: Plane, margin: number): Plane {
  const width = plane.width - 2 * margin;
  const height = plane.height - 2 * margin;
  const out = new (plane.data.constructor as new (n: number) => Plane['data'])(width * height);
  for (let y = 0; y < height; y++) {
    const start = (y + margin) * plane.width + margin;
    out.set(plane.data.subarray(start, start + width), y * width);
  }
  return planeOf(width, height, out);
}

/** −v without producing −0 (which would print and compare differently from 0). */
function negate(v: number): number {
  return 0 - v;
}

function checkPair(hr: Plane, lr: Plane, scale: number): void {
  if (!Number.isInteger(scale) || scale < 1) throw new SrcacoError('usage', `scale must be an integer >= 1, received ${scale}`, { option: '--scale' });
  if (hr.width !== lr.width * scale || hr.height !== lr.height * scale) {
    throw new SrcacoError('data', `HR ${hr.width}x${hr.height} must be the LR ${lr.width}x${lr.height} times the scale ${scale}`);
  }
}

function toFloat(plane: Plane): FloatImage {
  return { width: plane.width, height: plane.height, data: plane.data instanceof Float32Array ? plane.data : Float32Array.from(plane.data) };
}

/** Back to the input's pixel type, rounded and clamped for integer types. */
function fromFloat(img: FloatImage, like: Plane): Plane {
  if (like.data instanceof Float32Array) return planeOf(img.width, img.height, img.data);
  const max = like.data instanceof Uint8Array ? 255 : 65535;
  const out = like.data instanceof Uint8Array ? new Uint8Array(img.data.length) : new Uint16Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(max, Math.max(0, Math.round(img.data[i]!)));
  return planeOf(img.width, img.height, out);
}

/** Pearson correlation (clamped at 0) of two same-size planes over all but a 1/8 border. */
function interiorCorrelation(a: FloatImage | Plane, b: Plane): number {
  const border = Math.floor(Math.min(a.width, a.height) / 8);
  const sums = new PearsonSums();
  for (let y = border; y < a.height - border; y++) {
    for (let x = border; x < a.width - border; x++) sums.add(a.data[y * a.width + x]!, b.data[y * b.width + x]!);
  }
  return Math.max(0, sums.value());
}
