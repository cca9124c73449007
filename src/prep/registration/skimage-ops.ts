/**
 * The image operations scikit-image 0.19 uses inside `optical_flow_tvl1`, re-implemented in float32 so the
 * TV-L1 port follows the original numerically: every value is rounded to float32 where numpy stores a
 * float32 array (`Math.fround`), and accumulations run in float64 where scipy's C code does.
 */
const f32 = Math.fround;

/** A float32 image, rows × cols, row-major (`data[r * cols + c]`), axis 0 = rows as in numpy. */
export interface Grid {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

export function grid(rows: number, cols: number, data = new Float32Array(rows * cols)): Grid {
  return { rows, cols, data };
}

/** `img_as_float32`: integer pixels divided by the type's maximum, computed in float32 as numpy does. */
export function unitFloat32(data: ArrayLike<number>, maxValue: number): Float32Array {
  const out = new Float32Array(data.length);
  if (maxValue === 1) {
    out.set(data);
    return out;
  }
  const inv = f32(1 / maxValue);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! * inv; // product of two float32 values, rounded on store
  return out;
}

/** `scipy.ndimage.gaussian_filter(mode='reflect', truncate=4)` on float32: axis 0 then axis 1, float32 between. */
export function gaussianReflect(img: Grid, sigma: number): Grid {
  const radius = Math.floor(4 * sigma + 0.5);
  const weights = new Float64Array(radius + 1);
  const sigma2 = sigma * sigma;
  let sum = 0;
  const all: number[] = [];
  for (let x = -radius; x <= radius; x++) all.push(Math.exp((-0.5 / sigma2) * x * x));
  for (const w of all) sum += w;
  for (let j = 0; j <= radius; j++) weights[j] = all[radius + j]! / sum;
  const tmp = grid(img.rows, img.cols);
  const out = grid(img.rows, img.cols);
  correlateSymmetric(img.data, tmp.data, img.rows, img.cols, img.cols, 1, weights); // along axis 0
  correlateSymmetric(tmp.data, out.data, img.cols, img.rows, 1, img.cols, weights); // along axis 1
  return out;
}

/** scipy's symmetric correlate1d: `l0*w0 + Σ_{j=r..1} (l[-j] + l[+j]) * w[j]` in float64, half-sample reflection. */
function correlateSymmetric(
  src: Float32Array,
  dst: Float32Array,
  length: number,
  lines: number,
  step: number,
  lineStep: number,
  weights: Float64Array,
): void {
  const radius = weights.length - 1;
  const buf = new Float64Array(length + 2 * radius);
  for (let line = 0; line < lines; line++) {
    const base = line * lineStep;
    for (let i = 0; i < length + 2 * radius; i++) buf[i] = src[base + reflectIndex(i - radius, length) * step]!;
    for (let i = 0; i < length; i++) {
      const c = i + radius;
      let acc = buf[c]! * weights[0]!;
      for (let j = radius; j >= 1; j--) acc += (buf[c - j]! + buf[c + j]!) * weights[j]!;
      dst[base + i * step] = acc;
    }
  }
}

/** ndimage 'reflect' (numpy 'symmetric'): d c b a | a b c d | d c b a. */
function reflectIndex(i: number, n: number): number {
  const period = 2 * n;
  let k = ((i % period) + period) % period;
  return k < n ? k : period - 1 - k;
}

/** `pyramid_reduce(image, 2)`: Gaussian σ = 2/3 then bilinear `resize` to ceil(n/2) with grid-mode coordinates. */
export function pyramidReduce(img: Grid): Grid {
  const smoothed = gaussianReflect(img, (2 * 2) / 6.0);
  const rows = Math.ceil(img.rows / 2);
  const cols = Math.ceil(img.cols / 2);
  const out = grid(rows, cols);
  const fr = img.rows / rows;
  const fc = img.cols / cols;
  for (let r = 0; r < rows; r++) {
    // (i + 0.5) * factor - 0.5 stays inside [0, n-1] for any downscale, so the 'mirror' boundary never applies.
    const y = (r + 0.5) * fr - 0.5;
    for (let c = 0; c < cols; c++) {
      const x = (c + 0.5) * fc - 0.5;
      out.data[r * cols + c] = bilinearClamped(smoothed, y, x);
    }
  }
  return out;
}

/** `get_pyramid(I, downscale=2, nlevel=10, min_size=16)`, coarsest level first. */
export function pyramid(img: Grid): Grid[] {
  const levels = [img];
  let size = Math.min(img.rows, img.cols);
  while (levels.length < 10 && size > 2 * 16) {
    const next = pyramidReduce(levels[levels.length - 1]!);
    levels.push(next);
    size = Math.min(next.rows, next.cols);
  }
  return levels.reverse();
}

/** Order-1 spline interpolation with ndimage 'nearest' boundary (coordinates clamped to the image), float64 sum. */
export function bilinearClamped(img: Grid, y: number, x: number): number {
  const { rows, cols, data } = img;
  const yc = y < 0 ? 0 : y > rows - 1 ? rows - 1 : y;
  const xc = x < 0 ? 0 : x > cols - 1 ? cols - 1 : x;
  const y0 = Math.floor(yc);
  const x0 = Math.floor(xc);
  const ty = yc - y0;
  const tx = xc - x0;
  const y1 = y0 + 1 < rows ? y0 + 1 : rows - 1;
  const x1 = x0 + 1 < cols ? x0 + 1 : cols - 1;
  const a = data[y0 * cols + x0]!;
  const b = data[y0 * cols + x1]!;
  const c = data[y1 * cols + x0]!;
  const d = data[y1 * cols + x1]!;
  return (1 - ty) * ((1 - tx) * a + tx * b) + ty * ((1 - tx) * c + tx * d);
}

/** `np.gradient` (edge_order=1) along rows and cols, in float32. */
export function gradient(img: Grid): [Float32Array, Float32Array] {
  const { rows, cols, data } = img;
  const gr = new Float32Array(rows * cols);
  const gc = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const i = o + c;
      gr[i] =
        r === 0 ? data[i + cols]! - data[i]! : r === rows - 1 ? data[i]! - data[i - cols]! : f32(data[i + cols]! - data[i - cols]!) / 2;
      gc[i] = c === 0 ? data[i + 1]! - data[i]! : c === cols - 1 ? data[i]! - data[i - 1]! : f32(data[i + 1]! - data[i - 1]!) / 2;
    }
  }
  return [gr, gc];
}

/** `resize_flow`: order-0 `ndi.zoom` (index floor(k·(n-1)/(m-1) + 0.5)), values scaled by m/n per axis. */
export function resizeFlow(flow: [Float32Array, Float32Array], from: Grid, rows: number, cols: number): [Float32Array, Float32Array] {
  const zr = rows > 1 ? (from.rows - 1) / (rows - 1) : 0;
  const zc = cols > 1 ? (from.cols - 1) / (cols - 1) : 0;
  const scale = [f32(rows / from.rows), f32(cols / from.cols)];
  const srcRow = Int32Array.from({ length: rows }, (_, k) => Math.min(from.rows - 1, Math.floor(k * zr + 0.5)));
  const srcCol = Int32Array.from({ length: cols }, (_, k) => Math.min(from.cols - 1, Math.floor(k * zc + 0.5)));
  return flow.map((component, axis) => {
    const out = new Float32Array(rows * cols);
    const s = scale[axis]!;
    for (let r = 0; r < rows; r++) {
      const o = srcRow[r]! * from.cols;
      for (let c = 0; c < cols; c++) out[r * cols + c] = s * component[o + srcCol[c]!]!;
    }
    return out;
  }) as [Float32Array, Float32Array];
}
