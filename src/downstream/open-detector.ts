/**
 * The detectors `srcaco downstream --detector` names: 'stardist' (srcaco's StarDist-style U-Net with its shipped
 * weights), 'classical' (LoG + watershed, no training), the weights of a `srcaco detector train` run
 * (`stardist.safetensors`), or the path of a StarDist model exported to ONNX.
 */
import { SrcacoError } from '../errors.js';
import type { Plane } from '../image/plane.js';
import { detectNucleiClassical, type Detection } from './detect-classical.js';
import { StarDetector, type StarDetectorOptions } from './detect-stardist.js';

export interface NucleusDetector {
  /** What downstream.json records. */
  readonly description: string;
  detect(plane: Plane): Promise<Detection>;
  release(): Promise<void>;
}

export const DEFAULT_DETECTOR = 'stardist';

const CLASSICAL = 'classical: percentile normalisation 1.1-100, multi-scale LoG seeds, seeded watershed';

/** Opens a detector by name or ONNX path; thresholds apply to the StarDist-style ones. */
export async function openDetector(spec: string = DEFAULT_DETECTOR, options: StarDetectorOptions = {}): Promise<NucleusDetector> {
  if (spec === 'classical') return { description: CLASSICAL, detect: async (p) => detectNucleiClassical(p), release: async () => undefined };
  let star: StarDetector;
  if (spec === 'stardist') star = await StarDetector.fromWeights();
  else if (/\.safetensors$/i.test(spec)) star = await StarDetector.fromWeights(spec);
  else if (/\.onnx$/i.test(spec)) star = await StarDetector.fromOnnx(spec);
  else throw new SrcacoError('usage', `unknown detector "${spec}": use stardist, classical, a 'srcaco detector train' run's .safetensors or a StarDist model exported to .onnx`, { option: '--detector' });
  const thresholds = `prob > ${options.probThreshold ?? 0.6}, NMS ${options.nmsThreshold ?? 0.4}`;
  return { description: `${star.description}; percentile normalisation 1-99.8, star-convex polygon NMS (${thresholds})`, detect: (p) => star.detect(p, options), release: () => star.release() };
}
