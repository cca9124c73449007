/**
 * A port of scikit-image 0.19's `optical_flow_tvl1` (Zach et al. 2007; Wedel et al. 2009) with its defaults,
 * which the original SR-CACO-2 pipeline used to register each LR patch to its HR patch. Arrays are float32 and
 * each stored value is rounded to float32 like numpy, so the flow matches the Python to float32 round-off.
 */
import { type Grid, bilinearClamped, gradient, grid, pyramid, resizeFlow } from './skimage-ops.js';

const f32 = Math.fround;

/** TV-L1 parameters; the defaults are scikit-image's. */
export interface Tvl1Options {
  attachment?: number;
  tightness?: number;
  numWarp?: number;
  numIter?: number;
  tol?: number;
}

/** Dense flow: `moving(r + v, c + u) ≈ reference(r, c)`; v along rows, u along columns, in pixels. */
export interface Flow {
  readonly rows: number;
  readonly cols: number;
  readonly v: Float32Array;
  readonly u: Float32Array;
}

/** `optical_flow_tvl1(reference, moving)`: coarse-to-fine TV-L1 flow between two float32 images. */
export function opticalFlowTvl1(reference: Grid, moving: Grid, options: Tvl1Options = {}): Flow {
  if (reference.rows !== moving.rows || reference.cols !== moving.cols) {
    throw new RangeError('optical flow needs two images of the same shape');
  }
  const refPyramid = pyramid(reference);
  const movPyramid = pyramid(moving);
  let flow: [Float32Array, Float32Array] | undefined;
  let prev: Grid | undefined;
  for (let level = 0; level < refPyramid.length; level++) {
    const ref = refPyramid[level]!;
    const mov = movPyramid[level]!;
    const init: [Float32Array, Float32Array] =
      flow && prev ? resizeFlow(flow, prev, ref.rows, ref.cols) : [new Float32Array(ref.data.length), new Float32Array(ref.data.length)];
    flow = tvl1Level(ref, mov, init, options);
    prev = ref;
  }
  return { rows: reference.rows, cols: reference.cols, v: flow![0], u: flow![1] };
}

/** skimage's `_tvl1` at one pyramid level (2-D), operation for operation. */
function tvl1Level(ref: Grid, mov: Grid, flow0: [Float32Array, Float32Array], options: Tvl1Options): [Float32Array, Float32Array] {
  const { attachment = 15, tightness = 0.3, numWarp = 5, numIter = 10, tol = 1e-4 } = options;
  const { rows, cols } = ref;
  const n = rows * cols;
  const dt = 0.5 / 2;
  const regNumIter = 2;
  const f0 = f32(attachment * tightness); // numpy casts the python scalar to float32 before the multiply
  const f1 = f32(dt / tightness);
  const tolTotal = tol * n;
  let current = flow0;
  const proj = [new Float32Array(n), new Float32Array(n), new Float32Array(n), new Float32Array(n)]; // proj[idx][ax]
  const warped = grid(rows, cols);
  const rho0 = new Float32Array(n);
  const ni = new Float32Array(n);
  for (let w = 0; w < numWarp; w++) {
    const [fv, fu] = current;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        warped.data[i] = bilinearClamped(mov, f32(fv[i]! + r), f32(fu[i]! + c));
      }
    }
    const [gr, gc] = gradient(warped);
    for (let i = 0; i < n; i++) {
      const s = f32(f32(gr[i]! * gr[i]!) + f32(gc[i]! * gc[i]!));
      ni[i] = s === 0 ? 1 : s;
      rho0[i] = f32(warped.data[i]! - ref.data[i]!) - f32(f32(gr[i]! * fv[i]!) + f32(gc[i]! * fu[i]!));
    }
    let previous: [Float32Array, Float32Array] | undefined; // skimage's flow_previous aliases the first data step
    for (let it = 0; it < numIter; it++) {
      const aux = current; // data term, updated in place like skimage's flow_auxiliary
      const [av, au] = aux;
      for (let i = 0; i < n; i++) {
        const rho = f32(rho0[i]! + f32(f32(gr[i]! * av[i]!) + f32(gc[i]! * au[i]!)));
        if (Math.abs(rho) <= f32(f0 * ni[i]!)) {
          av[i] = av[i]! - f32(f32(rho * gr[i]!) / ni[i]!);
          au[i] = au[i]! - f32(f32(rho * gc[i]!) / ni[i]!);
        } else {
          const srho = f0 * Math.sign(rho);
          av[i] = av[i]! - f32(srho * gr[i]!);
          au[i] = au[i]! - f32(srho * gc[i]!);
        }
      }
      if (it === 0) previous = [av.slice(), au.slice()];
      current = [av.slice(), au.slice()];
      for (let idx = 0; idx < 2; idx++) {
        const fc = current[idx]!;
        const base = aux[idx]!;
        const p0 = proj[2 * idx]!;
        const p1 = proj[2 * idx + 1]!;
        for (let k = 0; k < regNumIter; k++) {
          // Pass 1: forward differences (0 on the last row/col), then proj = (proj - dt*g) / (1 + f1*|g|).
          for (let r = 0; r < rows; r++) {
            const lastRow = r === rows - 1;
            for (let c = 0, i = r * cols; c < cols; c++, i++) {
              const here = fc[i]!;
              const g0 = lastRow ? 0 : f32(fc[i + cols]! - here);
              const g1 = c === cols - 1 ? 0 : f32(fc[i + 1]! - here);
              const norm = f32(f32(f32(Math.sqrt(f32(f32(g0 * g0) + f32(g1 * g1)))) * f1) + 1);
              p0[i] = f32(p0[i]! - dt * g0) / norm;
              p1[i] = f32(p1[i]! - dt * g1) / norm;
            }
          }
          // Pass 2: d = -(p0 + p1) plus the backward neighbours (axis 0 first, as skimage adds them), flow = aux + d.
          for (let r = 0; r < rows; r++) {
            for (let c = 0, i = r * cols; c < cols; c++, i++) {
              let di = -f32(p0[i]! + p1[i]!);
              if (r > 0) di = f32(di + p0[i - cols]!);
              if (c > 0) di = f32(di + p1[i - 1]!);
              fc[i] = base[i]! + di;
            }
          }
        }
      }
    }
    let change = 0;
    for (let a = 0; a < 2; a++) {
      for (let i = 0; i < n; i++) {
        const diff = f32(previous![a]![i]! - current[a]![i]!);
        change += diff * diff;
      }
    }
    if (change < tolTotal) break;
  }
  return current;
}
