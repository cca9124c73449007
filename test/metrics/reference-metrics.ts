// An independent float64 re-implementation of the original's metrics, written as plain loops straight
// from utils_image.py (2-D 11x11 window, explicit ROI masks, literal NRMSE denominator). It shares no
// code with src/metrics on purpose: the tests compare the two.

export interface RefValues {
  psnr: number;
  nrmse: number;
  ssim: number;
  mse: number;
}

function crop(a: number[][], b: number): number[][] {
  return a.slice(b, a.length - b).map((row) => row.slice(b, row.length - b));
}

function psnr(mse: number): number {
  const m = mse < 1e-45 ? 1e-45 : mse;
  return 20 * Math.log10(255 / Math.sqrt(m));
}

function ssimMap(x: number[][], y: number[][]): number[][] {
  const size = 11;
  const sigma = 1.5;
  const win: number[][] = [];
  let total = 0;
  for (let i = 0; i < size; i++) {
    win.push([]);
    for (let j = 0; j < size; j++) {
      const v = Math.exp(-((i - 5) ** 2 + (j - 5) ** 2) / (2 * sigma * sigma));
      win[i].push(v);
      total += v;
    }
  }
  const c1 = 0.01 ** 2;
  const c2 = 0.03 ** 2;
  const out: number[][] = [];
  for (let r = 0; r + size <= x.length; r++) {
    out.push([]);
    for (let c = 0; c + size <= x[0].length; c++) {
      let mx = 0, my = 0, exx = 0, eyy = 0, exy = 0;
      for (let i = 0; i < size; i++) {
        for (let j = 0; j < size; j++) {
          const w = win[i][j] / total;
          const a = x[r + i][c + j] / 255;
          const b = y[r + i][c + j] / 255;
          mx += w * a;
          my += w * b;
          exx += w * a * a;
          eyy += w * b * b;
          exy += w * a * b;
        }
      }
      const sxx = exx - mx * mx;
      const syy = eyy - my * my;
      const sxy = exy - mx * my;
      const cs = (2 * sxy + c2) / (sxx + syy + c2);
      out[r].push(((2 * mx * my + c1) / (mx * mx + my * my + c1)) * cs);
    }
  }
  return out;
}

/** Metrics of 0..255 images (as nested rows) with an optional ROI threshold, like `_compute_metrics`. */
export function referenceMetrics(xFull: number[][], yFull: number[][], border: number, roiTh?: number): RefValues {
  const x = crop(xFull, border);
  const y = crop(yFull, border);
  const roiFull = yFull.map((row) => row.map((v) => (roiTh === undefined ? 1 : v >= roiTh ? 1 : 0)));
  const roi = crop(roiFull, border);
  let sq = 0, cnt = 0, minAll = Infinity, maxRoi = -Infinity, minRoi = Infinity;
  for (let r = 0; r < y.length; r++) {
    for (let c = 0; c < y[0].length; c++) {
      const d = (x[r][c] - y[r][c]) * roi[r][c];
      sq += d * d;
      cnt += roi[r][c];
      minAll = Math.min(minAll, y[r][c]);
      maxRoi = Math.max(maxRoi, y[r][c] * roi[r][c]);
      minRoi = Math.min(minRoi, y[r][c] * roi[r][c]);
    }
  }
  const mse = roiTh === undefined ? sq / (y.length * y[0].length) : sq / (cnt === 0 ? 1 : cnt);
  const lo = roiTh === undefined ? minAll : Math.max(minAll, minRoi);
  let denom = maxRoi - lo;
  if (denom === 0) denom = 1;
  const map = ssimMap(x, y);
  const roiS = crop(roi, 5);
  let s = 0, sc = 0;
  for (let r = 0; r < map.length; r++) {
    for (let c = 0; c < map[0].length; c++) {
      s += map[r][c] * roiS[r][c];
      sc += roiS[r][c];
    }
  }
  const ssim = roiTh === undefined ? s / (map.length * map[0].length) : s / (sc === 0 ? 1 : sc);
  return { psnr: psnr(mse), nrmse: Math.sqrt(mse) / denom, ssim, mse };
}

/** ROI metrics averaged over thresholds 4..10, per image (`marginalize_roi_th_perf`). */
export function referenceRoiMetrics(x: number[][], y: number[][], border: number): RefValues {
  const acc: RefValues = { psnr: 0, nrmse: 0, ssim: 0, mse: 0 };
  const ths = [4, 5, 6, 7, 8, 9, 10];
  for (const t of ths) {
    const m = referenceMetrics(x, y, border, t);
    acc.psnr += m.psnr / ths.length;
    acc.nrmse += m.nrmse / ths.length;
    acc.ssim += m.ssim / ths.length;
    acc.mse += m.mse / ths.length;
  }
  return acc;
}

/** Rows of a flat row-major array. */
export function rows(data: ArrayLike<number>, width: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < data.length; i += width) out.push(Array.from(data).slice(i, i + width));
  return out;
}
