import { SrcacoError } from '../errors.js';
import { planeOf, type Plane } from '../image/plane.js';
import { resizeCubicCv2 } from '../image/resize-cv2.js';
import type { Rng } from '../util/random.js';
import { augmentLr, defaultLrAugment, type LrAugmentOptions } from './augment-lr.js';
import { dihedral, type DihedralMode } from './augment-dihedral.js';
import { alignCrop, cropUnit, drawCentreOrigin, samplingRoi, type CropOrigin } from './sampler-crop.js';

/** One training pair: an LR plane and its HR plane, HR = scale × LR in both sides. */
export interface TrainPair {
  lr: Plane;
  hr: Plane;
}

/** How training patches are cut (the protocol's values as defaults, see `defaultPatchOptions`). */
export interface PatchOptions {
  scale: number;
  /** HR crop side (protocol: 96); the LR crop side is hrPatchPx / scale. */
  hrPatchPx: number;
  /** ROI threshold on the 0..255 scale of the upsampled LR (protocol: 4). */
  roiThreshold: number;
  lrAugment: LrAugmentOptions;
  /** Also return the LR crop upsampled to HR size with cv2 bicubic, clipped to [0,1] (SRCNN's input). */
  withUpsampled: boolean;
  /** The original's behaviour: LR/HR crops drifting, last origin never drawn, augmented LR not clipped. */
  seedCompat: boolean;
}

/** The protocol's patch options for a scale. */
export function defaultPatchOptions(scale: number, overrides: Partial<PatchOptions> = {}): PatchOptions {
  return {
    scale,
    hrPatchPx: 96,
    roiThreshold: 4,
    lrAugment: defaultLrAugment,
    withUpsampled: false,
    seedCompat: false,
    ...overrides,
  };
}

/** One training patch, float32 in [0,1], row-major squares. */
export interface TrainPatch {
  lr: Float32Array;
  hr: Float32Array;
  /** cv2-bicubic(LR) at HR size, when asked for. */
  lrUp?: Float32Array;
  origin: CropOrigin;
  mode: DihedralMode;
}

/** Checks a pair and the options together; throws a user-facing error naming what does not fit. */
export function checkPair(pair: TrainPair, o: PatchOptions, label = 'training pair'): void {
  const { lr, hr } = pair;
  if (hr.width !== lr.width * o.scale || hr.height !== lr.height * o.scale) {
    throw new SrcacoError(
      'data',
      `${label}: HR is ${hr.width}x${hr.height} but LR ${lr.width}x${lr.height} × scale ${o.scale} ` +
        `is ${lr.width * o.scale}x${lr.height * o.scale}; check the split list and --scale`,
    );
  }
  if (o.hrPatchPx % o.scale !== 0) {
    throw new SrcacoError('usage', `the HR patch size ${o.hrPatchPx} must be a multiple of the scale ${o.scale}`, {
      option: '--patch',
    });
  }
}

/**
 * Cuts one training patch from a pair: ROI-weighted centre, aligned LR/HR crops, one random dihedral mode on
 * both, then the LR-only augmentations. Draws from `rng` in that order (as the original does).
 */
export function samplePatch(pair: TrainPair, o: PatchOptions, rng: Rng): TrainPatch {
  checkPair(pair, o);
  const { lr, hr } = pair;
  const roi = samplingRoi(lr, o.scale, o.roiThreshold);
  const c = drawCentreOrigin(roi, hr.width, hr.height, o.hrPatchPx, rng, o.seedCompat);
  const origin = alignCrop(c.x, c.y, o.scale, o.seedCompat);
  const l = o.hrPatchPx / o.scale;
  const mode = rng.int(8) as DihedralMode;
  const hrCrop = dihedral(cropUnit(hr, origin.hrX, origin.hrY, o.hrPatchPx), o.hrPatchPx, o.hrPatchPx, mode).data;
  const lrCrop = dihedral(cropUnit(lr, origin.lrX, origin.lrY, l), l, l, mode).data;
  augmentLr(lrCrop, l, l, o.lrAugment, rng);
  // The original clips HR (already in range) where it meant LR; its models then see noise outside [0,1].
  if (!o.seedCompat) clip01(lrCrop);
  const patch: TrainPatch = { lr: lrCrop, hr: hrCrop, origin, mode };
  if (o.withUpsampled) patch.lrUp = clip01(resizeCubicCv2(planeOf(l, l, lrCrop), o.hrPatchPx, o.hrPatchPx).data);
  return patch;
}

function clip01(a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! < 0 ? 0 : a[i]! > 1 ? 1 : a[i]!;
  return a;
}
