/**
 * Sub-pixel global translation between two images of the same size: an integer normalized-cross-correlation
 * search on a coarse 2× pyramid level, then Gauss-Newton refinement of (dy, dx, gain, offset) level by level
 * with bicubic resampling. Gain and offset absorb the different exposure and PSF energy of the two objectives.
 */
import { PearsonSums } from '../../util/pearson.js';
import { type FloatImage, gaussianBlur, halve, translateBicubic } from './resample.js';

/** Convention: `moving(p) ≈ gain · reference(p − shift) + offset`, i.e. moving's content lies `shift` further. */
export interface GlobalShift {
  dy: number;
  dx: number;
  /** Pearson correlation of the aligned images over their overlap, in [0, 1] (0 when anticorrelated). */
  confidence: number;
  /** Least-squares standard error of dy and dx (px), from the residual variance and (JᵀJ)⁻¹; white noise assumed. */
  stdErrPx: number;
}

export interface GlobalShiftOptions {
  /** Largest |shift| searched, in pixels of these images (default 24). */
  maxShiftPx?: number;
  /** Gauss-Newton iterations per level (default 8; stops earlier below 1e-4 px). */
  iterations?: number;
  /** Gaussian σ (px) applied to both images before refinement (default 1). */
  prefilterSigmaPx?: number;
}

/** Estimates the translation of `moving` relative to `reference` (same size), in their pixels. */
export function estimateGlobalShift(reference: FloatImage, moving: FloatImage, options: GlobalShiftOptions = {}): GlobalShift {
  if (reference.width !== moving.width || reference.height !== moving.height) {
    throw new RangeError(`shift estimation needs images of one size, received ${reference.width}x${reference.height} and ${moving.width}x${moving.height}`);
  }
  const maxShiftPx = options.maxShiftPx ?? 24;
  const iterations = options.iterations ?? 8;
  const sigma = options.prefilterSigmaPx ?? 1;
  const refs = [reference];
  const movs = [moving];
  while (Math.min(refs[refs.length - 1]!.width, refs[refs.length - 1]!.height) >= 64) {
    refs.push(halve(refs[refs.length - 1]!));
    movs.push(halve(movs[movs.length - 1]!));
  }
  const top = refs.length - 1;
  const searchPx = Math.max(1, Math.ceil(maxShiftPx / 2 ** top));
  let [dy, dx] = integerSearch(refs[top]!, movs[top]!, searchPx);
  let confidence = 0;
  let stdErrPx = Infinity;
  for (let level = top; level >= 0; level--) {
    if (level < top) {
      // A 2×2 block mean moves the pixel centre by half a fine pixel: c_fine = 2·c_coarse + 0.5, which cancels for a shift.
      dy *= 2;
      dx *= 2;
    }
    const refined = refine(gaussianBlur(refs[level]!, sigma), gaussianBlur(movs[level]!, sigma), dy, dx, iterations);
    dy = refined.dy;
    dx = refined.dx;
    confidence = refined.confidence;
    stdErrPx = refined.stdErrPx;
  }
  return { dy, dx, confidence, stdErrPx };
}

/** Integer shift maximizing the normalized cross-correlation of the overlapping parts. */
function integerSearch(ref: FloatImage, mov: FloatImage, range: number): [number, number] {
  let best = -Infinity;
  let bestShift: [number, number] = [0, 0];
  for (let sy = -range; sy <= range; sy++) {
    for (let sx = -range; sx <= range; sx++) {
      const ncc = overlapCorrelation(ref, mov, sy, sx);
      if (ncc > best) {
        best = ncc;
        bestShift = [sy, sx];
      }
    }
  }
  return bestShift;
}

/** Pearson correlation of mov(p) and ref(p − shift) over the pixels where both exist. */
function overlapCorrelation(ref: FloatImage, mov: FloatImage, sy: number, sx: number): number {
  const { width, height } = ref;
  const sums = new PearsonSums();
  for (let y = Math.max(0, sy); y < Math.min(height, height + sy); y++) {
    for (let x = Math.max(0, sx); x < Math.min(width, width + sx); x++) {
      sums.add(mov.data[y * width + x]!, ref.data[(y - sy) * width + (x - sx)]!);
    }
  }
  return sums.value();
}

