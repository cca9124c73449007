// The batch the short training runs of the parity tests (ACT, ENLCN, SRFBN) fit: something smooth that a tiny
// network learns in a few steps, so that a falling loss says the compiled step trains.
import type { HostTensor } from '../../../src/engine/index.js';
import { Rng } from '../../../src/util/random.js';

/** Two hrPx² HR images (a sine pattern with a little Rng(seed) noise) as `y`, their 2×2 means as the LR `x`. */
export function meanPooledBatch(hrPx: number, seed: number): { x: HostTensor; y: HostTensor } {
  const rng = new Rng(seed);
  const hr = Float32Array.from({ length: 2 * hrPx * hrPx }, (_, i) => 0.5 + 0.4 * Math.sin(i / 5) * Math.cos(i / 37) + 0.05 * rng.uniform());
  const half = hrPx / 2;
  const lr = Float32Array.from({ length: 2 * half * half }, (_, i) => {
    const [b, r, c] = [Math.floor(i / (half * half)), Math.floor((i % (half * half)) / half), i % half];
    const at = (dy: number, dx: number) => hr[b * hrPx * hrPx + (2 * r + dy) * hrPx + 2 * c + dx]!;
    return (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4;
  });
  return { x: { shape: [2, 1, half, half], data: lr }, y: { shape: [2, 1, hrPx, hrPx], data: hr } };
}
