/** Comparing named tensor sets (parameters, buffers) between two runs of a step. */
import assert from 'node:assert/strict';
import type { HostTensor, StepRunner } from '../../src/engine/index.js';

/** The largest |a − b| over every tensor of `a`, element by element against the same name in `b`. */
export function maxAbsDiff(a: Readonly<Record<string, HostTensor>>, b: Readonly<Record<string, HostTensor>>): number {
  let d = 0;
  for (const [k, v] of Object.entries(a)) {
    const w = b[k]!.data as Float32Array;
    (v.data as Float32Array).forEach((x, i) => (d = Math.max(d, Math.abs(x - w[i]!))));
  }
  return d;
}

/**
 * Steps two runners of the same training step (compiled differently) over the same batches at learning rate `lr`
 * and asserts they train alike: each loss within `rtol` of the other's, and every parameter of `b` matched by
 * `a`'s to `rtol` of its largest magnitude.
 */
export async function assertSameTraining(a: StepRunner, b: StepRunner, batches: readonly Record<string, HostTensor>[], lr: number, rtol: number): Promise<void> {
  for (const batch of batches) {
    const [la, lb] = [(await a.step(batch, lr)).loss, (await b.step(batch, lr)).loss];
    assert.ok(Math.abs(la - lb) <= rtol * Math.abs(lb), `loss ${la} vs ${lb}`);
  }
  const [pa, pb] = [a.params(), b.params()];
  for (const name of Object.keys(pb)) {
    const [x, y] = [pa[name]!.data as Float32Array, pb[name]!.data as Float32Array];
    const scale = Math.max(...y.map(Math.abs));
    const diff = Math.max(...x.map((v, i) => Math.abs(v - y[i]!)));
    assert.ok(diff <= rtol * scale, `${name}: max difference ${diff} of ${scale}`);
  }
}