/** Gauss-Newton on mov(p) ≈ gain · ref(p − d) + offset over pixels whose samples stay inside the image. */
function refine(ref: FloatImage, mov: FloatImage, dy0: number, dx0: number, iterations: number): GlobalShift {
  const { width, height } = ref;
  let dy = dy0;
  let dx = dx0;
  let gain = 1;
  let offset = 0;
  let confidence = 0;
  let stdErrPx = Infinity;
  for (let it = 0; it < iterations; it++) {
    const warped = translateBicubic(ref, -dy, -dx).data; // warped(p) = ref(p − d)
    const y0 = Math.max(2, Math.ceil(dy) + 2);
    const y1 = Math.min(height - 3, Math.floor(height - 3 + dy) - 1);
    const x0 = Math.max(2, Math.ceil(dx) + 2);
    const x1 = Math.min(width - 3, Math.floor(width - 3 + dx) - 1);
    if (y1 - y0 < 4 || x1 - x0 < 4) break; // the shift left no overlap to refine on
    // Normal equations of J = [−gain·gy, −gain·gx, w, 1] accumulated as scalars (the 10 distinct sums of JᵀJ).
    let syy = 0, syx = 0, syw = 0, sy1 = 0, sxx = 0, sxw = 0, sx1 = 0, sww = 0, sw = 0;
    let ry = 0, rx = 0, rw = 0, r1 = 0;
    let n = 0, sm = 0, smm = 0, swm = 0, srr = 0;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0, i = y * width + x0; x <= x1; x++, i++) {
        const w = warped[i]!;
        const m = mov.data[i]!;
        // d/d(dy) of gain·ref(p − d) is −gain·∂ref/∂y.
        const jy = (-gain * (warped[i + width]! - warped[i - width]!)) / 2;
        const jx = (-gain * (warped[i + 1]! - warped[i - 1]!)) / 2;
        const r = m - (gain * w + offset);
        syy += jy * jy;
        syx += jy * jx;
        syw += jy * w;
        sy1 += jy;
        sxx += jx * jx;
        sxw += jx * w;
        sx1 += jx;
        sww += w * w;
        sw += w;
        ry += jy * r;
        rx += jx * r;
        rw += w * r;
        r1 += r;
        srr += r * r;
        n++;
        sm += m;
        smm += m * m;
        swm += w * m;
      }
    }
    const a = Float64Array.of(syy, syx, syw, sy1, syx, sxx, sxw, sx1, syw, sxw, sww, sw, sy1, sx1, sw, n);
    const b = Float64Array.of(ry, rx, rw, r1);
    const cov = swm - (sw * sm) / n;
    const den = Math.sqrt((sww - (sw * sw) / n) * (smm - (sm * sm) / n));
    confidence = den > 0 ? Math.max(0, cov / den) : 0;
    const inverseDiag = [0, 1].map((k) => solve4(a, Float64Array.from({ length: 4 }, (_, q) => (q === k ? 1 : 0)))?.[k] ?? Infinity);
    stdErrPx = Math.sqrt(((inverseDiag[0]! + inverseDiag[1]!) / 2) * (srr / Math.max(1, n - 4)));
    const step = solve4(a, b);
    if (!step) break;
    dy += step[0]!;
    dx += step[1]!;
    gain += step[2]!;
    offset += step[3]!;
    if (Math.hypot(step[0]!, step[1]!) < 1e-4) break;
  }
  return { dy, dx, confidence, stdErrPx };
}

/** Solves the 4×4 system a·x = b by Gaussian elimination with partial pivoting; undefined when singular. */
function solve4(a: Float64Array, b: Float64Array): Float64Array | undefined {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let col = 0; col < 4; col++) {
    let pivot = col;
    for (let r = col + 1; r < 4; r++) if (Math.abs(m[r * 4 + col]!) > Math.abs(m[pivot * 4 + col]!)) pivot = r;
    if (Math.abs(m[pivot * 4 + col]!) < 1e-12) return undefined;
    if (pivot !== col) {
      for (let c = 0; c < 4; c++) [m[col * 4 + c], m[pivot * 4 + c]] = [m[pivot * 4 + c]!, m[col * 4 + c]!];
      [x[col], x[pivot]] = [x[pivot]!, x[col]!];
    }
    for (let r = col + 1; r < 4; r++) {
      const f = m[r * 4 + col]! / m[col * 4 + col]!;
      for (let c = col; c < 4; c++) m[r * 4 + c]! -= f * m[col * 4 + c]!;
      x[r]! -= f * x[col]!;
    }
  }
  for (let r = 3; r >= 0; r--) {
    let s = x[r]!;
    for (let c = r + 1; c < 4; c++) s -= m[r * 4 + c]! * x[c]!;
    x[r] = s / m[r * 4 + r]!;
  }
  return x;
}
