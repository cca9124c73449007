/**
 * Batched finite-difference checks of VJPs. Every case becomes part of ONE graph per dtype: for a random
 * cotangent u and direction v it outputs the analytic directional derivative D = <∇(u·f)(x), v> and the
 * values L(x ± εv) of L = u·f, so a whole table of ops is checked with one session.run.
 */
import * as E from '../../src/engine/index.js';
import type { Tensor } from '../../src/engine/index.js';
import { Rng } from '../../src/util/random.js';

export interface InputSpec {
  shape: number[];
  lo?: number;
  hi?: number;
}

export interface GradCase {
  name: string;
  inputs: InputSpec[];
  fn: (...xs: Tensor[]) => Tensor;
  /** The conv gradient formulations this case's VJPs are traced with (default: 'auto'). */
  convGradient?: Partial<E.ConvGradient>;
}

export interface GradResult {
  name: string;
  analytic: number;
  numeric: number;
}

function randomHost(rng: Rng, spec: InputSpec, dtype: 'float32' | 'float64') {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const lo = spec.lo ?? -1;
  const hi = spec.hi ?? 1;
  const values = Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
  return { shape: spec.shape, data: dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values) };
}

/** Runs every case in one graph; returns analytic and central-difference directional derivatives. */
export async function gradCheck(cases: readonly GradCase[], dtype: 'float32' | 'float64', eps: number, seed = 1): Promise<GradResult[]> {
  const rng = new Rng(seed);
  const graphInputs: Tensor[] = [];
  const outputs: [string, Tensor][] = [];
  const feeds: Record<string, E.HostTensor> = {};
  for (const c of cases) {
    const target = await E.compileTarget('cpu', { blockedConvs: false, convGradient: c.convGradient });
    const xs = c.inputs.map((spec, i) => {
      const t = E.input(`${c.name}/x${i}`, spec.shape, dtype);
      graphInputs.push(t);
      feeds[`${c.name}/x${i}`] = randomHost(rng, spec, dtype);
      return t;
    });
    // Directions stay small relative to the input ranges so ε·v cannot cross a domain boundary.
    const vs = c.inputs.map((spec) => E.constant(randomHost(rng, { shape: spec.shape, lo: -0.5, hi: 0.5 }, dtype).data, spec.shape, dtype));
    const y = c.fn(...xs);
    const u = E.constant(randomHost(rng, { shape: y.shape.map(Number) }, dtype).data, y.shape.map(Number), dtype);
    const lossAt = (zs: Tensor[]) => E.reduceSum(E.mul(c.fn(...zs), u));
    const grads = E.grad(E.reduceSum(E.mul(y, u)), xs, target);
    const d = grads.map((g, i) => E.reduceSum(E.mul(g, vs[i]!))).reduce((a, b) => E.add(a, b));
    outputs.push([`${c.name}/D`, d]);
    outputs.push([`${c.name}/Lp`, lossAt(xs.map((x, i) => E.add(x, E.mul(vs[i]!, eps))))]);
    outputs.push([`${c.name}/Lm`, lossAt(xs.map((x, i) => E.sub(x, E.mul(vs[i]!, eps))))]);
  }
  const session = await E.Session.create(E.toOnnx({ inputs: graphInputs, outputs }), { threads: 1 });
  const out = await session.runHost(feeds);
  await session.release();
  const scalar = (k: string) => Number(out[k]!.data[0]);
  return cases.map((c) => ({
    name: c.name,
    analytic: scalar(`${c.name}/D`),
    numeric: (scalar(`${c.name}/Lp`) - scalar(`${c.name}/Lm`)) / (2 * eps),
  }));
}
