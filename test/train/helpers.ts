import { planeOf, type Plane } from '../../src/image/plane.js';
import { Rng } from '../../src/util/random.js';

/** LR as the exact box average of HR: any correctly aligned LR crop is the box average of its HR crop. */
export function boxPair(hrSide: number, scale: number, seed: number): { lr: Plane; hr: Plane } {
  const rng = new Rng(seed);
  const hr = new Float32Array(hrSide * hrSide);
  // Bright blobs on a dark background so that the ROI is neither empty nor everything.
  for (let y = 0; y < hrSide; y++) {
    for (let x = 0; x < hrSide; x++) {
      const blob = Math.sin(x / 5) * Math.cos(y / 7) > 0.3 ? 0.5 : 0;
      hr[y * hrSide + x] = Math.min(1, blob + 0.02 * rng.uniform());
    }
  }
  const side = hrSide / scale;
  const lr = new Float32Array(side * side);
  for (let y = 0; y < hrSide; y++) {
    for (let x = 0; x < hrSide; x++) lr[Math.floor(y / scale) * side + Math.floor(x / scale)]! += hr[y * hrSide + x]!;
  }
  for (let i = 0; i < lr.length; i++) lr[i] = lr[i]! / (scale * scale);
  return { lr: planeOf(side, side, lr), hr: planeOf(hrSide, hrSide, hr) };
}

