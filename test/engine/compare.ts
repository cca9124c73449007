/** Comparing named tensor sets (parameters, buffers) between two runs of a step. */
import type { HostTensor } from '../../src/engine/index.js';

/** The largest |a − b| over every tensor of `a`, element by element against the same name in `b`. */
export function maxAbsDiff(a: Readonly<Record<string, HostTensor>>, b: Readonly<Record<string, HostTensor>>): number {
  let d = 0;
  for (const [k, v] of Object.entries(a)) {
    const w = b[k]!.data as Float32Array;
    (v.data as Float32Array).forEach((x, i) => (d = Math.max(d, Math.abs(x - w[i]!))));
  }
  return d;
}
