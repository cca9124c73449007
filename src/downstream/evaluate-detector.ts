/** A detector's pooled F1 against simulator truth (IoU ≥ 0.5, grazed caps ignored), as the docs report it. */
import type { Plane } from '../image/plane.js';
import type { Detection } from './detect-classical.js';
import { matchInstances } from './match.js';
import type { NucleusImage } from './simulated-nuclei.js';

export interface DetectorScore {
  images: number;
  reference: number;
  predicted: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  overSegmented: number;
  underSegmented: number;
  f1: number;
}

/** Runs `detect` on every image and pools the matches. */
export async function scoreDetector(images: readonly NucleusImage[], detect: (image: Plane) => Detection | Promise<Detection>): Promise<DetectorScore> {
  const s: DetectorScore = { images: images.length, reference: 0, predicted: 0, truePositives: 0, falsePositives: 0, falseNegatives: 0, overSegmented: 0, underSegmented: 0, f1: 0 };
  for (const im of images) {
    const m = matchInstances(im.labels, (await detect(im.image)).labels, { ignore: im.ignore });
    s.reference += m.reference;
    s.predicted += m.predicted;
    s.truePositives += m.truePositives;
    s.falsePositives += m.falsePositives;
    s.falseNegatives += m.falseNegatives;
    s.overSegmented += m.overSegmented;
    s.underSegmented += m.underSegmented;
  }
  s.f1 = s.reference + s.predicted > 0 ? (2 * s.truePositives) / (s.reference + s.predicted) : 1;
  return s;
}
